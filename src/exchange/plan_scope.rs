//! The scope side of the plan (issue 12): whether anything is new for an office before
//! its scope is read, what its shared cases reach, and the records going counted by their
//! position in the compact scope rather than in a map of ids.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{Plan, plan_rfi};
use crate::exchange::Result;
use crate::exchange::existence::{self, Hidden, MayReceive};
use crate::exchange::release::{Destination, ReleaseContext};
use crate::model::ids::DeviceId;
use crate::store::Store;
use crate::store::export_scope::ScopeMap;

impl Plan {
    /// Counts an op going of `record`: under the first recipient whose scope holds it, so
    /// that each record counts once.
    pub(super) fn note_going(&mut self, record: Uuid) {
        for t in &mut self.targets {
            if let Some(i) = t.scope.index(&record) {
                if let Some(n) = t.going.get_mut(i) {
                    *n += 1;
                    return;
                }
            }
        }
        *self.going_elsewhere.entry(record).or_default() += 1;
    }

    /// The records going, each with its ops.
    pub fn going(&self) -> impl Iterator<Item = (Uuid, u64)> + '_ {
        let of_targets = self.targets.iter().flat_map(|t| {
            t.going
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (t.scope.record_at(i), u64::from(*n)))
        });
        of_targets.chain(self.going_elsewhere.iter().map(|(r, n)| (*r, *n)))
    }

    /// How many records are going.
    pub fn records_going(&self) -> u64 {
        let counted: usize = self.targets.iter().map(|t| t.going.iter().filter(|n| **n > 0).count()).sum();
        (counted + self.going_elsewhere.len()) as u64
    }
}

/// What the shared cases of one office reach, and what of it travels.
#[derive(Default)]
pub(super) struct Reached {
    pub(super) scope: ScopeMap,
    pub(super) hidden: existence::HiddenRecords,
    pub(super) cited: HashSet<Uuid>,
    pub(super) fresh: ScopeMap,
    pub(super) rfi_fresh: Vec<Uuid>,
}

/// Whether no author but the office itself has a commit held after what the office
/// acknowledged: then the emitting pass reads nothing.
pub(super) fn nothing_after(
    store: &Store,
    authors: &[DeviceId],
    acked: &HashMap<DeviceId, u64>,
    own: &HashSet<DeviceId>,
) -> Result<bool> {
    for a in authors.iter().filter(|a| !own.contains(a)) {
        if store.ops_after(*a, acked.get(a).copied().unwrap_or(0))? > 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn reach(
    store: &Store,
    context: &ReleaseContext,
    dest: &Destination,
    own_devices: &HashSet<DeviceId>,
    cases: &[Uuid],
    full_cases: &[Uuid],
    office: &str,
    full: bool,
) -> Result<Reached> {
    let mut scope = store.case_scope(cases)?;
    let mut may = MayReceive::new(context, dest, own_devices);
    let mut hidden = existence::hide_unreleasable(store, &mut may, &mut scope.records)?;
    let mut cited = HashSet::new();
    for (source, marking, case, author) in std::mem::take(&mut scope.citations) {
        if may.may(&marking, case, author) {
            cited.insert(source);
        }
    }
    // A source's name travels with the values that cite it: an office that may have a
    // value may know who vouches for it. (The name's own marking is the join of every
    // citing value's, so it alone would keep it home wherever one citation is RED.)
    for source in &cited {
        scope.records.insert_absent(*source, None);
        hidden.remove(source);
    }
    // Every office's word on its own sharing and revocations goes to everyone: relays
    // need it to never widen what the originator allowed.
    // (An office that revoked this one has told it nothing: its record stays home too.)
    for record in store.office_records()? {
        if existence::any_releasable(store, &mut may, record)? {
            scope.records.insert_absent(record, None);
        } else {
            hidden.insert(record, (Hidden::NoValue, None));
        }
    }
    let rfi_fresh = plan_rfi::scope(store, office, full, &mut may, &mut scope.records, &mut hidden)?;
    drop(may);
    let fresh = if full_cases.is_empty() || full_cases.len() == cases.len() {
        ScopeMap::default()
    } else {
        let mut f = store.case_scope(full_cases)?;
        for (source, ..) in f.citations.drain(..) {
            if scope.records.contains_key(&source) {
                f.records.insert(source, None);
            }
        }
        f.records
    };
    Ok(Reached { scope: scope.records, hidden, cited, fresh, rfi_fresh })
}
