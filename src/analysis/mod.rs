//! Link analysis over the store: neighbourhoods, paths, duplicate candidates, task-force
//! metrics. Knows nothing of terminals.

pub mod chart;
pub mod layout;
pub mod network;
pub mod path;
