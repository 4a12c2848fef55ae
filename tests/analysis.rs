//! Analysis on a real store: judgements, duplicates, paths, the link chart and the network measures against NetworkX.
//! One test binary for the group, so CI links the library once rather than once a file.

mod common;
mod exchange_support;
mod interop_common;

#[path = "analysis/chart_svg.rs"]
mod chart_svg;
#[path = "analysis/duplicates_demo.rs"]
mod duplicates_demo;
#[path = "analysis/duplicates_oracle.rs"]
mod duplicates_oracle;
#[path = "analysis/judgements_cli.rs"]
mod judgements_cli;
#[path = "analysis/judgements_exchange.rs"]
mod judgements_exchange;
#[path = "analysis/judgements_lib.rs"]
mod judgements_lib;
#[path = "analysis/network_networkx.rs"]
mod network_networkx;
#[path = "analysis/path_demo.rs"]
mod path_demo;
#[path = "analysis/resolved_views.rs"]
mod resolved_views;
