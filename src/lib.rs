//! Liaison: an offline-first, encrypted workbench for organised-crime task-force analysts.
//!
//! Module map (the TUI and the CLI are two faces on the same library; nothing below `tui`
//! and `cli` knows about terminals):
//! - [`model`]: the pure domain — schema, values, ids, hybrid clock, grades, markings, ops.
//! - [`store`]: the encrypted SQLCipher store — keys, migrations, the op log and what is
//!   derived from it, queries, audit.
//! - [`synth`]: the deterministic demo investigation and synthetic data at scale.
//! - [`cli`]: the command line.

pub mod cli;
pub mod model;
pub mod store;
pub mod synth;
