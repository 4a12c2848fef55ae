//! Liaison: an offline-first, encrypted workbench for organised-crime task-force analysts.
//!
//! Module map (the TUI and the CLI are two faces on the same library; nothing below `tui`
//! and `cli` knows about terminals):
//! - [`model`]: the pure domain — schema, values, ids, hybrid clock, grades, markings, ops.
//! - [`store`]: the encrypted SQLCipher store — keys, migrations, the op log and what is
//!   derived from it, queries, audit.
//! - [`synth`]: the deterministic demo investigation and synthetic data at scale.
//! - [`exchange`]: office identities and signed, encrypted bundles between offices.
//! - [`interop`]: STIX, MISP, FtM, CSV, GraphML, i2 ANX.
//! - [`analysis`]: link analysis and task-force metrics.
//! - [`tui`]: the terminal workbench.
//! - [`cli`]: the command line.

pub mod analysis;
pub mod cli;
pub mod exchange;
pub mod interop;
pub mod model;
pub mod store;
pub mod synth;
pub mod tui;
