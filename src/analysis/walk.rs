//! Walks over a graph view: the neighbourhood of some entities loaded layer by layer (one set
//! query per layer, each record's links capped so a hub with a million calls cannot stall
//! it), and the shortest paths between two entities — all of equal length when asked, or the
//! cheapest when weak grades cost more.
//!
//! The path search runs in memory on a loaded view (the whole store's or a neighbourhood's):
//! a breadth-first search from both ends at once, whole layers at a time, so every shortest
//! path passes through a node where the two searches meet.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use rustworkx_core::petgraph::graph::NodeIndex;
use rustworkx_core::petgraph::visit::EdgeRef;
use uuid::Uuid;

use super::graph::day_text;
use super::graph::{
    Builder, EdgeData, GraphView, LINK_COLUMNS, entity_kinds_sql, filter_sql, link_kinds_sql, link_row,
};
use super::path::PathFilter;
use crate::store::query::RecordRef;
use crate::store::{Result, Store, StoreError};

/// Bounds of a neighbourhood load.
#[derive(Debug, Clone, Copy)]
pub struct AroundLimits {
    /// Links read per record (the newest first).
    pub fanout: u32,
    /// Entities loaded in all.
    pub max_nodes: usize,
}

impl Default for AroundLimits {
    fn default() -> Self {
        AroundLimits { fanout: 200, max_nodes: 20_000 }
    }
}

/// A neighbourhood as loaded, with whether a bound cut it short.
#[derive(Debug, Clone)]
pub struct Around {
    pub view: GraphView,
    /// Hops from the nearest seed, by node index.
    pub distance: Vec<u8>,
    /// Some record had more links than the fan-out, or the node bound was reached.
    pub truncated: bool,
}

/// The entities within `hops` links of `seeds` and the links that reach them (links among
/// the outermost ring are not read: nothing further is needed to reach them).
pub fn around(
    store: &Store,
    seeds: &[Uuid],
    hops: usize,
    filter: &PathFilter,
    limits: AroundLimits,
) -> Result<Around> {
    let conn = store.conn();
    let mut b = Builder::new();
    let mut distance: Vec<u8> = Vec::new();
    let mut frontier: Vec<i64> = Vec::new();
    for id in seeds {
        let n =
            store.object_n(*id)?.ok_or_else(|| StoreError::NotFound(format!("no record with id {id}")))?;
        if !frontier.contains(&n) {
            frontier.push(n);
        }
    }
    let node_sql = |ns: &[i64]| {
        format!(
            "SELECT n, uid, schema, caption FROM object WHERE n IN ({}) AND deleted = 0 AND schema IN ({})",
            join(ns),
            entity_kinds_sql()
        )
    };
    // Records judged the same are one node: a record reached brings in the other records of
    // its profile at the same distance, so their links are walked too.
    let add_nodes = |b: &mut Builder, ns: &[i64], d: u8, distance: &mut Vec<u8>| -> Result<Vec<i64>> {
        let profiles = store.profiles_of_ns(ns)?;
        let mut ns = ns.to_vec();
        if !profiles.is_empty() {
            let mut have: HashSet<i64> = ns.iter().copied().collect();
            for n in ns.clone() {
                for m in profiles.of(n).map(|p| p.ns.clone()).unwrap_or_default() {
                    if !b.view.index.contains_key(&m) && have.insert(m) {
                        ns.push(m);
                    }
                }
            }
        }
        b.profiles.extend(profiles);
        // A profile's node maps all its records at once: "already loaded" means before this call.
        let known: HashSet<i64> = ns.iter().copied().filter(|n| b.view.index.contains_key(n)).collect();
        let mut added = Vec::new();
        for chunk in ns.chunks(2000) {
            let mut stmt = conn.prepare(&node_sql(chunk))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let n: i64 = r.get(0)?;
                if known.contains(&n) {
                    continue;
                }
                let uid: Vec<u8> = r.get(1)?;
                let schema: String = r.get(2)?;
                if b.node(n, &uid, &schema, r.get(3)?) {
                    distance.push(d);
                }
                added.push(n);
            }
        }
        Ok(added)
    };
    let seeds_found = add_nodes(&mut b, &frontier, 0, &mut distance)?;
    if frontier.iter().any(|n| !seeds_found.contains(n)) {
        return Err(StoreError::Input(
            "a path or neighbourhood starts from an entity, not a link or case record".into(),
        ));
    }
    let (keep, values) = filter_sql(filter, 1);
    let links = link_kinds_sql();
    let fanout = limits.fanout;
    let mut seen_links: HashSet<i64> = HashSet::new();
    let mut truncated = false;
    for depth in 1..=hops {
        if frontier.is_empty() {
            break;
        }
        let mut rows_read = Vec::new();
        let mut per_record: HashMap<i64, u32> = HashMap::new();
        for chunk in frontier.chunks(2000) {
            let list = join(chunk);
            // Each record's newest links first, at most `fanout` from each end.
            let sql = format!(
                "SELECT * FROM (SELECT {LINK_COLUMNS}, l.src AS k FROM object l WHERE l.src IN ({list}) AND l.deleted = 0
                     AND l.schema IN ({links}){keep} ORDER BY l.src, l.n DESC)
                 UNION ALL
                 SELECT * FROM (SELECT {LINK_COLUMNS}, l.dst AS k FROM object l WHERE l.dst IN ({list}) AND l.deleted = 0
                     AND l.schema IN ({links}){keep} ORDER BY l.dst, l.n DESC)"
            );
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
            while let Some(r) = rows.next()? {
                let key: i64 = r.get(9)?;
                let count = per_record.entry(key).or_default();
                *count += 1;
                if *count > fanout {
                    truncated = true;
                    continue;
                }
                let row = link_row(r)?;
                if seen_links.insert(row.0) {
                    rows_read.push(row);
                }
            }
        }
        let mut next: Vec<i64> = rows_read
            .iter()
            .flat_map(|row| [row.1, row.2])
            .filter(|n| !b.view.index.contains_key(n))
            .collect();
        next.sort_unstable();
        next.dedup();
        if b.view.index.len() + next.len() > limits.max_nodes {
            truncated = true;
            next.truncate(limits.max_nodes.saturating_sub(b.view.index.len()));
        }
        frontier = add_nodes(&mut b, &next, depth as u8, &mut distance)?;
        for row in rows_read {
            b.link(row, false, None)?;
        }
    }
    Ok(Around { view: b.finish()?, distance, truncated })
}

