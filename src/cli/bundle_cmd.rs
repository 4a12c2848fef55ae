//! Bundles between offices: `import FILE`, `export --to OFFICE`, and the `office` and
//! `conflicts` command groups.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicBool;

use clap::Subcommand;

use super::output::{Progress, fit, print_json, safe};
use super::transfer::{ExportArgs, ImportArgs};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::exchange::export::Going;
use crate::exchange::{self, ExchangeError, ExportReport, ExportRequest, OfficeCard};
use crate::store::Store;
use crate::store::offices::TrustOutcome;

/// Turns an exchange failure into one line for the user.
pub(super) fn fail(e: ExchangeError) -> CliError {
    match e {
        ExchangeError::Store(s) => CliError::Store(s),
        e if e.is_rejection() => CliError::Other(format!("bundle rejected: {e}; nothing was changed")),
        e => CliError::Other(e.to_string()),
    }
}

pub fn import(ctx: &Context, a: &ImportArgs, json: bool) -> CliResult {
    if a.case.is_some()
        || a.source.is_some()
        || a.grade.is_some()
        || a.marking.is_some()
        || a.mapping.is_some()
    {
        return Err(CliError::Usage(
            "--case, --source, --grade, --marking and --mapping apply to --format imports; a bundle carries its own"
                .into(),
        ));
    }
    let mut store = ctx.open()?;
    let mut bar = Progress::new("importing", 0);
    let report = exchange::import(
        &mut store,
        &a.file,
        a.dry_run,
        &mut |d, t| bar.update(d, t),
        &AtomicBool::new(false),
    )
    .map_err(fail)?;
    bar.finish();
    if json {
        return print_json(&report);
    }
    // The sender's name and the report's lines may quote another office's data: `safe`.
    let from = safe(&report.from);
    if report.status == "already imported" {
        println!("Bundle {} from {from} was already imported: nothing changed.", report.sequence);
        return Ok(());
    }
    let verb = if a.dry_run { "Would import" } else { "Imported" };
    println!(
        "{verb} bundle {} from {from} ({} commits, {} ops: {} new, {} already held).",
        report.sequence, report.commits, report.ops, report.ops_new, report.ops_already_held
    );
    println!(
        "  records: {} new, {} updated, {} unchanged",
        report.records_new, report.records_updated, report.records_unchanged
    );
    if report.conflicts_new > 0 || report.conflicts_resolved > 0 {
        println!(
            "  conflicts: {} new, {} resolved, {} open (`liaison conflicts list`)",
            report.conflicts_new, report.conflicts_resolved, report.conflicts_open
        );
    }
    if report.acknowledged > 0 {
        println!("  {} of our bundles to {from} acknowledged", report.acknowledged);
    }
    for line in report.missing.iter().chain(&report.quarantined).chain(&report.skipped) {
        println!("  {}", safe(line));
    }
    for line in &report.audit_warnings {
        println!("  warning: {line}");
    }
    let d = &report.deconfliction;
    if d.requests > 0 {
        println!(
            "  {from} asks to deconflict: your next bundle to {from} answers (`liaison deconflict list`)"
        );
    }
    if d.replies > 0 {
        println!(
            "  deconfliction: {from} also holds {} of your selectors (`liaison deconflict list`)",
            d.hits.len()
        );
        for h in d.hits.iter().take(20) {
            println!("    {} {}", h.kind, safe(&h.value));
        }
    }
    for note in &d.notes {
        println!("  {}", safe(note));
    }
    super::watch_cmd::print_alerts(&report.watch_alerts);
    if !a.dry_run && report.ops_new > 0 {
        if let Some(line) = super::duplicates_cmd::import_matches_line(&store) {
            println!("  {line}");
        }
    }
    Ok(())
}

