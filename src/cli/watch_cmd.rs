//! `liaison watch`: tell me the moment this plate shows up. Alerts are raised by every write
//! (a file import, a bundle, an analyst's entry) and shown by imports, `watch alerts` and the
//! workbench.

use clap::Subcommand;

use super::output::{fit, print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::model::selector::SelectorKind;
use crate::store::watch::Alert;

#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Watch a selector (phone, IBAN, plate, e-mail, document number, wallet) or a record id.
    /// What the store already holds is listed as such; only what arrives later alerts.
    Add {
        /// The value as you have it ("AB-123-CD", "+33 6 12 34 56 78") or a record's id
        #[arg(value_name = "SELECTOR|ID")]
        selector: String,
        /// Why it is watched (shown with its alerts)
        #[arg(long)]
        note: Option<String>,
        /// Read the value as this kind only: phone, iban, plate, email, document, wallet
        /// (default: every kind it can be)
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
    },
    /// What is watched, with its alerts so far
    List,
    /// Stop watching (the value as added, or its number in `watch list`)
    Remove {
        #[arg(value_name = "SELECTOR|N")]
        selector: String,
    },
    /// The alerts, newest first
    Alerts {
        /// Also what the store held when each watch was added
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

pub fn run(ctx: &Context, c: &WatchCommand, json: bool) -> CliResult {
    match c {
        WatchCommand::Add { selector, note, kind } => {
            let kind = kind
                .as_deref()
                .map(|k| {
                    SelectorKind::from_name(k).ok_or_else(|| {
                        CliError::Usage(format!(
                            "--kind {k}: one of phone, iban, plate, email, document, wallet"
                        ))
                    })
                })
                .transpose()?;
            let mut store = ctx.open()?;
            let entry = store.watch_add(selector, kind, note.as_deref().unwrap_or(""))?;
            if json {
                return print_json(&entry);
            }
            println!(
                "Watching {} (as {}). Already held: {} statement(s){}.",
                safe(&entry.typed),
                entry.kinds.join(", "),
                entry.already_held,
                if entry.already_held > 0 { " (`liaison watch alerts --all`)" } else { "" }
            );
            Ok(())
        }
        WatchCommand::List => {
            let store = ctx.open()?;
            let list = store.watch_list()?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("Nothing is watched: `liaison watch add SELECTOR|ID`.");
            }
            for w in &list {
                println!(
                    "{:>4}  {:<28} {:<22} {:>3} alert(s)  {}",
                    w.n,
                    fit(&w.typed, 28),
                    w.kinds.join(","),
                    w.alerts,
                    safe(&w.note)
                );
            }
            Ok(())
        }
        WatchCommand::Remove { selector } => {
            let mut store = ctx.open()?;
            store.watch_remove(selector)?;
            if !json {
                println!("No longer watching {}.", safe(selector));
            }
            Ok(())
        }
        WatchCommand::Alerts { all, limit } => {
            let store = ctx.open()?;
            let alerts = store.watch_alerts(*all, *limit)?;
            store.audit("watch alerts", &serde_json::json!({ "listed": alerts.len() }))?;
            if json {
                return print_json(&alerts);
            }
            if alerts.is_empty() {
                println!("No alert.");
            }
            print_alerts(&alerts);
            Ok(())
        }
    }
}

/// One line per alert, as imports end with them.
pub fn print_alerts(alerts: &[Alert]) {
    for a in alerts.iter().take(50) {
        println!(
            "  ALERT watched {} {}: {} {} ({}) — {} [{}]",
            a.kind,
            safe(&a.watched),
            safe(&a.schema),
            safe(&a.caption),
            a.record,
            safe(&a.value),
            safe(&a.via)
        );
    }
    if alerts.len() > 50 {
        println!("  … and {} more (`liaison watch alerts`)", alerts.len() - 50);
    }
}
