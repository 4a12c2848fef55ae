//! Network analysis figures (#14), in a child process so the whole-store graph's memory is
//! its own: a case's graph load, the whole store's load (time and peak memory), shortest
//! paths between random pairs of the loaded graph, centrality and communities of a network of
//! about 10,000 nodes (generated cases measured together), and communities of the whole graph.
//!
//! Alone on an existing store: `cargo bench --bench harness -- --phase network DIR`
//! (passphrase from `LIAISON_BENCH_PASSPHRASE`, else the harness's own).

use std::path::Path;
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use liaison::analysis::communities::{louvain, modularity};
use liaison::analysis::graph::{GraphView, Scope};
use liaison::analysis::network::{COMMUNITY_SEED, Network};
use liaison::analysis::walk::shortest;
use liaison::store::Store;
use liaison::synth::Rng;
use rustworkx_core::petgraph::graph::NodeIndex;
use uuid::Uuid;

use super::measure::{peak_rss_mib, reset_peak_rss, summarise};
use super::report::Figures;

/// Nodes of the "10k-node network" figure: generated cases are added until it is reached.
const TEN_K: usize = 10_000;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn p95(samples: &mut [Duration]) -> f64 {
    samples.sort();
    ms(samples[((samples.len() as f64 - 1.0) * 0.95).round() as usize])
}

#[allow(clippy::many_single_char_names)] // f: the figures, as in the other phases; a, b, n, p: a path's ends, nodes, result.
pub fn measure(dir: &Path) -> Figures {
    let pass =
        std::env::var("LIAISON_BENCH_PASSPHRASE").unwrap_or_else(|_| "benchmark passphrase".to_owned());
    let store = Store::open(dir, &SecretString::from(pass)).expect("open store");
    let mut f = Figures::default();
    let cases: Vec<Uuid> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT uid FROM object WHERE schema = 'Case' AND deleted = 0 ORDER BY n")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))
            .unwrap()
            .filter_map(|b| Uuid::from_slice(&b.ok()?).ok())
            .collect()
    };

    eprintln!("[network] case graph loads…");
    let mut samples = Vec::new();
    let mut case_nodes = 0;
    for (i, case) in cases.iter().cycle().take(cases.len().clamp(1, 50) + 1).enumerate() {
        let start = Instant::now();
        let view = GraphView::load(&store, &Scope::cases(&[*case])).expect("case graph");
        if i > 0 {
            samples.push(start.elapsed());
        }
        case_nodes = case_nodes.max(view.graph.node_count());
    }
    f.insert_timing("network: case graph load", summarise(&mut samples));
    f.insert("network: largest case graph (nodes)", case_nodes as f64);

    eprintln!("[network] 10k-node network: centrality and communities…");
    let mut chosen = Vec::new();
    let mut nodes = 0;
    for case in &cases {
        chosen.push(*case);
        nodes = GraphView::load(&store, &Scope::cases(&chosen)).map_or(nodes, |v| v.graph.node_count());
        if nodes >= TEN_K {
            break;
        }
    }
    let t0 = Instant::now();
    let net = Network::of_cases(&store, &chosen).expect("cases network");
    let load = t0.elapsed();
    let t1 = Instant::now();
    let report = net.measure();
    let took = t1.elapsed();
    f.insert("network: 10k network nodes", report.nodes as f64);
    f.insert("network: 10k network load (ms)", ms(load));
    f.insert("network: 10k network centrality + communities (ms)", ms(took));

    eprintln!("[network] whole-store graph load…");
    reset_peak_rss();
    let start = Instant::now();
    let view = GraphView::load(&store, &Scope::whole_store()).expect("whole graph");
    f.insert("network: whole-store graph load (s)", start.elapsed().as_secs_f64());
    f.insert("network: whole-store graph nodes", view.graph.node_count() as f64);
    f.insert("network: whole-store graph edges", view.graph.edge_count() as f64);
    f.insert("network: peak RSS with the whole graph (MiB)", peak_rss_mib());

    eprintln!("[network] paths between random pairs…");
    let n = view.graph.node_count().max(1);
    let mut rng = Rng::new(14);
    let mut samples = Vec::new();
    let mut found = 0;
    for _ in 0..200 {
        let a = NodeIndex::new(rng.below(n as u64) as usize);
        let b = NodeIndex::new(rng.below(n as u64) as usize);
        let start = Instant::now();
        let p = shortest(&view, a, b, 6, false, 1);
        samples.push(start.elapsed());
        found += usize::from(!p.paths.is_empty());
    }
    f.insert("network: path (≤ 6 links) after load: p95 (ms)", p95(&mut samples));
    f.insert("network: path (≤ 6 links) after load: median (ms)", summarise(&mut samples).median_ms);
    f.insert("network: random pairs joined within 6 links (of 200)", found as f64);

    eprintln!("[network] communities of the whole graph…");
    let pairs = view.edge_pairs();
    let start = Instant::now();
    let of = louvain(n, &pairs, COMMUNITY_SEED);
    f.insert("network: whole-graph communities (s)", start.elapsed().as_secs_f64());
    f.insert("network: whole-graph modularity", modularity(n, &pairs, &of));
    f.insert("network: peak RSS after communities (MiB)", peak_rss_mib());
    f
}
