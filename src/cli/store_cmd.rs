//! `init`, `passwd`, `audit …` and `store …`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::output::{Progress, print_json, safe};
use super::unlock::{Context, new_passphrase};
use super::{CliError, CliResult};
use crate::model::marking::Marking;
use crate::store::{Office, Store, StoreError, keystore};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// This office's name, as other offices will see it (e.g. "PJ Marseille")
    #[arg(long, default_value = "Local office")]
    pub office: String,
    /// Agency of the office (e.g. "Police Judiciaire")
    #[arg(long, default_value = "")]
    pub agency: String,
    /// ISO country of the office; also the default for national phone numbers
    #[arg(long, default_value = "")]
    pub country: String,
    /// The marking a value takes when nothing more specific applies (no marking given, no
    /// case, a record with none); asked at a terminal, TLP:AMBER otherwise
    #[arg(long, value_name = "MARKING")]
    pub default_marking: Option<String>,
    /// The store's first analyst, who is working now (default: the system's user name);
    /// add more with `liaison analyst add`
    #[arg(long, value_name = "NAME")]
    pub analyst: Option<String>,
}

#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// Read the new passphrase from the first line of FILE
    #[arg(long, value_name = "FILE")]
    pub new_passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and name the first broken entry
    Verify,
    /// Show the latest entries, with the analyst who was working
    #[command(alias = "list")]
    Log {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Check database pages, signatures, hash chains and the audit log
    Check,
    /// Re-derive every table from the op log
    Rebuild,
    /// Bytes on disk by table and index, largest first
    Usage,
    /// Show the office default marking, or set it (what a value takes when nothing more
    /// specific applies)
    DefaultMarking {
        #[arg(value_name = "MARKING")]
        marking: Option<String>,
    },
}

pub fn init(ctx: &Context, a: &InitArgs) -> CliResult {
    let dir = ctx.dir();
    if Store::exists(&dir) {
        return Err(StoreError::Exists(dir.display().to_string()).into());
    }
    if !a.country.is_empty() && crate::model::values::country_code(&a.country).is_none() {
        return Err(CliError::Usage(format!("--country {:?} is not an ISO 3166 two-letter code", a.country)));
    }
    if let Err(mut e) = crate::exchange::card::check_identity(&a.office, &a.agency, &a.country) {
        let flag = if e.field == "office name" { "office" } else { e.field.as_str() };
        e.field = format!("{} given with --{flag}", e.field);
        return Err(CliError::Usage(e.to_string()));
    }
    let given = a.default_marking.as_deref().map(Marking::parse).transpose()?;
    let pass = new_passphrase(None, ctx.given_passphrase()?)?;
    let default_marking = match given {
        Some(m) => m,
        None => ask_default_marking()?,
    };
    let office =
        Office { name: a.office.clone(), agency: a.agency.clone(), country: a.country.to_uppercase() };
    // `init --analyst`, else the global --analyst / LIAISON_ANALYST, else the system's user.
    let analyst = a.analyst.clone().or_else(|| ctx.analyst.clone()).unwrap_or_else(super::unlock::os_user);
    let store =
        Store::create_as(&dir, &pass, &office, &analyst, |s| s.set_default_marking(&default_marking))?;
    warn_if_kdf_lowered();
    println!("Created store {} for office {:?} (device {}).", dir.display(), office.name, store.device());
    println!(
        "First analyst: {} (add others with `liaison analyst add NAME`).",
        safe(store.analyst().unwrap_or_default())
    );
    println!(
        "Values written with no marking, no case and no marked record take {default_marking} \
         (change it with `liaison store default-marking MARKING`)."
    );
    Ok(())
}

/// At a terminal, asks for the office default marking (Enter: TLP:AMBER); elsewhere
/// TLP:AMBER, as DESIGN §5b says.
fn ask_default_marking() -> CliResult<Marking> {
    let fallback = Marking::office_fallback();
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Ok(fallback);
    }
    loop {
        eprint!("Default marking of this office's values [{fallback}]: ");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| CliError::Other(e.to_string()))?;
        let line = line.trim();
        if line.is_empty() {
            return Ok(fallback);
        }
        match Marking::parse(line) {
            Ok(m) => return Ok(m),
            Err(e) => eprintln!("{e}"),
        }
    }
}

