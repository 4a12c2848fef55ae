//! Clusters: the records judged the same as one record, transitively (A=B, B=C), and the
//! resolved profile that every view should show for them.
//!
//! Rules, chosen so that no judgement is silently ignored:
//! - only a `same` verdict joins; a verdict offices disagree on (a conflict) joins nothing
//!   until someone resolves it, and is named;
//! - a record's own direct `not-same` wins for that pair: the walk from X never enters a
//!   record X was judged not the same as (nor what is reached only through it), even if a
//!   chain of `same` leads there. The record left out is listed (`excluded`) and the
//!   contradiction named, so the analyst sees the chain that disagrees with the direct word;
//! - `not-same` and `unsure` between two records of the transitive component are listed as
//!   contradictions.
//!
//! Each step is one index seek on `judged`, so the cost follows the cluster's size, never the
//! number of judgements held; a cluster is cut at [`MAX_MEMBERS`] (and says so).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::Serialize;
use uuid::Uuid;

use super::{Edge, Verdict};
use crate::store::query::{RecordRef, StatementView, record_ref, uid_from_blob};
use crate::store::{Result, Store, StoreError};

/// Records walked at most from one record: beyond, the cluster is cut (`truncated`).
pub const MAX_MEMBERS: usize = 500;

/// A judgement inside (or at the edge of) a cluster that does not say `same`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Contradiction {
    pub judgement: Uuid,
    pub records: [Uuid; 2],
    /// "not-same", "unsure", or "contested" (offices gave different verdicts).
    pub verdict: String,
    /// In the analyst's words.
    pub note: String,
}

/// The records judged the same as `of`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Cluster {
    pub of: Uuid,
    /// `of` first, then the others by id.
    pub members: Vec<RecordRef>,
    /// The `same` judgements joining them.
    pub judgements: Vec<Uuid>,
    /// Records a chain of `same` reaches that `of` was directly judged not the same as (and
    /// what is reached only through them).
    pub excluded: Vec<RecordRef>,
    pub contradictions: Vec<Contradiction>,
    pub truncated: bool,
}

/// One statement of a resolved profile: the statement as `entity show` lists it, and the
/// record it belongs to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProfileStatement {
    pub record: Uuid,
    #[serde(flatten)]
    pub statement: StatementView,
}

/// Records judged the same, shown as one: every statement keeps its record, source, grade,
/// marking and office.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ResolvedProfile {
    pub records: Vec<RecordRef>,
    pub judgements: Vec<Uuid>,
    /// By property, then record order, then time.
    pub statements: Vec<ProfileStatement>,
    pub excluded: Vec<RecordRef>,
    pub contradictions: Vec<Contradiction>,
    pub truncated: bool,
}

impl Store {
    /// The records judged the same as `uid` (see the module's rules). A record no judgement
    /// joins is a cluster of one.
    pub fn cluster_of(&self, uid: Uuid) -> Result<Cluster> {
        let start =
            self.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no record with id {uid}")))?;
        let mut cache = Edges::default();
        if cache.of(self, start)?.is_empty() {
            // The common case: nothing judged, one read.
            let me = record_ref(&self.conn, start)?.into_iter().collect();
            return Ok(Cluster {
                of: uid,
                members: me,
                judgements: Vec::new(),
                excluded: Vec::new(),
                contradictions: Vec::new(),
                truncated: false,
            });
        }
        let walls: BTreeSet<i64> = cache
            .of(self, start)?
            .iter()
            .filter(|e| e.verdict == Some(Verdict::NotSame))
            .map(|e| e.other)
            .collect();
        // The transitive component through `same`, and, walking again without the walls,
        // the members.
        let (component, mut joins, mut truncated) = cache.walk(self, start, &BTreeSet::new())?;
        let mut members = component.clone();
        if walls.iter().any(|w| component.contains(w)) {
            let walled = cache.walk(self, start, &walls)?;
            (members, joins) = (walled.0, walled.1);
            truncated |= walled.2;
        }
        let mut contradictions = Vec::new();
        let mut named = BTreeSet::new();
        for n in &component {
            for e in cache.of(self, *n)? {
                let inside = component.contains(&e.other);
                let note = match e.verdict {
                    None if members.contains(n) => "offices disagree: a conflict on its verdict",
                    Some(Verdict::NotSame) if inside => {
                        "judged not the same, yet a chain of `same` judgements joins them"
                    }
                    Some(Verdict::Unsure) if inside => {
                        "judged unsure, yet a chain of `same` judgements joins them"
                    }
                    _ => continue,
                };
                if !named.insert(e.judgement) {
                    continue;
                }
                let verdict = e.verdict.map_or("contested", Verdict::as_str).to_owned();
                let mut ends = [self.uid_at(*n)?, self.uid_at(e.other)?];
                ends.sort();
                let judgement = self.uid_at(e.judgement)?;
                contradictions.push(Contradiction {
                    judgement,
                    records: ends,
                    verdict,
                    note: note.to_owned(),
                });
            }
        }
        contradictions.sort_by_key(|c| c.judgement);
        let refs = |set: &mut dyn Iterator<Item = &i64>| -> Result<Vec<RecordRef>> {
            let mut out: Vec<RecordRef> = Vec::new();
            for n in set {
                out.extend(record_ref(&self.conn, *n)?);
            }
            out.sort_by(|a, b| (a.id != uid).cmp(&(b.id != uid)).then(a.id.cmp(&b.id)));
            Ok(out)
        };
        let excluded: Vec<i64> = component.difference(&members).copied().collect();
        let mut judgements: Vec<Uuid> = joins.iter().map(|j| self.uid_at(*j)).collect::<Result<_>>()?;
        judgements.sort();
        Ok(Cluster {
            of: uid,
            members: refs(&mut members.iter())?,
            judgements,
            excluded: refs(&mut excluded.iter())?,
            contradictions,
            truncated,
        })
    }

