//! The encrypted store: a folder holding a SQLCipher database and a passphrase-protected
//! keystore (DESIGN §4). Owns opening and keying, migrations, the op log and everything
//! derived from it, queries, and the audit log. Knows nothing of terminals.

pub mod analysts;
mod apply;
pub mod audit;
mod audit_anchor;
mod case_timeline;
pub mod change;
pub mod edit;
mod files;
pub mod import_log;
pub mod inherit;
pub mod keystore;
mod migrations;
mod open;
pub(crate) mod oplog;
mod project;
pub mod query;
pub mod rebuild;
pub mod undo;
mod unlock_log;
pub mod write;
// Exchange between offices (issue 4).
pub mod conflicts;
pub mod deconfliction;
pub mod export_scope;
pub mod offices;
pub mod outbox;
pub mod peer_audit;
pub mod remote;
mod shares;
// Same / not same / unsure, across offices (issue 13).
pub mod judgements;
pub mod rfi;
pub mod watch;
// Unlock once; private store files; counts kept by the write path (issue 12).
pub mod agent;
mod counters;

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use rusqlite::{Connection, OptionalExtension};

pub use analysts::{Analyst, Who};
pub use edit::Provenance;
pub use files::{DATABASE, KEYSTORE};
pub use keystore::Keys;
pub use migrations::notify_upgrades_with;
pub use write::{Txn, WriteSummary};

use crate::model::hlc::{Clock, Hlc};
use crate::model::ids::DeviceId;
use crate::model::marking::Marking;
use crate::model::values::{Locale, country_code};

/// Errors of the store, each phrased for the person at the keyboard.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no store at {0}: create one with `liaison init` (or pass --store DIR)")]
    NoStore(String),
    #[error("a store already exists at {0}")]
    Exists(String),
    #[error("wrong passphrase: the store was not opened and nothing was changed")]
    WrongPassphrase,
    #[error("the store was made by a newer Liaison ({0}); upgrade Liaison to open it")]
    TooNew(String),
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Input(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    Io(String),
    /// Another process held the write lock for the whole busy timeout (10 s). The transaction
    /// that could not start changed nothing; a bulk `generate` keeps what it committed before,
    /// so the message does not claim "nothing was changed".
    #[error("another Liaison process is writing this store; try again when it has finished")]
    Busy,
    /// SQLite's SQLITE_FULL, or an I/O error whose cause is ENOSPC.
    #[error("the disk holding the store is full: free some space and try again")]
    DiskFull,
    /// A bundle imported by another process while this one waited for the write lock.
    #[error(
        "this bundle was already imported (by another Liaison process at the same moment): nothing changed"
    )]
    AlreadyImported,
    #[error("database error: {0}")]
    Sql(rusqlite::Error),
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
}

/// Every SQLite error of the store passes here, so that the failures a user can act on are
/// named in their terms wherever they happen (an append, an import, an unlock).
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        let rusqlite::Error::SqliteFailure(f, msg) = &e else { return StoreError::Sql(e) };
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy,
            ErrorCode::DiskFull => StoreError::DiskFull,
            // Extending the shared-memory index (`-shm`, needed even to read a WAL database)
            // writes one byte per page: on a full disk that write fails with ENOSPC and SQLite
            // reports this I/O error, not SQLITE_FULL. Writes to the database and its WAL that
            // fail with ENOSPC are reported as SQLITE_FULL by SQLite itself.
            ErrorCode::SystemIoFailure if f.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE => {
                StoreError::DiskFull
            }
            // The bundle's id is the key of `bundle_in`: a second import of the same bundle that
            // waited for the first to finish meets it here, inside its rolled-back transaction.
            ErrorCode::ConstraintViolation
                if msg.as_deref().is_some_and(|m| m.contains("bundle_in.bundle_id")) =>
            {
                StoreError::AlreadyImported
            }
            _ => StoreError::Sql(e),
        }
    }
}

impl StoreError {
    /// An I/O error of the store's own files (keystore, folder), in the user's terms: a full
    /// disk says so, anything else names the file.
    pub fn io(path: &Path, e: &std::io::Error) -> StoreError {
        if e.kind() == std::io::ErrorKind::StorageFull {
            StoreError::DiskFull
        } else {
            StoreError::Io(format!("{}: {e}", path.display()))
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The `meta` key of the office's default marking.
const DEFAULT_MARKING_KEY: &str = "office.default_marking";

/// Who this store belongs to.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Office {
    pub name: String,
    pub agency: String,
    pub country: String,
}

/// An open, unlocked store.
pub struct Store {
    conn: Connection,
    keys: Keys,
    dir: PathBuf,
    device: DeviceId,
    clock: Clock,
    office: Office,
    /// Who is working in this session (see `analysts`).
    analyst: Option<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).field("device", &self.device).finish()
    }
}

