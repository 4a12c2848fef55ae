//! Issue 16: an audit log that cannot be shortened quietly. Each test tampers with a real
//! encrypted store the way an insider holding the database key would (a raw SQLCipher
//! connection, none of Liaison's code), then asks the binary, as a user would.

use crate::common;
use crate::exchange_support;

use std::sync::Mutex;

use age::secrecy::SecretString;
use common::Liaison;
use exchange_support::{PASSPHRASE, office, path, trust_all};
use liaison::store::{DATABASE, KEYSTORE, Keys};
use rusqlite::{Connection, params};

/// SQLCipher's provider must stay up while connections are keyed from parallel tests (see
/// store/open.rs): one keyed in-memory connection lives as long as the test process.
static SQLCIPHER: Mutex<Option<Connection>> = Mutex::new(None);

/// The database of `l`, opened and keyed as an insider with the passphrase would.
fn raw(l: &Liaison) -> Connection {
    let keys = Keys::unlock(&l.store.join(KEYSTORE), &SecretString::from(PASSPHRASE.to_owned())).unwrap();
    let mut keep = SQLCIPHER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if keep.is_none() {
        let c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "key", "x'00000000000000000000000000000000000000000000000000000000000000ff'")
            .unwrap();
        c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).unwrap();
        *keep = Some(c);
    }
    let conn = Connection::open(l.store.join(DATABASE)).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", &*keys.db_key_hex())).unwrap();
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).unwrap();
    conn
}

fn last_entry(conn: &Connection) -> i64 {
    conn.query_row("SELECT max(n) FROM audit", [], |r| r.get(0)).unwrap()
}

/// A store with some history: writes, searches, unlocks.
fn busy_store() -> Liaison {
    let l = Liaison::init();
    for i in 0..4 {
        l.ok(&["entity", "new", "--schema", "Person", "--prop", &format!("name=Person {i}")]);
        l.ok(&["search", "Person"]);
    }
    l
}

/// `audit verify` fails (non-zero exit), says BROKEN at `first` and says `words`; `store
/// check` fails too.
fn caught(l: &Liaison, first: i64, words: &str) -> String {
    let out = l.run(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "audit verify passed a tampered log: {stdout}");
    assert!(stdout.contains(&format!("BROKEN at entry {first}:")), "{stdout}");
    assert!(stdout.contains(words), "expected {words:?} in: {stdout}");
    let check = l.run(&["store", "check"]);
    assert!(!check.status.success(), "store check passed: {}", String::from_utf8_lossy(&check.stdout));
    stdout
}

/// The unkeyed formula of audit logs written before schema 4.
fn old_formula(prev: &[u8], n: i64, at: &str, action: &str, detail: &str) -> Vec<u8> {
    let mut h = blake3::Hasher::new();
    h.update(b"liaison-audit-v1");
    feed(&mut h, prev, n, at, action, detail);
    h.finalize().as_bytes().to_vec()
}

/// What an insider who read docs/audit.md but has no signing key might try: the v2 layout
/// keyed with a key derived from the database key alone.
fn attacker_formula(db_key: &str) -> impl Fn(&[u8], i64, &str, &str, &str) -> Vec<u8> {
    let key = blake3::derive_key("liaison audit chain v2", db_key.as_bytes());
    move |prev, n, at, action, detail| {
        let mut h = blake3::Hasher::new_keyed(&key);
        h.update(b"liaison-audit-v2");
        feed(&mut h, prev, n, at, action, detail);
        h.finalize().as_bytes().to_vec()
    }
}

fn feed(h: &mut blake3::Hasher, prev: &[u8], n: i64, at: &str, action: &str, detail: &str) {
    h.update(prev);
    h.update(&n.to_le_bytes());
    for part in [at, action, detail] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
}

/// Removes entries `from..=to`, renumbers those after them to close the gap and re-hashes
/// the chain from `from` on with `formula`.
fn remove_and_rechain(
    conn: &Connection,
    from: i64,
    to: i64,
    formula: &dyn Fn(&[u8], i64, &str, &str, &str) -> Vec<u8>,
) {
    conn.execute("DELETE FROM audit WHERE n BETWEEN ?1 AND ?2", [from, to]).unwrap();
    let gap = to - from + 1;
    conn.execute("UPDATE audit SET n = -(n - ?1) WHERE n > ?2", [gap, to]).unwrap();
    conn.execute("UPDATE audit SET n = -n WHERE n < 0", []).unwrap();
    let mut prev: Vec<u8> =
        conn.query_row("SELECT hash FROM audit WHERE n = ?1", [from - 1], |r| r.get(0)).unwrap();
    let rows: Vec<(i64, String, String, String)> = conn
        .prepare("SELECT n, at, action, detail FROM audit WHERE n >= ?1 ORDER BY n")
        .unwrap()
        .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (n, at, action, detail) in rows {
        let hash = formula(&prev, n, &at, &action, &detail);
        conn.execute("UPDATE audit SET prev = ?2, hash = ?3 WHERE n = ?1", params![n, prev, hash]).unwrap();
        prev = hash;
    }
}

