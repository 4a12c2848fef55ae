//! `liaison search`, `timeline`, `stats`.

use clap::Args;

use super::output::{fit, print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::model::values::normalise_date;
use crate::store::query::{TimelineQuery, TimelineScope};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find (each as a word or the beginning of one)
    pub query: String,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// With --json: one object with the hits, the total ("exact" or "at_least" a count) and
    /// whether close spellings were used, instead of the list of hits
    #[arg(long)]
    pub page: bool,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    #[arg(long = "case", value_name = "REF", conflicts_with = "entity")]
    pub case: Option<String>,
    #[arg(long, value_name = "ID")]
    pub entity: Option<String>,
    /// From this date (YYYY, YYYY-MM or YYYY-MM-DD), inclusive
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this date, inclusive
    #[arg(long)]
    pub to: Option<String>,
    /// Oldest first (default: newest first)
    #[arg(long)]
    pub oldest_first: bool,
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

pub fn search(ctx: &Context, a: &SearchArgs, json: bool) -> CliResult {
    let store = ctx.open()?;
    let started = std::time::Instant::now();
    // Records judged the same are one result (the profile), counted once.
    let page = store.search_resolved(&a.query, a.limit)?;
    let took = started.elapsed();
    let detail = serde_json::json!({ "query": a.query, "hits": page.hits.len(), "fuzzy": page.fuzzy });
    store.audit("search", &detail)?;
    if json && a.page {
        return print_json(&page);
    }
    if json {
        // The list stays a list (scripts read it so); each hit gains its cases and whether it
        // matched a close spelling rather than the words as typed.
        let hits: Vec<serde_json::Value> = page
            .hits
            .iter()
            .map(|h| {
                let mut v = serde_json::to_value(h).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("fuzzy".into(), page.fuzzy.into());
                }
                v
            })
            .collect();
        return print_json(&hits);
    }
    if page.fuzzy {
        println!("(no exact match; close spellings: {})", safe(&page.spellings.join(", ")));
    }
    let case_list = |cases: &[String], count: u64| {
        let list = cases.iter().map(|c| safe(c).into_owned()).collect::<Vec<_>>().join(", ");
        let more = count.saturating_sub(cases.len() as u64);
        if more > 0 { format!("{list} +{more}") } else { list }
    };
    for r in &page.hits {
        let h = &r.hit;
        let hit = &h.hit;
        // The count stays whole however long the names: it says the result is several records.
        let caption = match &r.profile {
            Some(p) => {
                let count = format!(" · {} records", p.records.len());
                format!("{}{count}", fit(&p.caption, 40 - count.chars().count()))
            }
            None => fit(&hit.caption, 40),
        };
        println!(
            "{}  {:<12} {:<40} {:<4} {:<16} {}",
            hit.id,
            safe(&hit.schema),
            caption,
            safe(hit.grade.as_deref().unwrap_or("")),
            safe(&hit.marking),
            case_list(&h.cases, h.case_count)
        );
        // The records the profile came from, each with its own cases: nothing is hidden.
        for rec in r.profile.iter().flat_map(|p| &p.records) {
            println!(
                "  = {}  {:<12} {:<40} {}",
                rec.record.id,
                safe(&rec.record.schema),
                fit(&rec.record.caption, 40),
                case_list(&rec.cases, rec.case_count)
            );
        }
    }
    // On stdout, after the list: a cut list must not read as the whole answer.
    if !page.total.complete(page.hits.len()) {
        println!("{} (--limit shows more)", page.total.describe(page.hits.len()));
    }
    eprintln!("{} in {:.1} ms", page.total.describe(page.hits.len()), took.as_secs_f64() * 1000.0);
    Ok(())
}

pub fn timeline(ctx: &Context, a: &TimelineArgs, json: bool) -> CliResult {
    let store = ctx.open()?;
    let date = |d: &Option<String>, flag: &str| -> CliResult<Option<String>> {
        d.as_deref()
            .map(|d| normalise_date(d).map_err(|e| CliError::Usage(format!("{flag} {d:?} {e}"))))
            .transpose()
    };
    let scope = match (&a.case, &a.entity) {
        (Some(r), _) => TimelineScope::Case(store.case_id(r)?),
        (_, Some(e)) => TimelineScope::Entity(store.resolve_id(e)?),
        _ => TimelineScope::All,
    };
    // Records judged the same are named by their profile; an entity's timeline is its profile's.
    let items = store.timeline_resolved(&TimelineQuery {
        scope,
        from: date(&a.from, "--from")?,
        to: date(&a.to, "--to")?,
        newest_first: !a.oldest_first,
        limit: a.limit,
        offset: a.offset,
    })?;
    if json {
        return print_json(&items);
    }
    for i in items.iter().map(|r| &r.item) {
        println!("{:<20} {:<12} {}", safe(&i.at), safe(&i.schema), safe(&i.summary));
    }
    Ok(())
}

