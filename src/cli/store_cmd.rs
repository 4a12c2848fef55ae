//! `init`, `passwd`, `audit …` and `store …`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::output::{Progress, print_json};
use super::unlock::{Context, new_passphrase};
use super::{CliError, CliResult};
use crate::store::{Office, Store, StoreError};

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
    /// Show the latest entries
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
}

pub fn init(ctx: &Context, a: &InitArgs) -> CliResult {
    let dir = ctx.dir();
    if Store::exists(&dir) {
        return Err(StoreError::Exists(dir.display().to_string()).into());
    }
    if !a.country.is_empty() && crate::model::values::country_code(&a.country).is_none() {
        return Err(CliError::Usage(format!("--country {:?} is not an ISO 3166 two-letter code", a.country)));
    }
    let pass = new_passphrase(None, ctx.given_passphrase()?)?;
    let office =
        Office { name: a.office.clone(), agency: a.agency.clone(), country: a.country.to_uppercase() };
    let store = Store::create(&dir, &pass, &office)?;
    println!("Created store {} for office {:?} (device {}).", dir.display(), office.name, store.device());
    Ok(())
}

pub fn passwd(ctx: &Context, a: &PasswdArgs) -> CliResult {
    let mut store = ctx.open()?;
    let new = new_passphrase(a.new_passphrase_file.as_deref(), None)?;
    store.change_passphrase(&new)?;
    println!("Passphrase changed. The database was not rewritten.");
    Ok(())
}

pub fn audit(ctx: &Context, c: &AuditCommand, json: bool) -> CliResult {
    let store = ctx.open()?;
    match c {
        AuditCommand::Verify => {
            let v = store.audit_verify()?;
            if json {
                print_json(&v)?;
            } else if let Some(n) = v.first_broken {
                println!("audit log BROKEN at entry {n}: {}", v.reason.clone().unwrap_or_default());
            } else {
                println!("audit log intact: {} entries", v.entries);
            }
            if let Some(n) = v.first_broken {
                return Err(CliError::Other(format!("audit entry {n} does not verify")));
            }
        }
        AuditCommand::Log { limit, offset } => {
            let entries = store.audit_log(*limit, *offset)?;
            if json {
                print_json(&entries)?;
            } else {
                for e in entries {
                    println!("{:>6}  {}  {:<20} {}", e.n, e.at, e.action, e.detail);
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
                    println!("problem: {p}");
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
    }
    Ok(())
}
