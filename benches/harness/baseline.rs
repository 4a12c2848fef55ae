//! The physical limit: raw rusqlite inserts of the same rows Liaison wrote, into a fresh
//! SQLCipher file (same page size, cache and journal) and into a plain SQLite file.
//!
//! Rows are streamed out of the generated store table by table and inserted with prepared
//! statements in large transactions into the same schema (same indexes). Reading the source
//! costs time too, so a read-only pass is timed first and subtracted. The contentless
//! full-text index cannot be read back, so it is the one thing the baseline does not write:
//! that makes the baseline slightly faster than a true replay, i.e. the ratio is conservative.

use rusqlite::{Connection, params_from_iter, types::Value};

use super::measure::once;

/// Tables copied (derived and log tables; the rest are a few rows).
const TABLES: &[&str] = &[
    "object",
    "stmt",
    "head",
    "timeline",
    "case_timeline",
    "case_ref",
    "conflict",
    "commit_log",
    "commit_ops",
    "audit",
];
/// Rows per transaction.
const BATCH: usize = 50_000;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Baseline {
    pub rows: u64,
    pub sqlcipher_s: f64,
    /// Not measured when skipped.
    pub sqlite_s: Option<f64>,
    /// Per table (with its indexes), the raw SQLCipher insert time less its read time: where
    /// the physical cost of a write goes.
    pub sqlcipher_by_table: Vec<(&'static str, f64)>,
}

fn columns(conn: &Connection, table: &str) -> usize {
    conn.prepare(&format!("SELECT * FROM {table} LIMIT 0")).map_or(0, |s| s.column_count())
}

/// Streams every row of `TABLES` from `source` into `sink` (if any); returns rows seen and
/// the seconds each table took.
fn copy(source: &Connection, mut sink: Option<&mut Connection>) -> (u64, Vec<f64>) {
    let mut rows = 0u64;
    let mut took = Vec::new();
    for table in TABLES {
        let started = std::time::Instant::now();
        let width = columns(source, table);
        let mut read = source.prepare(&format!("SELECT * FROM {table}")).expect("source table");
        let mut it = read.query([]).expect("query");
        let placeholders = vec!["?"; width].join(",");
        let mut pending = 0usize;
        if let Some(s) = sink.as_deref_mut() {
            s.execute_batch("BEGIN").unwrap();
        }
        while let Some(row) = it.next().expect("row") {
            let values: Vec<Value> = (0..width).map(|i| row.get::<_, Value>(i).expect("value")).collect();
            rows += 1;
            if let Some(s) = sink.as_deref_mut() {
                s.prepare_cached(&format!("INSERT INTO {table} VALUES({placeholders})"))
                    .unwrap()
                    .execute(params_from_iter(values))
                    .unwrap();
                pending += 1;
                if pending >= BATCH {
                    s.execute_batch("COMMIT; BEGIN").unwrap();
                    pending = 0;
                }
            }
        }
        if let Some(s) = sink.as_deref_mut() {
            s.execute_batch("COMMIT").unwrap();
        }
        took.push(started.elapsed().as_secs_f64());
    }
    (rows, took)
}

/// An empty database with the source's schema (without the full-text index).
fn target(path: &std::path::Path, source: &Connection, encrypted: bool) -> Connection {
    let _ = std::fs::remove_file(path);
    let conn = Connection::open(path).unwrap();
    if encrypted {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).unwrap();
        let hex = liaison::model::ids::hex(&key);
        conn.pragma_update(None, "key", format!("x'{hex}'")).unwrap();
        conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(())).unwrap();
    }
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())).unwrap();
    conn.pragma_update(None, "cache_size", -131_072).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.pragma_update(None, "temp_store", "MEMORY").unwrap();
    let mut ddl = source
        .prepare(
            // Tables and their indexes only: the counters' triggers (schema 9) are Liaison's
            // own upkeep, which the raw baseline is there to measure Liaison against.
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'fts%' AND type != 'trigger'
             ORDER BY type DESC",
        )
        .unwrap();
    let statements: Vec<String> = ddl.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    for sql in statements {
        conn.execute_batch(&sql).unwrap();
    }
    conn
}

/// Times the raw inserts of `source`'s rows into fresh SQLCipher and SQLite files in `work`.
pub fn measure(source: &Connection, work: &std::path::Path, with_sqlite: bool) -> Baseline {
    let (read_s, (rows, read_by_table)) = once(|| copy(source, None));
    let cipher_path = work.join("baseline-sqlcipher.db");
    let mut cipher = target(&cipher_path, source, true);
    let (cipher_s, (_, cipher_by_table)) = once(|| copy(source, Some(&mut cipher)));
    drop(cipher);
    let plain_path = work.join("baseline-sqlite.db");
    let plain_s = with_sqlite.then(|| {
        let mut plain = target(&plain_path, source, false);
        once(|| copy(source, Some(&mut plain))).0
    });
    for p in [&cipher_path, &plain_path] {
        let _ = std::fs::remove_file(p);
        let _ = std::fs::remove_file(p.with_extension("db-wal"));
        let _ = std::fs::remove_file(p.with_extension("db-shm"));
    }
    let sqlcipher_by_table = TABLES
        .iter()
        .zip(cipher_by_table.iter().zip(&read_by_table))
        .map(|(t, (w, r))| (*t, (w - r).max(0.0)))
        .collect();
    Baseline {
        rows,
        sqlcipher_s: (cipher_s - read_s).max(0.001),
        sqlite_s: plain_s.map(|p| (p - read_s).max(0.001)),
        sqlcipher_by_table,
    }
}
