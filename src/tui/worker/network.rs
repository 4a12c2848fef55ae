//! The network screen's query, answered on the store thread: a case's network (the library's
//! [`Network::of_case`]) or an entity's ego network (read link page by link page, capped),
//! measured, cut to what a terminal can show, and laid out here so that drawing a frame only
//! copies positions.

use std::collections::{HashMap, HashSet};

use rusqlite::params;
use rustworkx_core::petgraph::graph::{NodeIndex, UnGraph};
use uuid::Uuid;

use crate::analysis::network::{Centrality, Network, Node};
use crate::store::query::RecordRef;
use crate::store::{Store, StoreError};
use crate::tui::message::{NetworkOf, NetworkPicture, PictureNode};

/// Most entities of a case drawn: past it the least central are left out (and said so); a
/// canvas of 200×50 cells cannot show more legibly.
pub const CASE_DRAWN: usize = 120;
/// Most records in an ego network, the entity included.
pub const EGO_NODES: usize = 60;
/// Links read per record of an ego network (the newest first): a hub with a million calls
/// costs one page, not a million rows.
pub const EGO_LINKS_PER_NODE: u32 = 30;
/// A record's links are counted up to this many on each side ("+10,000+ more").
const COUNT_BOUND: u32 = 10_000;

/// The network asked for, measured and laid out.
pub fn load(store: &Store, of: &NetworkOf) -> Result<NetworkPicture, StoreError> {
    match of {
        NetworkOf::Case { id, .. } => {
            let net = Network::of_case(store, *id)?;
            let detail = serde_json::json!({
                "case": id.to_string(), "nodes": net.graph.node_count(), "via": "workbench"
            });
            store.audit("network", &detail)?;
            Ok(picture(&net, None, 0, false))
        }
        NetworkOf::Entity { id, hops, .. } => {
            let ego = ego(store, *id, *hops)?;
            let detail = serde_json::json!({
                "entity": id.to_string(), "hops": hops, "nodes": ego.net.graph.node_count(), "via": "workbench"
            });
            store.audit("network", &detail)?;
            Ok(picture(&ego.net, Some(ego.center), ego.hidden, ego.bound))
        }
    }
}

/// The drawing of `net`: its most central nodes (all of them up to [`CASE_DRAWN`]) by rank,
/// the edges between them, and their places.
fn picture(
    net: &Network,
    center: Option<NodeIndex>,
    hidden_links: u64,
    hidden_bound: bool,
) -> NetworkPicture {
    let report = net.measure();
    let g = &net.graph;
    let by_id: HashMap<Uuid, NodeIndex> = g.node_indices().map(|i| (g[i].id, i)).collect();
    let center_id = center.map(|c| g[c].id);
    // Brokers first, as the library ranks; betweenness compared to 9 places so that sums made
    // in another order (the store's ids differ between stores) do not swap equal nodes.
    let mut ranking: Vec<&Centrality> = report.ranking.iter().collect();
    let key = |b: f64| (b * 1e9).round() as i64;
    ranking.sort_by(|a, b| {
        key(b.betweenness)
            .cmp(&key(a.betweenness))
            .then(b.degree.cmp(&a.degree))
            .then_with(|| a.node.caption.cmp(&b.node.caption))
            .then(a.node.id.cmp(&b.node.id))
    });
    // An ego network's own entity is always kept.
    let mut kept: Vec<&Centrality> = ranking.iter().take(CASE_DRAWN).copied().collect();
    if let Some(c) = center_id {
        if !kept.iter().any(|r| r.node.id == c) {
            kept.pop();
            kept.extend(ranking.iter().find(|r| r.node.id == c));
        }
    }
    let at: HashMap<NodeIndex, usize> =
        kept.iter().enumerate().map(|(i, r)| (by_id[&r.node.id], i)).collect();
    // In rank order too, so that the layout does not depend on the order the store read them.
    let mut edges: Vec<(usize, usize)> = g
        .edge_indices()
        .filter_map(|e| g.edge_endpoints(e))
        .filter_map(|(a, b)| Some((*at.get(&a)?, *at.get(&b)?)))
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    edges.sort_unstable();
    let positions = arrange(kept.len(), &edges);
    let nodes = kept
        .iter()
        .zip(positions)
        .map(|(r, pos)| PictureNode {
            id: r.node.id,
            schema: r.node.schema.clone(),
            caption: r.node.caption.clone(),
            degree: r.degree,
            betweenness: r.betweenness,
            component: r.component,
            pos,
        })
        .collect::<Vec<_>>();
    NetworkPicture {
        center: center_id.and_then(|c| nodes.iter().position(|n| n.id == c)),
        nodes,
        edges,
        total_nodes: report.nodes,
        total_edges: report.edges,
        components: report.components,
        hidden_nodes: report.nodes.saturating_sub(kept.len()),
        hidden_links,
        hidden_bound,
    }
}

/// Share of the canvas's height given to entities linked to none drawn, in a row at the bottom.
const ALONE_BAND: f64 = 0.08;

