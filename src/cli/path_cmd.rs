//! `liaison path FROM TO`: how two entities are connected — the shortest chains of links
//! (all of equal length with --all), each hop with its kind, dates, grade, marking and
//! sources; with --weighted, the chain that leans least on weakly graded links.

use clap::Args;
use serde::Serialize;
use uuid::Uuid;

use super::output::{fit, print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::analysis::path::PathFilter;
use crate::analysis::walk::{AroundLimits, Hop, Paths, around, cheapest, hop, node_ref, shortest};
use crate::model::grade::Grade;
use crate::model::schema::{Category, Schema};
use crate::model::values::normalise_date;
use crate::store::Store;
use crate::store::query::RecordRef;

/// Most links a path may have.
const MAX_HOPS: usize = 12;

#[derive(Debug, Args)]
pub struct PathArgs {
    /// Where the chain starts: an entity id (or its first 8+ digits), or a name that finds one entity
    #[arg(value_name = "FROM")]
    pub from_entity: String,
    /// Where it ends (as FROM)
    #[arg(value_name = "TO")]
    pub to_entity: String,
    /// Longest chain looked for, in links (1–12)
    #[arg(long, default_value_t = 6, value_name = "N")]
    pub max_hops: usize,
    /// Every shortest chain (up to --limit), not just one
    #[arg(long)]
    pub all: bool,
    /// Most chains listed with --all
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Weigh links by grade: a hop costs 1 + (10 − score) / 5, so A1 costs 1, B2 1.4, C3 1.8,
    /// E5 2.6 and F6 or ungraded 3; the cheapest chain wins over a shorter one through weak reports
    #[arg(long)]
    pub weighted: bool,
}

/// Which links a walk may use (shared by `path` and `neighbours`).
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only links of these kinds, comma-separated (e.g. Call,Payment)
    #[arg(long, value_delimiter = ',', value_name = "K,…")]
    pub kinds: Vec<String>,
    /// Only links graded at least this strongly (e.g. B2)
    #[arg(long, value_name = "GRADE")]
    pub min_grade: Option<String>,
    /// Only links dated on or after this date (YYYY, YYYY-MM or YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Only links dated on or before this date (YYYY-MM includes the whole month)
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
}

impl FilterArgs {
    pub fn filter(&self) -> CliResult<PathFilter> {
        let links: Vec<&str> = Schema::builtin()
            .kinds()
            .filter(|k| k.category == Category::Link)
            .map(|k| k.name.as_str())
            .collect();
        let mut kinds = Vec::new();
        for k in self.kinds.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
            let Some(name) = links.iter().find(|l| l.eq_ignore_ascii_case(k)) else {
                return Err(CliError::Usage(format!(
                    "--kinds: {:?} is not a kind of link; kinds are {}",
                    safe(k),
                    links.join(", ")
                )));
            };
            kinds.push((*name).to_owned());
        }
        let date = |d: &Option<String>, flag: &str| -> CliResult<Option<String>> {
            d.as_deref()
                .map(|d| normalise_date(d).map_err(|e| CliError::Usage(format!("{flag} {:?} {e}", safe(d)))))
                .transpose()
        };
        let min_grade = match &self.min_grade {
            Some(g) => Some(
                Grade::parse(g)
                    .map_err(|e| CliError::Usage(format!("--min-grade {:?}: {e}", safe(g))))?
                    .score(),
            ),
            None => None,
        };
        let (from, to) = (date(&self.from, "--from")?, date(&self.to, "--to")?);
        if let (Some(f), Some(t)) = (&from, &to) {
            if f.as_str() > t.as_str() && !t.starts_with(f.as_str()) {
                return Err(CliError::Usage(format!("--from {f} is after --to {t}")));
            }
        }
        Ok(PathFilter { kinds, min_grade, from, to })
    }
}

