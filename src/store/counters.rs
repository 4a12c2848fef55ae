//! Counts kept up to date by the write path, so that `liaison stats` answers at once at a
//! million records instead of scanning the store (42.7 s at 1M, issue 12).
//!
//! The counters are kept by triggers on the tables they count. A trigger runs inside the very
//! statement that changes a row, so every writer keeps them without a hook of its own: the one
//! door (`Store::apply`), bundle import, undo, rebuild, and whatever path is added later. A
//! rejected write rolls its counter changes back with it. `store check` compares every counter
//! with a scan; `store rebuild` recounts them.
//!
//! Counted, as `stats` reported them by scanning before:
//! - `kind:<schema>`: live records of a kind (`object` rows with a kind and not deleted);
//! - `statements`: live statements, internal properties (`$…`) left out;
//! - `conflicts`, `commits`: rows of `conflict` and `commit_log`;
//! - `ops`: ops held, the sum of `commit_ops.held`.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::Result;

/// Migration 9: the counter table, its triggers, and the counts of the store as it is.
pub const V9: &str = r"
CREATE TABLE counter(name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;

CREATE TRIGGER counter_object_insert AFTER INSERT ON object
WHEN NEW.schema <> '' AND NEW.deleted = 0 BEGIN
  INSERT INTO counter(name, n) VALUES('kind:' || NEW.schema, 1)
    ON CONFLICT(name) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER counter_object_update_old AFTER UPDATE OF schema, deleted ON object
WHEN OLD.schema <> '' AND OLD.deleted = 0 AND (NEW.schema IS NOT OLD.schema OR NEW.deleted <> 0) BEGIN
  UPDATE counter SET n = n - 1 WHERE name = 'kind:' || OLD.schema;
END;
CREATE TRIGGER counter_object_update_new AFTER UPDATE OF schema, deleted ON object
WHEN NEW.schema <> '' AND NEW.deleted = 0 AND (NEW.schema IS NOT OLD.schema OR OLD.deleted <> 0) BEGIN
  INSERT INTO counter(name, n) VALUES('kind:' || NEW.schema, 1)
    ON CONFLICT(name) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER counter_object_delete AFTER DELETE ON object
WHEN OLD.schema <> '' AND OLD.deleted = 0 BEGIN
  UPDATE counter SET n = n - 1 WHERE name = 'kind:' || OLD.schema;
END;

CREATE TRIGGER counter_stmt_insert AFTER INSERT ON stmt
WHEN NEW.live = 1 AND substr(NEW.prop, 1, 1) <> '$' BEGIN
  UPDATE counter SET n = n + 1 WHERE name = 'statements';
END;
CREATE TRIGGER counter_stmt_update AFTER UPDATE OF live, prop ON stmt
WHEN (NEW.live = 1 AND substr(NEW.prop, 1, 1) <> '$') IS NOT (OLD.live = 1 AND substr(OLD.prop, 1, 1) <> '$') BEGIN
  UPDATE counter SET n = n + (CASE WHEN NEW.live = 1 AND substr(NEW.prop, 1, 1) <> '$' THEN 1 ELSE -1 END)
    WHERE name = 'statements';
END;
CREATE TRIGGER counter_stmt_delete AFTER DELETE ON stmt
WHEN OLD.live = 1 AND substr(OLD.prop, 1, 1) <> '$' BEGIN
  UPDATE counter SET n = n - 1 WHERE name = 'statements';
END;

CREATE TRIGGER counter_conflict_insert AFTER INSERT ON conflict BEGIN
  UPDATE counter SET n = n + 1 WHERE name = 'conflicts';
END;
CREATE TRIGGER counter_conflict_delete AFTER DELETE ON conflict BEGIN
  UPDATE counter SET n = n - 1 WHERE name = 'conflicts';
END;

CREATE TRIGGER counter_commit_insert AFTER INSERT ON commit_log BEGIN
  UPDATE counter SET n = n + 1 WHERE name = 'commits';
END;
CREATE TRIGGER counter_commit_delete AFTER DELETE ON commit_log BEGIN
  UPDATE counter SET n = n - 1 WHERE name = 'commits';
END;

CREATE TRIGGER counter_ops_insert AFTER INSERT ON commit_ops BEGIN
  UPDATE counter SET n = n + NEW.held WHERE name = 'ops';
END;
CREATE TRIGGER counter_ops_update AFTER UPDATE OF held ON commit_ops BEGIN
  UPDATE counter SET n = n + NEW.held - OLD.held WHERE name = 'ops';
END;
CREATE TRIGGER counter_ops_delete AFTER DELETE ON commit_ops BEGIN
  UPDATE counter SET n = n - OLD.held WHERE name = 'ops';
END;
";

/// Every counter as a scan of the store finds it: the reference the counters must equal.
const SCAN: &str = r"
SELECT 'kind:' || schema, count(*) FROM object WHERE schema <> '' AND deleted = 0 GROUP BY schema
UNION ALL SELECT 'statements', count(*) FROM stmt WHERE live = 1 AND substr(prop, 1, 1) <> '$'
UNION ALL SELECT 'conflicts', count(*) FROM conflict
UNION ALL SELECT 'commits', count(*) FROM commit_log
UNION ALL SELECT 'ops', coalesce(sum(held), 0) FROM commit_ops
";

/// Fills the counters from a scan (migration 9 on an existing store, and `store rebuild`).
pub fn recount(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM counter", [])?;
    conn.execute(&format!("INSERT INTO counter(name, n) {SCAN}"), [])?;
    Ok(())
}

/// The counters, by name; counters at zero are left out.
pub fn read(conn: &Connection) -> Result<BTreeMap<String, i64>> {
    let mut stmt = conn.prepare_cached("SELECT name, n FROM counter WHERE n <> 0")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Counters that disagree with a scan, each as a problem `store check` reports.
pub fn check(conn: &Connection) -> Result<Vec<String>> {
    let kept = read(conn)?;
    let mut scanned: BTreeMap<String, i64> = BTreeMap::new();
    let mut stmt = conn.prepare(SCAN)?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (name, n) = row?;
        if n != 0 {
            scanned.insert(name, n);
        }
    }
    let mut problems = Vec::new();
    for name in kept.keys().chain(scanned.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (k, s) = (kept.get(name).copied().unwrap_or(0), scanned.get(name).copied().unwrap_or(0));
        if k != s {
            let what =
                name.strip_prefix("kind:").map_or_else(|| name.clone(), |kind| format!("{kind} records"));
            problems.push(format!(
                "the count of {what} says {k} but the store holds {s} (`liaison store rebuild` recounts)"
            ));
        }
    }
    Ok(problems)
}
