//! `liaison undo` and `liaison history`: this device's writes, and taking them back.

use clap::Args;

use super::output::{print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::store::change::{Change, Face};

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Undo this store's last N writes (default: the last one); undos and writes already
    /// undone are not counted
    #[arg(long, value_name = "N", conflicts_with = "commit")]
    pub last: Option<u32>,
    /// Undo this commit (its number in `liaison history`; repeat for several)
    #[arg(long, value_name = "N")]
    pub commit: Vec<u64>,
    /// Only list what would be undone
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Commits listed, newest first
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

pub fn undo(ctx: &Context, a: &UndoArgs, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    let commits = if a.commit.is_empty() { store.undoable(a.last.unwrap_or(1))? } else { a.commit.clone() };
    if commits.is_empty() {
        return Err(CliError::Usage("nothing to undo: this store has no write left to take back".into()));
    }
    // Listed first, always: the analyst sees what goes before it goes.
    let plan = store.undo_preview(&commits)?;
    if json && a.dry_run {
        return print_json(&plan);
    }
    let numbers: Vec<String> = commits.iter().map(|c| format!("#{c}")).collect();
    let head = if a.dry_run { "Would undo" } else { "Undoing" };
    if !json {
        println!("{head} {}:", numbers.join(", "));
        for line in &plan.description {
            println!("  - {}", safe(line));
        }
    }
    if a.dry_run {
        println!("(--dry-run: nothing changed)");
        return Ok(());
    }
    let applied = store.apply(Change::Undo { commits }, Face::Cli)?;
    if json {
        return print_json(&serde_json::json!({
            "commits": plan.commits,
            "description": plan.description,
            "ops": applied.summary.ops,
        }));
    }
    println!(
        "Done ({} change{} written).",
        applied.summary.ops,
        if applied.summary.ops == 1 { "" } else { "s" }
    );
    Ok(())
}

pub fn history(ctx: &Context, a: &HistoryArgs, json: bool) -> CliResult {
    let store = ctx.open()?;
    let entries = store.history(a.limit)?;
    if json {
        return print_json(&entries);
    }
    for e in &entries {
        let mut note = String::new();
        if let Some(by) = e.undone_by {
            note = format!("  [undone by #{by}]");
        } else if !e.undoes.is_empty() {
            let undid: Vec<String> = e.undoes.iter().map(|c| format!("#{c}")).collect();
            note = format!("  [undo of {}]", undid.join(", "));
        }
        println!("#{:<5} {}  {}{note}", e.seq, e.at, safe(&e.summary()));
    }
    Ok(())
}
