//! Link analysis over the store: neighbourhoods, paths, duplicate candidates, task-force
//! metrics. Knows nothing of terminals.

pub mod duplicates;
pub mod network;
pub mod path;
pub mod xref;
