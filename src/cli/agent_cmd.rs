//! `liaison unlock` and `liaison lock`: unlock once for many commands (see store/agent.rs).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use clap::Args;

use super::output::{print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::store::agent;
use crate::store::{Store, StoreError};

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// How long the keys are held: 90s, 15m, 2h, 1h30m (at most 12h)
    #[arg(long = "for", value_name = "DURATION", default_value = "15m")]
    pub lifetime: String,
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Seconds the keys are held
    #[arg(long)]
    pub seconds: u64,
}

pub fn unlock(ctx: &Context, a: &UnlockArgs, json: bool) -> CliResult {
    let lifetime = agent::parse_lifetime(&a.lifetime).map_err(|e| CliError::Usage(format!("--for {e}")))?;
    let dir = ctx.dir();
    if !Store::exists(&dir) {
        return Err(StoreError::NoStore(dir.display().to_string()).into());
    }
    // The passphrase is asked for even when an agent runs: unlocking again is how a user
    // proves they may extend it. The agent already running is then replaced.
    let store = ctx.open_by_passphrase()?;
    agent::lock(&dir);
    start_agent(&dir, &store, lifetime)?;
    let seconds = lifetime.as_secs();
    store.audit("unlock agent started", &serde_json::json!({ "seconds": seconds }))?;
    let until = chrono::Utc::now() + chrono::Duration::seconds(seconds as i64);
    if json {
        return print_json(&serde_json::json!({
            "store": dir.display().to_string(),
            "seconds": seconds,
            "until": until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }));
    }
    println!(
        "Unlocked {} for {} (until {} UTC): commands need no passphrase until then; `liaison lock` ends it.",
        safe(&dir.display().to_string()),
        super::bundle_cmd::human_seconds(seconds as i64),
        until.format("%H:%M:%S")
    );
    Ok(())
}

/// Starts the background process (this binary, `__agent`) and hands it the keys through its
/// standard input: not argv, not the environment, not a file.
fn start_agent(dir: &std::path::Path, store: &Store, lifetime: Duration) -> CliResult {
    let exe =
        std::env::current_exe().map_err(|e| CliError::Other(format!("cannot find liaison itself: {e}")))?;
    let dir = std::fs::canonicalize(dir).map_err(|e| StoreError::io(dir, &e))?;
    let mut child = Command::new(exe)
        .arg("--store")
        .arg(&dir)
        .arg("__agent")
        .arg("--seconds")
        .arg(lifetime.as_secs().to_string())
        // The agent needs no passphrase; it must not carry one in its environment.
        .env_remove("LIAISON_PASSPHRASE")
        .env_remove("LIAISON_PASSPHRASE_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| CliError::Other(format!("cannot start the unlock agent: {e}")))?;
    let keys = store.keys().to_agent_bytes();
    let mut stdin =
        child.stdin.take().ok_or_else(|| CliError::Other("no pipe to the unlock agent".into()))?;
    stdin
        .write_all(&keys)
        .map_err(|e| CliError::Other(format!("handing the keys to the unlock agent: {e}")))?;
    drop(keys);
    drop(stdin);
    let stdout =
        child.stdout.take().ok_or_else(|| CliError::Other("no pipe from the unlock agent".into()))?;
    let mut line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut line);
    match line.trim_end() {
        "ready" => Ok(()),
        said => {
            let _ = child.kill();
            let _ = child.wait();
            let said = said.strip_prefix("error: ").unwrap_or(said);
            Err(CliError::Other(if said.is_empty() {
                "the unlock agent did not start".into()
            } else {
                format!("the unlock agent did not start: {said}")
            }))
        }
    }
}

/// `__agent`: the background process itself. Reports "ready" or the error on stdout, once.
pub fn serve(ctx: &Context, a: &AgentArgs) -> CliResult {
    let started = agent::harden().and_then(|()| {
        // Its own session: closing the terminal `unlock` ran in does not end it.
        let _ = rustix::process::setsid();
        let agent =
            agent::Agent::start(&ctx.dir(), Duration::from_secs(a.seconds), &mut std::io::stdin().lock());
        // Holding no folder open: the one `unlock` ran in may be unmounted meanwhile.
        let _ = std::env::set_current_dir("/");
        agent
    });
    let mut out = std::io::stdout().lock();
    match started {
        Ok(agent) => {
            let _ = writeln!(out, "ready");
            let _ = out.flush();
            drop(out);
            agent.serve()
        }
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            Err(e.into())
        }
    }
}

pub fn lock(ctx: &Context, json: bool) -> CliResult {
    let dir = ctx.dir();
    let held = agent::status(&dir).is_some();
    if held {
        // Recorded in the store while the agent can still open it; a store that cannot be
        // opened now (busy) must not keep the keys in memory: the lock goes ahead regardless.
        if let Some(keys) = agent::fetch_keys(&dir) {
            if let Ok(store) = Store::open_by_agent(&dir, keys, ctx.who()) {
                let _ = store.audit("unlock agent ended", &serde_json::json!({}));
            }
        }
        agent::lock(&dir);
    }
    if json {
        return print_json(&serde_json::json!({ "store": dir.display().to_string(), "was_unlocked": held }));
    }
    let shown = safe(&dir.display().to_string()).into_owned();
    if held {
        println!("Locked {shown}: the unlock agent wiped the keys and ended.");
    } else {
        println!("{shown} was not unlocked: no unlock agent holds its keys.");
    }
    Ok(())
}