fn join(ns: &[i64]) -> String {
    ns.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// What a path search found.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// Each path as its nodes, from the start to the end.
    pub paths: Vec<Vec<NodeIndex>>,
    /// How many paths of that length (or cost) exist in all (at least `paths.len()`).
    pub total: u64,
    /// The cost of the paths found: hops, or with weights the summed [`hop_cost`].
    pub cost: f64,
}

/// The cost of one hop when weak links count more: 1 for a link graded A1 (score 10), up to
/// 3 for one graded F6 or not graded (score 0): 1 + (10 − score) / 5. An E5 report (score 2)
/// costs 2.6, so a path through one counts as two and a half strong links.
pub fn hop_cost(e: &EdgeData) -> f64 {
    1.0 + f64::from(10 - e.score.clamp(0, 10)) / 5.0
}

/// The shortest paths from `a` to `b` of at most `max_hops` links; all of them (up to
/// `limit`) when `all`, else one.
// a and b are the path's ends, as in the literature; n, m, d its nodes and depth.
#[allow(clippy::many_single_char_names)]
pub fn shortest(
    view: &GraphView,
    a: NodeIndex,
    b: NodeIndex,
    max_hops: usize,
    all: bool,
    limit: usize,
) -> Paths {
    if a == b {
        return Paths { paths: vec![vec![a]], total: 1, cost: 0.0 };
    }
    let g = &view.graph;
    // Per side: node -> (depth, predecessors toward that side's start, paths counted).
    let mut seen: [HashMap<NodeIndex, (usize, Vec<NodeIndex>, u64)>; 2] = [HashMap::new(), HashMap::new()];
    seen[0].insert(a, (0, Vec::new(), 1));
    seen[1].insert(b, (0, Vec::new(), 1));
    let mut frontier = [vec![a], vec![b]];
    let mut depth = [0usize, 0usize];
    while depth[0] + depth[1] < max_hops {
        let side = usize::from(frontier[1].len() < frontier[0].len());
        if frontier[side].is_empty() {
            return Paths::default();
        }
        depth[side] += 1;
        let d = depth[side];
        let mut next = Vec::new();
        for &n in &frontier[side] {
            let count = seen[side][&n].2;
            for m in g.neighbors(n) {
                match seen[side].get_mut(&m) {
                    Some((dm, preds, c)) if *dm == d => {
                        if !preds.contains(&n) {
                            preds.push(n);
                            *c = c.saturating_add(count);
                        }
                    }
                    Some(_) => {}
                    None => {
                        seen[side].insert(m, (d, vec![n], count));
                        next.push(m);
                    }
                }
            }
        }
        // Where the searches meet, at the least total length.
        let other = 1 - side;
        let best = next.iter().filter_map(|m| seen[other].get(m).map(|s| s.0)).min();
        if let Some(od) = best {
            let mut meets: Vec<NodeIndex> =
                next.iter().copied().filter(|m| seen[other].get(m).is_some_and(|s| s.0 == od)).collect();
            meets.sort();
            let total = meets
                .iter()
                .map(|m| seen[0][m].2.saturating_mul(seen[1][m].2))
                .fold(0u64, u64::saturating_add);
            let want = if all { limit.max(1) } else { 1 };
            let mut paths = Vec::new();
            'meets: for m in meets {
                for left in walk_back(&seen[0], m, want) {
                    for right in walk_back(&seen[1], m, want) {
                        let mut p = left.clone();
                        p.extend(right.iter().rev().skip(1));
                        paths.push(p);
                        if paths.len() == want {
                            break 'meets;
                        }
                    }
                }
            }
            return Paths { paths, total, cost: (d + od) as f64 };
        }
        frontier[side] = next;
    }
    Paths::default()
}

