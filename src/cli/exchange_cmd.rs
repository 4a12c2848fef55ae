//! `liaison exchange watch --dir DIR`: exchange through a shared folder without anyone
//! carrying files (`exchange::dropbox`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;

use super::bundle_cmd::fail;
use super::output::{print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::exchange::dropbox;

#[derive(Debug, Subcommand)]
pub enum ExchangeCommand {
    /// Import every bundle for this office that appears in DIR/in (refused ones go to
    /// DIR/refused with the reason) and write this office's pending bundles to DIR/out, every
    /// INTERVAL until stopped. Safe beside the workbench; resumes after a crash without
    /// importing or writing anything twice.
    Watch {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Time between rounds: 30s, 1m, 15m, 1h
        #[arg(long, default_value = "1m")]
        interval: String,
        /// One round, then exit (for cron and scripts)
        #[arg(long)]
        once: bool,
    },
}

fn parse_interval(s: &str) -> Result<Duration, CliError> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 =
        n.parse().map_err(|_| CliError::Usage(format!("--interval {s:?}: write e.g. 30s, 1m, 1h")))?;
    let seconds = match unit {
        "s" | "" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(CliError::Usage(format!("--interval {s:?}: write e.g. 30s, 1m, 1h"))),
    };
    if seconds == 0 {
        return Err(CliError::Usage("--interval must be at least 1s".into()));
    }
    Ok(Duration::from_secs(seconds))
}

pub fn run(ctx: &Context, c: &ExchangeCommand, json: bool) -> CliResult {
    let ExchangeCommand::Watch { dir, interval, once } = c;
    let every = parse_interval(interval)?;
    let mut store = ctx.open()?;
    loop {
        let round = dropbox::round(&mut store, dir).map_err(fail)?;
        let at = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
        if json {
            print_json(&round)?;
        } else {
            for (f, from, ops) in &round.imported {
                println!("{at} imported {} from {} ({ops} new ops)", safe(f), safe(from));
            }
            for f in &round.already {
                println!("{at} {} was already imported: moved to done/", safe(f));
            }
            for (f, why) in &round.refused {
                println!("{at} refused {}: {} (moved to refused/)", safe(f), safe(why));
            }
            for (f, to, ops) in &round.written {
                println!("{at} wrote {} for {} ({ops} ops)", safe(f), safe(to));
            }
        }
        if *once {
            return Ok(());
        }
        std::thread::sleep(every);
    }
}
