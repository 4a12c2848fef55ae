//! Finding the store and its passphrase.
//!
//! The passphrase comes from, in order: `--passphrase-file FILE`, `LIAISON_PASSPHRASE_FILE`,
//! `LIAISON_PASSPHRASE`, else a prompt on the terminal that does not echo. It is never
//! accepted as an argument: argv is visible to every user of the machine.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};

use super::{Cli, CliError, CliResult};
use crate::store::keystore::passphrase_from_file;
use crate::store::{Store, StoreError, Who};

/// The default store folder: the platform's data folder for Liaison.
pub fn default_store_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "liaison")
        .map_or_else(|| PathBuf::from(".liaison"), |d| d.data_dir().join("store"))
}

/// Where `liaison demo` keeps its store (unless `--store` says otherwise).
pub fn demo_store_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "liaison")
        .map_or_else(|| PathBuf::from(".liaison-demo"), |d| d.data_dir().join("demo"))
}

pub struct Context {
    pub store_dir: Option<PathBuf>,
    pub passphrase_file: Option<PathBuf>,
    /// `--analyst` or `LIAISON_ANALYST`.
    pub analyst: Option<String>,
}

/// The operating system's name for the user, the analyst's default at `init`.
pub fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()))
        // No name from the system (a bare container): a placeholder, said at `init`.
        .unwrap_or_else(|| "analyst".to_owned())
}

impl Context {
    pub fn new(cli: &Cli) -> Context {
        Context {
            store_dir: cli.store.clone(),
            passphrase_file: cli.passphrase_file.clone(),
            analyst: cli.analyst.clone().filter(|a| !a.trim().is_empty()),
        }
    }

    /// Who is working, as the command line asks (see [`Who::Required`]).
    pub fn who(&self) -> Who<'_> {
        Who::Required { named: self.analyst.as_deref(), first: Context::first_analyst() }
    }

    /// The name a store with no analyst yet records first: `--analyst`, else the OS user.
    fn first_analyst() -> &'static str {
        // Read once per process: `Who` borrows it for the session.
        static FIRST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        FIRST.get_or_init(os_user)
    }

    pub fn dir(&self) -> PathBuf {
        self.store_dir.clone().unwrap_or_else(default_store_dir)
    }

    /// The passphrase from the options or environment, if given there.
    pub fn given_passphrase(&self) -> CliResult<Option<SecretString>> {
        if let Some(f) = &self.passphrase_file {
            return Ok(Some(passphrase_from_file(f)?));
        }
        if let Ok(p) = std::env::var("LIAISON_PASSPHRASE") {
            if !p.is_empty() {
                return Ok(Some(SecretString::from(p)));
            }
        }
        Ok(None)
    }

    /// The passphrase, prompting on the terminal if it was not given.
    pub fn passphrase(&self, prompt: &str) -> CliResult<SecretString> {
        if let Some(p) = self.given_passphrase()? {
            return Ok(p);
        }
        prompt_hidden(prompt)
    }

    /// Opens the store, with a clear error when there is none. When `liaison unlock` left an
    /// agent holding this store's keys, they come from it and no passphrase is needed.
    pub fn open(&self) -> CliResult<Store> {
        announce_upgrades();
        if let Some(store) = self.open_by_agent()? {
            return Ok(store);
        }
        self.open_by_passphrase()
    }

    /// The store opened with keys from its unlock agent, if one holds them.
    pub fn open_by_agent(&self) -> CliResult<Option<Store>> {
        let dir = self.dir();
        if !Store::exists(&dir) {
            return Ok(None);
        }
        let Some(keys) = crate::store::agent::fetch_keys(&dir) else { return Ok(None) };
        match Store::open_by_agent(&dir, keys, self.who()) {
            Ok(store) => Ok(Some(store)),
            // Keys that do not open this database: the folder holds another store than the
            // one unlocked (made again since); the passphrase decides, as without an agent.
            Err(StoreError::Corrupt(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Opens the store with the passphrase, never the agent: for commands that must prove the
    /// passphrase itself (`passwd`, `unlock`).
    pub fn open_by_passphrase(&self) -> CliResult<Store> {
        announce_upgrades();
        let dir = self.dir();
        if !Store::exists(&dir) {
            return Err(StoreError::NoStore(dir.display().to_string()).into());
        }
        let pass = self.passphrase(&format!("Passphrase for {}: ", dir.display()))?;
        Ok(Store::open_as(&dir, &pass, self.who())?)
    }
}

/// An upgrade of the store is said on stderr before it runs (it may take a minute). Not set
/// for the workbench's unlock screen, which owns the terminal.
pub fn announce_upgrades() {
    crate::store::notify_upgrades_with(|notice| eprintln!("{notice}"));
}

/// Reads a passphrase from the terminal without echo.
pub fn prompt_hidden(prompt: &str) -> CliResult<SecretString> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "no passphrase: give --passphrase-file FILE or set LIAISON_PASSPHRASE_FILE (no terminal to ask on)"
                .into(),
        ));
    }
    let text = rpassword::prompt_password(prompt)
        .map_err(|e| CliError::Other(format!("reading passphrase: {e}")))?;
    if text.is_empty() {
        return Err(CliError::Usage("empty passphrase".into()));
    }
    Ok(SecretString::from(text))
}

/// A new passphrase: from `file` if given, else typed twice.
pub fn new_passphrase(file: Option<&Path>, fallback: Option<SecretString>) -> CliResult<SecretString> {
    if let Some(f) = file {
        return Ok(passphrase_from_file(f)?);
    }
    if let Some(p) = fallback {
        return Ok(p);
    }
    let first = prompt_hidden("New passphrase: ")?;
    let second = prompt_hidden("Repeat the new passphrase: ")?;
    if first.expose_secret() != second.expose_secret() {
        return Err(CliError::Usage("the two passphrases differ; nothing was changed".into()));
    }
    if first.expose_secret().chars().count() < 8 {
        eprintln!("warning: a passphrase under 8 characters is weak protection for a stolen laptop");
    }
    Ok(first)
}
