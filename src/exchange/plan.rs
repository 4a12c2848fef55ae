//! What an export carries (DESIGN §5): for each recipient office, the records its shared
//! cases reach, the ops of them it has not acknowledged (per author: commits after the last
//! one it acknowledged), the whole history of records it is new to, and, of all that, what
//! the handling markings let it receive. A bundle to several offices carries only what
//! every one of them may receive.
//!
//! The op log is read in two passes at most: a first over the unacknowledged commits finds
//! entities that newly joined a shared case (their older ops must travel too); the second
//! emits commits, each with only its releasable ops. A commit signs the list of its op
//! hashes, so a partial commit still proves every op it carries.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use uuid::Uuid;

use super::existence::{self, Hidden};
use super::format::{AckedUpto, Acks, Cover};
use super::release::{Destination, ReleaseContext};
use super::{ExchangeError, Result};
use crate::model::ids::DeviceId;
use crate::model::op::{DELETED, Op, OpBody};
use crate::store::export_scope::ScopeMap;
use crate::store::offices::DeviceRecord;
use crate::store::outbox::StoredCommit;
use crate::store::{Store, StoreError};

/// A statement (or other op) withheld from an office, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withheld {
    pub office: String,
    pub record: Uuid,
    pub schema: String,
    pub caption: String,
    pub prop: String,
    pub value: String,
    pub marking: String,
    pub reason: String,
    pub ops: u64,
}

/// One recipient office and what the plan found for it.
#[derive(Debug)]
pub struct Target {
    pub dest: Destination,
    pub devices: Vec<DeviceRecord>,
    /// Cases shared with the office (restricted to `--case` if given).
    pub cases: Vec<Uuid>,
    /// Records in scope that travel, with their owning case.
    scope: ScopeMap,
    /// Ops going per record of `scope` (by its position there), for the records this
    /// target is the first in scope of.
    going: Vec<u32>,
    /// Records the shared cases reach that the office may not learn exist, and why.
    hidden: existence::HiddenRecords,
    /// Sources cited by a value the office may have: their statements go with those values.
    cited: HashSet<Uuid>,
    /// Records whose whole history goes.
    fresh: ScopeMap,
    /// Records named by requests for information outside a case whose whole history goes,
    /// and per author the commits holding their values: those are read one by one, not the
    /// log from its beginning.
    rfi_fresh: HashSet<Uuid>,
    rfi_commits: HashMap<DeviceId, BTreeSet<u64>>,
    /// Every record's whole history goes (every case is new to the office, or --full).
    all_fresh: bool,
    /// Cases whose whole history this bundle carries.
    pub full_cases: Vec<Uuid>,
    acked: HashMap<DeviceId, u64>,
    own_devices: HashSet<DeviceId>,
    pub sequence: u64,
    pub acks: Acks,
    /// Ops the office needs and gets.
    pub ops: u64,
    /// Per author, the first commit with an op the office needs that another recipient
    /// may not receive: its cover stops below it.
    excluded_from: HashMap<DeviceId, u64>,
    /// The values withheld, listed up to [`MAX_WITHHELD_LISTED`] (a store whose shared cases
    /// are mostly TLP:RED would otherwise hold one entry per statement in memory).
    withheld: BTreeMap<(Uuid, String, String, String), Withheld>,
    /// Every op withheld, listed or not.
    pub withheld_ops: u64,
}

/// Withheld values listed per recipient; beyond, they are counted only.
pub const MAX_WITHHELD_LISTED: usize = 10_000;

impl Target {
    pub fn withheld(&self) -> impl Iterator<Item = &Withheld> {
        self.withheld.values()
    }

    pub fn record_count(&self) -> usize {
        self.scope.len()
    }
}

/// An export in preparation.
#[derive(Debug)]
pub struct Plan {
    pub targets: Vec<Target>,
    context: ReleaseContext,
    held: HashMap<DeviceId, u64>,
    authors: Vec<DeviceId>,
    pub full: bool,
    /// Cases shared with every recipient (the recipients share them back).
    pub cases: Vec<Uuid>,
    /// Ops going of records in no recipient's scope (none expected: kept for the count).
    going_elsewhere: HashMap<Uuid, u64>,
    pub commits: u64,
    pub ops: u64,
    /// False for a bundle of blobs alone ([`Plan::carry_no_ops`]).
    carries_ops: bool,
}

