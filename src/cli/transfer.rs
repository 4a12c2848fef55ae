//! `liaison import` and `liaison export`: one pair of commands for two jobs. Without
//! `--format` they read and write signed, encrypted bundles between offices (see
//! `bundle_cmd`); with `--format` they speak other tools' formats (see `interop_cmd`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::unlock::Context;
use super::{CliError, CliResult, bundle_cmd, interop_cmd};
use crate::interop::{self, Format};

/// Formats other agencies' tools read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    Stix,
    Misp,
    Ftm,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Stix,
    Ftm,
    Misp,
    Graphml,
    Anx,
    TimelineCsv,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file (or, for MISP, a feed folder) to import
    pub file: PathBuf,
    /// Another tool's format; without it the format is told from the file (a Liaison bundle,
    /// STIX, MISP, FtM or CSV)
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,
    /// Check and report; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Put what is imported in this case
    #[arg(long = "case", value_name = "REF")]
    pub case: Option<String>,
    /// Source of the imported values (default: the file and its producer)
    #[arg(long)]
    pub source: Option<String>,
    /// Grade of the imported values (default: what the file says, if anything)
    #[arg(long)]
    pub grade: Option<String>,
    /// Marking of the imported values: joined with the file's own (it can only narrow); where
    /// the file says nothing, this, else the case's (--case), else the office default marking
    #[arg(long)]
    pub marking: Option<String>,
    /// Column mapping for CSV (see assets/mappings/)
    #[arg(long, value_name = "FILE.toml")]
    pub mapping: Option<PathBuf>,
    /// Refuse the whole file when one object or reference in it is bad (default: skip that
    /// object, report why, import the rest)
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Bundle for this office (repeat for several)
    #[arg(long = "to", value_name = "OFFICE")]
    pub to: Vec<String>,
    /// Output file
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Everything shared, not just what the recipients have not acknowledged
    #[arg(long)]
    pub full: bool,
    /// Show what would go and what is withheld; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Another tool's format; without it the output is a Liaison bundle
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
    /// Only this case
    #[arg(long = "case", value_name = "REF")]
    pub case: Option<String>,
    /// With --format: write what a bundle to this office would carry
    #[arg(long = "for", value_name = "OFFICE", requires = "format")]
    pub for_office: Option<String>,
    /// With --format: write values marked at most this (e.g. TLP:GREEN, "TLP:AMBER FR-DR")
    #[arg(long = "max-marking", value_name = "MARKING", requires = "format")]
    pub max_marking: Option<String>,
    /// With --format: also write this office's TLP:RED, AMBER+STRICT and H2/H3 values (repeat
    /// for several)
    #[arg(long = "include-from", value_name = "OFFICE", requires = "format")]
    pub include_from: Vec<String>,
    /// With --format: write TLP:RED values and national markings without asking
    #[arg(long, requires = "format")]
    pub yes: bool,
}

/// `--format` wins; without it the file's first bytes (and, where they leave it open, its
/// name) tell a bundle from another tool's file, and which tool's.
pub fn import(ctx: &Context, a: &ImportArgs, json: bool) -> CliResult {
    if let Some(format) = a.format {
        return interop_cmd::import(ctx, a, interop_cmd::import_format(format), json);
    }
    // A path that is not there: the bundle reader says so, as it always has.
    if !a.file.exists() {
        return bundle_cmd::import(ctx, a, json);
    }
    match interop::detect_format(&a.file)? {
        Some(Format::Bundle) => bundle_cmd::import(ctx, a, json),
        Some(found) => match found.import_format() {
            Some(format) => interop_cmd::import(ctx, a, format, json),
            None => Err(CliError::Usage(format!(
                "{} is a {found}: Liaison writes that format but does not read it",
                a.file.display()
            ))),
        },
        None => Err(CliError::Usage(format!(
            "cannot tell the format of {}; give --format {}",
            a.file.display(),
            ImportFormat::value_variants()
                .iter()
                .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
                .collect::<Vec<_>>()
                .join("|")
        ))),
    }
}

pub fn export(ctx: &Context, a: &ExportArgs, json: bool) -> CliResult {
    match a.format {
        Some(format) => interop_cmd::export(ctx, a, format, json),
        None => bundle_cmd::export(ctx, a, json),
    }
}
