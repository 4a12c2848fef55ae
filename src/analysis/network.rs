//! A case's network and who is central in it: the entities of a case as nodes, the links
//! recorded between them (calls, payments, ownership, family…) as edges, loaded once into an
//! in-memory graph; degree, betweenness and closeness centrality, PageRank-like eigenvector
//! centrality and connected components come from `rustworkx-core` (the algorithms of the
//! rustworkx/NetworkX family), not written here. Directions are ignored: "who connects them"
//! does not depend on who called whom.

use std::collections::BTreeSet;

use rustworkx_core::centrality::eigenvector_centrality;
use rustworkx_core::connectivity::connected_components;
use rustworkx_core::petgraph::graph::{NodeIndex, UnGraph};
use serde::Serialize;
use uuid::Uuid;

use super::centrality::betweenness_and_closeness;
use super::communities::{louvain, modularity};
use super::graph::{GraphView, Scope};
use crate::store::{Result, Store, StoreError};

/// Most members loaded for one case network (a case is a network under investigation, not
/// the whole store); past it the network is refused with a message rather than loaded slowly.
pub const MAX_NODES: usize = super::graph::MAX_CASE_NODES;
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
    /// Index of its community (0: the largest), by Louvain.
    pub community: usize,
}

/// A community: a group more linked inside than to the rest (Louvain).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Community {
    pub index: usize,
    pub size: usize,
    /// Its members with the highest betweenness first (up to five).
    pub leading: Vec<Node>,
}

/// A member that links communities: high betweenness, neighbours in several communities.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Broker {
    #[serde(flatten)]
    pub node: Node,
    pub betweenness: f64,
    /// The communities its neighbours are in (its own included), by index.
    pub communities: Vec<usize>,
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
    /// Communities by size, largest first.
    pub communities: Vec<Community>,
    /// Newman modularity of the communities (0: no structure; towards 1: separate cells).
    pub modularity: f64,
    /// People and organisations whose neighbours lie in two communities or more, by
    /// betweenness; only those on some shortest path between others (betweenness above 0).
    pub brokers: Vec<Broker>,
}

/// Whether entities of kind `schema` act (people, companies, organisations), as opposed to
/// the things they hold or use.
fn is_actor(schema: &str) -> bool {
    crate::model::schema::Schema::builtin().kind(schema).is_ok_and(|k| k.is_a("LegalEntity"))
}

/// Seed of the community search: the same network gives the same communities every run.
pub const COMMUNITY_SEED: u64 = 14;

impl Network {
    /// The network of case `case`: its live entity members and the live links between them,
    /// and the ties of the observables they share.
    pub fn of_case(store: &Store, case: Uuid) -> Result<Network> {
        Self::of_cases(store, &[case])
    }

    /// The network of several cases at once: the members of any of them.
    pub fn of_cases(store: &Store, cases: &[Uuid]) -> Result<Network> {
        let view = GraphView::load(store, &Scope::cases(cases))?;
        if view.graph.edge_count() > MAX_EDGES {
            return Err(StoreError::Input(format!(
                "the case's entities share more than {MAX_EDGES} links: too many to measure here"
            )));
        }
        Ok(Self::from_view(&view))
    }

    /// A loaded graph view as a network to measure.
    pub fn from_view(view: &GraphView) -> Network {
        let g = &view.graph;
        let mut graph = UnGraph::<Node, Vec<String>>::with_capacity(g.node_count(), g.edge_count());
        for i in g.node_indices() {
            let d = &g[i];
            graph.add_node(Node {
                id: d.id,
                schema: view.names.schemas[d.schema as usize].clone(),
                caption: d.caption.clone(),
            });
        }
        for e in g.edge_indices() {
            if let Some((a, b)) = g.edge_endpoints(e) {
                graph.add_edge(a, b, view.names.kinds_of(g[e].kinds));
            }
        }
        Network { graph, links: view.links }
    }

    /// Every member's centrality, brokers first, and the components.
    pub fn measure(&self) -> NetworkReport {
        let g = &self.graph;
        let n = g.node_count();
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
        let pairs: Vec<(u32, u32)> = g
            .edge_indices()
            .filter_map(|e| g.edge_endpoints(e))
            .map(|(a, b)| (a.index() as u32, b.index() as u32))
            .collect();
        let (betweenness, closeness) = betweenness_and_closeness(n, &pairs);
        let community_of = louvain(n, &pairs, COMMUNITY_SEED);
        let modularity = modularity(n, &pairs, &community_of);
        let mut ranking: Vec<Centrality> = g
            .node_indices()
            .map(|i| {
                let degree = g.neighbors(i).count();
                Centrality {
                    node: g[i].clone(),
                    degree,
                    degree_centrality: if n > 1 { degree as f64 / (n - 1) as f64 } else { 0.0 },
                    betweenness: betweenness[i.index()],
                    closeness: closeness[i.index()],
                    eigenvector: eigenvector.as_ref().map_or(0.0, |e| e[i.index()]),
                    component: component_of[i.index()],
                    community: community_of[i.index()] as usize,
                }
            })
            .collect();
        ranking.sort_by(|a, b| {
            b.betweenness
                .total_cmp(&a.betweenness)
                .then(b.degree.cmp(&a.degree))
                .then_with(|| a.node.caption.cmp(&b.node.caption))
        });
        let at: std::collections::HashMap<Uuid, NodeIndex> = g.node_indices().map(|i| (g[i].id, i)).collect();
        let mut brokers = Vec::new();
        for c in &ranking {
            // A phone, an account or an address is not a broker: its holder is.
            if c.betweenness <= 0.0 || !is_actor(&c.node.schema) {
                continue;
            }
            let Some(&i) = at.get(&c.node.id) else { continue };
            let around: BTreeSet<usize> = std::iter::once(c.community)
                .chain(g.neighbors(i).map(|j| community_of[j.index()] as usize))
                .collect();
            if around.len() >= 2 {
                brokers.push(Broker {
                    node: c.node.clone(),
                    betweenness: c.betweenness,
                    communities: around.into_iter().collect(),
                });
            }
        }
        let count = community_of.iter().max().map_or(0, |m| *m as usize + 1);
        let mut communities: Vec<Community> =
            (0..count).map(|index| Community { index, size: 0, leading: Vec::new() }).collect();
        for c in &ranking {
            let k = &mut communities[c.community];
            k.size += 1;
            if k.leading.len() < 5 {
                k.leading.push(c.node.clone());
            }
        }
        NetworkReport {
            nodes: n,
            edges: g.edge_count(),
            links: self.links,
            components: components.iter().map(Vec::len).collect(),
            ranking,
            communities,
            modularity,
            brokers,
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
