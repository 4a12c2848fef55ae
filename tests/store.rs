//! The encrypted store: its API, the audit anchor, upgrades from earlier releases, members at scale, a full disk, the leak property, the unlock agent, file modes and the counters behind `stats`.
//! One test binary for the group, so CI links the library once rather than once a file.

mod common;
mod exchange_support;
mod leak_support;

#[path = "store/audit_anchor.rs"]
mod audit_anchor;
#[path = "store/leak_property.rs"]
mod leak_property;
#[path = "store/members_scale.rs"]
mod members_scale;
#[path = "store/stats_counters.rs"]
mod stats_counters;
#[path = "store/store_files_mode.rs"]
mod store_files_mode;
#[path = "store/store_full_disk.rs"]
mod store_full_disk;
#[path = "store/store_lib.rs"]
mod store_lib;
#[path = "store/unlock_agent.rs"]
mod unlock_agent;
#[path = "store/upgrade_answers.rs"]
mod upgrade_answers;
