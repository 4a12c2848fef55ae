//! Link analysis over the store: neighbourhoods, paths, duplicate candidates, task-force
//! metrics. Knows nothing of terminals.

pub mod centrality;
pub mod chart;
pub mod communities;
pub mod duplicates;
pub mod graph;
pub mod layout;
pub mod network;
pub mod path;
pub mod walk;
pub mod xref;
