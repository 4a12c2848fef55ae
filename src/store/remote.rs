//! Applying commits from other offices: one SQL transaction per bundle, through the same
//! `Applier` local writes use, so that convergence is one piece of code.
//!
//! The caller (`exchange::import`) has verified signatures, hash chains and op hashes before
//! anything reaches here; this module only stores and applies. Nothing is durable until
//! [`RemoteTxn::commit`]; dropping the transaction rolls everything back, which is how a
//! preview ("dry run") and every rejection leave the store's data unchanged.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::apply::Applier;
use super::{Result, Store, oplog, project};
use crate::model::hlc::{Clock, Hlc};
use crate::model::ids::DeviceId;
use crate::model::op::{CommitHeader, Op, OpId};

/// Re-project touched records once this many have piled up (bounds memory on big imports).
const PROJECT_EVERY: usize = 8192;

/// A commit this store already holds, and which of its ops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCommit {
    pub n: i64,
    pub hash: [u8; 32],
    pub held: BTreeSet<u32>,
}

/// A commit held back because its clock was too far ahead.
#[derive(Debug, Clone)]
pub struct QuarantinedCommit {
    pub header: Vec<u8>,
    pub sig: [u8; 64],
    pub ops: Vec<(u32, Vec<u8>)>,
    pub office: String,
}

/// The hash of `device`'s commit `seq`, if held (read-only; usable outside a transaction).
pub(crate) fn held_hash(conn: &Connection, device: DeviceId, seq: u64) -> Result<Option<[u8; 32]>> {
    Ok(conn
        .prepare_cached("SELECT hash FROM commit_log WHERE device = ?1 AND seq = ?2")?
        .query_row(params![device.0.as_slice(), seq as i64], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
        .map(|h| h.try_into().unwrap_or([0; 32])))
}

impl Store {
    /// The hash of `device`'s commit `seq`, if this store holds it.
    pub fn commit_hash(&self, device: DeviceId, seq: u64) -> Result<Option<[u8; 32]>> {
        held_hash(&self.conn, device, seq)
    }

    /// Starts applying remote commits.
    pub fn remote_write(&mut self) -> Result<RemoteTxn<'_>> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let applier = Applier::new(&tx)?;
        Ok(RemoteTxn { tx, clock: &mut self.clock, applier, pending_ops: None, alerts: Vec::new() })
    }
}

pub struct RemoteTxn<'s> {
    tx: Transaction<'s>,
    clock: &'s mut Clock,
    applier: Applier,
    /// Ops of the commit being applied, stored together when it is done.
    pending_ops: Option<(i64, Vec<(u32, Vec<u8>)>)>,
    /// Watched selectors and records the applied commits named (`store::watch`).
    alerts: Vec<super::watch::Alert>,
}

