//! `update` while a form is open: typing at the cursor, moving between fields and through a
//! field's choices, new lines in a note, saving.

use super::{Form, MAX_FIELD_CHARS, Submitted};
use crate::model::values::{Locale, country_code};
use crate::tui::action::Action;
use crate::tui::message::Effect;
use crate::tui::requests::{load_cases, load_timeline};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::{Edit, TextInput};

/// Longest note or summary typed (characters).
const MAX_TEXT_CHARS: usize = 20_000;

impl Form {
    /// Edits the focused field at its cursor. Typing or deleting answers the field's error;
    /// clearing leaves it in view until something is typed. ← and → move through a field's
    /// fixed list of values instead of its text.
    pub fn edit(&mut self, edit: Edit) -> bool {
        let Some(f) = self.fields.get_mut(self.focus) else { return false };
        match edit {
            Edit::Left | Edit::Right if !f.choices.is_empty() => return f.cycle(edit == Edit::Right),
            _ => {}
        }
        let max = if f.multiline { MAX_TEXT_CHARS } else { MAX_FIELD_CHARS };
        let mut input = TextInput::with_cursor(&mut f.value, &mut f.cursor, max);
        if f.multiline {
            input = input.multiline();
        }
        let done = input.apply(edit);
        if done && !matches!(edit, Edit::Clear | Edit::Left | Edit::Right | Edit::Home | Edit::End) {
            f.error = None;
        }
        done
    }
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let locale = Locale { default_country: country_code(&state.country) };
    // A note names the analyst who wrote it (the office when none is chosen).
    let author = state.analyst.clone().unwrap_or_else(|| state.office.clone());
    let Some(Popup::Form(f)) = &mut state.popup else { return Vec::new() };
    if let Some(edit) = action.text_edit() {
        f.edit(edit);
        return Vec::new();
    }
    match action {
        Action::NextField => f.focus = (f.focus + 1) % f.fields.len().max(1),
        Action::PrevField => f.focus = (f.focus + f.fields.len().max(1) - 1) % f.fields.len().max(1),
        Action::Cancel => state.popup = None,
        // Enter in a note's text starts a new line; Ctrl-S saves from anywhere.
        Action::Submit if f.fields.get(f.focus).is_some_and(|x| x.multiline) => {
            f.edit(Edit::Newline);
        }
        Action::Submit | Action::Save => {
            let Some(done) = f.submit(locale, &author) else { return Vec::new() };
            state.popup = None;
            return match done {
                Submitted::Write(w) => {
                    state.info("Saving…");
                    vec![Effect::Write(w)]
                }
                Submitted::CaseFilter { text } => {
                    state.cases.text = text;
                    vec![load_cases(state)]
                }
                Submitted::TimelineRange { from, to } => {
                    state.timeline.from = from;
                    state.timeline.to = to;
                    state.timeline.items.clear();
                    state.timeline.selected = 0;
                    load_timeline(state)
                }
            };
        }
        _ => {}
    }
    Vec::new()
}
