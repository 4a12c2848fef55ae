//! The confirmation asked before a deletion: y sends the write, n or Esc leaves the store as
//! it is.

use crate::tui::action::Action;
use crate::tui::message::{Effect, Write};
use crate::tui::state::{Popup, State};

/// A question before something that cannot be taken back lightly.
#[derive(Debug)]
pub struct Confirm {
    pub question: String,
    pub write: Write,
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    match action {
        Action::Submit => {
            let Some(Popup::Confirm(c)) = state.popup.take() else { return Vec::new() };
            state.info("Saving…");
            vec![Effect::Write(c.write)]
        }
        Action::Cancel => {
            state.popup = None;
            state.info("Nothing was deleted.");
            Vec::new()
        }
        _ => Vec::new(),
    }
}
