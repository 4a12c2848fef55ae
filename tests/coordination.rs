//! Offices working together (issue 15), as the analysts of two or three offices do it:
//! deconfliction without disclosure, watchlists, requests for information, joint operations
//! across offices and exchange through a shared folder. One test binary for all of them, so
//! CI links the library once rather than six times.

mod common;
mod exchange_support;

#[path = "coordination/bundle_turnaround.rs"]
mod bundle_turnaround;
#[path = "coordination/deconflict_operation.rs"]
mod deconflict_operation;
#[path = "coordination/deconflict_reply.rs"]
mod deconflict_reply;
#[path = "coordination/deconfliction.rs"]
mod deconfliction;
#[path = "coordination/exchange_watch.rs"]
mod exchange_watch;
#[path = "coordination/joint_operation_offices.rs"]
mod joint_operation_offices;
#[path = "coordination/psi_vectors.rs"]
mod psi_vectors;
#[path = "coordination/rfi_offices.rs"]
mod rfi_offices;
#[path = "coordination/rfi_without_case.rs"]
mod rfi_without_case;
#[path = "coordination/watchlists.rs"]
mod watchlists;
