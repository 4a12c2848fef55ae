//! What `update` asks the runtime to do: the only way state changes reach the world.

use zeroize::Zeroizing;

use super::worker::{Query, Write};

#[derive(Debug)]
pub enum Effect {
    /// Ask the store a question; the answer comes back as `Action::Loaded(ticket, …)`.
    Query(u64, Query),
    /// Save a change through the store's `Txn` (signed op, audited).
    Write(Write),
    /// Try this passphrase on a worker thread (key derivation is slow).
    Unlock(Zeroizing<String>),
    /// Clear the screen and drop the store, and its key, now.
    Lock,
    /// Restore the terminal and leave.
    Quit,
    /// Generate this many synthetic entities on the worker.
    Generate(u64),
    /// Stop the running job at its next checkpoint.
    CancelJob,
    /// Export or import on the worker, with progress; `CancelJob` stops it.
    Exchange(super::screens::ExchangeJob),
    /// Record a read in the audit log (a search, as the command line records it).
    Audit(&'static str, serde_json::Value),
}