impl RemoteTxn<'_> {
    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    /// The hash of `device`'s commit `seq`, if held.
    pub fn commit_hash(&self, device: DeviceId, seq: u64) -> Result<Option<[u8; 32]>> {
        held_hash(&self.tx, device, seq)
    }

    /// The commit `device`/`seq` if held, with the indexes of its ops held.
    pub fn held_commit(&mut self, device: DeviceId, seq: u64) -> Result<Option<HeldCommit>> {
        let found: Option<(i64, Vec<u8>)> = self
            .tx
            .prepare_cached("SELECT n, hash FROM commit_log WHERE device = ?1 AND seq = ?2")?
            .query_row(params![device.0.as_slice(), seq as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((n, hash)) = found else { return Ok(None) };
        self.flush_ops()?;
        let held = oplog::held(&self.tx, n)?.into_iter().collect();
        Ok(Some(HeldCommit { n, hash: hash.try_into().unwrap_or([0; 32]), held }))
    }

    /// Stores a verified commit header; returns its local number.
    pub fn insert_commit(&mut self, header: &CommitHeader, sig: &[u8; 64]) -> Result<i64> {
        self.tx
            .prepare_cached(
                "INSERT INTO commit_log(device, seq, hash, header, sig, received_at, hlc, analyst)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                header.device.0.as_slice(),
                header.seq as i64,
                header.hash().as_slice(),
                header.encode(),
                sig.as_slice(),
                Clock::now_ms(),
                header.hlc.0,
                header.analyst
            ])?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Whether `uid` exists as a created record.
    pub fn record_exists(&mut self, uid: Uuid) -> Result<bool> {
        Ok(self.applier.kind_of(&self.tx, uid)?.is_some())
    }

    /// Stores op `idx` of commit `commit_n` and applies it.
    pub fn apply_op(&mut self, commit_n: i64, idx: u32, author: DeviceId, id: &OpId, op: &Op) -> Result<()> {
        if self.pending_ops.as_ref().is_some_and(|(n, _)| *n != commit_n) {
            self.flush_ops()?;
        }
        self.pending_ops.get_or_insert_with(|| (commit_n, Vec::new())).1.push((idx, op.encode()));
        self.applier.apply(&self.tx, author, id, op)?;
        if self.applier.dirty.len() >= PROJECT_EVERY {
            self.project_touched()?;
        }
        Ok(())
    }

    /// Stores the ops of the commit being applied (kept together, see `oplog`).
    fn flush_ops(&mut self) -> Result<()> {
        if let Some((n, ops)) = self.pending_ops.take() {
            oplog::write(&self.tx, n, &ops)?;
        }
        Ok(())
    }

    /// Re-projects the records touched so far, and notes what they name that is watched.
    pub fn project_touched(&mut self) -> Result<()> {
        let touched: Vec<i64> = std::mem::take(&mut self.applier.dirty).into_iter().collect();
        for n in &touched {
            project::project(&self.tx, *n)?;
        }
        self.alerts.extend(super::watch::check(&self.tx, &touched, "bundle")?);
        Ok(())
    }

    /// The watched selectors and records the commits applied so far named (projected ones).
    pub fn alerts(&mut self) -> Result<Vec<super::watch::Alert>> {
        self.project_touched()?;
        Ok(self.alerts.clone())
    }

    /// Moves the local clock past a remote timestamp; false if it is implausibly far ahead.
    pub fn observe(&mut self, hlc: Hlc) -> bool {
        self.clock.observe(hlc, Clock::now_ms())
    }

    /// Whether a remote timestamp is too far ahead to accept now.
    pub fn too_far_ahead(hlc: Hlc) -> bool {
        hlc.wall_ms() > Clock::now_ms() + crate::model::hlc::MAX_DRIFT_MS
    }

    /// Holds a commit back (merging op lists if it is already held back).
    pub fn quarantine(&mut self, header: &CommitHeader, q: &QuarantinedCommit) -> Result<()> {
        let existing: Option<Vec<u8>> = self
            .tx
            .prepare_cached("SELECT ops FROM quarantine WHERE device = ?1 AND seq = ?2")?
            .query_row(params![header.device.0.as_slice(), header.seq as i64], |r| r.get(0))
            .optional()?;
        let mut ops: Vec<(u32, Vec<u8>)> =
            existing.and_then(|b| postcard::from_bytes(&b).ok()).unwrap_or_default();
        for (idx, body) in &q.ops {
            if !ops.iter().any(|(i, _)| i == idx) {
                ops.push((*idx, body.clone()));
            }
        }
        ops.sort_by_key(|(i, _)| *i);
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO quarantine(device, seq, header, sig, ops, office, received_at)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                header.device.0.as_slice(),
                header.seq as i64,
                q.header,
                q.sig.as_slice(),
                postcard::to_stdvec(&ops).expect("op lists encode"),
                q.office,
                Clock::now_ms()
            ])?;
        Ok(())
    }

    /// Takes out of quarantine the commits whose clocks are now plausible.
    pub fn release_quarantine(&mut self) -> Result<Vec<QuarantinedCommit>> {
        let rows: Vec<(Vec<u8>, i64, Vec<u8>, Vec<u8>, Vec<u8>, String)> = self
            .tx
            .prepare_cached("SELECT device, seq, header, sig, ops, office FROM quarantine")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (device, seq, header_bytes, sig, ops, office) in rows {
            let Ok(header) = CommitHeader::decode(&header_bytes) else { continue };
            let ops: Vec<(u32, Vec<u8>)> = postcard::from_bytes(&ops).unwrap_or_default();
            let ahead = Self::too_far_ahead(header.hlc)
                || ops.iter().any(|(_, b)| Op::decode(b).is_ok_and(|op| Self::too_far_ahead(op.hlc)));
            if ahead {
                continue;
            }
            self.tx
                .prepare_cached("DELETE FROM quarantine WHERE device = ?1 AND seq = ?2")?
                .execute(params![device, seq])?;
            out.push(QuarantinedCommit {
                header: header_bytes,
                sig: sig.try_into().unwrap_or([0; 64]),
                ops,
                office,
            });
        }
        Ok(out)
    }

    /// Created records (placeholders for records only referenced so far do not count).
    pub fn record_count(&self) -> Result<i64> {
        Ok(self.tx.query_row("SELECT count(*) FROM object WHERE schema <> ''", [], |r| r.get(0))?)
    }

    /// Open conflicts: edited properties with several heads, and case references held by
    /// several cases (as `conflicts list` shows them).
    pub fn conflict_count(&mut self) -> Result<i64> {
        // Case references live in a derived table: bring it up to date first.
        self.project_touched()?;
        let sql = format!(
            "SELECT (SELECT count(*) FROM conflict) + (SELECT count(*) FROM ({}))",
            super::query::SHARED_REFERENCES
        );
        Ok(self.tx.query_row(&sql, [], |r| r.get(0))?)
    }

    /// Records an imported bundle.
    pub fn record_bundle_in(
        &self,
        bundle_id: &[u8],
        office: &str,
        sequence: u64,
        created_at: &str,
        commits: u64,
        ops: u64,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO bundle_in(bundle_id, office, sequence, created_at, imported_at, commits, ops)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                bundle_id,
                office,
                sequence as i64,
                created_at,
                Clock::now_ms(),
                commits as i64,
                ops as i64
            ],
        )?;
        Ok(())
    }

    /// Bundle sequence numbers from `office` never imported, below the highest imported.
    pub fn missing_from(&self, office: &str) -> Result<Vec<u64>> {
        let seqs: Vec<i64> = self
            .tx
            .prepare_cached("SELECT DISTINCT sequence FROM bundle_in WHERE office = ?1 ORDER BY sequence")?
            .query_map([office], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut missing = Vec::new();
        let mut expected = 1;
        for s in seqs {
            while expected < s && missing.len() < 1000 {
                missing.push(expected as u64);
                expected += 1;
            }
            expected = s + 1;
        }
        Ok(missing)
    }

    /// Notes that `office` sent us `device`'s commits `lo` < seq ≤ `hi`.
    pub fn record_coverage(&self, office: &str, device: DeviceId, lo: u64, hi: u64) -> Result<()> {
        if hi > lo {
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO coverage_in(office, device, lo, hi) VALUES(?1, ?2, ?3, ?4)",
                )?
                .execute(params![office, device.0.as_slice(), lo as i64, hi as i64])?;
        }
        Ok(())
    }

    /// Applies what `office` acknowledges: our bundles it imported (their response time is
    /// now measured) and the commits it holds. Returns how many of our bundles it newly
    /// acknowledged.
    pub fn apply_acks(&self, office: &str, bundles: &[[u64; 2]], commits: &[(DeviceId, u64)]) -> Result<u64> {
        let now = Clock::now_ms();
        let mut newly = 0;
        for [lo, hi] in bundles {
            let rows: Vec<(i64, Vec<u8>)> = self
                .tx
                .prepare_cached(
                    "SELECT sequence, full_cases FROM bundle_out
                     WHERE office = ?1 AND sequence BETWEEN ?2 AND ?3 AND acked_at IS NULL",
                )?
                .query_map(params![office, *lo as i64, *hi as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (sequence, cases) in rows {
                self.tx
                    .prepare_cached(
                        "UPDATE bundle_out SET acked_at = ?3 WHERE office = ?1 AND sequence = ?2",
                    )?
                    .execute(params![office, sequence, now])?;
                for case in cases.chunks_exact(16) {
                    self.tx
                        .prepare_cached(
                            "UPDATE case_share SET full_sent = 1 WHERE case_uid = ?1 AND office = ?2",
                        )?
                        .execute(params![case, office])?;
                }
                newly += 1;
            }
        }
        for (device, upto) in commits {
            self.tx
                .prepare_cached(
                    "INSERT INTO ack_out(office, device, upto) VALUES(?1, ?2, ?3)
                     ON CONFLICT(office, device) DO UPDATE SET upto = max(upto, excluded.upto)",
                )?
                .execute(params![office, device.0.as_slice(), *upto as i64])?;
        }
        Ok(newly)
    }

    /// Shares a case received from `office` back with it, so this office's additions to the
    /// case travel back to it. False if it was shared already.
    pub fn share_back(&self, case: Uuid, office: &str) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO case_share(case_uid, office, shared_at) VALUES(?1, ?2, ?3)",
            )?
            .execute(params![
                case.as_bytes(),
                office,
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ])?
            == 1)
    }

    pub fn audit(&self, action: &str, detail: &serde_json::Value) -> Result<()> {
        super::audit::append(&self.tx, action, detail)
    }

    /// Projects what is left, saves the clock, and makes everything durable at once.
    pub fn commit(mut self) -> Result<()> {
        self.flush_ops()?;
        self.project_touched()?;
        self.tx
            .prepare_cached(
                "INSERT INTO meta(key, value) VALUES('hlc', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute([self.clock.last().0.to_string()])?;
        self.tx.commit()?;
        Ok(())
    }
}
