//! The screens opened over the panes, one module each holding that screen's state and its
//! `update`; a screen depends on the messages, the shared state, the request helpers and
//! the widgets, never on another screen. Its view is in `ui/`.
//!
//! - [`panes`]: the main screen — cases, entities, timeline and detail — and its answers.
//! - [`form`]: forms built from the schema and the kind pickers before them.
//! - [`search`]: search as you type, and going to a hit.
//! - [`palette`]: the command palette, every named action by name (the dispatcher runs the
//!   chosen one).
//! - [`confirm`]: the question asked before a deletion.
//! - [`help`]: every binding, from the keymap.
//! - [`unlock`]: the passphrase, and moving between locked and unlocked.
//! - [`conflicts`]: the conflicts inbox, where the analyst keeps one of competing values.
//! - [`exchange`]: the offices, and bundles exported to them or imported from them.
//! - [`import`]: the file import screen (STIX, MISP, FtM, CSV), with a preview first.
//! - [`measures`]: the task force's measures, month by month.
//! - [`case_records`]: a joint operation, a task or arrests recorded in the selected case.
//! - [`network`]: a case's or an entity's network drawn, its brokers, and paths on it.
//! - [`rfi`]: requests for information, incoming and outgoing, and asking one.
//! - [`alerts`]: the watch alerts, newest first.
//! - [`review`]: the duplicate candidates, judged one pair at a time, and the entities' marks.
//!
//! The jobs the exchange and import screens send to the worker, and what comes back, are
//! messages (`message`).

pub mod alerts;
pub mod case_records;
pub mod confirm;
pub mod conflicts;
pub mod exchange;
pub mod form;
pub mod help;
pub mod import;
pub mod measures;
pub mod network;
pub mod palette;
pub mod panes;
pub mod review;
pub mod rfi;
pub mod search;
pub mod unlock;

// The paths the key-flow tests name these screens by.
pub use exchange::{ExchangeScreen, ExchangeStep};
pub use import::{FORMATS, ImportField, ImportScreen, ImportStep};
