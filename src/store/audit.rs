//! The audit log: who unlocked, wrote, searched, viewed a person, exported or imported, and
//! when. Each entry's hash covers the previous entry's hash, so an edited, inserted or
//! removed entry breaks the chain at that point and `liaison audit verify` names it. Since
//! schema 4 the hash is keyed and a signed checkpoint holds the log's end (audit_anchor.rs,
//! docs/audit.md), so removing entries at the end, wiping the log or re-chaining it is named
//! too.
//! Entries never hold secrets or passphrases; searches are logged with their query text
//! because who looked for whom is exactly what an auditor asks.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::audit_anchor as anchor;
use super::{Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditEntry {
    pub n: i64,
    pub at: String,
    pub action: String,
    /// Who was working (the detail's `"analyst"`); none for entries written before analysts.
    pub analyst: Option<String>,
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

fn insert(
    conn: &Connection,
    n: i64,
    at: &str,
    action: &str,
    detail: &str,
    prev: &[u8],
    hash: &[u8],
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit(n, at, action, detail, prev, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![n, at, action, detail, prev, hash])?;
    Ok(())
}

/// Appends an entry to the audit log on `conn` (inside the caller's transaction, if any),
/// chained with the keyed hash, and advances the signed checkpoint to it.
pub(super) fn append(conn: &Connection, action: &str, detail: &serde_json::Value) -> Result<()> {
    let (last_n, last_hash): (i64, Vec<u8>) = conn
        .prepare_cached("SELECT n, hash FROM audit ORDER BY n DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, vec![0; 32]));
    let checkpoint = anchor::read(conn)?;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    // The analyst goes into the detail, which the keyed hash covers: entries written before
    // analysts keep their bytes and their hashes.
    let detail = match (super::analysts::session(conn)?, detail) {
        (Some(name), serde_json::Value::Object(fields)) => {
            let mut fields = fields.clone();
            fields.insert("analyst".into(), name.into());
            serde_json::Value::Object(fields).to_string()
        }
        _ => detail.to_string(),
    };
    let (mut n, mut prev) = (last_n + 1, last_hash);
    let keyed_from;
    let mut advance = true;
    match &checkpoint {
        Some(cp) if cp.entries > last_n => {
            // The log ends before its signed head: entries were removed since the last write.
            // The log resumes from the checkpoint, numbering after it, so the hole stays
            // visible to `audit verify`, and says so in an entry of its own.
            let note = serde_json::json!({
                "missing_from": last_n + 1, "missing_to": cp.entries, "checkpoint_entries": cp.entries,
            })
            .to_string();
            let resumed = cp.entries + 1;
            let hash = anchor::keyed_hash(conn, &cp.hash, resumed, &at, anchor::RESUMED_ACTION, &note)?;
            insert(conn, resumed, &at, anchor::RESUMED_ACTION, &note, &cp.hash, &hash)?;
            (n, prev) = (resumed + 1, hash);
            keyed_from = cp.keyed_from;
        }
        Some(cp) => {
            // A checkpoint the log no longer agrees with is evidence: it is left as it is.
            let held = if cp.entries == last_n { Some(prev.clone()) } else { hash_of(conn, cp.entries)? };
            advance = held.as_deref() == Some(cp.hash.as_slice());
            keyed_from = cp.keyed_from;
        }
        None => {
            // Only migration 4 (or a new store) starts the checkpoint; a checkpoint that
            // disappeared is not silently replaced.
            advance = anchor::pending(conn)?;
            keyed_from = n;
        }
    }
    let hash = anchor::keyed_hash(conn, &prev, n, &at, action, &detail)?;
    insert(conn, n, &at, action, &detail, &prev, &hash)?;
    if advance {
        anchor::write(conn, checkpoint.is_none(), keyed_from, n, &hash, &at)?;
    }
    Ok(())
}

fn hash_of(conn: &Connection, n: i64) -> Result<Option<Vec<u8>>> {
    Ok(conn.prepare_cached("SELECT hash FROM audit WHERE n = ?1")?.query_row([n], |r| r.get(0)).optional()?)
}

/// "entry 7" or "entries 7–9".
fn span(a: i64, b: i64) -> String {
    if a == b { format!("entry {a} is") } else { format!("entries {a}–{b} are") }
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
            let detail = serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail));
            Ok(AuditEntry {
                n: r.get(0)?,
                at: r.get(1)?,
                action: r.get(2)?,
                analyst: detail.get("analyst").and_then(|a| a.as_str()).map(str::to_owned),
                detail,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Walks the whole chain, then holds its end against the signed checkpoint, and names
    /// the first entry that does not hold (or the first one missing).
    pub fn audit_verify(&self) -> Result<AuditVerdict> {
        let checkpoint = anchor::read(&self.conn)?;
        let key = anchor::chain_key(&self.keys);
        // Entries before the upgrade to schema 4 keep their unkeyed hash. Without a checkpoint
        // the keyed part starts at the first keyed entry; none may follow it unkeyed.
        let mut keyed_from = checkpoint.as_ref().map(|c| c.keyed_from);
        let mut stmt = self.conn.prepare("SELECT n, at, action, detail, prev, hash FROM audit ORDER BY n")?;
        let mut rows = stmt.query([])?;
        let mut expected_prev = vec![0u8; 32];
        let mut expected_n = 1;
        let mut count = 0;
        let broken = |count: i64, n: i64, reason: String| {
            Ok(AuditVerdict { entries: count, first_broken: Some(n), reason: Some(reason) })
        };
        while let Some(r) = rows.next()? {
            let n: i64 = r.get(0)?;
            let (at, action, detail): (String, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?);
            let (prev, hash): (Vec<u8>, Vec<u8>) = (r.get(4)?, r.get(5)?);
            count += 1;
            if n != expected_n {
                let missing = span(expected_n, n - 1);
                let reason = if action != anchor::RESUMED_ACTION {
                    format!("{missing} missing: removed after they were written")
                } else if expected_n == 1 {
                    format!(
                        "{missing} missing: the whole log was removed; its signed checkpoint counted {} entries",
                        n - 1
                    )
                } else {
                    format!(
                        "{missing} missing: the log ended before its signed checkpoint ({} entries)",
                        n - 1
                    )
                };
                return broken(count, expected_n, reason);
            }
            if prev != expected_prev {
                return broken(count, n, "does not follow the previous entry".into());
            }
            if keyed_from.is_none() && hash == anchor::hash_v2(&key, &prev, n, &at, &action, &detail) {
                keyed_from = Some(n);
            }
            if keyed_from.is_some_and(|k| n >= k) {
                if hash != anchor::hash_v2(&key, &prev, n, &at, &action, &detail) {
                    let reason = if hash == anchor::hash_v1(&prev, n, &at, &action, &detail) {
                        "the log was re-chained from here without this store's audit key: \
                         entries from here on were removed, renumbered or rewritten"
                    } else {
                        "contents were altered, or the log was re-chained from here: \
                         entries from here on may have been removed"
                    };
                    return broken(count, n, reason.into());
                }
            } else if hash != anchor::hash_v1(&prev, n, &at, &action, &detail) {
                return broken(count, n, "contents were altered".into());
            }
            expected_prev = hash;
            expected_n += 1;
        }
        let last = expected_n - 1;
        let Some(cp) = checkpoint else {
            if anchor::pending(&self.conn)? {
                // Upgraded, not yet written to since: nothing was anchored yet.
                return Ok(AuditVerdict { entries: count, first_broken: None, reason: None });
            }
            return broken(
                count,
                last + 1,
                "the signed checkpoint that records the log's length was removed: \
                 entries may have been removed from its end"
                    .into(),
            );
        };
        if !anchor::signature_holds(&cp, &self.keys.public_key()) {
            return broken(
                count,
                cp.entries,
                "the log's signed checkpoint was altered: its signature does not verify".into(),
            );
        }
        if last < cp.entries {
            return broken(
                count,
                last + 1,
                format!(
                    "{} missing: the log ends before its signed checkpoint ({} entries)",
                    span(last + 1, cp.entries),
                    cp.entries
                ),
            );
        }
        if hash_of(&self.conn, cp.entries)?.as_deref() != Some(cp.hash.as_slice()) {
            return broken(
                count,
                cp.entries,
                "differs from the log's signed checkpoint: the log was rewritten".into(),
            );
        }
        if last > cp.entries {
            return broken(
                count,
                cp.entries + 1,
                format!(
                    "{} not covered by the signed checkpoint: added outside Liaison",
                    span(cp.entries + 1, last)
                ),
            );
        }
        Ok(AuditVerdict { entries: count, first_broken: None, reason: None })
    }
}
