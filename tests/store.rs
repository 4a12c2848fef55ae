//! The encrypted store as a library: its API, the audit anchor, members at scale, a full disk and the leak property.
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
#[path = "store/store_full_disk.rs"]
mod store_full_disk;
#[path = "store/store_lib.rs"]
mod store_lib;
