//! Re-deriving every materialised table from the op log, and checking the store.

use serde::Serialize;

use super::apply::Applier;
use super::{Result, Store, StoreError, oplog, project};
use crate::model::ids::DeviceId;
use crate::model::op::CommitHeader;

/// Tables derived from the op log (emptied by a rebuild).
const DERIVED: &[&str] = &[
    "object",
    "stmt",
    "head",
    "superseded",
    "removed",
    "conflict",
    "case_ref",
    "timeline",
    "case_timeline",
    "judged",
];

#[derive(Debug, Clone, Serialize, Default)]
pub struct RebuildSummary {
    pub commits: u64,
    pub ops: u64,
    pub records: u64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct CheckReport {
    pub ok: bool,
    pub database_integrity: String,
    pub cipher_integrity: String,
    pub commits: u64,
    pub ops: u64,
    pub problems: Vec<String>,
    pub audit_entries: i64,
    pub database_bytes: u64,
}

impl Store {
    /// Empties the derived tables and re-applies every op, in one transaction.
    /// `progress(done, total)` is called as commits are applied.
    pub fn rebuild(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<RebuildSummary> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for t in DERIVED {
            tx.execute(&format!("DELETE FROM {t}"), [])?;
        }
        tx.execute("INSERT INTO fts(fts) VALUES('delete-all')", [])?;
        let total: u64 = tx.query_row("SELECT count(*) FROM commit_log", [], |r| r.get::<_, i64>(0))? as u64;
        let mut summary = RebuildSummary::default();
        {
            let mut commits = tx.prepare("SELECT n, header FROM commit_log ORDER BY n")?;
            let mut rows = commits.query([])?;
            let mut applier = Applier::new(&tx)?;
            while let Some(row) = rows.next()? {
                let (n, header): (i64, Vec<u8>) = (row.get(0)?, row.get(1)?);
                let header = CommitHeader::decode(&header)
                    .map_err(|e| StoreError::Corrupt(format!("commit {n}: {e}")))?;
                for (idx, op) in oplog::read(&tx, n)? {
                    let id = header
                        .ops
                        .get(idx as usize)
                        .copied()
                        .ok_or_else(|| StoreError::Corrupt(format!("commit {n} has no op {idx}")))?;
                    applier.apply(&tx, header.device, &id, &op)?;
                    summary.ops += 1;
                }
                summary.commits += 1;
                if summary.commits % 64 == 0 || summary.commits == total {
                    // Project as we go so the set of touched records stays small; a record
                    // touched again later is simply projected again.
                    summary.records += applier.dirty.len() as u64;
                    for n in std::mem::take(&mut applier.dirty) {
                        project::project(&tx, n)?;
                    }
                    progress(summary.commits, total);
                }
            }
            summary.records += applier.dirty.len() as u64;
            for n in applier.dirty {
                project::project(&tx, n)?;
            }
        }
        // The triggers kept the counters through the re-apply, but a damaged counter would
        // keep its error: recounted from the rebuilt tables.
        super::counters::recount(&tx)?;
        super::audit::append(
            &tx,
            "store rebuilt",
            &serde_json::json!({ "commits": summary.commits, "ops": summary.ops }),
        )?;
        tx.commit()?;
        Ok(summary)
    }

    /// Verifies the database pages, every commit's signature, chain and op hashes, and the
    /// audit chain.
    pub fn check(&self) -> Result<CheckReport> {
        let mut report = CheckReport {
            database_integrity: self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?,
            ..CheckReport::default()
        };
        let cipher: Vec<String> = self
            .conn
            .prepare("PRAGMA cipher_integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        report.cipher_integrity = if cipher.is_empty() { "ok".into() } else { cipher.join("; ") };
        let keys: std::collections::HashMap<Vec<u8>, Vec<u8>> = self
            .conn
            .prepare("SELECT id, public_key FROM device")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut last: std::collections::HashMap<DeviceId, (u64, [u8; 32])> = std::collections::HashMap::new();
        let mut commits =
            self.conn.prepare("SELECT n, header, sig, hash FROM commit_log ORDER BY device, seq")?;
        let mut rows = commits.query([])?;
        while let Some(row) = rows.next()? {
            let (n, header, sig, hash): (i64, Vec<u8>, Vec<u8>, Vec<u8>) =
                (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
            report.commits += 1;
            let Ok(header) = CommitHeader::decode(&header) else {
                report.problems.push(format!("commit {n}: unreadable header"));
                continue;
            };
            let verified = keys
                .get(header.device.0.as_slice())
                .and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok())
                .and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok())
                .zip(<[u8; 64]>::try_from(sig.as_slice()).ok())
                .is_some_and(|(k, s)| header.verify(&k, &s));
            if !verified {
                report.problems.push(format!("commit {n}: signature does not verify"));
            }
            if hash != header.hash() {
                report.problems.push(format!("commit {n}: stored hash does not match"));
            }
            let (prev_seq, prev_hash) = last.get(&header.device).copied().unwrap_or((0, [0; 32]));
            if prev_seq + 1 == header.seq && header.prev != prev_hash {
                report.problems.push(format!("commit {n}: breaks the chain of device {}", header.device));
            }
            last.insert(header.device, (header.seq, header.hash()));
            let ops = match oplog::read(&self.conn, n) {
                Ok(ops) => ops,
                Err(e) => {
                    report.problems.push(e.to_string());
                    continue;
                }
            };
            for (idx, op) in ops {
                report.ops += 1;
                if header.ops.get(idx as usize) != Some(&op.id(header.device)) {
                    report.problems.push(format!("commit {n} op {idx}: does not match its signed hash"));
                }
            }
        }
        report.problems.extend(super::judgements::check(&self.conn)?);
        report.problems.extend(super::counters::check(&self.conn)?);
        let audit = self.audit_verify()?;
        report.audit_entries = audit.entries;
        if let Some(b) = audit.first_broken {
            report.problems.push(format!("audit entry {b}: {}", audit.reason.unwrap_or_default()));
        }
        report.database_bytes = std::fs::metadata(super::files::database(&self.dir)).map_or(0, |m| m.len());
        report.ok = report.database_integrity == "ok"
            && report.cipher_integrity == "ok"
            && report.problems.is_empty();
        Ok(report)
    }
}
