//! `liaison duplicates`: records that are probably the same person, company or vehicle, best
//! first, with the reasons; `liaison xref`: one set (a case, what an import brought in)
//! against the rest of the store. The work is in `analysis::duplicates` and `analysis::xref`.

use clap::Args;

use super::output::{print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::analysis::duplicates::{self, Candidate, Scope};
use crate::analysis::xref;
use crate::store::Store;

const DUPLICATES_JSON: &str = "--json prints one object, stable for scripts:
  candidates: list, best first, each {a, b, score, reasons, contradictions}
    a, b: the two records {id, kind, caption}
    score: 0 to 1 (three decimals); 0.5 is even odds
    reasons: evidence for, as sentences (\"names match after transliteration\", \"share phone +33612345678\")
    contradictions: evidence against, as sentences (\"different birth years (1979 and 1992)\")
  blocking: {records, blocks, blocks_skipped, max_block, comparisons}
    records compared; keys shared by more than max_block records are not compared on their own";

const XREF_JSON: &str = "--json prints the object of `liaison duplicates --json` with:
  matched_records: records of the set that match at least one record outside it
  import (with --import): {audit, at, action, what, commits, record_count}";

#[derive(Debug, Args)]
#[command(after_long_help = DUPLICATES_JSON)]
pub struct DuplicatesArgs {
    /// Only this kind of record (Person, Company, Vehicle…)
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Only pairs with at least one member of this case
    #[arg(long = "case", value_name = "REF")]
    pub case: Option<String>,
    /// Lowest score listed, 0 to 1
    #[arg(long, value_name = "S", default_value_t = duplicates::DEFAULT_MIN_SCORE)]
    pub min_score: f64,
    /// How many candidates to list, best first
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
}

#[derive(Debug, Args)]
#[command(after_long_help = XREF_JSON)]
pub struct XrefArgs {
    /// A case's members against the rest of the store
    #[arg(long = "case", value_name = "REF", conflicts_with = "import")]
    pub case: Option<String>,
    /// What one import brought in (its audit entry number, printed at the end of the import;
    /// `liaison audit list` shows them) against what was there before
    #[arg(long, value_name = "ID")]
    pub import: Option<i64>,
    /// One office's statements (records it wrote to) against another's (with --against)
    #[arg(long, value_name = "OFFICE", requires = "against", conflicts_with_all = ["case", "import"])]
    pub office: Option<String>,
    /// The other office, for --office
    #[arg(long, value_name = "OFFICE", requires = "office")]
    pub against: Option<String>,
    /// Lowest score listed, 0 to 1
    #[arg(long, value_name = "S", default_value_t = duplicates::DEFAULT_MIN_SCORE)]
    pub min_score: f64,
    /// How many matches to list, best first
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
}

fn check(min_score: f64, limit: usize) -> CliResult {
    if !(0.0..=1.0).contains(&min_score) {
        return Err(CliError::Usage(format!("--min-score must be between 0 and 1, not {min_score}")));
    }
    if limit == 0 {
        return Err(CliError::Usage("--limit must be at least 1".into()));
    }
    Ok(())
}

fn check_kind(kind: Option<&str>) -> CliResult {
    if let Some(k) = kind {
        if !duplicates::KINDS.contains(&k) {
            return Err(CliError::Usage(format!(
                "--kind {}: duplicates are looked for among {}",
                safe(k),
                duplicates::KINDS.join(", ")
            )));
        }
    }
    Ok(())
}

pub fn duplicates(ctx: &Context, a: &DuplicatesArgs, json: bool) -> CliResult {
    check(a.min_score, a.limit)?;
    check_kind(a.kind.as_deref())?;
    let store = ctx.open()?;
    let case = a.case.as_deref().map(|r| store.case_id(r)).transpose()?;
    let scope = Scope {
        kind: a.kind.clone(),
        case,
        min_score: Some(a.min_score),
        limit: Some(a.limit),
        ..Scope::default()
    };
    let report = duplicates::candidates(&store, &scope)?;
    store.audit(
        "duplicates",
        &serde_json::json!({ "kind": a.kind, "case": case.map(|c| c.to_string()), "listed": report.candidates.len() }),
    )?;
    if json {
        return print_json(&report);
    }
    if report.candidates.is_empty() {
        println!("No duplicate candidates scoring {} or more.", a.min_score);
    }
    print_candidates(&report.candidates);
    print_blocking(&report.blocking);
    Ok(())
}

fn print_candidates(candidates: &[Candidate]) {
    for c in candidates {
        println!(
            "{:.2}  {} ({}, {})  ~  {} ({}, {})",
            c.score,
            safe(&c.a.caption),
            safe(&c.a.kind),
            c.a.id,
            safe(&c.b.caption),
            safe(&c.b.kind),
            c.b.id
        );
        if !c.reasons.is_empty() {
            println!("      {}", safe(&c.reasons.join("; ")));
        }
        if !c.contradictions.is_empty() {
            println!("      against: {}", safe(&c.contradictions.join("; ")));
        }
    }
}

fn print_blocking(b: &duplicates::BlockStats) {
    let skipped = if b.blocks_skipped > 0 {
        format!(
            "; {} keys shared by more than {} records were not compared on their own",
            b.blocks_skipped, b.max_block
        )
    } else {
        String::new()
    };
    println!("({} records, {} pairs compared{skipped})", b.records, b.comparisons);
}

pub fn xref(ctx: &Context, a: &XrefArgs, json: bool) -> CliResult {
    check(a.min_score, a.limit)?;
    let store = ctx.open()?;
    let result = match (&a.case, a.import, &a.office, &a.against) {
        (_, _, Some(office), Some(against)) => {
            if office.trim().eq_ignore_ascii_case(against.trim()) {
                return Err(CliError::Usage(format!(
                    "--office and --against name the same office ({}): name two offices",
                    safe(office)
                )));
            }
            xref::xref_offices(&store, office, against, Some(a.min_score), Some(a.limit))?
        }
        (Some(r), None, ..) => xref::xref_case(&store, store.case_id(r)?, Some(a.min_score), Some(a.limit))?,
        (None, Some(id), ..) => xref::xref_import(&store, id, Some(a.min_score), Some(a.limit))?,
        _ => {
            return Err(CliError::Usage(
                "xref needs --case REF, --import ID, or --office A --against B".into(),
            ));
        }
    };
    store.audit(
        "xref",
        &serde_json::json!({ "case": a.case, "import": a.import, "office": a.office, "against": a.against,
            "matched": result.matched_records }),
    )?;
    if json {
        return print_json(&result);
    }
    match (&result.import, &a.case) {
        (Some(i), _) => println!(
            "Import {} ({}, {}): {} people, companies or vehicles brought in, {} of them match records already held.",
            i.audit,
            safe(&i.what),
            i.at,
            i.record_count,
            result.matched_records
        ),
        (None, Some(r)) => {
            println!("{}: {} members match records outside the case.", safe(r), result.matched_records);
        }
        _ => {
            if let (Some(o), Some(b)) = (&a.office, &a.against) {
                println!(
                    "{}: {} records it wrote to match records {} wrote to.",
                    safe(o),
                    result.matched_records,
                    safe(b)
                );
            }
        }
    }
    print_candidates(&result.report.candidates);
    print_blocking(&result.report.blocking);
    Ok(())
}

/// The line that ends an import: how many of its records match records already held.
/// Nothing when the import wrote nothing or matches nothing.
pub fn import_matches_line(store: &Store) -> Option<String> {
    let entry = xref::latest_import(store).ok()??;
    // The cross-reference reads every person and company held: past this many records it
    // would add minutes to every import, so the import only says how to ask for it.
    const INLINE_UP_TO: i64 = 200_000;
    let records: i64 =
        store.conn().query_row("SELECT coalesce(max(n), 0) FROM object", [], |r| r.get(0)).ok()?;
    if records > INLINE_UP_TO {
        return Some(format!("Cross-reference it with what is held: liaison xref --import {entry}"));
    }
    let result = xref::xref_import(store, entry, None, None).ok()?;
    let n = result.matched_records;
    if n == 0 {
        return None;
    }
    let (s, verb) = if n == 1 { ("", "matches a record") } else { ("s", "match records") };
    Some(format!("{n} record{s} {verb} already held: liaison xref --import {entry}"))
}
