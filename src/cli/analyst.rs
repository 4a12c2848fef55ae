//! `liaison analyst add|list`: the analysts who work on this store (issue 10 §3).

use clap::Subcommand;

use super::CliResult;
use super::output::{print_json, safe};
use super::unlock::Context;

#[derive(Debug, Subcommand)]
pub enum AnalystCommand {
    /// Add an analyst to this store (they then work with --analyst NAME or LIAISON_ANALYST)
    Add {
        /// The analyst's name as colleagues know it (e.g. "Capt. Martin")
        name: String,
    },
    /// List the analysts of this store
    List,
}

pub fn run(ctx: &Context, c: &AnalystCommand, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    match c {
        AnalystCommand::Add { name } => {
            let name = store.add_analyst(name)?;
            if json {
                print_json(&serde_json::json!({ "name": name }))?;
            } else {
                println!("Added analyst {} (work as them with --analyst or LIAISON_ANALYST).", safe(&name));
            }
        }
        AnalystCommand::List => {
            let all = store.analysts()?;
            if json {
                print_json(&all)?;
            } else {
                let me = store.analyst();
                for a in &all {
                    let mark = if me == Some(a.name.as_str()) { "  (this session)" } else { "" };
                    println!("{}  added {}{mark}", safe(&a.name), safe(&a.added_at));
                }
            }
        }
    }
    Ok(())
}
