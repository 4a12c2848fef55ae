//! Local writes. A [`Txn`] turns each change into an op, applies it at once (so later reads
//! in the same transaction see it), and seals the ops into signed, hash-chained commits.
//! Nothing is visible to others, nor durable, until [`Txn::commit`].

use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::apply::Applier;
use super::{Result, Store, StoreError, project};
use crate::model::hlc::Clock;
use crate::model::ids::DeviceId;
use crate::model::op::{Assertion, CommitHeader, Op, OpBody, OpId};

/// A commit is sealed once it holds this many ops, keeping headers and bundles modest.
const OPS_PER_COMMIT: usize = 4096;

/// What a transaction wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WriteSummary {
    pub commits: u64,
    pub ops: u64,
}

pub struct Txn<'s> {
    tx: Transaction<'s>,
    keys: &'s super::Keys,
    clock: &'s mut Clock,
    device: DeviceId,
    pending: Vec<(OpId, Op)>,
    applier: Applier,
    seq: u64,
    prev: [u8; 32],
    summary: WriteSummary,
    audit_action: &'static str,
    /// The session's analyst, named in every commit header (and so signed).
    analyst: Option<String>,
    /// Watched selectors and records this write named (`store::watch`).
    alerts: Vec<super::watch::Alert>,
}

impl Store {
    /// Starts a local write. `action` names it in the audit log ("entity new", "import"…).
    pub fn write(&mut self, action: &'static str) -> Result<Txn<'_>> {
        let device = self.device;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (seq, prev) = tx
            .query_row(
                "SELECT seq, hash FROM commit_log WHERE device = ?1 ORDER BY seq DESC LIMIT 1",
                [device.0.as_slice()],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
            )
            .optional()?
            .map_or((0, [0u8; 32]), |(s, h)| (s as u64, h.try_into().unwrap_or([0; 32])));
        let applier = Applier::new(&tx)?;
        Ok(Txn {
            tx,
            keys: &self.keys,
            clock: &mut self.clock,
            device,
            pending: Vec::new(),
            applier,
            seq,
            prev,
            summary: WriteSummary::default(),
            audit_action: action,
            analyst: self.analyst.clone(),
            alerts: Vec::new(),
        })
    }
}

impl Txn<'_> {
    /// Read access inside the transaction (sees this transaction's applied ops).
    pub fn conn(&self) -> &rusqlite::Connection {
        &self.tx
    }

    fn push(&mut self, object: Uuid, body: OpBody) -> Result<OpId> {
        let op = Op { object, hlc: self.clock.tick(), body };
        let id = op.id(self.device);
        self.applier.apply(&self.tx, self.device, &id, &op)?;
        self.pending.push((id, op));
        if self.pending.len() >= OPS_PER_COMMIT {
            self.seal()?;
        }
        Ok(id)
    }

    /// Creates a record. Links and case records name their endpoints here, once.
    pub fn create(
        &mut self,
        uid: Uuid,
        schema: &str,
        source: Option<Uuid>,
        target: Option<Uuid>,
    ) -> Result<()> {
        self.push(uid, OpBody::Create { schema: schema.to_owned(), source, target })?;
        Ok(())
    }

    /// The kind of `uid` if it exists as a created record (deleted or not).
    pub fn schema_of(&mut self, uid: Uuid) -> Result<Option<String>> {
        self.applier.kind_of(&self.tx, uid)
    }