/// An entity the user named: an id or prefix, else a search that finds exactly one entity.
pub fn resolve_entity(store: &Store, text: &str) -> CliResult<Uuid> {
    match store.resolve_id(text) {
        Ok(id) => Ok(id),
        Err(crate::store::StoreError::Input(_)) => {
            let page = store.search_page(text, 50)?;
            let entities: Vec<_> = page
                .hits
                .iter()
                .filter(|h| {
                    !page.fuzzy
                        && Schema::builtin().kind(&h.hit.schema).is_ok_and(|k| k.category == Category::Entity)
                })
                .collect();
            // A name typed in full picks the one entity of that name among looser hits.
            let exact: Vec<_> = entities
                .iter()
                .filter(|h| h.hit.caption.trim().eq_ignore_ascii_case(text.trim()))
                .copied()
                .collect();
            let entities = if exact.len() == 1 { exact } else { entities };
            match entities.as_slice() {
                [one] => Ok(one.hit.id),
                [] => Err(CliError::Usage(format!(
                    "{:?} is neither an id nor the name of an entity in this store",
                    safe(text)
                ))),
                many => Err(CliError::Usage(format!(
                    "{:?} names {} entities: give one's id (`liaison search {}` lists them)",
                    safe(text),
                    many.len(),
                    safe(text)
                ))),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Serialize)]
struct Chain {
    links: usize,
    cost: f64,
    hops: Vec<Hop>,
}

#[derive(Debug, Serialize)]
struct PathReport {
    from: RecordRef,
    to: RecordRef,
    max_hops: usize,
    weighted: bool,
    /// Chains of this length (or cost) in all.
    total: u64,
    /// The most listed.
    limit: usize,
    /// Some record had more links than were read: a chain through it may be missed.
    bounded: bool,
    paths: Vec<Chain>,
}

/// "2024-05-02", "2024-05-02 – 2025-01-10", or "undated".
pub fn dates(h: &Hop) -> String {
    match (&h.first_date, &h.last_date) {
        (Some(f), Some(l)) if f != l => format!("{f} – {l}"),
        (Some(f), _) => f.clone(),
        _ => "undated".to_owned(),
    }
}

pub fn path(ctx: &Context, a: &PathArgs, json: bool) -> CliResult {
    if !(1..=MAX_HOPS).contains(&a.max_hops) {
        return Err(CliError::Usage(format!("--max-hops must be between 1 and {MAX_HOPS}")));
    }
    if a.limit == 0 {
        return Err(CliError::Usage("--limit must be at least 1".into()));
    }
    let filter = a.filter.filter()?;
    let store = ctx.open()?;
    let from = resolve_entity(&store, &a.from_entity)?;
    let to = resolve_entity(&store, &a.to_entity)?;
    // Each end's neighbourhood to half the length: every chain within --max-hops lies in them.
    let reach = a.max_hops.div_ceil(2);
    let near = around(&store, &[from, to], reach, &filter, AroundLimits::default())?;
    let view = &near.view;
    // By record number: a record judged the same as others is on its profile's node.
    let at = |id: Uuid| store.object_n(id).ok().flatten().and_then(|n| view.index.get(&n).copied());
    let (Some(x), Some(y)) = (at(from), at(to)) else {
        return Err(CliError::Usage("a path runs between two entities, not links or case records".into()));
    };
    let found: Paths = if a.weighted {
        cheapest(view, x, y, a.max_hops, a.all, a.limit)
    } else {
        shortest(view, x, y, a.max_hops, a.all, a.limit)
    };
    store.audit(
        "path",
        &serde_json::json!({ "from": from.to_string(), "to": to.to_string(), "found": found.paths.len() }),
    )?;
    let (fr, tr) = (node_ref(view, x), node_ref(view, y));
    if found.paths.is_empty() {
        let narrowed = if filter.is_empty() { "" } else { " through the links kept by the filters" };
        let bound = if near.truncated {
            " (at most 200 links read per record: a chain through a busier record may be missed)"
        } else {
            ""
        };
        return Err(CliError::Other(format!(
            "no chain of links from {} to {} within {} hop{}{narrowed}{bound}",
            safe(&fr.caption),
            safe(&tr.caption),
            a.max_hops,
            if a.max_hops == 1 { "" } else { "s" }
        )));
    }
    let mut chains = Vec::new();
    for p in &found.paths {
        let hops =
            p.windows(2).map(|w| hop(&store, view, w[0], w[1])).collect::<crate::store::Result<Vec<_>>>()?;
        let cost = if a.weighted { found.cost } else { hops.len() as f64 };
        chains.push(Chain { links: hops.len(), cost, hops });
    }
    let report = PathReport {
        from: fr,
        to: tr,
        max_hops: a.max_hops,
        weighted: a.weighted,
        total: found.total,
        limit: if a.all { a.limit } else { 1 },
        bounded: near.truncated,
        paths: chains,
    };
    if json {
        return print_json(&report);
    }
    let what = if a.weighted { "cheapest" } else { "shortest" };
    let shown = report.paths.len();
    let count = if report.total as usize > shown {
        format!("{shown} of {} {what} chains shown (--all --limit N shows more)", report.total)
    } else if shown == 1 {
        format!("the {what} chain")
    } else {
        format!("all {shown} {what} chains")
    };
    println!(
        "{} ({}) → {} ({}): {} link{}, {count}{}",
        safe(&report.from.caption),
        safe(&report.from.schema),
        safe(&report.to.caption),
        safe(&report.to.schema),
        report.paths[0].links,
        if report.paths[0].links == 1 { "" } else { "s" },
        if a.weighted { format!(", cost {:.1}", report.paths[0].cost) } else { String::new() }
    );
    for (i, c) in report.paths.iter().enumerate() {
        if shown > 1 {
            println!("Chain {}:", i + 1);
        }
        for (k, h) in c.hops.iter().enumerate() {
            let arrow = if h.forward { "→" } else { "←" };
            let more = if h.links > 1 { format!(" ({} links)", h.links) } else { String::new() };
            println!(
                "  {}. {} {arrow} {} {arrow} {}{more}",
                k + 1,
                fit(&h.from.caption, 30),
                safe(&h.kinds.join("/")),
                fit(&h.to.caption, 30)
            );
            println!(
                "     {} · grade {} · {} · source: {}",
                dates(h),
                safe(h.grade.as_deref().unwrap_or("none")),
                safe(&h.marking),
                if h.sources.is_empty() {
                    "none recorded".to_owned()
                } else {
                    safe(&h.sources.join("; ")).into_owned()
                }
            );
            // A profile's hop names the record of it the link belongs to.
            for (side, r) in [("from", &h.from_record), ("to", &h.to_record)] {
                if let Some(r) = r {
                    println!("     {side} the record {} ({}) {}", safe(&r.caption), safe(&r.schema), r.id);
                }
            }
        }
    }
    if report.bounded {
        println!("(at most 200 links read per record: a chain through a busier record may be missed)");
    }
    Ok(())
}
