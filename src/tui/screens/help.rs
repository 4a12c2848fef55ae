//! The help screen: every binding of every mode, generated from the keymap (its view is
//! `ui::help_text`), scrolled with the usual keys.

use crate::tui::action::Action;
use crate::tui::message::Effect;
use crate::tui::state::{Popup, State};

pub fn open(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::Help { scroll: 0 });
    Vec::new()
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Help { scroll }) = &mut state.popup else { return Vec::new() };
    match action {
        Action::SelectNext => *scroll = scroll.saturating_add(1),
        Action::SelectPrev => *scroll = scroll.saturating_sub(1),
        Action::PageDown => *scroll = scroll.saturating_add(10),
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::Cancel | Action::Help | Action::Quit => state.popup = None,
        _ => {}
    }
    Vec::new()
}
