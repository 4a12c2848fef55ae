//! `liaison demo` and `liaison generate`.

use std::io::IsTerminal;

use age::secrecy::SecretString;
use clap::Args;

use super::CliResult;
use super::output::{Progress, print_json};
use super::unlock::{Context, demo_store_dir};
use crate::store::{Office, Store};
use crate::synth::demo::{self, DEMO_PASSPHRASE};
use crate::synth::{GenerateOptions, generate as run_generate};

/// The demo store's passphrase is part of its help: an analyst who opens the demo later (or
/// in the workbench's unlock screen) has to find it without reading the source.
#[derive(Debug, Args)]
#[command(after_help = format!(
    "The demo store's passphrase is \"{DEMO_PASSPHRASE}\". The store is made the first time, in its \
     own folder (or --store DIR); `liaison demo` opens it again without asking, and \
     \"{DEMO_PASSPHRASE}\" unlocks it anywhere a passphrase is asked. It holds only invented data."
))]
pub struct DemoArgs {
    /// Print a summary instead of opening the workbench
    #[arg(long)]
    pub no_tui: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many entities (each with about five links)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=5_000_000))]
    pub entities: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Prefix of the generated case references
    #[arg(long, default_value = "GEN")]
    pub case_prefix: String,
}

/// Opens the demo store, creating it the first time.
pub fn open_demo(ctx: &Context) -> CliResult<Store> {
    let dir = ctx.store_dir.clone().unwrap_or_else(demo_store_dir);
    let pass = SecretString::from(DEMO_PASSPHRASE.to_owned());
    if Store::exists(&dir) {
        super::unlock::announce_upgrades();
        return Ok(Store::open_as(&dir, &pass, ctx.who())?);
    }
    eprintln!("Creating the demo store in {} (passphrase: {DEMO_PASSPHRASE}) …", dir.display());
    // Built beside its final place and renamed when complete, so an interrupted first run
    // never leaves a half-made demo behind.
    let partial = dir.with_extension("partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    let office =
        Office { name: "PJ Marseille".into(), agency: "Police Judiciaire".into(), country: "FR".into() };
    {
        // The demo's data names whoever made it, like any store's first writes.
        let analyst = ctx.analyst.clone().unwrap_or_else(super::unlock::os_user);
        let mut store = Store::create_as(&partial, &pass, &office, &analyst, |_| Ok(()))?;
        let mut bar = Progress::new("demo", 4);
        demo::build(&mut store, &mut |d, t| bar.update(d, t))?;
        bar.finish();
    }
    std::fs::rename(&partial, &dir)?;
    Ok(Store::open_as(&dir, &pass, ctx.who())?)
}

pub fn demo(ctx: &Context, a: &DemoArgs, json: bool) -> CliResult {
    let store = open_demo(ctx)?;
    // The workbench needs a terminal; scripts and pipes get the summary.
    if !a.no_tui && !json && std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        return crate::tui::run(store).map_err(|e| super::CliError::Other(format!("workbench: {e}")));
    }
    let stats = store.stats()?;
    if json {
        return print_json(&stats);
    }
    println!("Demo store {} (passphrase: {DEMO_PASSPHRASE})", store.dir().display());
    println!("{} entities, {} links, {} cases", stats.entities, stats.links, stats.cases);
    for c in store.cases(&crate::store::query::CaseFilter { limit: 50, ..Default::default() })? {
        println!("  {:<18} {:<18} {:<24} {}", c.reference, c.lead_office, c.marking, c.title);
    }
    Ok(())
}

pub fn generate(ctx: &Context, a: &GenerateArgs) -> CliResult {
    let mut store = ctx.open()?;
    let started = std::time::Instant::now();
    let mut bar = Progress::new("generating", a.entities);
    let opts = GenerateOptions { entities: a.entities, seed: a.seed, case_prefix: a.case_prefix.clone() };
    let s = run_generate(&mut store, &opts, &mut |d, t| bar.update(d, t))?;
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Generated {} entities, {} links, {} cases ({} ops) in {:.1} s: {:.0} entities/s, {:.0} ops/s.",
        s.entities,
        s.links,
        s.cases,
        s.ops,
        secs,
        s.entities as f64 / secs,
        s.ops as f64 / secs
    );
    Ok(())
}
