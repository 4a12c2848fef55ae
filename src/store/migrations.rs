//! Ordered schema upgrades keyed on `PRAGMA user_version`, one transaction each.
//!
//! Append new steps; never edit a released one (stores in the field have run it). A store
//! whose version is above the last step was written by a newer Liaison and is refused
//! untouched rather than risk damaging it.

use rusqlite::Connection;

use super::StoreError;

/// (version reached, why, SQL).
const STEPS: &[(i64, &str, &str)] = &[
    (1, "initial layout", V1),
    (2, "exchange between offices: sharing, bundles, acknowledgements", V2),
    (3, "log of files imported from other tools", super::import_log::V3),
    (4, "keyed, anchored audit log; partners' audit heads", super::audit_anchor::V4),
    (5, "analysts; the analyst and clock of each commit", super::analysts::V5),
    (6, "judgements indexed by the records they join", super::judgements::V6),
    (7, "deconfliction runs with other offices", super::deconfliction::V7),
    (8, "watchlists and their alerts", super::watch::V8),
    (9, "counts kept by the write path, for stats", super::counters::V9),
    (10, "deconfliction: what a hit discloses; runs made for a joint operation", super::deconfliction::V10),
    (11, "search index with one-letter prefixes", super::project::V11),
];

/// Told before an existing store is upgraded, with what the upgrade does. A step may take a
/// minute on a large store (schema 11 rebuilds the search index: 39 s at 1M entities), and a
/// silent minute looks like a hang; a kill rolls the step back, to start again at the next
/// open. The command line sets it; the library never prints.
static NOTICE: std::sync::OnceLock<fn(&str)> = std::sync::OnceLock::new();

/// Has `notice` told of each upgrade of an existing store before it runs (first call wins).
pub fn notify_upgrades_with(notice: fn(&str)) {
    let _ = NOTICE.set(notice);
}

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
    // A new store (version 0) is made, not upgraded: nothing to tell.
    if current > 0 && current < latest() {
        if let Some(notice) = NOTICE.get() {
            let steps: Vec<&str> = STEPS.iter().filter(|s| s.0 > current).map(|s| s.1).collect();
            notice(&format!(
                "Upgrading the store from schema {current} to {} ({}): once, up to a minute on a large store…",
                latest(),
                steps.join("; ")
            ));
        }
    }
    for (version, _why, sql) in STEPS.iter().filter(|s| s.0 > current) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        if *version == 5 {
            // The clock of commits already held is in their headers, out of SQL's reach.
            super::analysts::backfill(&tx)?;
        }
        if *version == 9 {
            // The counters start from what the store holds; the triggers keep them after.
            super::counters::recount(&tx)?;
        }
        if *version == 11 {
            // The new index is filled from the statements held (one pass over the records).
            super::project::reindex_all_text(&tx)?;
        }
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
-- The ops of each commit that this store holds, compressed together (see oplog.rs). A
-- commit from another office may arrive with only the ops its handling markings let it
-- release: `held` counts those present.
CREATE TABLE commit_ops(
  commit_n INTEGER PRIMARY KEY,
  held INTEGER NOT NULL,
  ops BLOB NOT NULL
);

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
CREATE INDEX object_schema ON object(schema);

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
-- Adds cancelled by removes, with the statement the remove was about.
CREATE TABLE removed(
  op BLOB NOT NULL,
  obj INTEGER NOT NULL,
  prop TEXT NOT NULL,
  value TEXT NOT NULL,
  source INTEGER NOT NULL,
  PRIMARY KEY(op, obj, prop, value, source)
) WITHOUT ROWID;
CREATE TABLE conflict(obj INTEGER NOT NULL, prop TEXT NOT NULL, PRIMARY KEY(obj, prop)) WITHOUT ROWID;

-- derived: case references, for lookup by REF.
CREATE TABLE case_ref(ref TEXT NOT NULL, obj INTEGER NOT NULL, PRIMARY KEY(ref, obj)) WITHOUT ROWID;
CREATE INDEX case_ref_obj ON case_ref(obj);

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

-- derived: each case's dated items, ready for its timeline page and density strip.
CREATE TABLE case_timeline(
  case_n INTEGER NOT NULL,
  at TEXT NOT NULL,
  obj INTEGER NOT NULL,
  prop TEXT NOT NULL,
  PRIMARY KEY(case_n, at, obj, prop)
) WITHOUT ROWID;
CREATE INDEX case_timeline_obj ON case_timeline(obj);

-- derived: full-text index of names, identifiers and notes (rowid = object n).
CREATE VIRTUAL TABLE fts USING fts5(
  names, ids, text,
  content='', contentless_delete=1,
  tokenize='unicode61 remove_diacritics 2',
  prefix='2 3'
);
";

/// Exchange between offices (DESIGN §5). None of these tables is derived from the op log:
/// they record this office's decisions (what is shared with whom) and what travelled.
const V2: &str = r"
-- Cases shared with an office. full_sent: the office has acknowledged a bundle carrying the
-- case's whole history; until then every export to it carries that history again.
CREATE TABLE case_share(
  case_uid BLOB NOT NULL,
  office TEXT NOT NULL,
  shared_at TEXT NOT NULL,
  full_sent INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(case_uid, office)
) WITHOUT ROWID;

-- What each office has acknowledged holding, per author device: every commit up to `upto`.
CREATE TABLE ack_out(
  office TEXT NOT NULL,
  device BLOB NOT NULL,
  upto INTEGER NOT NULL,
  PRIMARY KEY(office, device)
) WITHOUT ROWID;

-- Ranges of author commits an office has sent us (lo exclusive, hi inclusive); their
-- contiguous prefix is what our bundles acknowledge to it.
CREATE TABLE coverage_in(
  office TEXT NOT NULL,
  device BLOB NOT NULL,
  lo INTEGER NOT NULL,
  hi INTEGER NOT NULL,
  PRIMARY KEY(office, device, lo, hi)
) WITHOUT ROWID;

-- Bundles written, one row per recipient office. full_cases: uids (16 bytes each) of cases
-- whose whole history the bundle carried.
CREATE TABLE bundle_out(
  office TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  bundle_id BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  commits INTEGER NOT NULL,
  ops INTEGER NOT NULL,
  full_cases BLOB NOT NULL,
  acked_at INTEGER,
  PRIMARY KEY(office, sequence)
) WITHOUT ROWID;

-- Bundles imported (a second import of the same id is 'already imported').
CREATE TABLE bundle_in(
  bundle_id BLOB PRIMARY KEY,
  office TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  imported_at INTEGER NOT NULL,
  commits INTEGER NOT NULL,
  ops INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX bundle_in_office ON bundle_in(office, sequence);

-- Remote commits whose clock was implausibly far ahead: held back, applied once the local
-- clock has caught up. ops: postcard list of (index, op bytes).
CREATE TABLE quarantine(
  device BLOB NOT NULL,
  seq INTEGER NOT NULL,
  header BLOB NOT NULL,
  sig BLOB NOT NULL,
  ops BLOB NOT NULL,
  office TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY(device, seq)
) WITHOUT ROWID;
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

    /// The first letter typed in a search reads a prefix index, not every term it begins
    /// (15–35 ms at 1M entities without it).
    #[test]
    fn the_search_index_keeps_one_letter_prefixes() {
        let mut conn = Connection::open_in_memory().unwrap();
        upgrade(&mut conn).unwrap();
        let sql: String =
            conn.query_row("SELECT sql FROM sqlite_master WHERE name = 'fts'", [], |r| r.get(0)).unwrap();
        assert!(sql.contains("prefix='1 2 3'"), "{sql}");
    }
}
