//! The screens opened over the panes, one module each holding that screen's state and its
//! `update`; a screen depends on the messages, the shared state, the request helpers and
//! the widgets, never on another screen. Its view is in `ui/`.
//!
//! - [`confirm`]: the question asked before a deletion.
//! - [`conflicts`]: the conflicts inbox, where the analyst keeps one of competing values.
//! - [`exchange`]: the offices, and bundles exported to them or imported from them.
//! - [`import`]: the file import screen (STIX, MISP, FtM, CSV), with a preview first.
//! - [`measures`]: the task force's measures, month by month.
//! - [`palette`]: the command palette, every named action by name.
//! - [`search`]: search as you type, and going to a hit.
//!
//! The jobs the exchange and import screens send to the worker, and what comes back, are
//! messages (`message`).

pub mod confirm;
pub mod conflicts;
pub mod exchange;
pub mod import;
pub mod measures;
pub mod palette;
pub mod search;

// The paths the key-flow tests name these screens by.
pub use exchange::{ExchangeScreen, ExchangeStep};
pub use import::{FORMATS, ImportField, ImportScreen, ImportStep};