#[test]
fn the_last_three_entries_deleted_are_named() {
    let l = busy_store();
    let conn = raw(&l);
    let last = last_entry(&conn);
    conn.execute("DELETE FROM audit WHERE n > ?1", [last - 3]).unwrap();
    drop(conn);
    let said = caught(
        &l,
        last - 2,
        &format!(
            "entries {}–{last} are missing: the log ended before its signed checkpoint ({last} entries)",
            last - 2
        ),
    );
    // Still named on every later run: the hole does not heal.
    l.ok(&["stats"]);
    assert_eq!(caught(&l, last - 2, "are missing"), said);
    // The unlock that found it recorded it in the log itself.
    let log = l.json(&["audit", "log", "--limit", "50"]);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "audit log found cut short"), "{log}");
}

#[test]
fn a_wiped_log_is_named_from_its_first_entry() {
    let l = busy_store();
    let conn = raw(&l);
    let last = last_entry(&conn);
    conn.execute("DELETE FROM audit", []).unwrap();
    drop(conn);
    caught(&l, 1, &format!("entries 1–{last} are missing: the whole log was removed"));
}

#[test]
fn entries_removed_and_rechained_with_the_old_formula_are_named() {
    let l = busy_store();
    let conn = raw(&l);
    remove_and_rechain(&conn, 5, 7, &old_formula);
    drop(conn);
    caught(&l, 5, "re-chained from here without this store's audit key");
}

#[test]
fn entries_removed_and_rechained_with_a_guessed_key_and_no_checkpoint_are_named() {
    let l = busy_store();
    let conn = raw(&l);
    let keys = Keys::unlock(&l.store.join(KEYSTORE), &SecretString::from(PASSPHRASE.to_owned())).unwrap();
    remove_and_rechain(&conn, 6, 9, &attacker_formula(&keys.db_key_hex()));
    // The signed checkpoint gives the length away: the insider removes it too.
    conn.execute("DELETE FROM audit_checkpoint", []).unwrap();
    drop(conn);
    caught(&l, 6, "re-chained from here");
}

#[test]
fn a_wiped_log_cannot_get_a_fresh_checkpoint_from_liaison() {
    // Whoever can write the database wipes the log and the checkpoint and plants what an
    // upgrade would leave, hoping the next unlock signs a fresh checkpoint over nothing.
    let l = busy_store();
    let conn = raw(&l);
    conn.execute_batch(
        "DELETE FROM audit; DELETE FROM audit_checkpoint;
         INSERT INTO meta(key, value) VALUES('audit.anchor', 'pending');
         CREATE TABLE audit_anchor_start(since INTEGER);",
    )
    .unwrap();
    drop(conn);
    caught(&l, 2, "the signed checkpoint that records the log's length was removed");
}

#[test]
fn a_removed_checkpoint_alone_is_named() {
    let l = busy_store();
    let conn = raw(&l);
    let last = last_entry(&conn);
    conn.execute("DELETE FROM audit WHERE n > ?1", [last - 2]).unwrap();
    conn.execute("DELETE FROM audit_checkpoint", []).unwrap();
    drop(conn);
    caught(&l, last, "the signed checkpoint that records the log's length was removed");
}

#[test]
fn an_intact_log_verifies_and_says_so() {
    let l = busy_store();
    let out = l.ok(&["audit", "verify"]);
    assert!(out.starts_with("audit log intact: "), "{out}");
    assert!(l.ok(&["store", "check"]).contains("pages: ok"));
}

