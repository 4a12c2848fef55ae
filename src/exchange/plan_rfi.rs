//! What a bundle carries of requests for information asked outside any case (issue 15):
//! each is its own unit of release. The request and its answers go to the office asked or
//! asking; the records they name go with them only where the office may have them (the op
//! decisions then withhold, value by value, what its markings keep home), and whole while
//! the request or answer naming them is not yet acknowledged — read from the commits
//! holding them, one by one, not from the beginning of the log.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use uuid::Uuid;

use super::{DecisionCache, Plan, cancelled};
use crate::exchange::existence::{self, MayReceive};
use crate::exchange::{ExchangeError, Result};
use crate::model::ids::DeviceId;
use crate::model::op::Op;
use crate::store::export_scope::ScopeMap;
use crate::store::outbox::StoredCommit;
use crate::store::{Store, StoreError};

/// Adds the requests outside a case of `office` to `records` (the office's scope); returns
/// the records they name whose whole history goes.
pub(super) fn scope(
    store: &Store,
    office: &str,
    full: bool,
    may: &mut MayReceive<'_>,
    records: &mut ScopeMap,
    hidden: &mut existence::HiddenRecords,
) -> Result<Vec<Uuid>> {
    let acked_now = if full { HashMap::new() } else { store.acked_by(office)? };
    let mut fresh = Vec::new();
    for unit in store.rfi_units(office)? {
        for record in unit.records {
            records.insert_absent(record, None);
        }
        for (record, by) in unit.named {
            if records.contains_key(&record) || !existence::any_releasable(store, may, record)? {
                continue;
            }
            records.insert(record, None);
            hidden.remove(&record);
            if by.is_none_or(|(author, seq)| seq > acked_now.get(&author).copied().unwrap_or(0)) {
                fresh.push(record);
            }
        }
    }
    Ok(fresh)
}

/// Whether a request outside a case of `office` names a record whose whole history would
/// go (named in a commit the office has not acknowledged): decided without the scope,
/// erring towards reading it.
pub(super) fn any_owed(store: &Store, office: &str, acked: &HashMap<DeviceId, u64>) -> Result<bool> {
    Ok(store.rfi_units(office)?.iter().any(|unit| {
        unit.named
            .iter()
            .any(|(_, by)| by.is_none_or(|(author, seq)| seq > acked.get(&author).copied().unwrap_or(0)))
    }))
}

impl Plan {
    /// The commits below where the reading of each author starts that hold records named
    /// by requests for information outside a case, in seq order.
    fn rfi_commits_below(&self, starts: &[(DeviceId, u64)]) -> BTreeMap<DeviceId, BTreeSet<u64>> {
        let mut out: BTreeMap<DeviceId, BTreeSet<u64>> = BTreeMap::new();
        for t in &self.targets {
            for (a, seqs) in &t.rfi_commits {
                if t.own_devices.contains(a) {
                    continue;
                }
                let from = starts.iter().find(|(x, _)| x == a).map_or(u64::MAX, |(_, s)| *s);
                out.entry(*a).or_default().extend(seqs.iter().filter(|s| **s <= from));
            }
        }
        out
    }

    /// Reads, one by one, the older commits holding what requests outside a case name, and
    /// emits what goes of each (before the main reading: each author's commits still go in
    /// seq order).
    pub(super) fn read_rfi_commits(
        &mut self,
        store: &Store,
        starts: &[(DeviceId, u64)],
        decisions: &mut DecisionCache,
        emit: &mut dyn FnMut(&StoredCommit, &[usize]) -> Result<()>,
    ) -> Result<()> {
        for (a, seqs) in self.rfi_commits_below(starts) {
            for seq in seqs {
                let mut failure: Option<ExchangeError> = None;
                let mut read_one = false;
                let read = store.visit_commits(a, seq.saturating_sub(1), &mut |c: StoredCommit| {
                    if read_one || c.header.seq != seq {
                        return Err(StoreError::Input("stopped".into()));
                    }
                    read_one = true;
                    let mut carried = Vec::new();
                    for (i, (_, body)) in c.ops.iter().enumerate() {
                        let Ok(op) = Op::decode(body) else {
                            return Err(StoreError::Corrupt(format!(
                                "an op of commit {seq} does not decode"
                            )));
                        };
                        if self.decide(store, decisions, a, seq, &op)? {
                            carried.push(i);
                            self.note_going(op.object);
                        }
                    }
                    if !carried.is_empty() {
                        self.commits += 1;
                        self.ops += carried.len() as u64;
                        if let Err(e) = emit(&c, &carried) {
                            failure = Some(e);
                            return Err(StoreError::Input("stopped".into()));
                        }
                    }
                    Ok(())
                });
                if let Some(e) = failure {
                    return Err(e);
                }
                match read {
                    Err(StoreError::Input(m)) if m == "stopped" => {}
                    other => other.map_err(cancelled)?,
                }
            }
        }
        Ok(())
    }
}