pub fn export(ctx: &Context, a: &ExportArgs, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    let case = a.case.as_deref().map(|r| store.case_id(r)).transpose()?;
    let req = ExportRequest {
        to: a.to.clone(),
        output: a.output.clone(),
        full: a.full,
        dry_run: a.dry_run,
        case,
        ..ExportRequest::default()
    };
    let mut bar = Progress::new("exporting", 0);
    let report = exchange::export(&mut store, &req, &mut |d, t| bar.update(d, t), &AtomicBool::new(false))
        .map_err(fail)?;
    bar.finish();
    if json {
        return print_json(&report);
    }
    for r in &report.recipients {
        println!(
            "{} {} (bundle {}): {} ops from cases {}{}",
            if report.dry_run { "Would send to" } else { "For" },
            safe(&r.office),
            r.sequence,
            r.ops,
            if r.cases.is_empty() {
                "(none shared)".to_owned()
            } else {
                safe(&r.cases.join(", ")).into_owned()
            },
            if r.full_history.is_empty() {
                String::new()
            } else {
                format!("; whole history of {}", safe(&r.full_history.join(", ")))
            }
        );
    }
    if report.dry_run {
        for (kind, n) in &report.by_kind {
            println!("  {:<16} {n:>8} records", safe(kind));
        }
        print_going(&store, &report)?;
    } else {
        println!(
            "Wrote {} ({} commits, {} ops, {} bytes).",
            report.file.as_deref().unwrap_or(""),
            report.commits,
            report.ops,
            report.bytes
        );
        if report.deconfliction_replies > 0 {
            println!("  It answers {} deconfliction request(s).", report.deconfliction_replies);
        }
    }
    if !report.withheld.is_empty() {
        let ops: u64 = report.recipients.iter().map(|r| r.withheld).sum();
        let listed: u64 = report.withheld.iter().map(|w| w.ops).sum();
        println!("Withheld {ops} ops by handling markings:");
        if listed < ops {
            println!(
                "  (the first {} values are listed; {} more ops were withheld)",
                report.withheld.len(),
                ops - listed
            );
        }
        for w in report.withheld.iter().take(if report.dry_run { usize::MAX } else { 20 }) {
            println!(
                "  to {:<14} {:<28} {:<14} {}",
                fit(&w.office, 14),
                fit(&format!("{} {}", w.schema, w.caption), 28),
                fit(&w.prop, 14),
                safe(&w.reason)
            );
        }
    }
    Ok(())
}

/// Records a text dry run lists; `--json` lists up to 10,000 and the counts are complete.
const DRY_RUN_LISTED: usize = 30;

/// The records a dry run would send, as an analyst checks them before the bundle leaves:
/// kind, caption and the shared case that carries each (existence is information too).
fn print_going(store: &Store, report: &ExportReport) -> CliResult {
    if report.going.is_empty() {
        println!("No record would go.");
        return Ok(());
    }
    let shared: BTreeSet<&str> =
        report.recipients.iter().flat_map(|r| r.cases.iter().map(String::as_str)).collect();
    let listed = report.going.len().min(DRY_RUN_LISTED);
    println!("Records that would go ({listed} of {}):", report.records);
    println!("  {:<14} {:<40} CASE", "KIND", "CAPTION");
    for g in report.going.iter().take(DRY_RUN_LISTED) {
        let kind = if g.schema.is_empty() { "(reference)" } else { g.schema.as_str() };
        let (caption, case) = going_row(store, g, &shared)?;
        println!("  {:<14} {:<40} {}", fit(kind, 14), fit(&caption, 40), safe(&case));
    }
    let rest = report.records.saturating_sub(listed as u64);
    if rest > 0 {
        println!("  … and {rest} more records (`--json` lists up to 10,000 of them)");
    }
    Ok(())
}

/// A going record's caption (a membership names its member) and the shared case(s) it
/// belongs to: a case is its own; members, notes, tasks and operations belong to theirs;
/// an entity to the shared cases it is a member of; a link to those of its ends; a source
/// goes because a value going cites it.
fn going_row(store: &Store, g: &Going, shared: &BTreeSet<&str>) -> CliResult<(String, String)> {
    let caption = if g.caption.is_empty() { g.record.to_string() } else { g.caption.clone() };
    let Ok(view) = store.entity(g.record, 0) else { return Ok((caption, "-".to_owned())) };
    let caption = match (&view.target, view.schema.as_str()) {
        (Some(member), "CaseMember") => format!("{} (member)", member.caption),
        _ => caption,
    };
    let reference = |id| store.case_reference(id).map(Option::unwrap_or_default);
    let memberships = |id| -> CliResult<Vec<String>> {
        Ok(store
            .entity(id, 0)
            .map(|v| v.cases)
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.reference)
            .filter(|r| shared.contains(r.as_str()))
            .collect())
    };
    let mut refs: Vec<String> = match view.schema.as_str() {
        "Case" => vec![reference(g.record)?],
        "CaseMember" | "Note" | "Task" | "Operation" => match &view.source {
            Some(case) => vec![reference(case.id)?],
            None => Vec::new(),
        },
        "Source" => return Ok((caption, "(cited by a value that goes)".to_owned())),
        _ => match (&view.source, &view.target) {
            (Some(a), Some(b)) => {
                let mut ends = memberships(a.id)?;
                ends.extend(memberships(b.id)?);
                ends
            }
            _ => memberships(g.record)?,
        },
    };
    refs.sort();
    refs.dedup();
    refs.retain(|r| !r.is_empty());
    Ok((caption, if refs.is_empty() { "-".to_owned() } else { refs.join(", ") }))
}