/// Turns a store made by this Liaison back into what Liaison wrote before schema 4: no
/// checkpoint, no partner heads, every entry chained with the unkeyed formula.
fn make_it_an_old_store(l: &Liaison) {
    let conn = raw(l);
    conn.execute_batch(
        "DROP TABLE audit_checkpoint; DROP TABLE peer_audit_head;
         DROP TABLE analyst; DROP INDEX commit_log_device_hlc; DROP TABLE judged;
         DROP TABLE psi_out; DROP TABLE psi_in; DROP TABLE psi_hit; DROP TABLE watch; DROP TABLE watch_alert;
         ALTER TABLE commit_log DROP COLUMN hlc; ALTER TABLE commit_log DROP COLUMN analyst;
         PRAGMA user_version = 3;",
    )
    .unwrap();
    // Schema 9's counters: the table and the triggers that keep it.
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'counter_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
    }
    conn.execute_batch("DROP TABLE counter").unwrap();
    let rows: Vec<(i64, String, String, String)> = conn
        .prepare("SELECT n, at, action, detail FROM audit ORDER BY n")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = vec![0u8; 32];
    for (n, at, action, detail) in rows {
        let hash = old_formula(&prev, n, &at, &action, &detail);
        conn.execute("UPDATE audit SET prev = ?2, hash = ?3 WHERE n = ?1", params![n, prev, hash]).unwrap();
        prev = hash;
    }
}

#[test]
fn an_upgraded_old_store_verifies_clean_and_is_anchored_from_then_on() {
    let l = busy_store();
    make_it_an_old_store(&l);
    let old_last = last_entry(&raw(&l));
    let out = l.ok(&["audit", "verify"]);
    assert!(out.starts_with("audit log intact: "), "{out}");
    assert!(l.ok(&["store", "check"]).contains("pages: ok"));
    l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=After the upgrade"]);
    l.ok(&["audit", "verify"]);
    let conn = raw(&l);
    let (version, keyed_from): (i64, i64) = (
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap(),
        conn.query_row("SELECT keyed_from FROM audit_checkpoint", [], |r| r.get(0)).unwrap(),
    );
    assert_eq!(version, 11, "upgraded to the latest schema");
    assert_eq!(keyed_from, old_last + 1, "the keyed chain starts at the first entry after the upgrade");
    // The older, unkeyed part is still verified as before.
    conn.execute("UPDATE audit SET detail = '{\"query\":\"innocent\"}' WHERE n = 3", []).unwrap();
    drop(conn);
    caught(&l, 3, "contents were altered");
}

#[test]
fn an_upgraded_old_store_cut_short_is_named() {
    let l = busy_store();
    make_it_an_old_store(&l);
    l.ok(&["stats"]);
    l.ok(&["stats"]);
    let conn = raw(&l);
    let last = last_entry(&conn);
    conn.execute("DELETE FROM audit WHERE n > ?1", [last - 3]).unwrap();
    drop(conn);
    caught(&l, last - 2, &format!("entries {}–{last} are missing", last - 2));
}

/// A copy of the schema-3 store written by the Liaison of commit 8c06cc4 (see
/// tests/fixtures/stores/README.md).
fn store_written_before_schema_4() -> Liaison {
    let l = Liaison::empty();
    std::fs::create_dir(&l.store).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stores/schema3");
    for file in [KEYSTORE, DATABASE] {
        std::fs::copy(fixture.join(file), l.store.join(file)).unwrap();
    }
    l
}

