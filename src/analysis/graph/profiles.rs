//! Records judged the same (issue 13) are ONE node of a graph view — the profile, under its
//! representative's id — so a chain through one agency's record and on from another's is
//! found; each hop still names the record its link touches ([`crate::analysis::walk::hop`]).
//! The profiles come from one `judged` look-up for the records in view
//! ([`Store::profiles_of_ns`]), so a view no judgement touches costs one query more;
//! `not-same` or undo splits the node again.

use super::{Builder, NodeData};
use crate::store::judgements::Profiles;
use crate::store::{Result, Store};

/// The profiles of the whole store (every record with a judgement: a small table).
pub(super) fn of_every_record(store: &Store) -> Result<Profiles> {
    let judged: Vec<i64> = store
        .conn()
        .prepare("SELECT DISTINCT rec FROM judged")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    store.profiles_of_ns(&judged)
}

impl Builder {
    /// Record `n` on its profile's node, made if need be: None when `n` has no profile,
    /// else whether a node was made.
    pub(super) fn profile_node(&mut self, n: i64, schema: &str) -> Option<bool> {
        let p = self.profiles.of(n).cloned()?;
        if let Some(&i) = self.view.index.get(&p.rep_n()) {
            self.view.index.insert(n, i);
            return Some(false);
        }
        let rep = p.records.iter().find(|r| r.id == p.id).map_or(schema, |r| r.schema.as_str());
        let s = self.names.schema(rep);
        let data = NodeData { n: p.rep_n(), id: p.id, schema: s, caption: p.caption.clone() };
        let i = self.view.graph.add_node(data);
        for m in &p.ns {
            self.view.index.insert(*m, i);
        }
        self.view.profiles.insert(i.index() as u32, p);
        Some(true)
    }
}