#[derive(Debug, Subcommand)]
pub enum OfficeCommand {
    /// Write this office's card (name, agency, country, device, public keys, fingerprint)
    Card {
        /// Write the card to FILE instead of printing it
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
    /// Trust another office from its card, once its fingerprint words are confirmed: typed
    /// at the terminal as the office reads them to you by telephone, or given with --expect
    Trust {
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// The fingerprint words the office read to you (for scripts; without a terminal
        /// nothing is trusted without them)
        #[arg(long, value_name = "WORDS")]
        expect: Option<String>,
        /// The fingerprint words of a new device of an office already trusted: without them a
        /// card with a known office's name (or one that looks like it) and new keys is refused
        #[arg(long, value_name = "FINGERPRINT")]
        add_device: Option<String>,
    },
    /// List trusted offices with what was last sent, received and acknowledged
    List {
        /// Skip counting what the next export to each office would carry (that count plans
        /// the export: seconds to minutes on a large store)
        #[arg(long)]
        no_pending: bool,
    },
    /// Revoke an office: its bundles are refused and nothing more is sent to it
    Revoke {
        #[arg(value_name = "NAME")]
        name: String,
    },
}

pub fn office(ctx: &Context, c: &OfficeCommand, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    match c {
        OfficeCommand::Card { output } => {
            let card = OfficeCard::of_store(&store);
            let text = card.to_file(&store.keys().signing_key());
            match output {
                Some(path) => {
                    std::fs::write(path, &text)?;
                    eprintln!("Wrote the card of {} to {}.", safe(&card.office), path.display());
                    eprintln!("Fingerprint: {}", card.fingerprint());
                }
                None => print!("{text}"),
            }
        }
        OfficeCommand::Trust { file, expect, add_device } => {
            let card = OfficeCard::read_file(file).map_err(fail)?;
            let words = confirm_fingerprint(&card, expect.as_deref())?;
            let outcome =
                exchange::card::trust_card(&mut store, &card, &words, add_device.as_deref()).map_err(fail)?;
            let office = safe(&card.office);
            match outcome {
                TrustOutcome::Added => println!("Trusted {office}: the fingerprint words matched."),
                TrustOutcome::AlreadyTrusted => println!("{office} was already trusted."),
                TrustOutcome::Retrusted => println!("{office} is trusted again."),
                TrustOutcome::DeviceAdded => {
                    // Under the trusted office's own name, which a look-alike card does not carry.
                    let devices = store.devices()?;
                    let trusted =
                        devices.iter().find(|d| d.id == card.device).map_or(&card.office, |d| &d.office);
                    println!(
                        "Added device {} to {}: later bundles to it are encrypted to this device too.",
                        card.device,
                        safe(trusted)
                    );
                }
            }
        }
        OfficeCommand::List { no_pending } => {
            let offices = exchange::offices(&store, !no_pending).map_err(fail)?;
            if json {
                return print_json(&offices);
            }
            println!(
                "{:<18} {:<18} {:<3} {:<8} {:>5} {:>5} {:>5} {:>9} {:>8}  CASES",
                "OFFICE", "AGENCY", "CC", "STATUS", "SENT", "RECV", "ACKED", "RESPONSE", "PENDING"
            );
            for o in &offices {
                let t = &o.traffic;
                println!(
                    "{:<18} {:<18} {:<3} {:<8} {:>5} {:>5} {:>5} {:>9} {:>8}  {}",
                    fit(&o.office, 18),
                    fit(&o.agency, 18),
                    safe(&o.country),
                    if o.revoked { "revoked" } else { "trusted" },
                    t.bundles_sent,
                    t.bundles_received,
                    t.bundles_acknowledged,
                    t.response_time.as_ref().map_or("-".to_owned(), |r| human_seconds(r.median_seconds)),
                    o.pending_ops.map_or("-".to_owned(), |p| p.to_string()),
                    safe(&o.shared_cases.join(", "))
                );
            }
            for o in offices.iter().filter(|o| o.audit_warning.is_some()) {
                println!("warning: {}", o.audit_warning.as_deref().unwrap_or_default());
            }
        }
        OfficeCommand::Revoke { name } => {
            let n = store.revoke_office(name)?;
            if n == 0 {
                return Err(CliError::Other(format!(
                    "no trusted office {name:?}: `liaison office list` shows them"
                )));
            }
            let name = safe(name);
            println!("Revoked {name} ({n} devices): its bundles are refused and nothing more is sent to it.");
        }
    }
    Ok(())
}

/// Shows the card's office, device and fingerprint words, then asks for the words as the
/// office reads them aloud — given with `--expect`, or typed at the terminal — which
/// [`exchange::card::trust_card`] compares before anything is trusted. Without a terminal and
/// without `--expect` it refuses: a card file alone proves nothing about who made it.
fn confirm_fingerprint(card: &OfficeCard, expect: Option<&str>) -> CliResult<String> {
    println!(
        "Office {} ({}, {}), device {}",
        safe(&card.office),
        safe(&card.agency),
        safe(&card.country),
        card.device
    );
    println!("Fingerprint: {}", card.fingerprint());
    match expect {
        Some(words) => Ok(words.to_owned()),
        None if std::io::stdin().is_terminal() => {
            println!(
                "Call {} on a number you already know and ask them to read their fingerprint words \
                 (`liaison office card` shows them).",
                safe(&card.office)
            );
            print!("Type the words they read (anything else refuses): ");
            std::io::stdout().flush()?;
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            Ok(line)
        }
        None => Err(CliError::Usage(format!(
            "nothing was trusted: the fingerprint words must be confirmed; run it at a terminal, \
             or pass --expect WORDS read to you by {}",
            card.office
        ))),
    }
}

/// "3 h 12 min", "45 s": a response time an analyst reads at a glance.
pub use crate::store::query::human_seconds;

/// `liaison conflicts [list|resolve …]`: alone it lists, as the README shows.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConflictsArgs {
    #[command(subcommand)]
    pub command: Option<ConflictsCommand>,
}

