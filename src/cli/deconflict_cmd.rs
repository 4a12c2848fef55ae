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
use crate::store::deconfliction::Disclose;

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
        /// The joint operation this run is for: recorded on it (`case show`, `measures`);
        /// without --case, the operation's case takes part
        #[arg(long, value_name = "ID")]
        operation: Option<Uuid>,
        /// The bundle file to write
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Write a bundle to OFFICE carrying only the answers to its deconfliction requests
    /// (signed, addressed and numbered like any bundle; any bundle to OFFICE alone answers too). By default only what a bundle to OFFICE could carry takes part: the
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
        /// What each hit tells OFFICE of us: `case` (the reference of our case holding the
        /// selector), `contact`, both (`case,contact`) or `none` (default: the standing choice
        /// of `deconflict disclose`, else nothing)
        #[arg(long, value_delimiter = ',', value_parser = ["case", "contact", "none"])]
        disclose: Vec<String>,
        /// The contact disclosed (default: the standing one)
        #[arg(long, value_name = "TEXT")]
        contact: Option<String>,
    },
    /// Choose what this office's replies to OFFICE disclose with each hit, from now on: our
    /// case reference (`--case-ref`) and whom to contact (`--contact`). Neither: nothing.
    Disclose {
        #[arg(long = "with", value_name = "OFFICE")]
        with: String,
        /// Each hit names the reference of our case holding the selector
        #[arg(long)]
        case_ref: bool,
        /// Each hit names this contact (a name, a phone, a desk)
        #[arg(long, value_name = "TEXT")]
        contact: Option<String>,
    },
    /// Every run and every hit: the selector, our records holding it, the office that holds it too
    List,
}

/// What `office` reads with each hit, said as the analyst chose it.
fn disclosure_sentence(office: &str, d: &Disclose) -> String {
    let mut parts = Vec::new();
    if d.case {
        parts.push("the reference of your case holding it".to_owned());
    }
    if let Some(c) = &d.contact {
        parts.push(format!("the contact {:?}", safe(c)));
    }
    if parts.is_empty() {
        format!("{} learns which of its selectors you hold, and nothing else about them.", safe(office))
    } else {
        format!("{} reads, with each selector you both hold, {}.", safe(office), parts.join(" and "))
    }
}

fn case_ids(store: &Store, refs: &[String]) -> Result<Vec<Uuid>, CliError> {
    refs.iter().map(|r| Ok(store.case_id(r)?)).collect()
}

pub fn run(ctx: &Context, c: &DeconflictCommand, json: bool) -> CliResult {
    match c {
        DeconflictCommand::Request { with, cases, operation, output } => {
            let mut store = ctx.open()?;
            let mut cases = case_ids(&store, cases)?;
            if let Some(op) = operation {
                let Some(case) = store.operation_case(*op)? else {
                    return Err(CliError::Usage(format!(
                        "no joint operation with id {op} (`liaison case show REF` lists a case's operations)"
                    )));
                };
                if cases.is_empty() {
                    cases.push(case);
                } else if !cases.contains(&case) {
                    return Err(CliError::Usage(format!(
                        "operation {op} belongs to case {}, which is not among the --case given",
                        safe(&store.case_reference(case)?.unwrap_or_default())
                    )));
                }
            }
            let mut bar = Progress::new("writing the request", 0);
            let report = deconflict::request(
                &mut store,
                with,
                &cases,
                *operation,
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
        DeconflictCommand::Disclose { with, case_ref, contact } => {
            let store = ctx.open()?;
            if exchange::release::Destination::of_office(&store, with)?.is_none() {
                return Err(CliError::Usage(format!(
                    "no trusted office named {}: `liaison office list` shows them",
                    safe(with)
                )));
            }
            let contact = contact.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
            let choice = Disclose { case: *case_ref, contact };
            store.psi_set_disclose(with, &choice)?;
            if json {
                return print_json(&choice);
            }
            println!("{}", disclosure_sentence(with, &choice));
            Ok(())
        }
        DeconflictCommand::Reply { to, cases, output, disclose, contact } => {
            let mut store = ctx.open()?;
            let answer_for = case_ids(&store, cases)?;
            let disclose = if disclose.is_empty() {
                None
            } else {
                let standing = store.psi_disclose(to)?;
                let wants = |w: &str| disclose.iter().any(|d| d == w);
                let contact = if wants("contact") {
                    let c = contact.clone().or(standing.contact).filter(|c| !c.trim().is_empty());
                    if c.is_none() {
                        return Err(CliError::Usage(
                            "--disclose contact needs --contact TEXT (or a standing `deconflict disclose \
                             --with OFFICE --contact TEXT`)"
                                .into(),
                        ));
                    }
                    c
                } else {
                    None
                };
                Some(Disclose { case: wants("case"), contact })
            };
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
                blobs_only: true,
                disclose: disclose.clone(),
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
                "Wrote {}: answers {} deconfliction request(s) from {}, and nothing else (your next \
                 `export --to {}` carries the shared cases).",
                report.file.as_deref().unwrap_or(""),
                report.deconfliction_replies,
                safe(to),
                safe(to)
            );
            let used = match disclose {
                Some(d) => d,
                None => store.psi_disclose(to)?,
            };
            println!("  {}", disclosure_sentence(to, &used));
            Ok(())
        }
        DeconflictCommand::List => list(ctx, json),
    }
}

/// The command asking the office of hit `h` about it.
fn rfi_command(h: &crate::store::deconfliction::HitRow) -> String {
    let about = h.records.first().map_or_else(|| "ID".into(), ToString::to_string);
    let theirs = h.their_case.as_deref().map(|c| format!(" (your case {})", safe(c))).unwrap_or_default();
    format!(
        "liaison rfi new --to {} --about {about} --question \"We both hold {} {}{theirs}: what do you know?\"",
        safe(&h.office),
        h.kind,
        safe(&h.value)
    )
}

fn list(ctx: &Context, json: bool) -> CliResult {
    let store = ctx.open()?;
    let runs = store.psi_runs()?;
    let hits = store.psi_hits()?;
    store.audit("deconfliction list", &serde_json::json!({ "runs": runs.len(), "hits": hits.len() }))?;
    if json {
        // Each hit with the command that asks its office about it.
        let hits: Vec<serde_json::Value> = hits
            .iter()
            .map(|h| {
                let mut v = serde_json::to_value(h).unwrap_or_default();
                v["rfi_command"] = rfi_command(h).into();
                v
            })
            .collect();
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
        if h.their_case.is_some() || h.their_contact.is_some() {
            println!(
                "  {:<16} their case: {}  contact: {}",
                "",
                safe(h.their_case.as_deref().unwrap_or("-")),
                safe(h.their_contact.as_deref().unwrap_or("-"))
            );
        }
    }
    if let Some(h) = hits.first() {
        println!();
        println!("Ask them about a hit: {}", rfi_command(h));
    }
    Ok(())
}
