//! The screens opened over the panes, one module each holding that screen's state and its
//! `update`; a screen depends on the messages, the shared state, the request helpers and
//! the widgets, never on another screen. Its view is in `ui/`.
//!
//! - [`conflicts`]: the conflicts inbox, where the analyst keeps one of competing values.
//! - [`import`]: the file import screen (STIX, MISP, FtM, CSV), with a preview first.
//! - [`measures`]: the task force's measures, month by month.
//!
//! Still here, until it gets a module of its own: the state of the exchange screen (offices,
//! export, bundle import), written by `update_exchange` only. The jobs the exchange screens
//! send to the worker, and what comes back, are messages (`message`).

pub mod conflicts;
pub mod import;
pub mod measures;

// The paths the key-flow tests name the import screen by.
pub use import::{FORMATS, ImportField, ImportScreen, ImportStep};

use std::path::PathBuf;

use crate::exchange::{ImportReport as BundleReport, OfficeStatus};

use super::keymap::Mode;
use super::message::Outcome;

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