#[derive(Debug, Default, Subcommand)]
pub enum ConflictsCommand {
    /// List properties with competing values from different offices (what `liaison conflicts`
    /// alone does)
    #[default]
    List,
    /// Keep one of the competing values (the resolution travels to the other offices)
    Resolve {
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long, value_name = "VALUE")]
        keep: String,
    },
}

pub fn conflicts(ctx: &Context, c: &ConflictsCommand, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    match c {
        ConflictsCommand::List => {
            let list = exchange::list_conflicts(&store).map_err(fail)?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No conflicts.");
            }
            for cf in list {
                if cf.kind == "duplicate reference" {
                    println!(
                        "{}  case reference {} is held by {} cases:",
                        cf.id,
                        safe(&cf.caption),
                        cf.values.len()
                    );
                    for v in &cf.values {
                        println!(
                            "    {}  from {} at {}  {}",
                            safe(&v.value),
                            safe(&v.office),
                            safe(&v.recorded_at),
                            safe(&v.marking)
                        );
                    }
                    println!(
                        "    keep it on one: `liaison conflicts resolve {} --keep CASE-ID`; the others become \"{} (their office)\"",
                        cf.id,
                        safe(&cf.caption)
                    );
                    continue;
                }
                println!("{}  {} {} · {}", cf.id, safe(&cf.schema), safe(&cf.caption), safe(&cf.prop));
                for v in &cf.values {
                    println!(
                        "    {:<30} from {:<16} at {}  {}",
                        fit(&v.value, 30),
                        fit(&v.office, 16),
                        safe(&v.recorded_at),
                        safe(&v.marking)
                    );
                }
            }
        }
        ConflictsCommand::Resolve { id, keep } => {
            let cf = exchange::resolve_conflict(&mut store, id, keep).map_err(fail)?;
            if json {
                return print_json(&cf);
            }
            if cf.kind == "duplicate reference" {
                println!(
                    "Case reference {} stays with case {}; the other cases are renamed after their office. \
                     The renames go with the next bundles.",
                    safe(&cf.caption),
                    safe(keep)
                );
            } else {
                println!(
                    "Kept {keep:?} for {} {} · {}; the resolution goes with the next bundles.",
                    safe(&cf.schema),
                    safe(&cf.caption),
                    safe(&cf.prop)
                );
            }
        }
    }
    Ok(())
}