/// Where each of `count` nodes goes: the linked ones by the shared layout
/// ([`crate::analysis::layout::layout`]) stretched over the canvas, those linked to no other
/// drawn node in a row along its bottom (the layout would give them a block of their own,
/// taking room from the network that matters).
fn arrange(count: usize, edges: &[(usize, usize)]) -> Vec<(f64, f64)> {
    let mut linked = vec![false; count];
    for &(a, b) in edges {
        linked[a] = true;
        linked[b] = true;
    }
    let mut sub = UnGraph::<(), ()>::with_capacity(count, edges.len());
    let mut at = vec![None; count];
    for i in (0..count).filter(|&i| linked[i]) {
        at[i] = Some(sub.add_node(()));
    }
    for &(a, b) in edges {
        if let (Some(a), Some(b)) = (at[a], at[b]) {
            sub.add_edge(a, b, ());
        }
    }
    let placed = fill(crate::analysis::layout::layout(&sub));
    let alone = count - sub.node_count();
    let bottom = if alone > 0 { ALONE_BAND } else { 0.0 };
    let mut k = 0u32;
    (0..count)
        .map(|i| {
            if let Some(s) = at[i] {
                let (x, y) = placed[s.index()];
                (x, bottom + y * (1.0 - bottom))
            } else {
                k += 1;
                ((f64::from(k) - 0.5) / alone as f64, 0.0)
            }
        })
        .collect()
}

/// Positions stretched to fill [0, 1]² on each axis: the layout packs components into squares
/// of the unit square, and a terminal's canvas is wider than tall; a node is a cell, not a
/// disc, so stretching costs nothing and spreads crowded nodes (and their labels) apart.
fn fill(positions: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
    for &(x, y) in &positions {
        lo = (lo.0.min(x), lo.1.min(y));
        hi = (hi.0.max(x), hi.1.max(y));
    }
    let stretch = |v: f64, lo: f64, hi: f64| if hi - lo > 1e-9 { (v - lo) / (hi - lo) } else { 0.5 };
    positions.into_iter().map(|(x, y)| (stretch(x, lo.0, hi.0), stretch(y, lo.1, hi.1))).collect()
}

struct Ego {
    net: Network,
    center: NodeIndex,
    hidden: u64,
    bound: bool,
}

/// The records within `hops` links of `id`, breadth first, reading at most
/// [`EGO_LINKS_PER_NODE`] links of each and keeping at most [`EGO_NODES`] records; the links
/// of the last ring are read too, for the edges between records already kept (not for new
/// ones). What was not followed is counted (bounded) for "+N more".
fn ego(store: &Store, id: Uuid, hops: u8) -> Result<Ego, StoreError> {
    let center_n =
        store.object_n(id)?.ok_or_else(|| StoreError::NotFound(format!("no record with id {id}")))?;
    let center_ref = crate::store::query::record_ref(store.conn(), center_n)?
        .ok_or_else(|| StoreError::NotFound(format!("no record with id {id}")))?;
    let mut graph = UnGraph::<Node, Vec<String>>::new_undirected();
    let mut index: HashMap<Uuid, NodeIndex> = HashMap::new();
    let add = |graph: &mut UnGraph<Node, Vec<String>>, r: &RecordRef| {
        graph.add_node(Node { id: r.id, schema: r.schema.clone(), caption: r.caption.clone() })
    };
    let center = add(&mut graph, &center_ref);
    index.insert(id, center);
    let (mut hidden, mut bound, mut links) = (0u64, false, 0usize);
    let mut seen: HashSet<Uuid> = HashSet::new();
    let mut ring = vec![(center_n, center)];
    for depth in 0..=hops {
        let grow = depth < hops;
        let mut next = Vec::new();
        for &(n, from) in &ring {
            let page = store.links_of(n, EGO_LINKS_PER_NODE + 1, 0)?;
            if grow && page.len() > EGO_LINKS_PER_NODE as usize {
                let (count, capped) = link_count(store, n)?;
                hidden += count.saturating_sub(u64::from(EGO_LINKS_PER_NODE));
                bound |= capped;
            }
            for link in page.into_iter().take(EGO_LINKS_PER_NODE as usize) {
                let to = match index.get(&link.other.id) {
                    Some(&to) => to,
                    None if grow && graph.node_count() < EGO_NODES => {
                        let Some(on) = store.object_n(link.other.id)? else { continue };
                        let to = add(&mut graph, &link.other);
                        index.insert(link.other.id, to);
                        next.push((on, to));
                        to
                    }
                    None => {
                        hidden += u64::from(grow);
                        continue;
                    }
                };
                // A link between two records kept is read from both ends: counted once.
                if to == from || !seen.insert(link.id) {
                    continue;
                }
                links += 1;
                match graph.find_edge(from, to) {
                    Some(e) => {
                        if !graph[e].contains(&link.schema) {
                            graph[e].push(link.schema);
                        }
                    }
                    None => {
                        graph.add_edge(from, to, vec![link.schema]);
                    }
                }
            }
        }
        if !grow {
            break;
        }
        ring = next;
    }
    Ok(Ego { net: Network { graph, links }, center, hidden, bound })
}

/// Links of record `n` as `links_of` reads them, counted up to [`COUNT_BOUND`] on each side;
/// true when a side reached the bound.
fn link_count(store: &Store, n: i64) -> Result<(u64, bool), StoreError> {
    let (out, inn): (i64, i64) = store.conn().query_row(
        &format!(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM object WHERE src = ?1 AND deleted = 0
                   AND schema NOT IN {} LIMIT ?2)),
                (SELECT count(*) FROM (SELECT 1 FROM object WHERE dst = ?1 AND deleted = 0
                   AND schema <> 'CaseMember' LIMIT ?2))",
            crate::store::query::CASE_RECORDS
        ),
        params![n, COUNT_BOUND],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let bound = i64::from(COUNT_BOUND);
    Ok(((out + inn).unsigned_abs(), out == bound || inn == bound))
}
