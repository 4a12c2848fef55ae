//! The log of files imported from other tools (STIX, MISP, FtM, CSV), by content hash.
//!
//! Imports are idempotent statement by statement, but re-reading a large file just to find
//! that nothing changed is slow and tells the analyst little. This log lets an import of the
//! same bytes with the same options answer "already imported on …, nothing changed" at once.
//! It is local bookkeeping, not part of the op log: `store rebuild` leaves it alone, and a
//! bundle never carries it.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Result;

/// Schema step 3 (see `migrations.rs`).
pub(super) const V3: &str = r"
CREATE TABLE interop_import(
  key BLOB PRIMARY KEY,        -- blake3 of the file's bytes and the options that shape statements
  file TEXT NOT NULL,          -- file name as given (no folder)
  format TEXT NOT NULL,
  at TEXT NOT NULL,
  report TEXT NOT NULL         -- the import report, JSON
) WITHOUT ROWID;
";

/// An earlier import of the same bytes with the same options.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PreviousImport {
    pub file: String,
    pub format: String,
    pub at: String,
    pub report: serde_json::Value,
}

/// The earlier import with this key, if any.
pub fn previous_import(conn: &Connection, key: &[u8; 32]) -> Result<Option<PreviousImport>> {
    Ok(conn
        .prepare_cached("SELECT file, format, at, report FROM interop_import WHERE key = ?1")?
        .query_row([key.as_slice()], |r| {
            let report: String = r.get(3)?;
            Ok(PreviousImport {
                file: r.get(0)?,
                format: r.get(1)?,
                at: r.get(2)?,
                report: serde_json::from_str(&report).unwrap_or(serde_json::Value::Null),
            })
        })
        .optional()?)
}

/// Records an import (inside the import's own transaction, so a failed import leaves no entry).
pub fn log_import(
    conn: &Connection,
    key: &[u8; 32],
    file: &str,
    format: &str,
    report: &serde_json::Value,
) -> Result<()> {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    conn.prepare_cached(
        "INSERT INTO interop_import(key, file, format, at, report) VALUES(?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(key) DO UPDATE SET at = excluded.at, report = excluded.report",
    )?
    .execute(params![key.as_slice(), file, format, at, report.to_string()])?;
    Ok(())
}
