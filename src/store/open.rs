//! Creating and unlocking a store: the keying sequence of DESIGN §4.

use std::path::Path;

use age::secrecy::SecretString;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::keystore::Keys;
use super::{Office, Result, Store, StoreError, Who, files, migrations, unlock_log};

/// SQLCipher's page cache in KiB (negative = KiB for `cache_size`). With the 2 MiB default,
/// encrypted bulk writes are several times slower: every page evicted is re-encrypted.
const CACHE_KIB: i64 = 131_072;

pub fn create(dir: &Path, passphrase: &SecretString, office: &Office) -> Result<Store> {
    create_with_keys(dir, passphrase, office, Keys::generate()?, None, |_| Ok(()))
}

impl Store {
    /// [`Store::create`], then `then` on the new store (settings chosen at `init`): if either
    /// fails, nothing is left behind and a retry starts clean.
    pub fn create_then(
        dir: &Path,
        passphrase: &SecretString,
        office: &Office,
        then: impl FnOnce(&Store) -> Result<()>,
    ) -> Result<Store> {
        create_with_keys(dir, passphrase, office, Keys::generate()?, None, then)
    }

    /// [`Store::create_then`], recording `analyst` as the store's first analyst and the
    /// session's (the "store created" entry names them).
    pub fn create_as(
        dir: &Path,
        passphrase: &SecretString,
        office: &Office,
        analyst: &str,
        then: impl FnOnce(&Store) -> Result<()>,
    ) -> Result<Store> {
        // Checked before anything is made on disk.
        let name = super::analysts::check_name(analyst)?;
        create_with_keys(dir, passphrase, office, Keys::generate()?, Some(&name), then)
    }
}

/// Creates a store, then runs `then` on it (settings chosen at `init`). If anything fails,
/// including `then`, nothing is left behind (see [`files::remove_new_store`]): a retry
/// after freeing disk space must not meet "a store already exists".
pub fn create_with_keys(
    dir: &Path,
    passphrase: &SecretString,
    office: &Office,
    keys: Keys,
    analyst: Option<&str>,
    then: impl FnOnce(&Store) -> Result<()>,
) -> Result<Store> {
    if files::is_leftover_of_failed_init(dir) {
        files::remove_new_store(dir, false);
    }
    if files::keystore(dir).exists() || files::database(dir).exists() {
        return Err(StoreError::Exists(dir.display().to_string()));
    }
    let made_dir = !dir.exists();
    let created = create_in(dir, passphrase, office, keys, analyst).and_then(|store| {
        then(&store)?;
        Ok(store)
    });
    // The store (and its connection) is dropped before its files are removed.
    if created.is_err() {
        files::remove_new_store(dir, made_dir);
    }
    created
}

fn create_in(
    dir: &Path,
    passphrase: &SecretString,
    office: &Office,
    keys: Keys,
    analyst: Option<&str>,
) -> Result<Store> {
    files::create_private_dir(dir)?;
    files::create_private_database(&files::database(dir))?;
    let mut conn = connect(&files::database(dir), &keys, true)?;
    migrations::upgrade(&mut conn)?;
    let device = keys.device_id();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (k, v) in [
        ("office.name", office.name.as_str()),
        ("office.agency", office.agency.as_str()),
        ("office.country", office.country.as_str()),
        ("created", &chrono::Utc::now().to_rfc3339()),
    ] {
        tx.execute("INSERT INTO meta(key, value) VALUES(?1, ?2)", [k, v])?;
    }
    tx.execute(
        "INSERT INTO device(id, public_key, age_recipient, office, agency, country, is_self, trusted_at)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1, ?7)",
        rusqlite::params![
            device.0.as_slice(),
            keys.public_key().as_slice(),
            keys.age_recipient(),
            office.name,
            office.agency,
            office.country,
            chrono::Utc::now().to_rfc3339()
        ],
    )?;
    tx.commit()?;
    // The keystore last: until it exists there is no store, whatever else is on disk.
    keys.seal(&files::keystore(dir), passphrase)?;
    let mut store = Store::from_parts(conn, keys, dir)?;
    if let Some(first) = analyst {
        // The first analyst is named by the "store created" entry itself.
        let name = store.record_first_analyst(first)?;
        store.set_analyst(&name)?;
    }
    store.audit("store created", &serde_json::json!({ "office": office.name }))?;
    Ok(store)
}

pub fn open(dir: &Path, passphrase: &SecretString, who: Who<'_>) -> Result<Store> {
    if !files::keystore(dir).exists() {
        return Err(StoreError::NoStore(dir.display().to_string()));
    }
    let keys = match Keys::unlock(&files::keystore(dir), passphrase) {
        Ok(k) => k,
        Err(StoreError::WrongPassphrase) => {
            // Recorded outside the store folder, which must stay byte-identical; the next
            // successful unlock moves it into the audit log.
            unlock_log::record_failure(dir);
            return Err(StoreError::WrongPassphrase);
        }
        Err(e) => return Err(e),
    };
    open_with_keys(dir, keys, who)
}