impl Store {
    /// Creates a new store in `dir` (which must not hold one yet).
    pub fn create(dir: &Path, passphrase: &SecretString, office: &Office) -> Result<Store> {
        open::create(dir, passphrase, office)
    }

    /// Creates a store with given keys: for test fixtures only (see `Keys::from_fixture`).
    #[doc(hidden)]
    pub fn create_with_keys(
        dir: &Path,
        passphrase: &SecretString,
        office: &Office,
        keys: Keys,
    ) -> Result<Store> {
        open::create_with_keys(dir, passphrase, office, keys, None, |_| Ok(()))
    }

    /// Unlocks the store in `dir`. A wrong passphrase changes no file in `dir`. The session's
    /// analyst is the store's only one, if it has exactly one ([`Who::Unchosen`]).
    pub fn open(dir: &Path, passphrase: &SecretString) -> Result<Store> {
        open::open(dir, passphrase, Who::Unchosen)
    }

    /// [`Store::open`] for the analyst `who`, chosen before the session's first audit entry
    /// (so the unlock itself names them). An analyst the store does not know is refused
    /// before anything is written.
    pub fn open_as(dir: &Path, passphrase: &SecretString, who: Who<'_>) -> Result<Store> {
        open::open(dir, passphrase, who)
    }

    /// Opens the store with keys already derived from the passphrase ([`Keys::unlock`]), so
    /// that the slow key derivation can be shown (and measured) apart from the opening.
    pub fn open_with_keys(dir: &Path, keys: Keys) -> Result<Store> {
        open::open_with_keys(dir, keys, Who::Unchosen)
    }

    /// [`Store::open_with_keys`] for the analyst `who` (see [`Store::open_as`]).
    pub fn open_with_keys_as(dir: &Path, keys: Keys, who: Who<'_>) -> Result<Store> {
        open::open_with_keys(dir, keys, who)
    }

    /// Opens the store with keys its unlock agent served ([`agent::fetch_keys`]); the
    /// session's audit entry is "unlocked by agent".
    pub fn open_by_agent(dir: &Path, keys: Keys, who: Who<'_>) -> Result<Store> {
        open::open_by_agent(dir, keys, who)
    }

    /// Whether `dir` holds a store.
    pub fn exists(dir: &Path) -> bool {
        files::keystore(dir).exists()
    }

    fn from_parts(conn: Connection, keys: Keys, dir: &Path) -> Result<Store> {
        // Before any audit entry: appends chain and sign with these keys.
        audit_anchor::install(&conn, &keys)?;
        analysts::install(&conn)?;
        let device = keys.device_id();
        let last: Option<i64> = conn
            .query_row("SELECT max(value) FROM meta WHERE key = 'hlc'", [], |r| r.get(0))
            .optional()?
            .flatten()
            .and_then(|v: String| v.parse().ok());
        let get = |k: &str| -> Result<String> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()?
                .unwrap_or_default())
        };
        let office = Office {
            name: get("office.name")?,
            agency: get("office.agency")?,
            country: get("office.country")?,
        };
        Ok(Store {
            clock: Clock::starting_after(Hlc(last.unwrap_or(0))),
            conn,
            keys,
            dir: dir.to_path_buf(),
            device,
            office,
            analyst: None,
        })
    }

    /// Re-encrypts the keystore with a new passphrase. The database file is not touched.
    pub fn change_passphrase(&mut self, new: &SecretString) -> Result<()> {
        self.keys.seal(&files::keystore(&self.dir), new)?;
        self.audit("passphrase changed", &serde_json::json!({}))?;
        Ok(())
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn office(&self) -> &Office {
        &self.office
    }

    /// How values typed by this office's users are read (national phone numbers…).
    pub fn locale(&self) -> Locale {
        Locale { default_country: country_code(&self.office.country) }
    }

    /// The marking a value takes when nothing more specific applies (no marking given, no
    /// case, a record with no marking of its own): chosen at `liaison init`, TLP:AMBER for
    /// stores made before the choice existed. Never CLEAR unless someone chose it.
    pub fn default_marking(&self) -> Result<Marking> {
        match self.meta(DEFAULT_MARKING_KEY)? {
            Some(text) => Marking::parse(&text).map_err(|e| {
                StoreError::Corrupt(format!("the office's default marking {text:?} is unreadable: {e}"))
            }),
            None => Ok(Marking::office_fallback()),
        }
    }

    /// Sets the office's default marking (see [`Store::default_marking`]).
    pub fn set_default_marking(&self, marking: &Marking) -> Result<()> {
        self.set_meta(DEFAULT_MARKING_KEY, &marking.to_string())
    }

    pub fn clock_mut(&mut self) -> &mut Clock {
        &mut self.clock
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES(?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}
