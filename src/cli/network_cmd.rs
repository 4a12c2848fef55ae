//! `liaison network --case REF`: who is central in a case's network — degree, betweenness
//! (brokers), closeness and eigenvector centrality, and its connected components.

use clap::Args;

use super::output::{fit, print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::analysis::network::Network;

#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// The case whose entities and links form the network
    #[arg(long = "case", value_name = "REF")]
    pub case: String,
    /// How many entities to list, the most central first
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

pub fn network(ctx: &Context, a: &NetworkArgs, json: bool) -> CliResult {
    if a.top == 0 {
        return Err(CliError::Usage("--top must be at least 1".into()));
    }
    let store = ctx.open()?;
    let case = store.case_id(&a.case)?;
    let report = Network::of_case(&store, case)?.measure();
    store.audit("network", &serde_json::json!({ "case": case.to_string(), "nodes": report.nodes }))?;
    if json {
        return print_json(&report);
    }
    let components = report.components.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    println!(
        "{}: {} entities, {} links between {} pairs; components by size: {}",
        safe(&a.case),
        report.nodes,
        report.links,
        report.edges,
        if components.is_empty() { "none".to_owned() } else { components }
    );
    println!(
        "{:<30} {:<12} {:>6} {:>11} {:>9} {:>11}",
        "entity", "kind", "linked", "betweenness", "closeness", "eigenvector"
    );
    for c in report.ranking.iter().take(a.top) {
        println!(
            "{:<30} {:<12} {:>6} {:>11.4} {:>9.4} {:>11.4}",
            fit(&c.node.caption, 30),
            fit(&c.node.schema, 12),
            c.degree,
            c.betweenness,
            c.closeness,
            c.eigenvector
        );
    }
    Ok(())
}
