//! Other agencies' formats: STIX 2.x, MISP, FollowTheMoney, CSV with a column mapping (in),
//! and STIX 2.1, MISP, FtM, GraphML, i2 ANX and Timesketch CSV (out). Knows nothing of
//! terminals: the command line and the workbench both call [`import`] and [`export`].
//!
//! Imports follow atuin's importer/sink seam: each format is a reader that pushes neutral
//! [`record::Record`]s into a [`record::Sink`]; [`load::StoreSink`] writes them through one
//! store transaction. A preview is the same import rolled back instead of committed, so it
//! reports exactly what an import would do.

pub mod anx;
pub mod csv;
pub mod detect;
pub mod export;
pub mod ftm;
pub mod ftm_export;
pub mod ftm_fidelity;
pub mod ftm_model;
pub mod ftm_shape;
pub mod fuzz;
pub mod graphml;
pub mod input;
pub mod load;
pub mod mapping;
pub mod marking_read;
pub mod misp;
pub mod misp_attr;
pub mod misp_export;
pub mod misp_export_kept;
pub mod misp_fidelity;
pub mod misp_object;
pub mod misp_raw;
pub mod record;
pub mod report;
pub mod stix;
pub mod stix_export;
pub mod stix_fidelity;
pub mod stix_map;
pub mod stix_nodes;
pub mod stix_original;
pub mod stix_vocab;
pub mod timeline_csv;
mod xml;

use std::io::Read;
use std::path::Path;

use uuid::Uuid;

pub use detect::{Format, detect_format};
pub use export::{ExportFormat, ExportOptions, export, export_to};
pub use report::{ExportReport, ImportReport, MarkingTally};

use crate::model::grade::Grade;
use crate::model::marking::Marking;
use crate::store::import_log::{log_import, previous_import};
use crate::store::{Store, StoreError};
use input::{FileInput, Input};
use load::{Stamp, StoreSink};
use record::Sink;

/// Why an import or export failed. Nothing was written to the store.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not what it claims to be. `at` names the line or object.
    #[error("{file}{sep}{at}: {why}", sep = if .file.is_empty() || .at.is_empty() { "" } else { ": " })]
    Malformed { file: String, at: String, why: String },
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    pub fn malformed(at: impl Into<String>, why: impl Into<String>) -> ImportError {
        ImportError::Malformed { file: String::new(), at: at.into(), why: why.into() }
    }

    /// Names the file in a reader's error.
    #[must_use]
    pub fn in_file(self, name: &str) -> ImportError {
        match self {
            ImportError::Malformed { file, at, why } if file.is_empty() => {
                ImportError::Malformed { file: name.to_owned(), at, why }
            }
            other => other,
        }
    }
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Store(StoreError::from(e))
    }
}

impl From<crate::model::ModelError> for ImportError {
    fn from(e: crate::model::ModelError) -> Self {
        ImportError::Store(StoreError::Model(e))
    }
}

/// The formats [`import`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    Stix,
    Misp,
    Ftm,
    Csv,
}

impl ImportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::Stix => "stix",
            ImportFormat::Misp => "misp",
            ImportFormat::Ftm => "ftm",
            ImportFormat::Csv => "csv",
        }
    }

    fn source_kind(self) -> &'static str {
        match self {
            ImportFormat::Stix => "STIX file",
            ImportFormat::Misp => "MISP event file",
            ImportFormat::Ftm => "FollowTheMoney file",
            ImportFormat::Csv => "CSV file",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub format: ImportFormat,
    /// Put imported entities in this case; their values are recorded under it.
    pub case: Option<Uuid>,
    pub source: Option<String>,
    pub grade: Option<Grade>,
    pub marking: Option<Marking>,
    /// Column mapping (CSV only).
    pub mapping: Option<mapping::Mapping>,
    /// Check and report; write nothing (the import runs and is rolled back).
    pub dry_run: bool,
    /// Read the file even if the same bytes were imported before with the same options.
    pub ignore_log: bool,
    /// `--strict`: one bad object or reference refuses the whole file (nothing is written)
    /// instead of skipping that object.
    pub strict: bool,
}

impl ImportOptions {
    pub fn new(format: ImportFormat) -> ImportOptions {
        ImportOptions {
            format,
            case: None,
            source: None,
            grade: None,
            marking: None,
            mapping: None,
            dry_run: false,
            ignore_log: false,
            strict: false,
        }
    }

    /// The options that shape statements, for the import log's key.
    fn fingerprint(&self) -> String {
        format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.format.name(),
            self.case,
            self.source,
            self.grade.as_ref().map(ToString::to_string),
            self.marking.as_ref().map(ToString::to_string),
            self.mapping.as_ref().map(|m| m.fingerprint.clone())
        )
    }
}

/// Runs the reader for `format` over `path` into `sink`.
pub fn read(path: &Path, opts: &ImportOptions, sink: &mut dyn Sink) -> Result<(), ImportError> {
    match opts.format {
        ImportFormat::Misp if path.is_dir() => misp::read_feed(path, sink),
        format => {
            let input = FileInput::new(path)?;
            read_input(format, &input, opts.mapping.as_ref(), sink)
        }
    }
}

