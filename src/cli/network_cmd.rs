//! `liaison network --case REF [--cases REF,…]`: who is central in a case's network — degree,
//! betweenness (brokers), closeness and eigenvector centrality, its connected components, its
//! communities (Louvain) and the brokers between them.

use clap::Args;

use super::output::{fit, print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::analysis::network::Network;

#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// The case whose entities and links form the network
    #[arg(long = "case", value_name = "REF", required_unless_present = "cases")]
    pub case: Option<String>,
    /// Several cases measured as one network (their members together), comma-separated
    #[arg(long = "cases", value_name = "REF,…", value_delimiter = ',')]
    pub cases: Vec<String>,
    /// How many entities to list, the most central first
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

pub fn network(ctx: &Context, a: &NetworkArgs, json: bool) -> CliResult {
    if a.top == 0 {
        return Err(CliError::Usage("--top must be at least 1".into()));
    }
    let store = ctx.open()?;
    let refs: Vec<&str> = a
        .case
        .iter()
        .map(String::as_str)
        .chain(a.cases.iter().map(|c| c.trim()).filter(|c| !c.is_empty()))
        .collect();
    let mut cases = Vec::new();
    for r in &refs {
        let id = store.case_id(r)?;
        if !cases.contains(&id) {
            cases.push(id);
        }
    }
    let report = Network::of_cases(&store, &cases)?.measure();
    let ids: Vec<String> = cases.iter().map(ToString::to_string).collect();
    // One case keeps the audit entry's earlier shape.
    let detail = if ids.len() == 1 {
        serde_json::json!({ "case": ids[0], "nodes": report.nodes })
    } else {
        serde_json::json!({ "cases": ids, "nodes": report.nodes })
    };
    store.audit("network", &detail)?;
    if json {
        return print_json(&report);
    }
    let components = report.components.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    println!(
        "{}: {} entities, {} links between {} pairs; components by size: {}",
        safe(&refs.join(", ")),
        report.nodes,
        report.links,
        report.edges,
        if components.is_empty() { "none".to_owned() } else { components }
    );
    // The answer to "who connects them" first; the full table after.
    if !report.brokers.is_empty() {
        let names: Vec<&str> = report.brokers.iter().take(3).map(|b| b.node.caption.as_str()).collect();
        println!("Brokers between communities: {}", fit(&names.join(", "), 120));
    }
    println!(
        "{:<30} {:<12} {:>6} {:>11} {:>9} {:>11} {:>9}",
        "entity", "kind", "linked", "betweenness", "closeness", "eigenvector", "community"
    );
    for c in report.ranking.iter().take(a.top) {
        println!(
            "{:<30} {:<12} {:>6} {:>11.4} {:>9.4} {:>11.4} {:>9}",
            fit(&c.node.caption, 30),
            fit(&c.node.schema, 12),
            c.degree,
            c.betweenness,
            c.closeness,
            c.eigenvector,
            c.community + 1
        );
    }
    println!(
        "\n{} communities (Louvain, modularity {:.3}); the largest:",
        report.communities.len(),
        report.modularity
    );
    for k in report.communities.iter().filter(|k| k.size > 1).take(a.top.min(10)) {
        let names: Vec<&str> = k.leading.iter().map(|n| n.caption.as_str()).collect();
        println!("  {:>3}. {:>5} entities: {}", k.index + 1, k.size, fit(&names.join(", "), 100));
    }
    if report.brokers.is_empty() {
        println!(
            "\nNo brokers: no person or organisation links two communities on the shortest paths between others."
        );
    } else {
        println!("\nBrokers (people and organisations linking communities, by betweenness):");
        for b in report.brokers.iter().take(a.top) {
            let around: Vec<String> = b.communities.iter().map(|c| (c + 1).to_string()).collect();
            println!(
                "  {:<30} {:<12} betweenness {:.4}, communities {}",
                fit(&b.node.caption, 30),
                fit(&b.node.schema, 12),
                b.betweenness,
                around.join(", ")
            );
        }
    }
    Ok(())
}
