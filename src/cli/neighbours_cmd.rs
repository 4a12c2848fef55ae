//! `liaison neighbours ID [--hops N] [--kinds K,…]`: the entities around one, within N links,
//! with counts per link kind and per entity kind.

use std::collections::BTreeMap;

use clap::Args;
use serde::Serialize;

use super::output::{fit, print_json, safe};
use super::path_cmd::{FilterArgs, resolve_entity};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::analysis::walk::{AroundLimits, around, node_ref};
use crate::store::query::RecordRef;

/// Most hops out.
const MAX_HOPS: usize = 4;

#[derive(Debug, Args)]
pub struct NeighboursArgs {
    /// The entity: an id (or its first 8+ digits), or a name that finds one entity
    #[arg(value_name = "ID")]
    pub entity: String,
    /// How many links out (1–4)
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub hops: usize,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Most neighbours listed (the counts cover all)
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub limit: usize,
}

#[derive(Debug, Serialize)]
struct Neighbour {
    #[serde(flatten)]
    record: RecordRef,
    /// Links from the entity to it.
    distance: u8,
    /// Kinds of the links that reach it from one link nearer.
    kinds: Vec<String>,
}

#[derive(Debug, Serialize)]
struct NeighboursReport {
    entity: RecordRef,
    hops: usize,
    /// Entities within `hops` links (the entity itself not counted).
    count: usize,
    /// Pairs linked by each kind of link in the neighbourhood.
    link_kinds: BTreeMap<String, usize>,
    /// Neighbours of each kind of entity.
    entity_kinds: BTreeMap<String, usize>,
    /// Some record had more links than were read, or the neighbourhood reached its bound.
    bounded: bool,
    neighbours: Vec<Neighbour>,
}

pub fn neighbours(ctx: &Context, a: &NeighboursArgs, json: bool) -> CliResult {
    if !(1..=MAX_HOPS).contains(&a.hops) {
        return Err(CliError::Usage(format!("--hops must be between 1 and {MAX_HOPS}")));
    }
    let filter = a.filter.filter()?;
    let store = ctx.open()?;
    let id = resolve_entity(&store, &a.entity)?;
    let near = around(&store, &[id], a.hops, &filter, AroundLimits::default())?;
    let view = &near.view;
    let g = &view.graph;
    let mut link_kinds: BTreeMap<String, usize> = BTreeMap::new();
    for e in g.edge_indices() {
        for k in view.names.kinds_of(g[e].kinds) {
            *link_kinds.entry(k).or_default() += 1;
        }
    }
    let mut entity_kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut list = Vec::new();
    let mut center = None;
    for i in g.node_indices() {
        let d = near.distance[i.index()];
        if d == 0 {
            center = Some(node_ref(view, i));
            continue;
        }
        let mut bits = 0u64;
        for j in g.neighbors(i) {
            if near.distance[j.index()] + 1 == d {
                bits |= view.edge(i, j).map_or(0, |e| e.kinds);
            }
        }
        let record = node_ref(view, i);
        *entity_kinds.entry(record.schema.clone()).or_default() += 1;
        list.push(Neighbour { record, distance: d, kinds: view.names.kinds_of(bits) });
    }
    list.sort_by(|x, y| x.distance.cmp(&y.distance).then_with(|| x.record.caption.cmp(&y.record.caption)));
    let count = list.len();
    list.truncate(a.limit);
    let Some(entity) = center else {
        return Err(CliError::Usage(
            "neighbours are those of an entity, not of a link or case record".into(),
        ));
    };
    store.audit(
        "neighbours",
        &serde_json::json!({ "entity": id.to_string(), "hops": a.hops, "count": count }),
    )?;
    let report = NeighboursReport {
        entity,
        hops: a.hops,
        count,
        link_kinds,
        entity_kinds,
        bounded: near.truncated,
        neighbours: list,
    };
    if json {
        return print_json(&report);
    }
    let counts = |m: &BTreeMap<String, usize>| {
        m.iter().map(|(k, v)| format!("{} {v}", safe(k))).collect::<Vec<_>>().join(" · ")
    };
    println!(
        "{} ({}): {} entit{} within {} link{}",
        safe(&report.entity.caption),
        safe(&report.entity.schema),
        count,
        if count == 1 { "y" } else { "ies" },
        a.hops,
        if a.hops == 1 { "" } else { "s" }
    );
    if count > 0 {
        println!("by link kind: {}", counts(&report.link_kinds));
        println!("by entity kind: {}", counts(&report.entity_kinds));
    }
    for n in &report.neighbours {
        println!(
            "  {}  {:<12} {:<40} {}",
            n.distance,
            fit(&n.record.schema, 12),
            fit(&n.record.caption, 40),
            safe(&n.kinds.join(", "))
        );
    }
    if report.neighbours.len() < count {
        println!("({} of {count} listed; --limit N lists more)", report.neighbours.len());
    }
    if report.bounded {
        println!("(at most 200 links read per record and 20,000 entities: the neighbourhood may be larger)");
    }
    Ok(())
}
