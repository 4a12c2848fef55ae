//! What the store's thread sends back to the runtime.

use crate::store::{Store, StoreError};
use crate::tui::action::Action;

/// What the thread sends back.
pub enum Reply {
    Action(Action),
    /// One request is answered (or skipped).
    Finished,
    /// The unlock thread's result (the store moves to a new worker).
    Opened(Box<Result<Store, StoreError>>),
}