    /// Whether `uid` already holds `value` for `prop` from `source`, live. Importers use it
    /// so that reading the same file twice writes nothing the second time.
    pub fn has_value(&mut self, uid: Uuid, prop: &str, value: &str, source: Option<Uuid>) -> Result<bool> {
        // Lookups only: asking must not create placeholder records.
        Ok(self
            .tx
            .prepare_cached(
                "SELECT 1 FROM stmt s JOIN object o ON o.n = s.obj
                 LEFT JOIN object src ON src.n = s.source AND s.source <> 0
                 WHERE o.uid = ?1 AND s.prop = ?2 AND s.value = ?3 AND s.live = 1
                   AND (src.uid IS ?4)",
            )?
            .query_row(params![uid.as_bytes(), prop, value, source.as_ref().map(Uuid::as_bytes)], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether `uid` already holds assertion `a` live: the same value from the same source,
    /// under the same case, with the same grade and a marking at least as strict. Writing it
    /// again would change nothing; a new grade or a stricter marking must be written (a
    /// re-import that re-grades a file must not be skipped as "already there").
    pub fn holds(&mut self, uid: Uuid, a: &Assertion) -> Result<bool> {
        let held: Option<(Option<String>, String)> = self
            .tx
            .prepare_cached(
                "SELECT s.grade, s.marking FROM stmt s JOIN object o ON o.n = s.obj
                 LEFT JOIN object src ON src.n = s.source AND s.source <> 0
                 LEFT JOIN object c ON c.n = s.case_n
                 WHERE o.uid = ?1 AND s.prop = ?2 AND s.value = ?3 AND s.live = 1
                   AND (src.uid IS ?4) AND (c.uid IS ?5)",
            )?
            .query_row(
                params![
                    uid.as_bytes(),
                    a.prop,
                    a.value,
                    a.source.as_ref().map(Uuid::as_bytes),
                    a.case.as_ref().map(Uuid::as_bytes)
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(held.is_some_and(|(grade, marking)| {
            grade == a.grade && super::apply::join_markings(&marking, &a.marking) == marking
        }))
    }

    /// Adds a value to a multi-valued property.
    pub fn add(&mut self, uid: Uuid, assertion: Assertion) -> Result<()> {
        self.push(uid, OpBody::Add(assertion))?;
        Ok(())
    }

    /// Sets a single-valued property, replacing every current head (and so resolving any
    /// conflict on it). Setting the value it already has, from the same source, is a no-op.
    pub fn set(&mut self, uid: Uuid, assertion: Assertion) -> Result<()> {
        let n = self.applier.object_n(&self.tx, uid)?;
        if assertion.prop == "reference" {
            self.check_reference_free(uid, n, &assertion.value)?;
        }
        let heads: Vec<(Vec<u8>, Vec<u8>)> = self
            .tx
            .prepare_cached("SELECT op, assertion FROM head WHERE obj = ?1 AND prop = ?2")?
            .query_map(params![n, assertion.prop], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        if let [(_, only)] = heads.as_slice() {
            if postcard::from_bytes::<Assertion>(only).ok().as_ref() == Some(&assertion) {
                return Ok(());
            }
        }
        let parents = heads.into_iter().filter_map(|(id, _)| id.try_into().ok().map(OpId)).collect();
        self.push(uid, OpBody::Set { assertion, parents })?;
        Ok(())
    }

    /// A case reference names one case: this office never gives a second live case a
    /// reference already held (compared without regard to letter case). Offices that open the
    /// same reference unknowingly meet in a "duplicate reference" conflict instead.
    fn check_reference_free(&mut self, uid: Uuid, n: i64, reference: &str) -> Result<()> {
        if self.schema_of(uid)?.as_deref() != Some("Case") {
            return Ok(());
        }
        match super::query::reference_holders(&self.tx, reference, n)?.first() {
            Some((_, caption)) => Err(StoreError::Input(format!(
                "case reference {reference:?} is already used by the case \"{caption}\": choose another reference"
            ))),
            None => Ok(()),
        }
    }

    /// Removes a value of a multi-valued property (every add of it this store has seen).
    pub fn remove(&mut self, uid: Uuid, prop: &str, value: &str, source: Option<Uuid>) -> Result<bool> {
        let n = self.applier.object_n(&self.tx, uid)?;
        let source_n = source.map(|s| self.applier.object_n(&self.tx, s)).transpose()?.unwrap_or(0);
        let adds: Option<Vec<u8>> = self
            .tx
            .prepare_cached(
                "SELECT adds FROM stmt WHERE obj = ?1 AND prop = ?2 AND value = ?3 AND source = ?4 AND live = 1",
            )?
            .query_row(params![n, prop, value, source_n], |r| r.get(0))
            .optional()?;
        let Some(adds) = adds else { return Ok(false) };
        let removes = adds.chunks_exact(32).filter_map(|c| c.try_into().ok().map(OpId)).collect();
        self.push(uid, OpBody::Remove { prop: prop.to_owned(), value: value.to_owned(), source, removes })?;
        Ok(true)
    }

    /// Removes exactly the adds `removes` of a value (an undo names the adds it takes back,
    /// so the same value added again by someone else stays).
    pub fn remove_adds(
        &mut self,
        uid: Uuid,
        prop: &str,
        value: &str,
        source: Option<Uuid>,
        removes: Vec<OpId>,
    ) -> Result<()> {
        self.push(uid, OpBody::Remove { prop: prop.to_owned(), value: value.to_owned(), source, removes })?;
        Ok(())
    }

    /// Closes the current commit: signs it, stores it and its ops, and re-projects what it
    /// touched. Further ops go into a new commit of the same transaction.
    pub fn seal(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let header = CommitHeader::new(
            self.device,
            self.seq + 1,
            self.prev,
            self.clock.tick(),
            self.pending.iter().map(|(id, _)| *id).collect(),
            self.analyst.clone(),
        );
        let hash = header.hash();
        let sig = header.sign(&self.keys.signing_key());
        self.tx
            .prepare_cached(
                "INSERT INTO commit_log(device, seq, hash, header, sig, received_at, hlc, analyst)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                self.device.0.as_slice(),
                header.seq as i64,
                hash.as_slice(),
                header.encode(),
                sig.as_slice(),
                Clock::now_ms(),
                header.hlc.0,
                header.analyst
            ])?;
        let commit_n = self.tx.last_insert_rowid();
        let bodies: Vec<(u32, Vec<u8>)> =
            self.pending.iter().enumerate().map(|(idx, (_, op))| (idx as u32, op.encode())).collect();
        super::oplog::write(&self.tx, commit_n, &bodies)?;
        let touched: Vec<i64> = std::mem::take(&mut self.applier.dirty).into_iter().collect();
        for n in &touched {
            project::project(&self.tx, *n)?;
        }
        self.alerts.extend(super::watch::check(&self.tx, &touched, self.audit_action)?);
        self.tx
            .prepare_cached(
                "INSERT INTO meta(key, value) VALUES('hlc', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute([header.hlc.0.to_string()])?;
        self.summary.commits += 1;
        self.summary.ops += self.pending.len() as u64;
        self.seq = header.seq;
        self.prev = hash;
        self.pending.clear();
        Ok(())
    }

    /// The watched selectors and records this write named so far (sealed commits).
    pub fn alerts(&self) -> &[super::watch::Alert] {
        &self.alerts
    }

    /// Seals what is pending, records the write in the audit log and makes it durable.
    pub fn commit(mut self, detail: &serde_json::Value) -> Result<WriteSummary> {
        self.seal()?;
        if self.summary.ops > 0 {
            let mut detail = detail.clone();
            if let Some(obj) = detail.as_object_mut() {
                obj.insert("ops".into(), self.summary.ops.into());
                if !self.alerts.is_empty() {
                    obj.insert("watch_alerts".into(), self.alerts.len().into());
                }
            }
            super::audit::append(&self.tx, self.audit_action, &detail)?;
        }
        self.tx.commit().map_err(StoreError::from)?;
        Ok(self.summary)
    }

    /// Commits the SQL transaction so far (bulk loads) and starts a new one, keeping the
    /// write-ahead log bounded. Pending ops are sealed first.
    pub fn checkpoint(&mut self) -> Result<()> {
        self.seal()?;
        self.tx.execute_batch("COMMIT; BEGIN IMMEDIATE")?;
        Ok(())
    }
}
