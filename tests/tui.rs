//! The workbench, driven as an analyst drives it: key flows, reviewed snapshots and its layering rules.
//! One test binary for the group, so CI links the library once rather than once a file.

mod common;
mod exchange_support;
mod tui_support;

#[path = "tui/tui_analyst.rs"]
mod tui_analyst;
#[path = "tui/tui_analyst_day.rs"]
mod tui_analyst_day;
#[path = "tui/tui_analyst_tools.rs"]
mod tui_analyst_tools;
#[path = "tui/tui_exchange.rs"]
mod tui_exchange;
#[path = "tui/tui_flows.rs"]
mod tui_flows;
#[path = "tui/tui_fuzz_corpus.rs"]
mod tui_fuzz_corpus;
#[path = "tui/tui_import.rs"]
mod tui_import;
#[path = "tui/tui_layers.rs"]
mod tui_layers;
#[path = "tui/tui_network.rs"]
mod tui_network;
#[path = "tui/tui_review.rs"]
mod tui_review;
#[path = "tui/tui_rfi.rs"]
mod tui_rfi;
#[path = "tui/tui_snapshots.rs"]
mod tui_snapshots;
#[path = "tui/tui_speed_back.rs"]
mod tui_speed_back;