/// Up to `limit` chains from the start of a search to `m`, start first.
fn walk_back(
    seen: &HashMap<NodeIndex, (usize, Vec<NodeIndex>, u64)>,
    m: NodeIndex,
    limit: usize,
) -> Vec<Vec<NodeIndex>> {
    let preds = &seen[&m].1;
    if preds.is_empty() {
        return vec![vec![m]];
    }
    let mut out = Vec::new();
    for &p in preds {
        for mut chain in walk_back(seen, p, limit - out.len()) {
            chain.push(m);
            out.push(chain);
            if out.len() == limit {
                return out;
            }
        }
    }
    out
}

#[derive(PartialEq)]
struct Entry(f64, NodeIndex);

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    // The smallest cost first from a max-heap.
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then_with(|| other.1.cmp(&self.1))
    }
}

/// The cheapest paths from `a` to `b` by [`hop_cost`], none longer than `max_hops` links
/// (a cheaper but longer chain is not looked for past that), all of equal cost when `all`.
#[allow(clippy::many_single_char_names)]
pub fn cheapest(
    view: &GraphView,
    a: NodeIndex,
    b: NodeIndex,
    max_hops: usize,
    all: bool,
    limit: usize,
) -> Paths {
    let g = &view.graph;
    // Node -> (cost, hops, predecessors, paths counted).
    let mut best: HashMap<NodeIndex, (f64, usize, Vec<NodeIndex>, u64)> = HashMap::new();
    best.insert(a, (0.0, 0, Vec::new(), 1));
    let mut heap = BinaryHeap::from([Entry(0.0, a)]);
    let mut done: HashSet<NodeIndex> = HashSet::new();
    while let Some(Entry(cost, n)) = heap.pop() {
        if !done.insert(n) {
            continue;
        }
        if n == b {
            break;
        }
        let (hops, count) = (best[&n].1, best[&n].3);
        if hops >= max_hops {
            continue;
        }
        for e in g.edges(n) {
            let m = if e.source() == n { e.target() } else { e.source() };
            if done.contains(&m) {
                continue;
            }
            let c = cost + hop_cost(e.weight());
            match best.get_mut(&m) {
                Some(s) if (c - s.0).abs() < 1e-9 => {
                    if !s.2.contains(&n) {
                        s.2.push(n);
                        s.3 = s.3.saturating_add(count);
                        s.1 = s.1.min(hops + 1);
                    }
                }
                Some(s) if c < s.0 => {
                    *s = (c, hops + 1, vec![n], count);
                    heap.push(Entry(c, m));
                }
                Some(_) => {}
                None => {
                    best.insert(m, (c, hops + 1, vec![n], count));
                    heap.push(Entry(c, m));
                }
            }
        }
    }
    let Some((cost, _, _, total)) = best.get(&b).cloned().filter(|_| done.contains(&b)) else {
        return Paths::default();
    };
    let seen: HashMap<NodeIndex, (usize, Vec<NodeIndex>, u64)> =
        best.into_iter().map(|(k, (_, h, p, c))| (k, (h, p, c))).collect();
    let want = if all { limit.max(1) } else { 1 };
    let paths: Vec<Vec<NodeIndex>> =
        walk_back(&seen, b, want).into_iter().filter(|p| p.len() <= max_hops + 1).collect();
    Paths { total: total.max(paths.len() as u64), paths, cost }
}

