//! The command line: one file per command group. Every read command takes `--json` and then
//! prints one stable JSON document on stdout; human text otherwise. Errors are one line on
//! stderr with a non-zero exit code (1 failure, 2 usage, 3 wrong passphrase).

mod analyst;
mod bundle_cmd;
mod case;
mod chart_cmd;
mod completions;
mod deconflict_cmd;
mod duplicates_cmd;
mod entity;
mod exchange_cmd;
mod interop_cmd;
mod neighbours_cmd;
mod network_cmd;
mod output;
mod path_cmd;
mod read;
mod rfi_cmd;
mod store_cmd;
mod synth_cmd;
mod transfer;
mod undo;
mod unlock;
// Judgements: same / not same / unsure (issue 13).
mod judge_cmd;
mod watch_cmd;
// Unlock once for many commands (issue 12).
mod agent_cmd;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use unlock::{default_store_dir, demo_store_dir};

use crate::store::StoreError;

#[derive(Debug, Parser)]
#[command(name = "liaison", version, about = "Encrypted, offline-first workbench for task-force analysts")]
pub struct Cli {
    /// Store folder (default: the platform data folder)
    #[arg(long, global = true, env = "LIAISON_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Read the passphrase from the first line of FILE (never pass it as an argument)
    #[arg(long, global = true, env = "LIAISON_PASSPHRASE_FILE", value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Print stable JSON instead of text (read commands)
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is working: one of the store's analysts (`liaison analyst list`); needed when the
    /// store has several
    #[arg(long, global = true, env = "LIAISON_ANALYST", value_name = "NAME")]
    pub analyst: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new encrypted store
    Init(store_cmd::InitArgs),
    /// Change the store's passphrase (rewrites only the keystore)
    Passwd(store_cmd::PasswdArgs),
    /// Create (once) and open the demo investigation
    Demo(synth_cmd::DemoArgs),
    /// Fill the store with synthetic data at scale
    Generate(synth_cmd::GenerateArgs),
    /// Cases: create, list, show, add members, write notes
    #[command(subcommand)]
    Case(case::CaseCommand),
    /// Entities: create, show, edit, delete
    #[command(subcommand)]
    Entity(entity::EntityCommand),
    /// Relationships between entities
    #[command(subcommand)]
    Link(entity::LinkCommand),
    /// Full-text search over names, identifiers and notes
    Search(read::SearchArgs),
    /// Who is central in a case's network: links, brokers (betweenness), closeness, components
    Network(network_cmd::NetworkArgs),
    /// A link chart of a case (or of one entity's neighbourhood) as an SVG to brief with
    Chart(chart_cmd::ChartArgs),
    /// How two entities are connected: the shortest chains of links, each hop with its kind, dates, grade and source
    Path(path_cmd::PathArgs),
    /// The entities within N links of one, with counts per kind
    Neighbours(neighbours_cmd::NeighboursArgs),
    /// Dated items of a case, an entity or the whole store
    Timeline(read::TimelineArgs),
    /// Counts and the task force's outcome measures
    Stats,
    /// The task force's measures month by month: sharing response time, joint operations, networks disrupted
    Measures(read::MeasuresArgs),
    /// The audit log
    #[command(subcommand)]
    Audit(store_cmd::AuditCommand),
    /// The analysts who work on this store: add, list
    #[command(subcommand)]
    Analyst(analyst::AnalystCommand),
    /// Store maintenance
    #[command(subcommand, name = "store")]
    StoreCmd(store_cmd::StoreCommand),
    /// Import a bundle from another office, or another tool's file (format told from the file, or --format)
    Import(transfer::ImportArgs),
    /// Export a bundle for other offices, or (with --format) another tool's file
    Export(transfer::ExportArgs),
    /// Other offices: this office's card, trust, list, revoke
    #[command(subcommand)]
    Office(bundle_cmd::OfficeCommand),
    /// Concurrent edits from different offices (alone: the list), and their resolution
    Conflicts(bundle_cmd::ConflictsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write one per command into a folder (-o DIR)
    Man(completions::ManArgs),
    /// Take back this store's last writes (as new edits), listing what is undone first
    Undo(undo::UndoArgs),
    /// This store's own writes, newest first, each in a line
    History(undo::HistoryArgs),
    /// Judge whether two records are the same: same, not-same or unsure (undone by `liaison undo`)
    Judge(judge_cmd::JudgeArgs),
    /// Judgements made here and received from other offices (--entity ID: about one record)
    Judgements(judge_cmd::JudgementsArgs),
    /// Deconfliction without disclosure: which of our selectors another office also holds
    #[command(subcommand)]
    Deconflict(deconflict_cmd::DeconflictCommand),
    /// Watchlists: alerts when a watched phone, plate, IBAN… or record shows up
    #[command(subcommand)]
    Watch(watch_cmd::WatchCommand),
    /// Requests for information between offices: ask, answer, close; turnaround in `measures`
    #[command(subcommand)]
    Rfi(rfi_cmd::RfiCommand),
    /// Exchange through a shared folder, without anyone carrying files
    #[command(subcommand)]
    Exchange(exchange_cmd::ExchangeCommand),
    /// Records that are probably the same person, company or vehicle, best first, with the reasons
    Duplicates(duplicates_cmd::DuplicatesArgs),
    /// Cross-reference a case, or what one import brought in, against the rest of the store
    Xref(duplicates_cmd::XrefArgs),
    /// Unlock once: hold the store's keys in a background agent for a while (--for 15m), so commands need no passphrase
    Unlock(agent_cmd::UnlockArgs),
    /// End the unlock agent: wipe the keys it holds; commands need the passphrase again
    Lock,
    /// The unlock agent's background process (started by `liaison unlock`)
    #[command(name = "__agent", hide = true)]
    Agent(agent_cmd::AgentArgs),
}

/// A failure as the user sees it.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Other(String),
}

