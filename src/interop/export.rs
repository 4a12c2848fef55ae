//! Exports: what a case (or the whole store) holds, released for the file's reader (see
//! [`filter`]), read from the store and written by one writer per format. A writer maps what
//! its format can carry and reports the rest; it never writes something invalid to look
//! complete. The file appears only when it is complete (written beside its final name, only
//! readable by its owner, then renamed), and a file that would hold TLP:RED or a national
//! marking that stays in its country is written only once someone confirmed it.

pub mod dataset;
pub mod filter;

use std::io::{BufWriter, Write};
use std::path::Path;

use uuid::Uuid;

pub use dataset::{Dataset, Rec, Released, Value};
pub use filter::{Reader, Sensitive};

use super::ImportError;
use super::report::ExportReport;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Stix,
    Ftm,
    Misp,
    Graphml,
    Anx,
    TimelineCsv,
}

impl ExportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Stix => "stix",
            ExportFormat::Ftm => "ftm",
            ExportFormat::Misp => "misp",
            ExportFormat::Graphml => "graphml",
            ExportFormat::Anx => "anx",
            ExportFormat::TimelineCsv => "timeline-csv",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// Only this case's network; otherwise everything in the store.
    pub case: Option<Uuid>,
    /// Who the file is for: what it may hold.
    pub reader: Reader,
    /// Someone confirmed that the file may hold TLP:RED values and national markings that
    /// stay in their country (`--yes`, or the question answered at a terminal).
    pub confirmed: bool,
}

impl ExportOptions {
    /// An export of everything this office wrote itself up to TLP:AMBER (the default reader).
    pub fn new(format: ExportFormat) -> ExportOptions {
        ExportOptions { format, case: None, reader: Reader::default(), confirmed: false }
    }
}

/// Writes the export to `out` (nothing is audited: see [`export`]).
pub fn export_to(
    store: &Store,
    out: &mut dyn Write,
    opts: &ExportOptions,
    report: &mut ExportReport,
) -> Result<(), ImportError> {
    let ds = Dataset::new(store, opts.case, &opts.reader)?;
    let written = match opts.format {
        ExportFormat::Ftm => super::ftm_export::write(&ds, out, report),
        ExportFormat::Stix => super::stix_export::write(&ds, out, report),
        ExportFormat::Misp => super::misp_export::write(&ds, out, report),
        ExportFormat::Graphml => super::graphml::write(&ds, out, report),
        ExportFormat::Anx => super::anx::write(&ds, out, report),
        ExportFormat::TimelineCsv => super::timeline_csv::write(&ds, out, report),
    };
    report.release = ds.released;
    written
}

/// What the export would write that needs confirming, without writing anything.
pub fn sensitive(store: &Store, opts: &ExportOptions) -> Result<Sensitive, ImportError> {
    let mut report = ExportReport::default();
    export_to(store, &mut std::io::sink(), opts, &mut report)?;
    Ok(report.release.sensitive)
}

/// The file beside `path` the export is written to, readable by its owner only.
fn create_private(partial: &Path) -> Result<std::fs::File, ImportError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(partial).map_err(|e| super::input::io_error(partial, &e))?;
    // An earlier, more open partial file keeps its mode through `open`: set it again.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| super::input::io_error(partial, &e))?;
    }
    Ok(file)
}

/// Writes the export to `path` (complete or not at all, mode 0600), audits it, and reports
/// what it wrote, what the reader may not have and what the format could not carry. Unless
/// `opts.confirmed`, a file that would hold TLP:RED or a national marking that stays in its
/// country is refused before anything is written.
pub fn export(store: &Store, path: &Path, opts: &ExportOptions) -> Result<ExportReport, ImportError> {
    if !opts.confirmed {
        let sensitive = sensitive(store, opts)?;
        if sensitive.any() {
            return Err(ImportError::Usage(format!(
                "{}: nothing written. Confirm at a terminal, or add --yes if this file may hold them.",
                sensitive.describe()
            )));
        }
    }
    let mut report = ExportReport {
        file: path.display().to_string(),
        format: opts.format.name().into(),
        case: opts.case.map(|c| c.to_string()),
        ..ExportReport::default()
    };
    let partial = path.with_extension("partial");
    let result = (|| -> Result<(), ImportError> {
        let file = create_private(&partial)?;
        let mut out = BufWriter::new(file);
        export_to(store, &mut out, opts, &mut report)?;
        out.flush().map_err(|e| super::input::io_error(&partial, &e))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, path).map_err(|e| super::input::io_error(path, &e))?;
    store.audit(
        "interop export",
        &serde_json::json!({
            "file": report.file,
            "format": report.format,
            "case": report.case,
            "written": report.written,
            "left_out": report.left_out.total,
            "reader": report.release.reader,
            "values_left_out_for_reader": report.release.values_left_out.total,
            "records_left_out_for_reader": report.release.records_left_out.total,
        }),
    )?;
    Ok(report)
}

/// An I/O error while writing the export.
pub fn write_error(e: &std::io::Error) -> ImportError {
    ImportError::Io(format!("writing the export: {e}"))
}