/// One hop of a chain, as printed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hop {
    pub from: RecordRef,
    pub to: RecordRef,
    /// Kinds of the links between the two.
    pub kinds: Vec<String>,
    /// Link records between the two.
    pub links: u32,
    /// The best-graded link: its id, and whether it points from `from` to `to`.
    pub link: Uuid,
    pub forward: bool,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub grade: Option<String>,
    pub marking: String,
    /// Sources of the best-graded link's statements.
    pub sources: Vec<String>,
    /// When `from` is a profile (records judged the same): the record of it the link touches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_record: Option<RecordRef>,
    /// The same for `to`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_record: Option<RecordRef>,
}

pub fn node_ref(view: &GraphView, i: NodeIndex) -> RecordRef {
    let d = &view.graph[i];
    RecordRef { id: d.id, schema: view.names.schemas[d.schema as usize].clone(), caption: d.caption.clone() }
}

/// The hop from `x` to `y` (linked in `view`), with the best link's sources read from the store.
pub fn hop(store: &Store, view: &GraphView, x: NodeIndex, y: NodeIndex) -> Result<Hop> {
    let e =
        view.edge(x, y).copied().ok_or_else(|| StoreError::NotFound("a path step without a link".into()))?;
    let conn = store.conn();
    let (uid, src, dst): (Vec<u8>, i64, i64) =
        conn.query_row("SELECT uid, src, dst FROM object WHERE n = ?1", [i64::from(e.link)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    // On a profile's node, the link touches one of its records: name it.
    let record_at = |i: NodeIndex| -> Result<Option<RecordRef>> {
        if !view.profiles.contains_key(&(i.index() as u32)) {
            return Ok(None);
        }
        let end = [src, dst].into_iter().find(|n| view.index.get(n) == Some(&i));
        Ok(match end {
            Some(n) => crate::store::query::record_ref(conn, n)?,
            None => None,
        })
    };
    let sources: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT s.caption FROM stmt st JOIN object s ON s.n = st.source
             WHERE st.obj = ?1 AND st.live = 1 AND st.source <> 0 ORDER BY 1",
        )?
        .query_map([i64::from(e.link)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let grade = &view.names.grades[e.grade as usize];
    Ok(Hop {
        from: node_ref(view, x),
        to: node_ref(view, y),
        kinds: view.names.kinds_of(e.kinds),
        links: e.links,
        link: Uuid::from_slice(&uid).unwrap_or_default(),
        forward: view.index.get(&src) == Some(&x),
        first_date: Some(day_text(e.first)).filter(|d| !d.is_empty()),
        last_date: Some(day_text(e.last)).filter(|d| !d.is_empty()),
        grade: Some(grade.clone()).filter(|g| !g.is_empty()),
        marking: view.names.markings[e.marking as usize].clone(),
        sources,
        from_record: record_at(x)?,
        to_record: record_at(y)?,
    })
}