impl CliError {
    /// The README's promise: 0 success, 1 failure, 2 usage error, 3 wrong passphrase. A usage
    /// error is anything wrong with what the user typed, caught before the store changed: a
    /// bad option, a value that does not parse (a grade, a date, a marking, an unknown kind or
    /// property), a request the store refuses as given. Failures (1) are everything else: not
    /// found, a damaged file, a busy store, a full disk.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Store(StoreError::WrongPassphrase) => 3,
            CliError::Usage(_) | CliError::Store(StoreError::Input(_)) => 2,
            CliError::Model(e) | CliError::Store(StoreError::Model(e)) => {
                if matches!(e, crate::model::ModelError::Config(_)) { 1 } else { 2 }
            }
            _ => 1,
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Other(e.to_string())
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

/// Keeps secrets out of core dumps: the database key, the signing key and decrypted pages
/// live in this process's memory. (SQLCipher's own `cipher_memory_security`, which locks and
/// wipes every allocation, made bulk work seven times slower; see the closing notes.)
pub fn harden_process() {
    #[cfg(unix)]
    {
        let _ = rlimit::Resource::CORE.set(0, 0);
    }
}

/// `liaison` alone: the workbench, unlocked at once when the passphrase comes from a file or
/// the environment, else on its unlock screen.
fn workbench(ctx: &unlock::Context) -> CliResult {
    let dir = ctx.dir();
    if !crate::store::Store::exists(&dir) {
        return Err(StoreError::NoStore(dir.display().to_string()).into());
    }
    if let Some(store) = ctx.open_by_agent()? {
        return crate::tui::run(store).map_err(|e| CliError::Other(format!("workbench: {e}")));
    }
    let ran = match ctx.given_passphrase()? {
        Some(pass) => {
            // Opened before the workbench takes the terminal: an upgrade can be said.
            unlock::announce_upgrades();
            crate::tui::run(crate::store::Store::open_as(&dir, &pass, ctx.who())?)
        }
        None => crate::tui::run_locked(dir),
    };
    ran.map_err(|e| CliError::Other(format!("workbench: {e}")))
}

/// Runs one command line.
pub fn run(cli: Cli) -> CliResult {
    let ctx = unlock::Context::new(&cli);
    let json = cli.json;
    match cli.command {
        None => workbench(&ctx),
        Some(Command::Init(a)) => store_cmd::init(&ctx, &a),
        Some(Command::Passwd(a)) => store_cmd::passwd(&ctx, &a),
        Some(Command::Demo(a)) => synth_cmd::demo(&ctx, &a, json),
        Some(Command::Generate(a)) => synth_cmd::generate(&ctx, &a),
        Some(Command::Case(c)) => case::run(&ctx, c, json),
        Some(Command::Entity(c)) => entity::run_entity(&ctx, c, json),
        Some(Command::Link(c)) => entity::run_link(&ctx, c, json),
        Some(Command::Search(a)) => read::search(&ctx, &a, json),
        Some(Command::Network(a)) => network_cmd::network(&ctx, &a, json),
        Some(Command::Chart(a)) => chart_cmd::chart(&ctx, &a, json),
        Some(Command::Path(a)) => path_cmd::path(&ctx, &a, json),
        Some(Command::Neighbours(a)) => neighbours_cmd::neighbours(&ctx, &a, json),
        Some(Command::Timeline(a)) => read::timeline(&ctx, &a, json),
        Some(Command::Stats) => read::stats(&ctx, json),
        Some(Command::Measures(a)) => read::measures(&ctx, &a, json),
        Some(Command::Audit(c)) => store_cmd::audit(&ctx, &c, json),
        Some(Command::Analyst(c)) => analyst::run(&ctx, &c, json),
        Some(Command::StoreCmd(c)) => store_cmd::store(&ctx, &c, json),
        Some(Command::Import(a)) => transfer::import(&ctx, &a, json),
        Some(Command::Export(a)) => transfer::export(&ctx, &a, json),
        Some(Command::Office(c)) => bundle_cmd::office(&ctx, &c, json),
        Some(Command::Conflicts(a)) => bundle_cmd::conflicts(&ctx, &a.command.unwrap_or_default(), json),
        Some(Command::Completions(a)) => completions::completions(&a),
        Some(Command::Man(a)) => completions::man(&a),
        Some(Command::Undo(a)) => undo::undo(&ctx, &a, json),
        Some(Command::History(a)) => undo::history(&ctx, &a, json),
        Some(Command::Judge(a)) => judge_cmd::judge(&ctx, &a, json),
        Some(Command::Judgements(a)) => judge_cmd::judgements(&ctx, &a, json),
        Some(Command::Deconflict(c)) => deconflict_cmd::run(&ctx, &c, json),
        Some(Command::Watch(c)) => watch_cmd::run(&ctx, &c, json),
        Some(Command::Rfi(c)) => rfi_cmd::run(&ctx, &c, json),
        Some(Command::Exchange(c)) => exchange_cmd::run(&ctx, &c, json),
        Some(Command::Duplicates(a)) => duplicates_cmd::duplicates(&ctx, &a, json),
        Some(Command::Xref(a)) => duplicates_cmd::xref(&ctx, &a, json),
        Some(Command::Unlock(a)) => agent_cmd::unlock(&ctx, &a, json),
        Some(Command::Lock) => agent_cmd::lock(&ctx, json),
        Some(Command::Agent(a)) => agent_cmd::serve(&ctx, &a),
    }
}