    /// The resolved profile of `uid`: None when no `same` judgement joins it to another
    /// record (every view then shows exactly what it showed before any judgement), or when
    /// offices' disagreement or `not-same` leave it alone — then nothing merges.
    pub fn resolved_profile(&self, uid: Uuid) -> Result<Option<ResolvedProfile>> {
        let cluster = self.cluster_of(uid)?;
        if cluster.members.len() < 2 {
            return Ok(None);
        }
        let mut statements = Vec::new();
        for (order, member) in cluster.members.iter().enumerate() {
            let Some(n) = self.object_n(member.id)? else { continue };
            for s in self.statements(n)? {
                statements.push((order, ProfileStatement { record: member.id, statement: s }));
            }
        }
        statements.sort_by(|(oa, a), (ob, b)| a.statement.prop.cmp(&b.statement.prop).then(oa.cmp(ob)));
        Ok(Some(ResolvedProfile {
            records: cluster.members,
            judgements: cluster.judgements,
            statements: statements.into_iter().map(|(_, s)| s).collect(),
            excluded: cluster.excluded,
            contradictions: cluster.contradictions,
            truncated: cluster.truncated,
        }))
    }

    pub(crate) fn uid_at(&self, n: i64) -> Result<Uuid> {
        let blob: Vec<u8> = self.conn.query_row("SELECT uid FROM object WHERE n = ?1", [n], |r| r.get(0))?;
        Ok(uid_from_blob(&blob))
    }
}

/// The judgements of each record walked, read once each.
#[derive(Default)]
struct Edges {
    read: BTreeMap<i64, Vec<Edge>>,
}

impl Edges {
    fn of(&mut self, store: &Store, n: i64) -> Result<Vec<Edge>> {
        if let Some(e) = self.read.get(&n) {
            return Ok(e.clone());
        }
        let e = store.judgement_edges(n)?;
        self.read.insert(n, e.clone());
        Ok(e)
    }

    /// The records reached from `start` through `same` judgements, never entering `skip`;
    /// the judgements used; whether [`MAX_MEMBERS`] cut the walk.
    fn walk(
        &mut self,
        store: &Store,
        start: i64,
        skip: &BTreeSet<i64>,
    ) -> Result<(BTreeSet<i64>, BTreeSet<i64>, bool)> {
        let mut seen = BTreeSet::from([start]);
        let mut joins = BTreeSet::new();
        let mut truncated = false;
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            for e in self.of(store, n)? {
                if e.verdict != Some(Verdict::Same) || skip.contains(&e.other) {
                    continue;
                }
                if !seen.contains(&e.other) && seen.len() >= MAX_MEMBERS {
                    truncated = true;
                    continue;
                }
                joins.insert(e.judgement);
                if seen.insert(e.other) {
                    queue.push_back(e.other);
                }
            }
        }
        Ok((seen, joins, truncated))
    }
}
