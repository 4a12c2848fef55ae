//! `liaison rfi`: requests for information between offices — asked, answered with records
//! attached, closed — travelling with the case they concern; `measures` counts their
//! turnaround against the task force's 12-hour target.

use clap::Subcommand;
use uuid::Uuid;

use super::output::{fit, print_json, safe, safe_lines};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::exchange::release::{Destination, ReleaseContext};
use crate::store::change::{Change, Face, RfiChange};
use crate::store::rfi::{RfiFilter, RfiRow};
use crate::store::{Provenance, Store};

#[derive(Debug, Subcommand)]
pub enum RfiCommand {
    /// Ask another office: travels with the case (shared with that office) in the next bundle,
    /// or, with no case, on its own to OFFICE alone with the records it is about (those OFFICE
    /// may have under their markings), marked no lower than they are
    New {
        /// The office asked
        #[arg(long = "to", value_name = "OFFICE")]
        to: String,
        /// The case it concerns (shared with OFFICE); none: the request travels on its own
        #[arg(long = "case", value_name = "REF")]
        case: Option<String>,
        #[arg(long)]
        question: String,
        /// Records the question is about (repeat)
        #[arg(long = "about", value_name = "ID")]
        about: Vec<Uuid>,
        #[arg(long, value_parser = ["routine", "urgent", "immediate"], default_value = "routine")]
        priority: String,
        /// Answer needed by (a date, or a date and time)
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
    },
    /// Requests asked and received, overdue and due first
    List {
        /// Only those not closed
        #[arg(long)]
        open: bool,
        /// Only those other offices asked us
        #[arg(long, conflicts_with = "outgoing")]
        incoming: bool,
        /// Only those we asked
        #[arg(long)]
        outgoing: bool,
    },
    /// One request with its answers and every step's time
    Show {
        id: Uuid,
    },
    /// Answer a request; attached records join its case and travel under their own markings
    Answer {
        id: Uuid,
        #[arg(long)]
        text: String,
        #[arg(long = "attach", value_name = "ID")]
        attach: Vec<Uuid>,
    },
    /// Close a request this office asked (records when its answer arrived)
    Close {
        id: Uuid,
    },
    Reopen {
        id: Uuid,
    },
}

pub fn run(ctx: &Context, c: &RfiCommand, json: bool) -> CliResult {
    let change = match c {
        RfiCommand::List { open, incoming, outgoing } => {
            let filter = RfiFilter {
                open_only: *open,
                incoming: if *incoming {
                    Some(true)
                } else if *outgoing {
                    Some(false)
                } else {
                    None
                },
            };
            return list(ctx, filter, json);
        }
        RfiCommand::Show { id } => return show(ctx, *id, json),
        RfiCommand::New { to, case: None, question, about, priority, due } => {
            if question.trim().is_empty() {
                return Err(CliError::Usage("--question is empty".into()));
            }
            let store = ctx.open()?;
            entitled(&store, to, about)?;
            drop(store);
            RfiChange::AskOffice {
                to: to.clone(),
                question: question.clone(),
                about: about.clone(),
                priority: Some(priority.clone()),
                due: due.clone(),
                prov: Provenance::default(),
            }
        }
        RfiCommand::New { to, case: Some(case), question, about, priority, due } => {
            let store = ctx.open()?;
            let case = store.case_id(case)?;
            drop(store);
            if question.trim().is_empty() {
                return Err(CliError::Usage("--question is empty".into()));
            }
            RfiChange::Ask {
                case,
                to: to.clone(),
                question: question.clone(),
                about: about.clone(),
                priority: Some(priority.clone()),
                due: due.clone(),
                prov: Provenance::default(),
            }
        }
        RfiCommand::Answer { id, text, attach } => {
            if text.trim().is_empty() {
                return Err(CliError::Usage("--text is empty".into()));
            }
            // Outside a case the attachments go to the asking office on their own: only
            // what it may have under their markings.
            let store = ctx.open()?;
            let asked = store.rfis(RfiFilter::default())?.into_iter().find(|r| r.id == *id);
            if let Some(r) = asked.filter(|r| r.case.is_empty() && r.direction == "incoming") {
                entitled(&store, &r.from_office, attach)?;
            }
            drop(store);
            RfiChange::Answer {
                rfi: *id,
                text: text.clone(),
                attach: attach.clone(),
                prov: Provenance::default(),
            }
        }
        RfiCommand::Close { id } => RfiChange::Close { rfi: *id },
        RfiCommand::Reopen { id } => RfiChange::Reopen { rfi: *id },
    };
    let mut store = ctx.open()?;
    let applied = store.apply(Change::Rfi(Box::new(change)), Face::Cli)?;
    if json {
        return print_json(&serde_json::json!({ "id": applied.id, "message": applied.message }));
    }
    println!("{}", safe(&applied.message));
    if let Some(id) = applied.id {
        println!("{id}");
    }
    Ok(())
}

