//! Widgets written once for every screen: a one-line text input, the cursor of a list, and
//! Tab completion of a typed path.
//!
//! Their rules are pure and need no terminal, so each screen's state keeps plain data (the
//! text as a `String`, the selection as a `usize`) and every screen edits and moves it the
//! same way. Nothing here imports the rest of the workbench.

pub mod list_cursor;
pub mod path_complete;
pub mod text_input;

pub use list_cursor::{ListCursor, Move};
pub use text_input::{Edit, TextInput};
