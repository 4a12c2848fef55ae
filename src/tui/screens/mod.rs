//! The screens opened over the panes, one module each holding that screen's state and its
//! `update`; a screen depends on the messages, the shared state, the request helpers and
//! the widgets, never on another screen. Its view is in `ui/`.
//!
//! - [`conflicts`]: the conflicts inbox, where the analyst keeps one of competing values.
//! - [`measures`]: the task force's measures, month by month.
//!
//! Still here, until they get a module of their own: the state of the exchange screen
//! (offices, export, bundle import) and of the file import screen (STIX, MISP, FtM, CSV). Plain data, written by `update_exchange` and
//! `update_import` only; the jobs they send to the worker, and what comes back, are messages
//! (`message`).

pub mod conflicts;
pub mod measures;

use std::path::PathBuf;

use crate::exchange::{ImportReport as BundleReport, OfficeStatus};
use crate::interop::{ImportFormat, ImportReport as FileReport};

use super::keymap::Mode;
use super::message::{FileImport, Outcome};

/// The formats offered, in the order the format field cycles through them.
pub const FORMATS: [ImportFormat; 4] =
    [ImportFormat::Stix, ImportFormat::Misp, ImportFormat::Ftm, ImportFormat::Csv];

#[derive(Debug, Clone, PartialEq)]
pub enum ExchangeStep {
    List,
    /// Typing where the bundle for the selected office goes.
    ExportPath(String),
    /// Typing which bundle file to import.
    ImportPath(String),
    /// A job runs (its gauge is `State::job`).
    Working,
    /// What importing this bundle would do; y applies it.
    Preview {
        path: PathBuf,
        report: BundleReport,
    },
    Done(Outcome),
}

#[derive(Debug)]
pub struct ExchangeScreen {
    pub offices: Vec<OfficeStatus>,
    pub selected: usize,
    pub loading: bool,
    /// The pending deltas are still being computed (the offices show first).
    pub pending_loading: bool,
    pub ticket: u64,
    pub step: ExchangeStep,
}

impl ExchangeScreen {
    pub fn new() -> ExchangeScreen {
        ExchangeScreen {
            offices: Vec::new(),
            selected: 0,
            loading: true,
            pending_loading: true,
            ticket: 0,
            step: ExchangeStep::List,
        }
    }

    pub fn current(&self) -> Option<&OfficeStatus> {
        self.offices.get(self.selected)
    }

    pub fn mode(&self) -> Mode {
        match self.step {
            ExchangeStep::ExportPath(_) | ExchangeStep::ImportPath(_) => Mode::Input,
            ExchangeStep::Preview { .. } => Mode::Confirm,
            _ => Mode::Exchange,
        }
    }
}

impl Default for ExchangeScreen {
    fn default() -> Self {
        ExchangeScreen::new()
    }
}

/// The fields of the file import form, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportField {
    Path,
    Format,
    Mapping,
    Case,
    Source,
    Grade,
    Marking,
}

impl ImportField {
    pub const ALL: [ImportField; 7] = [
        ImportField::Path,
        ImportField::Format,
        ImportField::Mapping,
        ImportField::Case,
        ImportField::Source,
        ImportField::Grade,
        ImportField::Marking,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ImportField::Path => "File",
            ImportField::Format => "Format",
            ImportField::Mapping => "CSV mapping",
            ImportField::Case => "Into case",
            ImportField::Source => "Source",
            ImportField::Grade => "Grade",
            ImportField::Marking => "Marking",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportStep {
    Form,
    Working,
    Preview(FileImport, FileReport),
    Done(Result<FileReport, String>),
}

#[derive(Debug)]
pub struct ImportScreen {
    pub path: String,
    pub format: ImportFormat,
    pub mapping: String,
    pub case: String,
    /// Prefilled with the file's name until the analyst types one.
    pub source: String,
    pub source_typed: bool,
    pub grade: String,
    /// Prefilled with the target case's marking until the analyst types one; empty (the
    /// office default) when there is no case or its marking is not known here.
    pub marking: String,
    pub marking_typed: bool,
    /// Markings of the cases the workbench has listed, by reference, for the prefill.
    pub case_markings: Vec<(String, String)>,
    pub focus: ImportField,
    pub error: Option<String>,
    pub step: ImportStep,
}

impl ImportScreen {
    /// The form, with the case the analyst is working in already filled in, and its marking
    /// as the marking the values take where the file says nothing.
    pub fn new(case: Option<&str>, case_markings: Vec<(String, String)>) -> ImportScreen {
        let mut s = ImportScreen {
            path: String::new(),
            format: ImportFormat::Stix,
            mapping: String::new(),
            case: case.unwrap_or_default().to_owned(),
            source: String::new(),
            source_typed: false,
            grade: String::new(),
            marking: String::new(),
            marking_typed: false,
            case_markings,
            focus: ImportField::Path,
            error: None,
            step: ImportStep::Form,
        };
        s.prefill();
        s
    }

    /// The file's name as source and the case's marking as marking, where the analyst has
    /// not typed their own.
    pub fn prefill(&mut self) {
        if !self.source_typed {
            let path = std::path::Path::new(self.path.trim());
            self.source = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        }
        if !self.marking_typed {
            let case = self.case.trim();
            self.marking = self
                .case_markings
                .iter()
                .find(|(r, _)| !case.is_empty() && r.eq_ignore_ascii_case(case))
                .map(|(_, m)| m.clone())
                .unwrap_or_default();
        }
    }

    pub fn mode(&self) -> Mode {
        match self.step {
            ImportStep::Form => Mode::Input,
            ImportStep::Preview(..) => Mode::Confirm,
            ImportStep::Working | ImportStep::Done(_) => Mode::Exchange,
        }
    }

    /// The text of a typed field (None for the format choice).
    pub fn text(&self, field: ImportField) -> Option<&str> {
        match field {
            ImportField::Path => Some(&self.path),
            ImportField::Mapping => Some(&self.mapping),
            ImportField::Case => Some(&self.case),
            ImportField::Source => Some(&self.source),
            ImportField::Grade => Some(&self.grade),
            ImportField::Marking => Some(&self.marking),
            ImportField::Format => None,
        }
    }
}
