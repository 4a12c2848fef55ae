//! The confirmation asked before a deletion: y sends the write, n or Esc leaves the store as
//! it is.

use crate::store::change::Change;
use crate::store::undo::UndoPlan;
use crate::tui::action::Action;
use crate::tui::message::{Effect, Write};
use crate::tui::state::{Popup, State};

/// A question before something that cannot be taken back lightly.
#[derive(Debug)]
pub struct Confirm {
    pub question: String,
    pub write: Write,
    /// What the status bar says when the analyst answers no.
    pub declined: &'static str,
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
            declined: "Nothing was deleted.",
        }));
        return Vec::new();
    }
    match state.detail.view.as_deref().filter(|v| !v.deleted) {
        Some(v) => {
            let label = format!("{} {}", v.schema, v.caption);
            state.popup = Some(Popup::Confirm(Confirm {
                question: format!("Delete {label}? Other offices receive the deletion too."),
                write: Write::Delete { id: v.id, label },
                declined: "Nothing was deleted.",
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
            if let Some(Popup::Confirm(c)) = state.popup.take() {
                state.info(c.declined);
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// `u`: asks the worker what undoing the session's last write would do.
pub fn ask_undo(state: &mut State) -> Vec<Effect> {
    state.info("Looking up the last change…");
    vec![Effect::UndoPreview]
}

/// What undoing would do, named first: the analyst says yes or no.
pub fn undo_loaded(state: &mut State, plan: Option<Box<UndoPlan>>) -> Vec<Effect> {
    let Some(plan) = plan else {
        state.info("Nothing written in this session is left to undo.");
        return Vec::new();
    };
    let steps = plan.description.join("; ");
    state.popup = Some(Popup::Confirm(Confirm {
        question: format!("Undo: {steps}? It is written as new edits, which other offices receive."),
        write: Write::Change(Change::Undo { commits: plan.commits.clone() }),
        declined: "Nothing was undone.",
    }));
    Vec::new()
}
