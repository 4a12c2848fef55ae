//! Other tools' formats: `import --format stix|misp|ftm|csv …`, `export --format …`.
//! The work is in `interop`; this file turns flags into options and reports into text.

use super::output::{Progress, print_json};
use super::transfer::{ExportArgs, ExportFormat, ImportArgs, ImportFormat};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::interop::{self, ImportError, ImportOptions, mapping::Mapping};
use crate::model::grade::Grade;
use crate::model::marking::Marking;

impl From<ImportError> for CliError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Store(s) => CliError::Store(s),
            ImportError::Usage(u) => CliError::Usage(u),
            other => CliError::Other(other.to_string()),
        }
    }
}

/// The reader for a format typed after `--format`.
pub fn import_format(format: ImportFormat) -> interop::ImportFormat {
    match format {
        ImportFormat::Stix => interop::ImportFormat::Stix,
        ImportFormat::Misp => interop::ImportFormat::Misp,
        ImportFormat::Ftm => interop::ImportFormat::Ftm,
        ImportFormat::Csv => interop::ImportFormat::Csv,
    }
}

/// Imports `a.file` with the reader for `format` (typed with `--format`, or told from the file).
pub fn import(ctx: &Context, a: &ImportArgs, format: interop::ImportFormat, json: bool) -> CliResult {
    let mapping = match (&a.mapping, format) {
        (Some(m), interop::ImportFormat::Csv) => Some(Mapping::load(m)?),
        (Some(_), _) => return Err(CliError::Usage("--mapping is for --format csv".into())),
        (None, interop::ImportFormat::Csv) => {
            return Err(CliError::Usage(
                "--format csv needs --mapping FILE.toml (examples: assets/mappings/call-records.toml, \
                 assets/mappings/bank-transactions.toml)"
                    .into(),
            ));
        }
        (None, _) => None,
    };
    if !a.file.exists() {
        return Err(CliError::Usage(format!("{}: no such file or folder", a.file.display())));
    }
    let mut store = ctx.open()?;
    let mut opts = ImportOptions::new(format);
    opts.case = a.case.as_deref().map(|r| store.case_id(r)).transpose()?;
    opts.source = a.source.clone().filter(|s| !s.trim().is_empty());
    opts.grade = a.grade.as_deref().map(Grade::parse).transpose()?;
    opts.marking = a.marking.as_deref().map(Marking::parse).transpose()?;
    opts.mapping = mapping;
    opts.dry_run = a.dry_run;
    opts.strict = a.strict;
    let mut bar = Progress::new("importing", 1);
    let report = interop::import(&mut store, &a.file, &opts, &mut |d, t| bar.update(d, t));
    bar.finish();
    let report = report?;
    if json {
        return print_json(&report);
    }
    report.print();
    super::watch_cmd::print_alerts(&report.watch_alerts);
    if report.changed && !report.dry_run {
        if let Some(line) = super::duplicates_cmd::import_matches_line(&store) {
            println!("{line}");
        }
    }
    Ok(())
}

pub fn export(ctx: &Context, a: &ExportArgs, format: ExportFormat, json: bool) -> CliResult {
    if !a.to.is_empty() || a.full {
        return Err(CliError::Usage(
            "--to and --full are for bundles between offices; --format writes a file for another tool \
             (--for OFFICE writes what a bundle to that office would carry)"
                .into(),
        ));
    }
    let format = match format {
        ExportFormat::Stix => interop::ExportFormat::Stix,
        ExportFormat::Ftm => interop::ExportFormat::Ftm,
        ExportFormat::Misp => interop::ExportFormat::Misp,
        ExportFormat::Graphml => interop::ExportFormat::Graphml,
        ExportFormat::Anx => interop::ExportFormat::Anx,
        ExportFormat::TimelineCsv => interop::ExportFormat::TimelineCsv,
    };
    let store = ctx.open()?;
    let mut opts = interop::ExportOptions::new(format);
    opts.case = a.case.as_deref().map(|r| store.case_id(r)).transpose()?;
    opts.reader = interop::export::Reader {
        office: a.for_office.clone(),
        max_marking: a.max_marking.as_deref().map(Marking::parse).transpose()?,
        include_from: a.include_from.clone(),
    };
    opts.confirmed = a.yes;
    let report = if a.dry_run {
        let mut report = interop::ExportReport {
            file: a.output.display().to_string(),
            format: format.name().into(),
            case: opts.case.map(|c| c.to_string()),
            ..interop::ExportReport::default()
        };
        interop::export_to(&store, &mut std::io::sink(), &opts, &mut report)?;
        report
    } else {
        if !opts.confirmed {
            opts.confirmed = confirm_sensitive(&interop::export::sensitive(&store, &opts)?)?;
        }
        interop::export(&store, &a.output, &opts)?
    };
    if json {
        return print_json(&report);
    }
    if a.dry_run {
        println!("(dry run: nothing written)");
    }
    report.print();
    Ok(())
}

/// Whether the file may be written: asks at a terminal before a file holds TLP:RED values or
/// national markings that stay in their country; without a terminal, refuses (`--yes` is how a
/// script says it knows). Nothing to confirm: yes.
pub(super) fn confirm_sensitive(sensitive: &interop::export::Sensitive) -> Result<bool, CliError> {
    use std::io::{BufRead, IsTerminal, Write};
    if !sensitive.any() {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "{}: nothing written. Run it at a terminal to confirm, or add --yes if this file may hold them.",
            sensitive.describe()
        )));
    }
    eprint!("{}, in a file Liaison no longer controls once written. Write it? [y/N] ", sensitive.describe());
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|e| CliError::Other(e.to_string()))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(true)
    } else {
        Err(CliError::Usage("not confirmed: nothing written".into()))
    }
}
