//! The network measures checked against NetworkX (the reference implementation; a pinned
//! version installed by `.ci/run` next to the interop validators): on the demo's cases and on
//! generated ones, every entity's degree, betweenness and closeness centrality are NetworkX's,
//! so the rankings are too, and the components have the same sizes; our Louvain communities
//! score a modularity (computed by NetworkX) within a few percent of NetworkX's own seeded
//! `louvain_communities`.

use crate::common;
use crate::interop_common;

use std::process::Command;

use liaison::analysis::network::Network;
use liaison::store::Store;

/// NetworkX's measures of an undirected graph of `n` nodes given as an edge list.
const ORACLE: &str = r#"
import json, sys
import networkx as nx
data = json.load(open(sys.argv[1]))
g = nx.Graph()
g.add_nodes_from(range(data["n"]))
g.add_edges_from(data["edges"])
degree = nx.degree_centrality(g)
betweenness = nx.betweenness_centrality(g, normalized=True)
closeness = nx.closeness_centrality(g)
out = {
    "degree": [degree[i] for i in range(data["n"])],
    "betweenness": [betweenness[i] for i in range(data["n"])],
    "closeness": [closeness[i] for i in range(data["n"])],
    "components": sorted((len(c) for c in nx.connected_components(g)), reverse=True),
}
if g.number_of_edges() > 0:
    theirs = nx.community.louvain_communities(g, seed=14)
    ours = {}
    for node, c in enumerate(data["partition"]):
        ours.setdefault(c, set()).add(node)
    out["louvain_modularity"] = nx.community.modularity(g, theirs)
    out["our_modularity"] = nx.community.modularity(g, list(ours.values()))
print(json.dumps(out))
"#;