/// A request outside any case takes the records it is about to `to`: refuses, naming the
/// record and the reason, unless `to` may have every value of each under its marking (the
/// rules an export applies, `exchange::release`). The export checks again, value by value.
fn entitled(store: &Store, to: &str, about: &[Uuid]) -> CliResult {
    let Some(dest) = Destination::of_office(store, to)? else {
        return Err(CliError::Usage(format!(
            "no trusted office named {}: `liaison office list` shows the offices you trust",
            safe(to)
        )));
    };
    let context = ReleaseContext::load(store)?;
    for record in about {
        let Some((schema, caption)) = store.record_label(*record)? else {
            return Err(CliError::Usage(format!("no record with id {record} to ask about")));
        };
        for (marking, case, author) in store.record_statements(*record)? {
            if let Err(why) = context.check(&marking, case, author, &dest) {
                return Err(CliError::Usage(format!(
                    "{schema} {} ({record}) cannot go to {} outside a shared case: {why}. Share it first \
                     (`liaison case share REF --with {}` for a case holding it) and ask with --case REF, \
                     or ask without --about",
                    safe(&caption),
                    safe(to),
                    safe(to)
                )));
            }
        }
    }
    Ok(())
}

fn list(ctx: &Context, filter: RfiFilter, json: bool) -> CliResult {
    let store = ctx.open()?;
    let rows = store.rfis(filter)?;
    store.audit("rfi list", &serde_json::json!({ "listed": rows.len() }))?;
    if json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        println!("No request for information.");
    }
    for r in &rows {
        println!(
            "{}{:<8} {:<9} {:<18} {:<9} {:<10} {}  {}",
            if r.overdue { "OVERDUE " } else { "" },
            &r.id.to_string()[..8],
            r.direction,
            fit(if r.direction == "outgoing" { &r.to_office } else { &r.from_office }, 18),
            r.priority,
            r.status,
            r.due.as_deref().map(|d| format!("due {d}")).unwrap_or_default(),
            fit(&r.question, 50)
        );
    }
    Ok(())
}

fn show(ctx: &Context, id: Uuid, json: bool) -> CliResult {
    let store = ctx.open()?;
    let row: RfiRow =
        store.rfis(RfiFilter::default())?.into_iter().find(|r| r.id == id).ok_or_else(|| {
            CliError::Store(crate::store::StoreError::NotFound(format!("no request with id {id}")))
        })?;
    store.audit("rfi show", &serde_json::json!({ "rfi": id.to_string() }))?;
    if json {
        return print_json(&row);
    }
    println!(
        "{} — {} asks {} ({}, {})",
        row.id,
        safe(&row.from_office),
        safe(&row.to_office),
        row.priority,
        row.status
    );
    if row.case.is_empty() {
        println!(
            "no case: travels on its own between {} and {}",
            safe(&row.from_office),
            safe(&row.to_office)
        );
    } else {
        println!("case {}", safe(&row.case));
    }
    println!("{}", safe_lines(&row.question));
    let step = |label: &str, v: &Option<String>| println!("  {label:<16} {}", v.as_deref().unwrap_or("-"));
    step("asked", &Some(row.asked_at.clone()));
    step("due", &row.due);
    step("answered", &row.answered_at);
    step("answer received", &row.answer_received_at);
    step("closed", &row.closed_at);
    if let Some(s) = row.turnaround_seconds {
        println!("  turnaround       {}", super::bundle_cmd::human_seconds(s));
    }
    for a in &row.answers {
        println!("\nanswer by {} at {}:", safe(&a.office), a.answered_at);
        println!("{}", safe_lines(&a.text));
        for r in &a.attachments {
            let label = store.record_label(*r)?.map(|(s, c)| format!("{s} {}", safe(&c))).unwrap_or_default();
            println!("  attached: {label} ({r})");
        }
    }
    Ok(())
}
