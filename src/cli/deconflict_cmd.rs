//! `liaison deconflict`: does another office hold our targets? Without either office handing
//! over its list (`docs/deconfliction.md`).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Subcommand;
use uuid::Uuid;

use super::bundle_cmd::fail;
use super::output::{Progress, fit, print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::exchange::deconflict;
use crate::exchange::{self, ExportRequest};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum DeconflictCommand {
    /// Write a bundle to OFFICE asking which of our selectors it also holds (phones, IBANs,
    /// plates, e-mails, document numbers, wallets, person name + date of birth). OFFICE learns
    /// how many selectors we sent, nothing else; its reply comes with its next bundle to us.
    Request {
        /// The office to ask (one you trust)
        #[arg(long = "with", value_name = "OFFICE")]
        with: String,
        /// Only the selectors of these cases' members (default: every entity of the store)
        #[arg(long = "case", value_name = "REF")]
        cases: Vec<String>,
        /// The bundle file to write
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Write a bundle to OFFICE answering its deconfliction requests (any bundle to OFFICE
    /// alone does too). By default only what a bundle to OFFICE could carry takes part: the
    /// members of cases shared with it, as the handling markings allow; naming cases answers
    /// for those cases whatever their markings (your choice).
    Reply {
        #[arg(long = "to", value_name = "OFFICE")]
        to: String,
        /// Answer for these cases' members
        #[arg(long = "case", value_name = "REF")]
        cases: Vec<String>,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Every run and every hit: the selector, our records holding it, the office that holds it too
    List,
}

fn case_ids(store: &Store, refs: &[String]) -> Result<Vec<Uuid>, CliError> {
    refs.iter().map(|r| Ok(store.case_id(r)?)).collect()
}

pub fn run(ctx: &Context, c: &DeconflictCommand, json: bool) -> CliResult {
    match c {
        DeconflictCommand::Request { with, cases, output } => {
            let mut store = ctx.open()?;
            let cases = case_ids(&store, cases)?;
            let mut bar = Progress::new("writing the request", 0);
            let report = deconflict::request(
                &mut store,
                with,
                &cases,
                output.clone(),
                &mut |d, t| bar.update(d, t),
                &AtomicBool::new(false),
            )
            .map_err(fail)?;
            bar.finish();
            if json {
                return print_json(&report);
            }
            let kinds: Vec<String> = report.by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
            println!(
                "Wrote {}: a deconfliction request to {} over {} selectors ({}).",
                report.bundle.file.as_deref().unwrap_or(""),
                safe(with),
                report.selectors,
                kinds.join(", ")
            );
            println!("  {} learns how many selectors you sent and nothing else.", safe(with));
            println!("  Import its next bundle to read which of them it holds: `liaison deconflict list`.");
            Ok(())
        }
        DeconflictCommand::Reply { to, cases, output } => {
            let mut store = ctx.open()?;
            let answer_for = case_ids(&store, cases)?;
            if store.psi_waiting(to)?.is_empty() {
                return Err(CliError::Usage(format!(
                    "{} has no deconfliction request waiting for an answer (`liaison deconflict list`)",
                    safe(to)
                )));
            }
            let req = ExportRequest {
                to: vec![to.clone()],
                output: output.clone(),
                answer_for,
                ..ExportRequest::default()
            };
            let mut bar = Progress::new("writing the reply", 0);
            let report =
                exchange::export(&mut store, &req, &mut |d, t| bar.update(d, t), &AtomicBool::new(false))
                    .map_err(fail)?;
            bar.finish();
            if json {
                return print_json(&report);
            }
            println!(
                "Wrote {}: answers {} deconfliction request(s) from {} ({} ops of shared cases go with it).",
                report.file.as_deref().unwrap_or(""),
                report.deconfliction_replies,
                safe(to),
                report.ops
            );
            Ok(())
        }
        DeconflictCommand::List => list(ctx, json),
    }
}

fn list(ctx: &Context, json: bool) -> CliResult {
    let store = ctx.open()?;
    let runs = store.psi_runs()?;
    let hits = store.psi_hits()?;
    store.audit("deconfliction list", &serde_json::json!({ "runs": runs.len(), "hits": hits.len() }))?;
    if json {
        return print_json(&serde_json::json!({ "runs": runs, "hits": hits }));
    }
    if runs.is_empty() {
        println!("No deconfliction yet: `liaison deconflict request --with OFFICE -o FILE` asks one.");
        return Ok(());
    }
    println!("{:<9} {:<20} {:<20} {:>9}  outcome", "run", "office", "when", "selectors");
    for r in &runs {
        let outcome = match (r.direction.as_str(), &r.replied_at, r.hits) {
            ("asked", Some(at), Some(h)) => format!("{h} hits, replied {at}"),
            ("asked", _, _) => "waiting for the reply".to_owned(),
            ("answered", Some(at), _) => format!("they asked; answered {at}"),
            _ => "they asked; their next bundle from us answers".to_owned(),
        };
        println!("{:<9} {:<20} {:<20} {:>9}  {outcome}", &r.run[..8], fit(&r.office, 20), r.at, r.selectors);
    }
    if !hits.is_empty() {
        println!();
        println!("Held by the other office too:");
    }
    for h in &hits {
        let records: Vec<String> = h
            .records
            .iter()
            .map(|id| match store.record_label(*id) {
                Ok(Some((schema, caption))) => format!("{} {} ({id})", schema, safe(&caption)),
                _ => id.to_string(),
            })
            .collect();
        println!(
            "  {:<16} {:<24} {:<16} ours: {}",
            h.kind,
            fit(&h.value, 24),
            fit(&h.office, 16),
            records.join("; ")
        );
    }
    if let Some(h) = hits.first() {
        println!();
        println!(
            "Ask them about a hit: liaison rfi new --to {} --case REF --about {} --question \"…\"",
            safe(&h.office),
            h.records.first().map_or_else(|| "ID".into(), ToString::to_string)
        );
    }
    Ok(())
}
