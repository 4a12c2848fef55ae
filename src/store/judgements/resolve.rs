//! Profiles for views that list many records at once (search, case members, timeline, the
//! graph): which of the records shown are judged the same as others, and the one profile
//! each such group is shown as.
//!
//! Cheap by construction: the records of a view are checked against `judged` in one indexed
//! query per 500 records; only records that have a judgement at all are walked (see
//! [`Store::cluster_of`]). A view with no judged record costs that one query and shows
//! exactly what it showed before any judgement existed.
//!
//! Consistency rule: two records are one profile only when each one's cluster is the same set
//! of records. A chain of `same` contradicted by a direct `not-same` (A=B, B=C, A≠C) gives
//! A, B and C different clusters; every list view then keeps them apart — never merge what
//! an analyst has said differs — while `entity show` names the contradiction.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::Serialize;
use uuid::Uuid;

use crate::store::query::RecordRef;
use crate::store::{Result, Store};

/// Records checked against `judged` per query (SQLite's bound on parameters is far above).
const CHUNK: usize = 500;

/// Records judged the same, shown as one.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Profile {
    /// The representative: the lowest record id of the cluster, as FollowTheMoney's tools
    /// choose a canonical id — the same in every office and every view, whatever is shown.
    pub id: Uuid,
    /// The records' names, distinct, joined: "Karim Benali = Карим Бенали".
    pub caption: String,
    /// Every record of the profile, by id.
    pub records: Vec<RecordRef>,
    /// Local numbers of `records`, in the same order.
    #[serde(skip)]
    pub(crate) ns: Vec<i64>,
}

impl Profile {
    /// The representative's local number.
    pub(crate) fn rep_n(&self) -> i64 {
        self.records.iter().position(|r| r.id == self.id).map_or(self.ns[0], |i| self.ns[i])
    }

    /// "Karim Benali = Карим Бенали · 2 records".
    pub fn label(&self) -> String {
        format!("{} · {} records", self.caption, self.records.len())
    }
}

/// The profiles of the records of one view, by local record number.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    by_n: HashMap<i64, Arc<Profile>>,
}

impl Profiles {
    pub(crate) fn of(&self, n: i64) -> Option<&Arc<Profile>> {
        self.by_n.get(&n)
    }

    pub fn is_empty(&self) -> bool {
        self.by_n.is_empty()
    }

    /// Adds the profiles of `other` (a walk learns them layer by layer).
    pub(crate) fn extend(&mut self, other: Profiles) {
        self.by_n.extend(other.by_n);
    }
}

impl Store {
    /// The profiles of records `ns` (local numbers); records no `same` joins are absent.
    pub(crate) fn profiles_of_ns(&self, ns: &[i64]) -> Result<Profiles> {
        let mut out = Profiles::default();
        let mut touched: Vec<i64> = Vec::new();
        for chunk in ns.chunks(CHUNK) {
            let list = chunk.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
            // Numbers, not user text: inlined. Undone judgements keep their rows; the walk
            // below reads verdicts and finds them inert.
            let mut stmt =
                self.conn.prepare(&format!("SELECT DISTINCT rec FROM judged WHERE rec IN ({list})"))?;
            let found: Vec<i64> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            touched.extend(found);
        }
        for n in touched {
            if out.by_n.contains_key(&n) {
                continue;
            }
            if let Some(p) = self.profile_at(n)? {
                let p = Arc::new(p);
                for m in &p.ns {
                    out.by_n.insert(*m, Arc::clone(&p));
                }
            }
        }
        Ok(out)
    }

    /// The profile of each of `ids` that is judged the same as another record (the
    /// workbench's lists call this once per page, as the CLI's do).
    pub fn profiles_of(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Arc<Profile>>> {
        let mut ns = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(n) = self.object_n(*id)? {
                ns.push((n, *id));
            }
        }
        let profiles = self.profiles_of_ns(&ns.iter().map(|(n, _)| *n).collect::<Vec<_>>())?;
        Ok(ns.into_iter().filter_map(|(n, id)| profiles.of(n).map(|p| (id, Arc::clone(p)))).collect())
    }

    /// The profile of record `n`, if `same` joins it to others and they all agree on the set.
    fn profile_at(&self, n: i64) -> Result<Option<Profile>> {
        let uid = self.uid_at(n)?;
        let cluster = self.cluster_of(uid)?;
        if cluster.members.len() < 2 {
            return Ok(None);
        }
        let set: BTreeSet<Uuid> = cluster.members.iter().map(|m| m.id).collect();
        if cluster.contradictions.iter().any(|c| c.verdict != "contested") || !cluster.excluded.is_empty() {
            // Clusters differ from member to member only when a `not-same` or `unsure` sits in
            // the chain: merge only if every member sees the same set.
            for m in &cluster.members {
                if m.id != uid {
                    let theirs: BTreeSet<Uuid> =
                        self.cluster_of(m.id)?.members.iter().map(|r| r.id).collect();
                    if theirs != set {
                        return Ok(None);
                    }
                }
            }
        }
        let mut records = cluster.members;
        records.sort_by_key(|r| r.id);
        let mut ns = Vec::with_capacity(records.len());
        for r in &records {
            ns.push(self.object_n(r.id)?.unwrap_or_default());
        }
        let mut names: Vec<&str> = Vec::new();
        for r in &records {
            let c = r.caption.trim();
            if !c.is_empty() && !names.contains(&c) {
                names.push(c);
            }
        }
        let caption = names.join(" = ");
        Ok(Some(Profile { id: records[0].id, caption, records, ns }))
    }
}