/// The second half of [`open`], once the key derivation has given the keys: opens and keys
/// the database, upgrades it, and records the unlock (and earlier failed ones) in the audit log.
pub fn open_with_keys(dir: &Path, keys: Keys, who: Who<'_>) -> Result<Store> {
    open_recording(dir, keys, who, "unlocked")
}

/// [`open_with_keys`] with keys the unlock agent served (agent.rs): the session's entry says
/// so, "unlocked by agent", one per command that used the agent.
pub fn open_by_agent(dir: &Path, keys: Keys, who: Who<'_>) -> Result<Store> {
    open_recording(dir, keys, who, "unlocked by agent")
}

fn open_recording(dir: &Path, keys: Keys, who: Who<'_>, unlocked: &str) -> Result<Store> {
    if !files::database(dir).exists() {
        return Err(StoreError::Corrupt(format!("{} is missing beside the keystore", files::DATABASE)));
    }
    let mut conn = connect(&files::database(dir), &keys, false)?;
    // After connecting, which makes the WAL files: an older store's are as open as its database.
    files::make_files_private(dir);
    migrations::upgrade(&mut conn)?;
    let mut store = Store::from_parts(conn, keys, dir)?;
    // Before the first entry, so the unlock names who unlocked; an unknown name is refused
    // with nothing written.
    store.choose_analyst(who)?;
    // Every session starts with its audit entry, written before anything is read. When it
    // cannot be written (a full disk: StoreError::DiskFull, "the disk holding the store is
    // full"; another writer past the busy timeout: StoreError::Busy) the store is not opened,
    // reads included. Keeping the entry in memory to write it later would let a read-only
    // session that ends on a still-full disk read the store with no trace in its audit log,
    // and who read what is exactly what the log is for. On a full disk SQLite usually cannot
    // even map the WAL index to read, so refusing costs little; the message says what to do.
    let failures = unlock_log::pending_failures(dir);
    for at in &failures {
        store.audit("unlock failed", &serde_json::json!({ "at": at }))?;
    }
    if !failures.is_empty() {
        // Forgotten only once they are in the audit log, so a full disk does not lose them.
        unlock_log::forget_failures(dir);
    }
    store.audit(unlocked, &serde_json::json!({}))?;
    Ok(store)
}

/// Opens and keys a connection; proves the key with a read before anything else.
fn connect(path: &Path, keys: &Keys, create: bool) -> Result<Connection> {
    keep_sqlcipher_active()?;
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    // First, before any statement: another process's commit or checkpoint may hold a lock
    // for a moment even while this one only reads, and every wait is then the same 10 s
    // (past it: StoreError::Busy, "another Liaison process is writing this store").
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let key = zeroize::Zeroizing::new(format!("x'{}'", &*keys.db_key_hex()));
    conn.pragma_update(None, "key", &*key)?;
    drop(key);
    // SQLCipher otherwise logs to stderr, which garbles a full-screen terminal.
    pragma(&conn, "PRAGMA cipher_log = off")?;
    pragma(&conn, "PRAGMA cipher_log_level = NONE")?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
            return Err(StoreError::Corrupt("the database does not open with this keystore's key".into()));
        }
        Err(e) => return Err(e.into()),
    }
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    pragma(&conn, "PRAGMA journal_mode = WAL")?;
    // FULL: a commit that returned is on disk ("nothing lost on a crash").
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(128);
    // Query-planner stability: plans never depend on bound values. Without it, SQLite
    // re-prepares cached statements whenever a bound value might change the plan (LIMIT ?,
    // small-integer comparisons), which cost a third of bulk-write time.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(conn)
}

/// SQLCipher initialises its crypto provider when the first connection is keyed and tears it
/// down when the last keyed connection closes; two threads keying at that moment race, and one
/// fails with "PRAGMA key requires a key of one or more characters" ("sqlcipher not
/// initialized" in its log; 3 of 300 processes keying 8 connections at once). One keyed
/// in-memory connection held for the life of the process keeps the provider up, so the
/// workbench's worker threads and parallel tests never meet the race.
fn keep_sqlcipher_active() -> Result<()> {
    // A mutex, not a OnceLock: two threads must not key their first connections together.
    static ACTIVE: std::sync::Mutex<Option<Connection>> = std::sync::Mutex::new(None);
    let mut active = ACTIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if active.is_none() {
        let conn = Connection::open_in_memory()?;
        // A throwaway key: the in-memory database holds nothing.
        conn.pragma_update(
            None,
            "key",
            "x'0000000000000000000000000000000000000000000000000000000000000000'",
        )?;
        pragma(&conn, "PRAGMA cipher_log = off")?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        *active = Some(conn);
    }
    Ok(())
}

/// Runs a pragma that may answer with a row.
fn pragma(conn: &Connection, sql: &str) -> Result<()> {
    conn.query_row(sql, [], |_| Ok(())).optional()?;
    Ok(())
}