#[test]
fn a_store_written_by_the_previous_liaison_upgrades_and_verifies_clean() {
    let l = store_written_before_schema_4();
    let out = l.ok(&["audit", "verify"]);
    // 15 entries when it was written, then this session's first analyst (schema 5) and unlock.
    assert_eq!(out.trim(), "audit log intact: 17 entries");
    assert!(l.ok(&["store", "check"]).contains("pages: ok"));
    assert!(l.ok(&["search", "Old"]).contains("Old Person 2"));
    l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=New Person"]);
    l.ok(&["audit", "verify"]);
    let conn = raw(&l);
    let keyed_from: i64 =
        conn.query_row("SELECT keyed_from FROM audit_checkpoint", [], |r| r.get(0)).unwrap();
    assert_eq!(keyed_from, 16, "the keyed chain starts with the upgrade's first entry");
    // From then on it is anchored: its end cannot be cut off quietly.
    let last = last_entry(&conn);
    conn.execute("DELETE FROM audit WHERE n > ?1", [last - 3]).unwrap();
    drop(conn);
    caught(
        &l,
        last - 2,
        &format!("entries {}–{last} are missing: the log ended before its signed checkpoint", last - 2),
    );
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_partners_shortened_audit_head_is_reported_not_refused() {
    let paris = office("PJ Paris", "PJ", "FR");
    let marseille = office("PJ Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    marseille.ok(&["case", "new", "--ref", "OP-9", "--title", "Le Panier"]);
    marseille.ok(&["case", "share", "OP-9", "--with", "PJ Paris"]);
    for i in 0..6 {
        marseille.ok(&[
            "entity",
            "new",
            "--schema",
            "Person",
            "--prop",
            &format!("name=Suspect {i}"),
            "--case",
            "OP-9",
        ]);
    }
    let b1 = path(&marseille, "b1");
    marseille.ok(&["export", "--to", "PJ Paris", "-o", s(&b1)]);
    let first = paris.json(&["import", s(&b1)]);
    assert_eq!(first["audit_warnings"], serde_json::json!([]), "{first}");
    // The export's own entry comes after the head its bundle carries.
    let before: i64 = last_entry(&raw(&marseille)) - 1;
    // An insider in Marseille cuts its log down to 5 entries and removes the checkpoint
    // that would give the length away.
    {
        let conn = raw(&marseille);
        conn.execute("DELETE FROM audit WHERE n > 5", []).unwrap();
        conn.execute("DELETE FROM audit_checkpoint", []).unwrap();
    }
    marseille.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Suspect 7", "--case", "OP-9"]);
    let b2 = path(&marseille, "b2");
    marseille.ok(&["export", "--to", "PJ Paris", "-o", s(&b2)]);
    let announced = last_entry(&raw(&marseille)) - 1;
    assert!(announced < before, "{announced} vs {before}");
    let warning = format!(
        "PJ Marseille's audit log went from {before} entries to {announced} since its last bundle: \
         entries may have been removed"
    );

    // A preview says it, and is itself recorded in the audit log.
    let preview = paris.ok(&["import", "--dry-run", s(&b2)]);
    assert!(preview.contains(&format!("warning: {warning}")), "{preview}");
    let log = paris.json(&["audit", "log", "--limit", "5"]);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "previewed bundle"), "{log}");

    let text = paris.ok(&["import", s(&b2)]);
    assert!(text.starts_with("Imported bundle 2 from PJ Marseille"), "{text}");
    assert!(text.contains(&format!("warning: {warning}")), "{text}");
    // The bundle's contents were applied all the same.
    assert!(paris.ok(&["search", "Suspect 7"]).contains("Suspect 7"));
    // Recorded in Paris's audit log, shown by `office list`.
    let log = paris.json(&["audit", "log", "--limit", "5"]);
    let import = log.as_array().unwrap().iter().find(|e| e["action"] == "import").unwrap();
    assert_eq!(import["detail"]["sender_audit_warning"], warning.as_str(), "{import}");
    let offices = paris.json(&["office", "list", "--no-pending"]);
    let m = offices.as_array().unwrap().iter().find(|o| o["office"] == "PJ Marseille").unwrap();
    assert_eq!(m["audit_warning"], warning.as_str(), "{m}");
    assert_eq!(m["audit_entries"], announced, "{m}");
    assert!(paris.ok(&["office", "list", "--no-pending"]).contains(&format!("warning: {warning}")));
    // Paris's own log is intact.
    paris.ok(&["audit", "verify"]);
}

#[test]
fn a_refused_bundle_adds_audit_rows_but_leaves_the_data_unchanged() {
    let paris = office("PJ Paris", "PJ", "FR");
    let marseille = office("PJ Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    let b1 = path(&marseille, "b1");
    marseille.ok(&["export", "--to", "PJ Paris", "-o", s(&b1)]);
    let mut bytes = std::fs::read(&b1).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&b1, bytes).unwrap();
    let data = |l: &Liaison| -> Vec<i64> {
        let conn = raw(l);
        ["commit_log", "object", "stmt", "bundle_in", "peer_audit_head"]
            .iter()
            .map(|t| conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap())
            .collect()
    };
    let (before, held) = (last_entry(&raw(&paris)), data(&paris));
    paris.fails(&["import", s(&b1)]);
    assert_eq!(data(&paris), held, "a refused bundle changed data");
    // The unlock and the rejection: two rows, as docs/audit.md says (then `audit log`'s own
    // unlock).
    let log = paris.json(&["audit", "log", "--limit", "3"]);
    assert_eq!(log[1]["action"], "import rejected", "{log}");
    assert_eq!(log[2]["action"], "unlocked", "{log}");
    assert_eq!(log[2]["n"], before + 1, "{log}");
    paris.ok(&["audit", "verify"]);
}