/// What the op decision is for one recipient.
enum Fit {
    /// Not a record shared with the office.
    OutOfScope,
    /// The office wrote it.
    Theirs,
    Withheld(String),
    /// The record does not travel (existence is information).
    Hidden(Hidden),
    Fits {
        needed: bool,
    },
}

fn hex(d: DeviceId) -> String {
    d.to_string()
}

/// Gathers recipients, shares, scopes and acknowledgements.
pub fn prepare(store: &Store, to: &[String], full: bool, only_case: Option<Uuid>) -> Result<Plan> {
    if to.is_empty() {
        return Err(ExchangeError::Input("name at least one office with --to OFFICE".into()));
    }
    let devices = store.devices()?;
    let shares = store.case_shares()?;
    let context = ReleaseContext::load(store)?;
    let authors = store.commit_authors()?;
    let mut targets = Vec::new();
    let mut quiets = Vec::new();
    let mut seen = BTreeSet::new();
    for office in to {
        if !seen.insert(office.clone()) {
            continue;
        }
        let office_devices: Vec<DeviceRecord> =
            devices.iter().filter(|d| !d.is_self && &d.office == office).cloned().collect();
        if office_devices.is_empty() {
            return Err(ExchangeError::Input(format!(
                "no office {office:?}: `liaison office list` shows the trusted offices"
            )));
        }
        let live: Vec<DeviceRecord> = office_devices.iter().filter(|d| d.is_trusted()).cloned().collect();
        if live.is_empty() {
            return Err(ExchangeError::Input(format!("office {office:?} is revoked: nothing is sent to it")));
        }
        let first = &live[0];
        let cases: Vec<Uuid> = shares
            .iter()
            .filter(|s| &s.office == office && only_case.is_none_or(|c| c == s.case))
            .map(|s| s.case)
            .collect();
        let full_cases: Vec<Uuid> = shares
            .iter()
            .filter(|s| &s.office == office && cases.contains(&s.case) && (full || !s.full_sent))
            .map(|s| s.case)
            .collect();
        let dest = Destination {
            office: office.clone(),
            agency: first.agency.clone(),
            country: first.country.clone(),
        };
        let own_devices: HashSet<DeviceId> = office_devices.iter().map(|d| d.id).collect();
        let acked = if full { HashMap::new() } else { store.acked_by(office)? };
        // Nothing new for the office (no commit after its acknowledgements, no case new to
        // it, no record named by a request whose whole history is owed): no op is read, so
        // the scope is not either — an empty export costs what the acknowledgements do,
        // not what the store holds.
        let quiet = !full
            && full_cases.is_empty()
            && nothing_after(store, &authors, &acked, &own_devices)?
            && !plan_rfi::any_owed(store, office, &acked)?;
        // (A bundle to several offices carries only what each may receive, so the scope
        // is skipped only when every recipient is quiet: see below.)
        let reached = if quiet {
            Reached::default()
        } else {
            reach(store, &context, &dest, &own_devices, &cases, &full_cases, office, full)?
        };
        quiets.push(quiet);
        let Reached { scope, hidden, cited, fresh, rfi_fresh } = reached;
        let all_fresh = !cases.is_empty() && full_cases.len() == cases.len();
        let rfi_commits = store.commits_holding(&rfi_fresh)?;
        let (bundles, commits) = store.acks_for(office)?;
        let acks = Acks {
            bundles,
            commits: commits.into_iter().map(|(d, upto)| AckedUpto { device: hex(d), upto }).collect(),
        };
        targets.push(Target {
            acked,
            own_devices,
            devices: live,
            sequence: store.next_bundle_sequence(office)?,
            dest,
            cases,
            scope,
            going: Vec::new(),
            hidden,
            cited,
            fresh,
            rfi_fresh: rfi_fresh.into_iter().collect(),
            rfi_commits,
            all_fresh,
            full_cases,
            acks,
            ops: 0,
            excluded_from: HashMap::new(),
            withheld: BTreeMap::new(),
            withheld_ops: 0,
        });
    }
    if quiets.contains(&false) {
        for (t, quiet) in targets.iter_mut().zip(quiets) {
            if quiet {
                let r = reach(
                    store,
                    &context,
                    &t.dest,
                    &t.own_devices,
                    &t.cases,
                    &t.full_cases,
                    &t.dest.office,
                    full,
                )?;
                (t.scope, t.hidden, t.cited, t.fresh) = (r.scope, r.hidden, r.cited, r.fresh);
                // Quiet means no request owes a record's whole history: this stays empty.
                t.rfi_commits = store.commits_holding(&r.rfi_fresh)?;
                t.rfi_fresh = r.rfi_fresh.into_iter().collect();
            }
        }
    }
    let cases =
        targets[0].cases.iter().filter(|c| targets.iter().all(|t| t.cases.contains(c))).copied().collect();
    Ok(Plan {
        targets,
        context,
        held: store.known_upto()?,
        authors,
        full,
        cases,
        going_elsewhere: HashMap::new(),
        commits: 0,
        ops: 0,
        carries_ops: true,
    })
}

