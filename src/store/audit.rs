//! The audit log: who unlocked, wrote, searched, viewed a person, exported or imported, and
//! when. Each entry's hash covers the previous entry's hash, so an edited, inserted or
//! removed entry breaks the chain at that point and `liaison audit verify` names it.
//! Entries never hold secrets or passphrases; searches are logged with their query text
//! because who looked for whom is exactly what an auditor asks.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditEntry {
    pub n: i64,
    pub at: String,
    pub action: String,
    pub detail: serde_json::Value,
}

/// The result of walking the chain.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditVerdict {
    pub entries: i64,
    /// The first entry whose hash or link does not hold, if any.
    pub first_broken: Option<i64>,
    pub reason: Option<String>,
}

fn entry_hash(prev: &[u8], n: i64, at: &str, action: &str, detail: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"liaison-audit-v1");
    h.update(prev);
    h.update(&n.to_le_bytes());
    for part in [at, action, detail] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    *h.finalize().as_bytes()
}

/// Appends an entry to the audit log on `conn` (inside the caller's transaction, if any).
pub(super) fn append(conn: &Connection, action: &str, detail: &serde_json::Value) -> Result<()> {
    let (last_n, prev): (i64, Vec<u8>) = conn
        .prepare_cached("SELECT n, hash FROM audit ORDER BY n DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, vec![0; 32]));
    let n = last_n + 1;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let detail = detail.to_string();
    let hash = entry_hash(&prev, n, &at, action, &detail);
    conn.prepare_cached(
        "INSERT INTO audit(n, at, action, detail, prev, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![n, at, action, detail, prev, hash.as_slice()])?;
    Ok(())
}

impl Store {
    /// Appends an entry to the audit log. Outside a transaction the entry's number is read and
    /// written under the write lock (`BEGIN IMMEDIATE`, which waits out the busy timeout), so
    /// two processes on one store never take the same number.
    pub fn audit(&self, action: &str, detail: &serde_json::Value) -> Result<()> {
        if !self.conn.is_autocommit() {
            return append(&self.conn, action, detail);
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match append(&self.conn, action, detail).and_then(|()| Ok(self.conn.execute_batch("COMMIT")?)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The latest `limit` entries, newest first, skipping `offset`.
    pub fn audit_log(&self, limit: u32, offset: u32) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare("SELECT n, at, action, detail FROM audit ORDER BY n DESC LIMIT ?1 OFFSET ?2")?;
        let rows = stmt.query_map(params![limit, offset], |r| {
            let detail: String = r.get(3)?;
            Ok(AuditEntry {
                n: r.get(0)?,
                at: r.get(1)?,
                action: r.get(2)?,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Walks the whole chain and names the first entry that does not hold.
    pub fn audit_verify(&self) -> Result<AuditVerdict> {
        let mut stmt = self.conn.prepare("SELECT n, at, action, detail, prev, hash FROM audit ORDER BY n")?;
        let mut rows = stmt.query([])?;
        let mut expected_prev = vec![0u8; 32];
        let mut expected_n = 1;
        let mut count = 0;
        while let Some(r) = rows.next()? {
            let n: i64 = r.get(0)?;
            let (at, action, detail): (String, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?);
            let (prev, hash): (Vec<u8>, Vec<u8>) = (r.get(4)?, r.get(5)?);
            count += 1;
            let broken = |reason: &str| AuditVerdict {
                entries: count,
                first_broken: Some(n),
                reason: Some(reason.to_owned()),
            };
            if n != expected_n {
                return Ok(AuditVerdict { first_broken: Some(expected_n), ..broken("entry is missing") });
            }
            if prev != expected_prev {
                return Ok(broken("does not follow the previous entry"));
            }
            if hash != entry_hash(&prev, n, &at, &action, &detail) {
                return Ok(broken("contents were altered"));
            }
            expected_prev = hash;
            expected_n += 1;
        }
        Ok(AuditVerdict { entries: count, first_broken: None, reason: None })
    }
}
