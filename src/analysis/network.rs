//! A case's network and who is central in it: the entities of a case as nodes, the links
//! recorded between them (calls, payments, ownership, family…) as edges, loaded once into an
//! in-memory graph; degree, betweenness and closeness centrality, PageRank-like eigenvector
//! centrality and connected components come from `rustworkx-core` (the algorithms of the
//! rustworkx/NetworkX family), not written here. Directions are ignored: "who connects them"
//! does not depend on who called whom.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use rustworkx_core::centrality::{betweenness_centrality, closeness_centrality, eigenvector_centrality};
use rustworkx_core::connectivity::connected_components;
use rustworkx_core::petgraph::graph::{NodeIndex, UnGraph};
use serde::Serialize;
use uuid::Uuid;

use crate::store::query::uid_from_blob;
use crate::store::{Result, Store, StoreError};

/// Most members loaded for one case network (a case is a network under investigation, not
/// the whole store); past it the network is refused with a message rather than loaded slowly.
pub const MAX_NODES: usize = 50_000;
/// Links between two members above which the load stops (a sign of a bulk import).
pub const MAX_EDGES: usize = 500_000;

/// A node of the network: an entity of the case.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Node {
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
}

/// A case's network: who is linked to whom among its entities.
/// Two entities linked several times (calls and a payment) are one edge: more links between
/// the same two people are not more paths between others.
#[derive(Debug, Clone)]
pub struct Network {
    /// Edge weights: the kinds of the links between the two ends.
    pub graph: UnGraph<Node, Vec<String>>,
    /// Link records between members (an edge may stand for several).
    pub links: usize,
}

/// One entity's measures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Centrality {
    #[serde(flatten)]
    pub node: Node,
    /// Other members of the case it is linked to.
    pub degree: usize,
    /// Degree over the most links possible (n − 1), as NetworkX's `degree_centrality`.
    pub degree_centrality: f64,
    /// Share of shortest paths between others that pass through it (normalised).
    pub betweenness: f64,
    /// How close it is to everyone it can reach (Wasserman–Faust, as NetworkX).
    pub closeness: f64,
    pub eigenvector: f64,
    /// Index of its connected component (0: the largest).
    pub component: usize,
}

/// The measures of a case network, the most central first.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NetworkReport {
    pub nodes: usize,
    /// Pairs of entities linked at least once.
    pub edges: usize,
    /// Link records between the case's entities.
    pub links: usize,
    /// Sizes of the connected components, largest first.
    pub components: Vec<usize>,
    /// Every member, by betweenness then degree (brokers first).
    pub ranking: Vec<Centrality>,
}

impl Network {
    /// The network of case `case`: its live entity members and the live links between them.
    pub fn of_case(store: &Store, case: Uuid) -> Result<Network> {
        let conn = store.conn();
        let case_n: i64 = conn
            .query_row("SELECT n FROM object WHERE uid = ?1", [case.as_bytes()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no case {case}")))?;
        let mut graph = UnGraph::<Node, Vec<String>>::new_undirected();
        let mut count = 0;
        let mut index: HashMap<i64, NodeIndex> = HashMap::new();
        let mut members = conn.prepare_cached(
            "SELECT e.n, e.uid, e.schema, e.caption FROM object m JOIN object e ON e.n = m.dst
             WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
             ORDER BY e.uid",
        )?;
        let rows = members.query_map([case_n], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?;
        for row in rows {
            let (n, uid, schema, caption) = row?;
            if index.contains_key(&n) {
                continue;
            }
            if index.len() == MAX_NODES {
                return Err(StoreError::Input(format!(
                    "the case has more than {MAX_NODES} entities: its network is too large to measure here"
                )));
            }
            index.insert(n, graph.add_node(Node { id: uid_from_blob(&uid), schema, caption }));
        }
        // Each member's outgoing links whose other end is a member too: every link is read once.
        let mut links = conn.prepare_cached(
            "SELECT l.dst, l.schema FROM object l WHERE l.src = ?1 AND l.deleted = 0 AND l.dst IS NOT NULL
               AND l.schema NOT IN ('CaseMember','Note','Operation','Task')",
        )?;
        let ns: Vec<(i64, NodeIndex)> = index.iter().map(|(n, i)| (*n, *i)).collect();
        for (n, from) in ns {
            let rows = links.query_map(params![n], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (dst, schema) = row?;
                if let Some(&to) = index.get(&dst) {
                    if to != from {
                        count += 1;
                        match graph.find_edge(from, to) {
                            Some(e) => {
                                let kinds = &mut graph[e];
                                if !kinds.contains(&schema) {
                                    kinds.push(schema);
                                }
                            }
                            None => {
                                graph.add_edge(from, to, vec![schema]);
                            }
                        }
                    }
                }
                if graph.edge_count() > MAX_EDGES {
                    return Err(StoreError::Input(format!(
                        "the case's entities share more than {MAX_EDGES} links: too many to measure here"
                    )));
                }
            }
        }
        Ok(Network { graph, links: count })
    }

    /// Every member's centrality, brokers first, and the components.
    pub fn measure(&self) -> NetworkReport {
        let g = &self.graph;
        let n = g.node_count();
        // Parallel above this many nodes (rustworkx's own threshold semantics).
        let parallel = 50;
        let betweenness = betweenness_centrality(g, false, true, parallel);
        let closeness = closeness_centrality(g, true, parallel);
        let eigenvector: Option<Vec<f64>> =
            eigenvector_centrality(g, |_| Ok::<f64, std::convert::Infallible>(1.0), Some(1000), Some(1e-6))
                .ok()
                .flatten();
        let mut components: Vec<Vec<NodeIndex>> =
            connected_components(g).into_iter().map(|c| c.into_iter().collect()).collect();
        components.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.iter().min().cmp(&b.iter().min())));
        let mut component_of = vec![0; n];
        for (i, c) in components.iter().enumerate() {
            for node in c {
                component_of[node.index()] = i;
            }
        }
        let mut ranking: Vec<Centrality> = g
            .node_indices()
            .map(|i| {
                let degree = g.neighbors(i).count();
                Centrality {
                    node: g[i].clone(),
                    degree,
                    degree_centrality: if n > 1 { degree as f64 / (n - 1) as f64 } else { 0.0 },
                    betweenness: betweenness[i.index()].unwrap_or(0.0),
                    closeness: closeness[i.index()].unwrap_or(0.0),
                    eigenvector: eigenvector.as_ref().map_or(0.0, |e| e[i.index()]),
                    component: component_of[i.index()],
                }
            })
            .collect();
        ranking.sort_by(|a, b| {
            b.betweenness
                .total_cmp(&a.betweenness)
                .then(b.degree.cmp(&a.degree))
                .then_with(|| a.node.caption.cmp(&b.node.caption))
        });
        NetworkReport {
            nodes: n,
            edges: g.edge_count(),
            links: self.links,
            components: components.iter().map(Vec::len).collect(),
            ranking,
        }
    }

    /// The edges as (index, index) pairs over the node order of `node_ids`, for comparing with
    /// other tools.
    pub fn edge_list(&self) -> (Vec<Uuid>, Vec<(usize, usize)>) {
        let ids = self.graph.node_indices().map(|i| self.graph[i].id).collect();
        let edges = self
            .graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e))
            .map(|(a, b)| (a.index(), b.index()))
            .collect();
        (ids, edges)
    }
}
