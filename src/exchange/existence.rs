//! Existence is information (DESIGN §5b): a record reached by a shared case travels to an
//! office only if the office may receive at least one of its statements; a link only with
//! both its ends; a membership only with its entity (and case); a note, operation or task
//! only with its case. "Karim Benali owns this phone" is information even with every value
//! withheld, so a bare record never leaves.
//!
//! One streaming pass over the scope's statements, deciding each distinct (marking, case,
//! author) once, then one over the records with ends. Memory: one flag per record of the
//! scope (which may go), next to the compact scope map the plan holds anyway.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::release::{Destination, ReleaseContext};
use crate::model::ids::DeviceId;
use crate::store::export_scope::ScopeMap;
use crate::store::query::ScopeEnds;
use crate::store::{Store, StoreError};

/// Why a record in a shared case's reach does not travel to an office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// None of its statements may go to the office.
    NoValue,
    /// This end of the link (or the case of a case record) does not travel.
    End(Uuid),
    /// The entity of this membership does not travel.
    Entity(Uuid),
}

impl Hidden {
    /// The reason, in the dry run's words.
    pub fn reason(self, store: &Store, office: &str) -> Result<String, StoreError> {
        let label = |uid: Uuid| -> Result<String, StoreError> {
            Ok(match store.record_label(uid)? {
                Some((schema, caption)) if !caption.is_empty() => format!("{schema} {caption:?}"),
                Some((schema, _)) if !schema.is_empty() => format!("{schema} {uid}"),
                _ => uid.to_string(),
            })
        };
        Ok(match self {
            Hidden::NoValue => format!("no value of this record may go to {office}"),
            Hidden::End(end) => format!("its end {} does not travel to {office}", label(end)?),
            Hidden::Entity(e) => format!("its entity {} does not travel to {office}", label(e)?),
        })
    }
}

/// Which (marking, case, author) combinations may go to one office: decided once each.
pub struct MayReceive<'a> {
    context: &'a ReleaseContext,
    dest: &'a Destination,
    /// The office's own devices: what it wrote, it knows.
    theirs: &'a HashSet<DeviceId>,
    decided: HashMap<String, HashMap<(Option<Uuid>, DeviceId), bool>>,
}

impl<'a> MayReceive<'a> {
    pub fn new(context: &'a ReleaseContext, dest: &'a Destination, theirs: &'a HashSet<DeviceId>) -> Self {
        MayReceive { context, dest, theirs, decided: HashMap::new() }
    }

    pub fn may(&mut self, marking: &str, case: Option<Uuid>, author: DeviceId) -> bool {
        if self.theirs.contains(&author) {
            return true;
        }
        if !self.decided.contains_key(marking) {
            self.decided.insert(marking.to_owned(), HashMap::new());
        }
        let Some(by_marking) = self.decided.get_mut(marking) else { return false };
        let (context, dest) = (self.context, self.dest);
        *by_marking
            .entry((case, author))
            .or_insert_with(|| context.check(marking, case, author, dest).is_ok())
    }
}

/// Records that do not travel: why, and their owning case (for case records).
pub type HiddenRecords = HashMap<Uuid, (Hidden, Option<Uuid>)>;

/// Removes from `records` (the scope last computed by `Store::case_scope`) what may not
/// travel to the office, and returns it with the reason.
pub fn hide_unreleasable(
    store: &Store,
    may: &mut MayReceive<'_>,
    records: &mut ScopeMap,
) -> Result<HiddenRecords, StoreError> {
    // One flag per record of the scope (by its position there), not a set of ids: at a
    // million entities the scope holds five million records.
    let mut going = Going { flags: vec![false; records.slots()], records };
    store.visit_scope_statements(&mut |record, marking, case, author| {
        if going.contains(&record) {
            return true;
        }
        let ok = may.may(marking, case, author);
        if ok {
            going.insert(record);
        }
        ok
    })?;
    let mut demoted: Vec<(Uuid, Hidden)> = Vec::new();
    let mut members: Vec<Uuid> = Vec::new();
    store.visit_scope_ends(&mut |r: ScopeEnds| {
        let travels = |u: Option<Uuid>| u.is_none_or(|u| going.contains(&u));
        if r.schema == "CaseMember" {
            // A membership says only that its entity is in the case: it goes with the entity.
            match (r.dst, travels(r.src)) {
                (Some(e), _) if !going.contains(&e) => demoted.push((r.record, Hidden::Entity(e))),
                (_, false) => demoted.push((r.record, Hidden::End(r.src.unwrap_or_default()))),
                _ => members.push(r.record),
            }
            return;
        }
        if !going.contains(&r.record) {
            return;
        }
        if !travels(r.src) {
            demoted.push((r.record, Hidden::End(r.src.unwrap_or_default())));
        } else if !travels(r.dst) {
            demoted.push((r.record, Hidden::End(r.dst.unwrap_or_default())));
        }
    })?;
    for m in members {
        going.insert(m);
    }
    let flags = going.flags;
    let mut hidden = HiddenRecords::new();
    records.retain(|uid, i, owner| {
        let keep = flags[i];
        if !keep {
            hidden.insert(uid, (Hidden::NoValue, owner));
        }
        keep
    });
    drop(flags);
    for (uid, why) in demoted {
        if let Some(owner) = records.remove(&uid) {
            hidden.insert(uid, (why, owner));
        }
    }
    Ok(hidden)
}

/// The records of a scope that may go, as flags by position.
struct Going<'a> {
    flags: Vec<bool>,
    records: &'a ScopeMap,
}

impl Going<'_> {
    fn contains(&self, record: &Uuid) -> bool {
        self.records.index(record).is_some_and(|i| self.flags[i])
    }

    fn insert(&mut self, record: Uuid) {
        if let Some(i) = self.records.index(&record) {
            self.flags[i] = true;
        }
    }
}

/// Whether `record` (an Office record: outside the case scope) has a statement the office
/// may receive.
pub fn any_releasable(store: &Store, may: &mut MayReceive<'_>, record: Uuid) -> Result<bool, StoreError> {
    Ok(store
        .record_statements(record)?
        .iter()
        .any(|(marking, case, author)| may.may(marking, *case, *author)))
}
