//! The command palette, its state and its `update`: every named action, filtered by typing,
//! run by name.

use crate::tui::action::Action;
use crate::tui::message::Effect;
use crate::tui::state::{Popup, State};
use crate::tui::widgets::text_input::MAX_QUERY_CHARS;
use crate::tui::widgets::{ListCursor, Move, TextInput};

#[derive(Debug, Default)]
pub struct PalettePopup {
    pub query: String,
    pub selected: usize,
}

impl PalettePopup {
    /// The entries shown for the query typed, each with its description.
    pub fn entries(&self) -> Vec<(Action, &'static str)> {
        entries(&self.query)
    }
}

/// Named actions whose name or description contains `filter`.
fn entries(filter: &str) -> Vec<(Action, &'static str)> {
    let f = filter.trim().to_lowercase();
    Action::named()
        .into_iter()
        .filter(|(a, d)| {
            f.is_empty() || a.name().is_some_and(|n| n.contains(&f)) || d.to_lowercase().contains(&f)
        })
        .filter(|(a, _)| {
            !matches!(
                a,
                Action::Submit
                    | Action::Cancel
                    | Action::NextField
                    | Action::PrevField
                    | Action::DeleteChar
                    | Action::ClearInput
                    | Action::CursorLeft
                    | Action::CursorRight
                    | Action::LineStart
                    | Action::LineEnd
                    | Action::DeleteNextChar
                    | Action::Save
                    | Action::Palette
            )
        })
        .collect()
}

pub fn open(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::Palette(PalettePopup::default()));
    Vec::new()
}

/// `update` while the palette is open. An entry chosen is given back, closed, to be run as if
/// its key had been pressed on the main screen (the dispatcher runs it: the palette knows no
/// other screen).
pub fn update(state: &mut State, action: &Action) -> Option<Action> {
    let Some(Popup::Palette(p)) = &mut state.popup else { return None };
    if action.edit(TextInput::new(&mut p.query, MAX_QUERY_CHARS)) {
        p.selected = 0;
        return None;
    }
    match action {
        Action::SelectNext | Action::SelectPrev => {
            let m = if *action == Action::SelectNext { Move::NEXT } else { Move::PREV };
            p.selected = ListCursor::new(p.selected, p.entries().len()).moved(m);
        }
        Action::Cancel => state.popup = None,
        Action::Submit | Action::Open => {
            let chosen = p.entries().get(p.selected).map(|(a, _)| a.clone());
            state.popup = None;
            return chosen;
        }
        _ => {}
    }
    None
}