impl Plan {
    /// Deconfliction: a bundle carrying blobs alone (`deconflict reply`) gives no op, so it
    /// claims no commit and no case's whole history: the next full bundle still does.
    pub fn carry_no_ops(&mut self) {
        self.carries_ops = false;
        for t in &mut self.targets {
            t.full_cases.clear();
        }
    }

    /// The covers of `target`: per author, the commits this bundle (with the earlier ones it
    /// acknowledged) gives it everything of.
    pub fn covers(&self, target: &Target) -> Vec<Cover> {
        let mut out = Vec::new();
        if !self.carries_ops {
            return out;
        }
        for a in &self.authors {
            if target.own_devices.contains(a) {
                continue;
            }
            let from = target.acked.get(a).copied().unwrap_or(0);
            let mut to = self.held.get(a).copied().unwrap_or(0);
            if let Some(first_excluded) = target.excluded_from.get(a) {
                to = to.min(first_excluded.saturating_sub(1));
            }
            if to > from {
                out.push(Cover { device: hex(*a), from, to });
            }
        }
        out
    }

    /// Where the reading of `author`'s commits starts for the emitting pass.
    fn start_after(&self, author: DeviceId, whole_history: bool) -> u64 {
        if whole_history {
            return 0;
        }
        self.targets
            .iter()
            .filter(|t| !t.own_devices.contains(&author))
            .map(|t| t.acked.get(&author).copied().unwrap_or(0))
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Finds entities that joined a shared case in commits a recipient has not acknowledged:
    /// their whole history (and their links within the scope) becomes fresh.
    fn find_joins(&mut self, store: &Store, cancel: &AtomicBool) -> Result<()> {
        if self.full || self.targets.iter().all(|t| t.acked.values().all(|v| *v == 0)) {
            return Ok(());
        }
        let mut joined: Vec<HashSet<Uuid>> = vec![HashSet::new(); self.targets.len()];
        for a in self.authors.clone() {
            let after = self.start_after(a, false);
            if after == u64::MAX {
                continue;
            }
            store
                .visit_commits(a, after, &mut |c: StoredCommit| {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(StoreError::Input("cancelled".into()));
                    }
                    for (_, body) in &c.ops {
                        let Ok(op) = Op::decode(body) else { continue };
                        let entity = match &op.body {
                            OpBody::Create { schema, source: Some(case), target: Some(e) }
                                if schema == "CaseMember" =>
                            {
                                Some((*case, *e))
                            }
                            OpBody::Set { assertion, .. }
                                if assertion.prop == DELETED && assertion.value == "false" =>
                            {
                                store
                                    .link_ends(op.object)?
                                    .filter(|(_, _, s)| s == "CaseMember")
                                    .map(|(c, e, _)| (c, e))
                            }
                            _ => None,
                        };
                        let Some((case, e)) = entity else { continue };
                        for (t, j) in self.targets.iter().zip(joined.iter_mut()) {
                            let needed = c.header.seq > t.acked.get(&a).copied().unwrap_or(0);
                            if needed && !t.own_devices.contains(&a) && t.cases.contains(&case) {
                                j.insert(e);
                            }
                        }
                    }
                    Ok(())
                })
                .map_err(cancelled)?;
        }
        for (t, j) in self.targets.iter_mut().zip(joined) {
            if t.all_fresh {
                continue;
            }
            for e in j {
                if !t.scope.contains_key(&e) {
                    continue;
                }
                t.fresh.insert(e, None);
                for link in store.links_of_entity(e)? {
                    if t.scope.contains_key(&link) {
                        t.fresh.insert(link, None);
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads the op log once and calls `emit` with each commit and the indexes (into its
    /// held ops) of the ops the bundle carries.
    pub fn run(
        &mut self,
        store: &Store,
        emit: &mut dyn FnMut(&StoredCommit, &[usize]) -> Result<()>,
        progress: &mut dyn FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<()> {
        self.find_joins(store, cancel)?;
        for t in &mut self.targets {
            t.going = vec![0; t.scope.slots()];
        }
        let whole = self.targets.iter().any(|t| t.all_fresh || !t.fresh.is_empty());
        let starts: Vec<(DeviceId, u64)> = self
            .authors
            .iter()
            .map(|a| (*a, self.start_after(*a, whole)))
            .filter(|(_, s)| *s != u64::MAX)
            .collect();
        let mut total = 0;
        for (a, after) in &starts {
            total += store.ops_after(*a, *after)?;
        }
        let mut done = 0u64;
        let mut decisions = DecisionCache::default();
        self.read_rfi_commits(store, &starts, &mut decisions, emit)?;
        for (a, after) in starts {
            let mut failure: Option<ExchangeError> = None;
            let read = store.visit_commits(a, after, &mut |c: StoredCommit| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(StoreError::Input("cancelled".into()));
                }
                let mut carried = Vec::new();
                for (i, (_, body)) in c.ops.iter().enumerate() {
                    let Ok(op) = Op::decode(body) else {
                        return Err(StoreError::Corrupt(format!(
                            "an op of commit {} does not decode",
                            c.header.seq
                        )));
                    };
                    if self.decide(store, &mut decisions, a, c.header.seq, &op)? {
                        carried.push(i);
                        self.note_going(op.object);
                    }
                }
                done += c.ops.len() as u64;
                progress(done, total);
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
            read.map_err(|e| failure.take().unwrap_or_else(|| cancelled(e)))?;
        }
        Ok(())
    }

    /// Whether the bundle carries `op` (by `author`, in commit `seq`); notes what is
    /// withheld and what others' limits keep from a recipient.
    fn decide(
        &mut self,
        store: &Store,
        cache: &mut DecisionCache,
        author: DeviceId,
        seq: u64,
        op: &Op,
    ) -> Result<bool, StoreError> {
        let mut fits = Vec::with_capacity(self.targets.len());
        for t in &self.targets {
            fits.push(self.fit(store, cache, t, author, seq, op)?);
        }
        let wanted = fits.iter().any(|f| matches!(f, Fit::Fits { needed: true }));
        let allowed = fits.iter().all(|f| matches!(f, Fit::Fits { .. } | Fit::Theirs));
        for (t, f) in self.targets.iter_mut().zip(&fits) {
            match f {
                Fit::Fits { needed: true } if allowed => t.ops += 1,
                Fit::Fits { needed: true } => {
                    let first = t.excluded_from.entry(author).or_insert(seq);
                    *first = (*first).min(seq);
                }
                Fit::Withheld(reason) if t.is_needed(author, seq, op.object) => {
                    note_withheld(store, t, op, reason)?;
                }
                Fit::Hidden(why) if t.is_needed(author, seq, op.object) => {
                    t.withheld_ops += 1;
                    if t.withheld.len() < MAX_WITHHELD_LISTED || matches!(op.body, OpBody::Create { .. }) {
                        let reason = why.reason(store, &t.dest.office)?;
                        t.withheld_ops -= 1;
                        note_withheld(store, t, op, &reason)?;
                    }
                }
                _ => {}
            }
        }
        Ok(wanted && allowed)
    }

    fn fit(
        &self,
        store: &Store,
        cache: &mut DecisionCache,
        t: &Target,
        author: DeviceId,
        seq: u64,
        op: &Op,
    ) -> Result<Fit, StoreError> {
        if t.own_devices.contains(&author) {
            return Ok(Fit::Theirs);
        }
        let hidden = t.hidden.get(&op.object).copied();
        let Some(owner) = t.scope.get(&op.object).or(hidden.map(|(_, owner)| owner)) else {
            return Ok(Fit::OutOfScope);
        };
        let hidden = hidden.map(|(why, _)| why);
        let tombstone = matches!(&op.body, OpBody::Set { assertion, .. } if assertion.prop == DELETED);
        if let Some(why) = hidden {
            if matches!(op.body, OpBody::Create { .. }) || tombstone {
                return Ok(Fit::Hidden(why));
            }
        }
        let handling = match &op.body {
            _ if t.cited.contains(&op.object) => None,
            // A membership is its creator's word that the entity is in the case: an office the
            // creator revoked does not get it, whoever relays.
            OpBody::Create { schema, .. } if schema == "CaseMember" => {
                if let Err(reason) = self.context.check_not_revoked(author, &t.dest) {
                    return Ok(Fit::Withheld(reason));
                }
                None
            }
            OpBody::Create { .. } => None,
            OpBody::Add(a) | OpBody::Set { assertion: a, .. } => Some((a.marking.clone(), a.case.or(owner))),
            OpBody::Remove { prop, value, source, .. } => {
                match store.value_handling(op.object, prop, value, *source)? {
                    Some((marking, case)) => Some((marking, case.or(owner))),
                    // A value this store never held: its marking is unknown, so it stays.
                    None => Some(("?".to_owned(), None)),
                }
            }
        };
        if let Some((marking, case)) = handling {
            let key = (t.dest.office.clone(), marking, case, author);
            let verdict = cache
                .entry(key)
                .or_insert_with_key(|(_, m, c, a)| self.context.check(m, *c, *a, &t.dest).err())
                .clone();
            if let Some(reason) = verdict {
                return Ok(Fit::Withheld(reason));
            }
        }
        if let Some(why) = hidden {
            return Ok(Fit::Hidden(why));
        }
        Ok(Fit::Fits { needed: t.is_needed(author, seq, op.object) })
    }
}

type DecisionCache = HashMap<(String, String, Option<Uuid>, DeviceId), Option<String>>;

impl Target {
    fn is_needed(&self, author: DeviceId, seq: u64, record: Uuid) -> bool {
        self.all_fresh
            || seq > self.acked.get(&author).copied().unwrap_or(0)
            || self.fresh.contains_key(&record)
            || self.rfi_fresh.contains(&record)
    }
}

fn note_withheld(store: &Store, t: &mut Target, op: &Op, reason: &str) -> Result<(), StoreError> {
    let (prop, value, marking) = match &op.body {
        OpBody::Add(a) | OpBody::Set { assertion: a, .. } => {
            (a.prop.clone(), a.value.clone(), a.marking.clone())
        }
        OpBody::Remove { prop, value, .. } => (prop.clone(), value.clone(), String::new()),
        OpBody::Create { .. } => (String::new(), String::new(), String::new()),
    };
    t.withheld_ops += 1;
    let key = (op.object, prop.clone(), value.clone(), reason.to_owned());
    if let Some(w) = t.withheld.get_mut(&key) {
        w.ops += 1;
        return Ok(());
    }
    if t.withheld.len() >= MAX_WITHHELD_LISTED {
        return Ok(());
    }
    let (schema, caption) = store.record_label(op.object)?.unwrap_or_default();
    t.withheld.insert(
        key,
        Withheld {
            office: t.dest.office.clone(),
            record: op.object,
            schema,
            caption,
            prop,
            value,
            marking,
            reason: reason.to_owned(),
            ops: 1,
        },
    );
    Ok(())
}

fn cancelled(e: StoreError) -> ExchangeError {
    match e {
        StoreError::Input(m) if m == "cancelled" => ExchangeError::Cancelled,
        other => ExchangeError::Store(other),
    }
}

#[path = "plan_rfi.rs"]
mod plan_rfi;
#[path = "plan_scope.rs"]
mod plan_scope;
use plan_scope::{Reached, nothing_after, reach};
