//! Ordered schema upgrades keyed on `PRAGMA user_version`, one transaction each.
//!
//! Append new steps; never edit a released one (stores in the field have run it). A store
//! whose version is above the last step was written by a newer Liaison and is refused
//! untouched rather than risk damaging it.

use rusqlite::Connection;

use super::StoreError;

/// (version reached, why, SQL).
const STEPS: &[(i64, &str, &str)] =
    &[(1, "initial layout", V1), (3, "log of files imported from other tools", super::import_log::V3)];

pub fn latest() -> i64 {
    STEPS.last().map_or(0, |s| s.0)
}

/// Brings the database up to the latest version.
pub fn upgrade(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest() {
        return Err(StoreError::TooNew(format!(
            "database schema version {current}, this Liaison knows up to {}",
            latest()
        )));
    }
    for (version, _why, sql) in STEPS.iter().filter(|s| s.0 > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// Tables marked "derived" are a pure function of `commit_log` and `op`: `store rebuild`
/// empties and recomputes them. The others are the record itself.
const V1: &str = r"
-- Settings of this store: office name, agency, country, counters.
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

-- Devices whose commits this store holds: this one, and trusted offices' devices.
CREATE TABLE device(
  id BLOB PRIMARY KEY,
  public_key BLOB NOT NULL,
  age_recipient TEXT,
  office TEXT NOT NULL,
  agency TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  is_self INTEGER NOT NULL DEFAULT 0,
  trusted_at TEXT,
  revoked_at TEXT
) WITHOUT ROWID;

-- The op log: signed commits, hash-chained per device.
CREATE TABLE commit_log(
  n INTEGER PRIMARY KEY,
  device BLOB NOT NULL,
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL UNIQUE,
  header BLOB NOT NULL,
  sig BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  UNIQUE(device, seq)
);
-- The ops of each commit that this store holds (a commit from another office may arrive
-- with only the ops its handling markings let it release).
CREATE TABLE op(
  commit_n INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY(commit_n, idx)
) WITHOUT ROWID;

-- Hash-chained audit log of unlocks, writes, searches, views, exports and imports.
CREATE TABLE audit(
  n INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev BLOB NOT NULL,
  hash BLOB NOT NULL
);

-- derived: every record (entity, link, case, note…) by a local number.
CREATE TABLE object(
  n INTEGER PRIMARY KEY,
  uid BLOB NOT NULL UNIQUE,
  schema TEXT NOT NULL,           -- '' while only referenced, not yet created
  src INTEGER,                    -- link source / owning case
  dst INTEGER,                    -- link target
  caption TEXT NOT NULL DEFAULT '',
  deleted INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  grade TEXT,                     -- strongest grade of its live statements
  grade_score INTEGER NOT NULL DEFAULT -1,
  marking TEXT NOT NULL DEFAULT 'TLP:CLEAR'
);
CREATE INDEX object_src ON object(src, schema);
CREATE INDEX object_dst ON object(dst, schema);
CREATE INDEX object_schema ON object(schema, caption);

-- derived: statements, one per (record, property, value, source).
CREATE TABLE stmt(
  n INTEGER PRIMARY KEY,
  obj INTEGER NOT NULL,
  prop TEXT NOT NULL,
  value TEXT NOT NULL,
  source INTEGER NOT NULL DEFAULT 0,  -- object n of the Source, 0 if none
  grade TEXT,
  marking TEXT NOT NULL,
  origin BLOB NOT NULL,               -- device of the latest add
  hlc INTEGER NOT NULL,
  valid_from TEXT,
  valid_to TEXT,
  case_n INTEGER,
  live INTEGER NOT NULL,
  adds BLOB NOT NULL                  -- op ids of the adds not yet removed
);
CREATE UNIQUE INDEX stmt_key ON stmt(obj, prop, value, source);

-- derived: heads of single-valued properties; more than one head is a conflict.
CREATE TABLE head(
  obj INTEGER NOT NULL,
  prop TEXT NOT NULL,
  op BLOB NOT NULL,
  hlc INTEGER NOT NULL,
  device BLOB NOT NULL,
  assertion BLOB NOT NULL,
  PRIMARY KEY(obj, prop, op)
) WITHOUT ROWID;
CREATE TABLE superseded(op BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE removed(op BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE conflict(obj INTEGER NOT NULL, prop TEXT NOT NULL, PRIMARY KEY(obj, prop)) WITHOUT ROWID;

-- derived: case references, for lookup by REF.
CREATE TABLE case_ref(ref TEXT NOT NULL, obj INTEGER NOT NULL, PRIMARY KEY(ref, obj)) WITHOUT ROWID;

-- derived: dated items. a/b are the records the item is about (both ends of a link; the
-- owning case of a note or operation).
CREATE TABLE timeline(
  at TEXT NOT NULL,
  obj INTEGER NOT NULL,
  prop TEXT NOT NULL,
  a INTEGER,
  b INTEGER
);
CREATE INDEX timeline_obj ON timeline(obj);
CREATE INDEX timeline_a ON timeline(a, at);
CREATE INDEX timeline_b ON timeline(b, at);
CREATE INDEX timeline_at ON timeline(at);

-- derived: full-text index of names, identifiers and notes (rowid = object n).
CREATE VIRTUAL TABLE fts USING fts5(
  names, ids, text,
  content='', contentless_delete=1,
  tokenize='unicode61 remove_diacritics 2',
  prefix='2 3'
);
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrade_reaches_the_latest_version_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        upgrade(&mut conn).unwrap();
        upgrade(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, latest());
    }

    #[test]
    fn a_newer_database_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest() + 1).unwrap();
        let err = upgrade(&mut conn).unwrap_err();
        assert!(matches!(err, StoreError::TooNew(_)), "{err}");
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0);
    }
}