pub fn passwd(ctx: &Context, a: &PasswdArgs) -> CliResult {
    // The old passphrase itself, never the unlock agent: whoever changes it must know it.
    let mut store = ctx.open_by_passphrase()?;
    let new = new_passphrase(a.new_passphrase_file.as_deref(), None)?;
    let path = store.dir().join(crate::store::KEYSTORE);
    let before = keystore::work_factor(&path);
    store.change_passphrase(&new)?;
    warn_if_kdf_lowered();
    println!("Passphrase changed. The database was not rewritten.");
    if let (Some(before), Some(after)) = (before, keystore::work_factor(&path)) {
        if before < keystore::MIN_SCRYPT_LOG_N && after > before {
            println!(
                "The passphrase's key-derivation cost was raised from 2^{before} to 2^{after}, \
                 the minimum for every store."
            );
        }
    }
    Ok(())
}

/// The test knob `LIAISON_KDF_LOG_N` weakens the keystore just sealed: said on stderr, so that
/// it is never left set by mistake on a real machine.
fn warn_if_kdf_lowered() {
    if let Some(n) = keystore::work_factor_lowered() {
        eprintln!(
            "warning: LIAISON_KDF_LOG_N={n} lowered the passphrase's key-derivation cost below 2^{}: \
             for tests and CI only",
            keystore::MIN_SCRYPT_LOG_N
        );
    }
}

pub fn audit(ctx: &Context, c: &AuditCommand, json: bool) -> CliResult {
    let store = ctx.open()?;
    match c {
        AuditCommand::Verify => {
            let v = store.audit_verify()?;
            if json {
                print_json(&v)?;
            } else if let Some(n) = v.first_broken {
                println!("audit log BROKEN at entry {n}: {}", safe(&v.reason.clone().unwrap_or_default()));
            } else {
                println!("audit log intact: {} entries", v.entries);
            }
            if let Some(n) = v.first_broken {
                return Err(CliError::Other(format!(
                    "the audit log does not verify from entry {n}: it was altered or shortened (docs/audit.md)"
                )));
            }
        }
        AuditCommand::Log { limit, offset } => {
            let entries = store.audit_log(*limit, *offset)?;
            if json {
                print_json(&entries)?;
            } else {
                for mut e in entries {
                    // The analyst has a column of their own; the detail shows the rest.
                    if let Some(fields) = e.detail.as_object_mut() {
                        fields.remove("analyst");
                    }
                    // The detail is JSON, which escapes C0 controls but not C1, bidi or
                    // invisible characters (a logged search query may hold any of them).
                    println!(
                        "{:>6}  {}  {:<20} {:<16} {}",
                        e.n,
                        safe(&e.at),
                        safe(&e.action),
                        safe(e.analyst.as_deref().unwrap_or("–")),
                        safe(&e.detail.to_string())
                    );
                }
            }
        }
    }
    Ok(())
}

pub fn store(ctx: &Context, c: &StoreCommand, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    match c {
        StoreCommand::Check => {
            let r = store.check()?;
            if json {
                print_json(&r)?;
            } else {
                println!(
                    "pages: {} · encryption: {} · {} commits, {} ops · {} audit entries · {} bytes",
                    r.database_integrity,
                    r.cipher_integrity,
                    r.commits,
                    r.ops,
                    r.audit_entries,
                    r.database_bytes
                );
                for p in &r.problems {
                    println!("problem: {}", safe(p));
                }
            }
            if !r.ok {
                return Err(CliError::Other("the store check found problems".into()));
            }
        }
        StoreCommand::Rebuild => {
            let mut bar = Progress::new("rebuilding", 0);
            let s = store.rebuild(&mut |done, total| bar.update(done, total))?;
            bar.finish();
            if json {
                print_json(&s)?;
            } else {
                println!("Rebuilt {} records from {} commits ({} ops).", s.records, s.commits, s.ops);
            }
        }
        StoreCommand::Usage => {
            let tables = store.space_by_table()?;
            if json {
                print_json(&tables)?;
            } else {
                let total: i64 = tables.iter().map(|t| t.bytes).sum();
                for t in &tables {
                    let share = t.bytes as f64 * 100.0 / total.max(1) as f64;
                    println!("{:>14}  {share:>5.1}%  {}", t.bytes, t.name);
                }
                println!("{total:>14}  100.0%  in all");
            }
        }
        StoreCommand::DefaultMarking { marking } => {
            if let Some(text) = marking {
                let m = Marking::parse(text)?;
                store.set_default_marking(&m)?;
                store.audit("default marking", &serde_json::json!({ "marking": m.to_string() }))?;
            }
            let m = store.default_marking()?;
            if json {
                print_json(&serde_json::json!({ "default_marking": m.to_string() }))?;
            } else {
                println!("Default marking: {m}");
            }
        }
    }
    Ok(())
}
