//! The command line as scripts and analysts use it: exit codes, input errors, polish, store commands, links, notes, undo, search, identity, hostile names, export leftovers.
//! One test binary for the group, so CI links the library once rather than once a file.

mod common;
mod exchange_support;

#[path = "cli/analyst_identity.rs"]
mod analyst_identity;
#[path = "cli/cli_exit_codes.rs"]
mod cli_exit_codes;
#[path = "cli/cli_input_gaps.rs"]
mod cli_input_gaps;
#[path = "cli/cli_json_output.rs"]
mod cli_json_output;
#[path = "cli/cli_polish.rs"]
mod cli_polish;
#[path = "cli/cli_store.rs"]
mod cli_store;
#[path = "cli/export_leftovers.rs"]
mod export_leftovers;
#[path = "cli/hostile_names.rs"]
mod hostile_names;
#[path = "cli/link_commands.rs"]
mod link_commands;
#[path = "cli/notes.rs"]
mod notes;
#[path = "cli/search_reports.rs"]
mod search_reports;
#[path = "cli/undo.rs"]
mod undo;