fn networkx(n: usize, edges: &[(usize, usize)], partition: &[usize]) -> Option<serde_json::Value> {
    let python = interop_common::validator_python()?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.json");
    std::fs::write(&file, serde_json::json!({ "n": n, "edges": edges, "partition": partition }).to_string())
        .unwrap();
    let out = Command::new(python).arg("-c").arg(ORACLE).arg(&file).output().expect("python runs");
    assert!(
        out.status.success(),
        "NetworkX failed (is it installed? `.venv-interop/bin/pip install networkx==3.4.2`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// NetworkX's shortest path length and number of shortest paths for each pair.
const PATHS_ORACLE: &str = r#"
import json, sys
import networkx as nx
data = json.load(open(sys.argv[1]))
g = nx.Graph()
g.add_nodes_from(range(data["n"]))
g.add_edges_from(data["edges"])
out = []
for a, b in data["pairs"]:
    if nx.has_path(g, a, b):
        out.append([nx.shortest_path_length(g, a, b), sum(1 for _ in nx.all_shortest_paths(g, a, b))])
    else:
        out.append(None)
print(json.dumps(out))
"#;

/// Shortest paths of a generated case's graph view: same length and same number of
/// shortest paths as NetworkX, for pairs spread over the graph.
fn check_paths(store: &Store, reference: &str) -> Option<()> {
    use liaison::analysis::graph::{GraphView, Scope};
    use liaison::analysis::walk::shortest;
    use rustworkx_core::petgraph::graph::NodeIndex;
    let python = interop_common::validator_python()?;
    let case = store.case_id(reference).unwrap();
    let view = GraphView::load(store, &Scope::cases(&[case])).unwrap();
    let n = view.graph.node_count();
    let edges = view.edge_pairs();
    let pairs: Vec<(usize, usize)> = (0..40).map(|i| ((i * 37) % n, (i * 101 + 13) % n)).collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.json");
    std::fs::write(&file, serde_json::json!({ "n": n, "edges": edges, "pairs": pairs }).to_string()).unwrap();
    let out = Command::new(python).arg("-c").arg(PATHS_ORACLE).arg(&file).output().expect("python runs");
    assert!(out.status.success(), "NetworkX failed: {}", String::from_utf8_lossy(&out.stderr));
    let oracle: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (k, (a, b)) in pairs.iter().enumerate() {
        let found = shortest(&view, NodeIndex::new(*a), NodeIndex::new(*b), 64, true, 100_000);
        match oracle[k].as_array() {
            None => assert!(found.paths.is_empty(), "{reference}: {a}–{b} joined, NetworkX says not"),
            Some(theirs) => {
                let (len, count) = (theirs[0].as_u64().unwrap(), theirs[1].as_u64().unwrap());
                assert_eq!(found.cost as u64, len, "{reference}: length {a}–{b}");
                assert_eq!(found.total, count, "{reference}: number of shortest paths {a}–{b}");
                assert_eq!(found.paths.len() as u64, count.min(100_000));
                for p in &found.paths {
                    assert_eq!(p.len() as u64, len + 1);
                    assert!(p.windows(2).all(|w| view.graph.find_edge(w[0], w[1]).is_some()));
                }
            }
        }
    }
    Some(())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn check_case(store: &Store, reference: &str) -> Option<()> {
    let case = store.case_id(reference).unwrap();
    let network = Network::of_case(store, case).unwrap();
    let (ids, edges) = network.edge_list();
    let report = network.measure();
    let mut partition = vec![0; ids.len()];
    for c in &report.ranking {
        partition[ids.iter().position(|id| *id == c.node.id).unwrap()] = c.community;
    }
    let oracle = networkx(ids.len(), &edges, &partition)?;
    if !edges.is_empty() {
        let (ours, theirs) =
            (oracle["our_modularity"].as_f64().unwrap(), oracle["louvain_modularity"].as_f64().unwrap());
        assert!(
            (report.modularity - ours).abs() < 1e-9,
            "{reference}: our modularity {} but NetworkX computes {ours} for our communities",
            report.modularity
        );
        assert!(
            ours >= theirs - 0.03 * theirs.abs(),
            "{reference}: our communities' modularity {ours} is more than 3% under NetworkX's Louvain {theirs}"
        );
        eprintln!("{reference}: modularity ours {ours:.4}, NetworkX Louvain {theirs:.4}");
    }
    assert_eq!(report.nodes, ids.len());
    for c in &report.ranking {
        let i = ids.iter().position(|id| *id == c.node.id).unwrap();
        for (name, mine) in
            [("degree", c.degree_centrality), ("betweenness", c.betweenness), ("closeness", c.closeness)]
        {
            let theirs = oracle[name][i].as_f64().unwrap();
            assert!(
                close(mine, theirs),
                "{reference}: {name} of {} is {mine}, NetworkX says {theirs}",
                c.node.caption
            );
        }
    }
    let sizes: Vec<u64> =
        oracle["components"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(
        report.components.iter().map(|c| *c as u64).collect::<Vec<_>>(),
        sizes,
        "{reference}: components"
    );
    Some(())
}

#[test]
fn the_demo_cases_networks_measure_as_networkx_measures_them() {
    let l = common::Liaison::empty();
    let out = l.command().args(["demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = Store::open(&l.store, &age::secrecy::SecretString::from("demo".to_owned())).unwrap();
    for reference in
        ["DGSE-2024-EXT-007", "DGSI-2024-ORG-041", "JIT-2025-MAAS", "PJ-MRS-2024-0113", "PJ-MRS-2024-0150"]
    {
        if check_case(&store, reference).is_none() {
            return;
        }
    }
}

#[test]
fn generated_case_networks_measure_as_networkx_measures_them() {
    let l = common::Liaison::init();
    let out = l.command().args(["generate", "--entities", "800", "--seed", "7"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store =
        Store::open(&l.store, &age::secrecy::SecretString::from("correct horse battery".to_owned())).unwrap();
    let cases = store.cases(&liaison::store::query::CaseFilter { limit: 3, ..Default::default() }).unwrap();
    assert!(!cases.is_empty(), "generated cases");
    for case in cases {
        if check_case(&store, &case.reference).is_none() || check_paths(&store, &case.reference).is_none() {
            return;
        }
    }
}

#[test]
fn the_broker_between_two_groups_comes_first() {
    // Two triangles joined through one entity: it lies on every path between them.
    let l = common::Liaison::init();
    let run = |args: &[&str]| {
        let out = l.command().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    run(&["case", "new", "--ref", "NET-1", "--title", "Two cells"]);
    let person = |name: &str| {
        run(&["entity", "new", "--schema", "Person", "--prop", &format!("name={name}"), "--case", "NET-1"])
    };
    let [ana, bo, cy, di, ed, fa, broker] = ["Ana", "Bo", "Cy", "Di", "Ed", "Fa", "Broker"].map(person);
    let pairs = [
        (&ana, &bo),
        (&bo, &cy),
        (&ana, &cy),
        (&di, &ed),
        (&ed, &fa),
        (&di, &fa),
        (&cy, &broker),
        (&broker, &di),
    ];
    for (x, y) in pairs {
        run(&["link", "new", "--schema", "Associate", "--from", x, "--to", y, "--case", "NET-1"]);
    }
    let out = l.command().args(["--json", "network", "--case", "NET-1"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ranking"][0]["caption"], "Broker", "{report}");
    assert_eq!(report["components"], serde_json::json!([7]));
    let text = run(&["network", "--case", "NET-1", "--top", "1"]);
    // --top 1: one row in the table, the broker's; the communities and brokers follow it.
    let rows: Vec<&str> =
        text.lines().skip_while(|l| !l.starts_with("entity")).skip(1).take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(rows[0].starts_with("Broker "), "{text}");
    assert!(text.contains("Brokers between communities: Broker"), "{text}");
}

#[test]
fn the_whole_store_view_and_a_case_view_agree_on_each_edge() {
    // The whole store reads dates in one timeline scan, a case by a look-up per link: an
    // edge between two members must carry the same kinds, dates, grade and marking in both.
    use liaison::analysis::graph::{GraphView, Scope};
    let l = common::Liaison::empty();
    let out = l.command().args(["demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = Store::open(&l.store, &age::secrecy::SecretString::from("demo".to_owned())).unwrap();
    let whole = GraphView::load(&store, &Scope::whole_store()).unwrap();
    let case = store.case_id("PJ-MRS-2024-0113").unwrap();
    let mut scope = Scope::cases(&[case]);
    scope.shared = false;
    let part = GraphView::load(&store, &scope).unwrap();
    let at = |v: &GraphView, id| v.graph.node_indices().find(|i| v.graph[*i].id == id).unwrap();
    let mut dated = 0;
    for edge in part.graph.edge_indices() {
        let (from, to) = part.graph.edge_endpoints(edge).unwrap();
        let ends = (at(&whole, part.graph[from].id), at(&whole, part.graph[to].id));
        let (p, w) = (part.graph[edge], *whole.edge(ends.0, ends.1).expect("the edge in the whole store"));
        assert_eq!(part.names.kinds_of(p.kinds), whole.names.kinds_of(w.kinds));
        assert_eq!((p.first, p.last, p.score, p.links), (w.first, w.last, w.score, w.links));
        assert_eq!(part.names.markings[p.marking as usize], whole.names.markings[w.marking as usize]);
        dated += usize::from(p.first > 0);
    }
    assert!(dated > 20, "dated edges: {dated}");
}
