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

/// Asks before deleting what the analyst points at: the link of a neighbour row or of a link
/// row in the detail pane, else the record in the detail pane.
pub fn open_delete(state: &mut State) -> Vec<Effect> {
    if let Some((id, label)) = state.selected_link() {
        state.popup = Some(Popup::Confirm(Confirm {
            question: format!(
                "Delete the {label}? The two entities stay. Other offices receive the deletion too."
            ),
            write: Write::Delete { id, label },
        }));
        return Vec::new();
    }
    match state.detail.view.as_deref().filter(|v| !v.deleted) {
        Some(v) => {
            let label = format!("{} {}", v.schema, v.caption);
            state.popup = Some(Popup::Confirm(Confirm {
                question: format!("Delete {label}? Other offices receive the deletion too."),
                write: Write::Delete { id: v.id, label },
            }));
        }
        None => state.error("Select something to delete."),
    }
    Vec::new()
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
