//! Bundles between offices: the command line, convergence, golden files, what is released and tampering.
//! One test binary for the group, so CI links the library once rather than once a file.

mod common;
mod exchange_support;

#[path = "exchange/exchange_cli.rs"]
mod exchange_cli;
#[path = "exchange/exchange_converge.rs"]
mod exchange_converge;
#[path = "exchange/exchange_golden.rs"]
mod exchange_golden;
#[path = "exchange/exchange_quiet.rs"]
mod exchange_quiet;
#[path = "exchange/exchange_release.rs"]
mod exchange_release;
#[path = "exchange/exchange_tamper.rs"]
mod exchange_tamper;