pub fn stats(ctx: &Context, json: bool) -> CliResult {
    let store = ctx.open()?;
    let s = store.stats()?;
    if json {
        return print_json(&s);
    }
    // The lines are the library's (plurals and kind labels right for every face); the kind
    // table quotes stored kind names: `safe`.
    for line in s.lines() {
        println!("{}", safe(&line));
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct MeasuresArgs {
    /// How many months back, the current one included
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=120))]
    months: u32,
    /// Last month shown, YYYY-MM (default: this month), e.g. for a quarterly report
    #[arg(long, value_name = "YYYY-MM")]
    to: Option<String>,
}

pub fn measures(ctx: &Context, a: &MeasuresArgs, json: bool) -> CliResult {
    let until = match &a.to {
        None => chrono::Utc::now().date_naive(),
        Some(m) => chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| CliError::Usage(format!("--to {m:?} is not a month written YYYY-MM")))?,
    };
    let store = ctx.open()?;
    let m = store.measures(a.months, until)?;
    if json {
        return print_json(&m);
    }
    let response = |s: Option<i64>| s.map_or_else(|| "-".to_owned(), super::bundle_cmd::human_seconds);
    println!(
        "sharing response time (median): {} over {} acknowledged bundles",
        response(m.sharing.response_time.as_ref().map(|r| r.median_seconds)),
        m.sharing.bundles_acknowledged
    );
    println!(
        "joint operations: {} executed with several agencies ({} executed, {} planned) · {} arrests · {} networks disrupted",
        m.joint_operations,
        m.outcomes.operations_executed,
        m.outcomes.operations_planned,
        m.outcomes.arrests,
        m.outcomes.networks_disrupted
    );
    println!(
        "requests for information: {} answered, median {} · 90th percentile {} (target {}, before {}) · {} open",
        m.rfi.overall.answered,
        response(m.rfi.overall.median_seconds),
        response(m.rfi.overall.p90_seconds),
        super::bundle_cmd::human_seconds(m.rfi.target_seconds),
        super::bundle_cmd::human_seconds(m.rfi.before_seconds),
        m.rfi.open
    );
    for (office, t) in &m.rfi.by_office {
        println!(
            "  with {}: {} answered, median {} · p90 {}",
            super::output::safe(office),
            t.answered,
            response(t.median_seconds),
            response(t.p90_seconds)
        );
    }
    for d in &m.operations_deconflicted {
        let name = store.record_label(d.operation)?.map(|(_, c)| c).unwrap_or_default();
        println!("  operation {}: {}", super::output::safe(&name), super::output::safe(&d.summary));
    }
    let b = &m.bundles;
    println!(
        "bundle turnaround: acknowledged median {} · p90 {} over {} · imported here median {} · p90 {} over {} (target {})",
        response(b.overall.acknowledged.median_seconds),
        response(b.overall.acknowledged.p90_seconds),
        b.overall.acknowledged.count,
        response(b.overall.imported.median_seconds),
        response(b.overall.imported.p90_seconds),
        b.overall.imported.count,
        super::bundle_cmd::human_seconds(b.target_seconds)
    );
    for (office, l) in &b.by_office {
        println!(
            "  with {}: acknowledged median {} · p90 {} · imported median {} · p90 {}",
            super::output::safe(office),
            response(l.acknowledged.median_seconds),
            response(l.acknowledged.p90_seconds),
            response(l.imported.median_seconds),
            response(l.imported.p90_seconds)
        );
    }
    println!(
        "\n{:<8} {:>9} {:>6} {:>9} {:>6} {:>8} {:>10} {:>9}",
        "MONTH", "RESPONSE", "ACKED", "EXECUTED", "JOINT", "ARRESTS", "DISRUPTED", "RFI MEDIAN"
    );
    for mm in &m.monthly {
        println!(
            "{:<8} {:>9} {:>6} {:>9} {:>6} {:>8} {:>10} {:>9}",
            mm.month,
            response(mm.response_median_seconds),
            mm.acknowledged,
            mm.operations_executed,
            mm.joint_operations,
            mm.arrests,
            mm.networks_disrupted,
            response(mm.rfi_median_seconds)
        );
    }
    Ok(())
}