/// Runs the reader for `format` over `input` into `sink`.
pub fn read_input(
    format: ImportFormat,
    input: &dyn Input,
    mapping: Option<&mapping::Mapping>,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    match format {
        ImportFormat::Stix => stix::read(input, sink),
        ImportFormat::Misp => misp::read(input, sink),
        ImportFormat::Ftm => ftm::read(input, sink),
        ImportFormat::Csv => {
            let mapping = mapping.ok_or_else(|| {
                ImportError::Usage(
                    "CSV needs a column mapping: --mapping FILE.toml (examples in assets/mappings/)".into(),
                )
            })?;
            csv::read(input, mapping, sink)
        }
    }
}

/// Hash of the input's bytes (every file of a MISP feed folder) and of the options.
fn import_key(path: &Path, opts: &ImportOptions, default_marking: &Marking) -> Result<[u8; 32], ImportError> {
    let mut h = blake3::Hasher::new();
    h.update(b"liaison-interop-import-v1");
    h.update(opts.fingerprint().as_bytes());
    // The office default is what unmarked values take: a new default reads the file again.
    h.update(format!("|default {default_marking}").as_bytes());
    let mut files = vec![path.to_path_buf()];
    if path.is_dir() {
        files = std::fs::read_dir(path)
            .map_err(|e| input::io_error(path, &e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
    }
    for f in files {
        h.update(f.file_name().map(std::ffi::OsStr::as_encoded_bytes).unwrap_or_default());
        let mut file = std::fs::File::open(&f).map_err(|e| input::io_error(&f, &e))?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf).map_err(|e| input::io_error(&f, &e))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
    }
    Ok(*h.finalize().as_bytes())
}

/// What importing `path` would do, without writing anything: the preview a workbench shows
/// before the analyst applies the import with [`import`].
pub fn preview(
    store: &mut Store,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportReport, ImportError> {
    let opts = ImportOptions { dry_run: true, ..opts.clone() };
    import(store, path, &opts, progress)
}

/// Imports `path` in one transaction and reports what it did; with `dry_run` the same
/// work is rolled back (the preview a workbench shows before applying). `progress` gets
/// (bytes read, bytes in all).
pub fn import(
    store: &mut Store,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportReport, ImportError> {
    let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
    let default_marking = store.default_marking()?;
    let key = import_key(path, opts, &default_marking)?;
    if !opts.ignore_log {
        if let Some(prev) = previous_import(store.conn(), &key)? {
            let report = ImportReport {
                file: file.clone(),
                format: opts.format.name().into(),
                source: prev.report.get("source").and_then(|s| s.as_str()).unwrap_or_default().into(),
                dry_run: opts.dry_run,
                already_imported: Some(prev.at),
                ..ImportReport::default()
            };
            if !opts.dry_run {
                store.audit("interop import", &audit_detail(&report, path))?;
            }
            return Ok(report);
        }
    }
    let stamp = Stamp {
        source: opts.source.clone(),
        grade: opts.grade.clone(),
        marking: opts.marking.clone(),
        case: opts.case,
        default_marking: Some(default_marking),
        file: file.clone(),
        source_kind: opts.format.source_kind().into(),
        strict: opts.strict,
    };
    let locale = opts.mapping.as_ref().and_then(mapping::Mapping::locale).unwrap_or_else(|| store.locale());
    let mut txn = store.write("interop import")?;
    let mut report = {
        let mut sink = StoreSink::new(&mut txn, stamp, locale, progress);
        read(path, opts, &mut sink).map_err(|e| e.in_file(&file))?;
        if let Some((at, why)) = sink.fault.take() {
            // Dropping the transaction rolls it back: the store is untouched.
            return Err(ImportError::Usage(format!(
                "{}: {at}: {why}. With --strict one fault refuses the whole file: nothing was imported \
                 (without --strict that object is skipped and the rest imported)",
                crate::model::text::for_terminal(&file)
            )));
        }
        std::mem::take(&mut sink.report)
    };
    report.file.clone_from(&file);
    report.format = opts.format.name().into();
    report.dry_run = opts.dry_run;
    // Sealed before the preview returns too: the preview names what is watched.
    txn.seal()?;
    report.watch_alerts = txn.alerts().to_vec();
    if opts.dry_run {
        // Dropping the transaction rolls it back: the store is untouched.
        drop(txn);
        return Ok(report);
    }
    let detail = audit_detail(&report, path);
    log_import(
        txn.conn(),
        &key,
        &file,
        opts.format.name(),
        &serde_json::to_value(&report).unwrap_or_default(),
    )?;
    let summary = txn.commit(&detail)?;
    report.ops = summary.ops;
    report.changed = summary.ops > 0;
    if summary.ops == 0 {
        store.audit("interop import", &detail)?;
    }
    Ok(report)
}

fn audit_detail(report: &ImportReport, path: &Path) -> serde_json::Value {
    serde_json::json!({
        "file": path.display().to_string(),
        "format": report.format,
        "source": report.source,
        "read": report.read,
        "created": report.created,
        "merged": report.merged,
        "skipped": report.skipped.total,
        "markings": report.markings,
        "unreadable_markings": report.unreadable_markings.total,
        "already_imported": report.already_imported,
    })
}
