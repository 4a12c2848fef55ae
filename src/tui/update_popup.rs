//! `update` for the unlock screen and the popups: forms, pickers and help (search, the
//! palette and the confirmation are in `screens`).

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::action::Action;
use super::form::{Form, PickPurpose, Submitted};
use super::message::Effect;
use super::state::{Popup, Screen, State};
use super::update::{load_cases, load_timeline};
use super::widgets::text_input::MAX_QUERY_CHARS;
use super::widgets::{ListCursor, Move, TextInput};
use crate::model::schema::Schema;
use crate::model::values::{Locale, country_code};

/// Longest passphrase accepted on the unlock screen (characters).
const MAX_PASSPHRASE_CHARS: usize = super::state::PASSPHRASE_CAPACITY / 4;
/// The delay after a wrong passphrase doubles up to this.
const MAX_DELAY_SECS: u64 = 30;

/// The wait imposed after `failures` wrong passphrases: 1 s, 2 s, 4 s… up to 30 s.
pub fn unlock_delay(failures: u32) -> Duration {
    Duration::from_secs((1u64 << failures.saturating_sub(1).min(5)).min(MAX_DELAY_SECS))
}

pub fn unlock(state: &mut State, action: Action) -> Vec<Effect> {
    let Screen::Unlock(u) = &mut state.screen else { return Vec::new() };
    match action {
        // Within the capacity reserved up front: the buffer never moves, leaving no copy.
        Action::TypeChar(_) | Action::DeleteChar | Action::ClearInput => {
            action.edit(TextInput::new(&mut u.input, MAX_PASSPHRASE_CHARS));
        }
        Action::Tick if u.retry_at.is_some_and(|t| Instant::now() >= t) => {
            u.retry_at = None;
            u.message = Some(format!(
                "Wrong passphrase ({} failed attempt{}). Try again.",
                u.failures,
                if u.failures == 1 { "" } else { "s" }
            ));
        }
        Action::Submit => {
            if u.busy {
                return Vec::new();
            }
            if let Some(t) = u.retry_at {
                let left = t.saturating_duration_since(Instant::now());
                if !left.is_zero() {
                    u.message = Some(format!("Wait {} s before trying again.", left.as_secs() + 1));
                    return Vec::new();
                }
            }
            if u.input.is_empty() {
                u.message = Some("Type the passphrase, then Enter.".into());
                return Vec::new();
            }
            u.busy = true;
            u.message = Some("Unlocking…".into());
            // Moved, not copied: the only copy goes to the unlock thread and is wiped there.
            let pass = Zeroizing::new(std::mem::replace(
                &mut *u.input,
                String::with_capacity(super::state::PASSPHRASE_CAPACITY),
            ));
            return vec![Effect::Unlock(pass)];
        }
        Action::UnlockFailed(message) => {
            u.busy = false;
            u.failures += 1;
            let delay = unlock_delay(u.failures);
            u.retry_at = Some(Instant::now() + delay);
            u.message = Some(format!("{message} Wait {} s.", delay.as_secs()));
        }
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        _ => {}
    }
    Vec::new()
}

pub fn help(state: &mut State, action: &Action) -> Vec<Effect> {
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

pub fn form(state: &mut State, action: &Action) -> Vec<Effect> {
    let locale = Locale { default_country: country_code(&state.country) };
    let author = state.office.clone();
    let Some(Popup::Form(f)) = &mut state.popup else { return Vec::new() };
    if let Some(edit) = action.text_edit() {
        f.edit(edit);
        return Vec::new();
    }
    match action {
        Action::NextField => f.focus = (f.focus + 1) % f.fields.len().max(1),
        Action::PrevField => f.focus = (f.focus + f.fields.len().max(1) - 1) % f.fields.len().max(1),
        Action::Cancel => state.popup = None,
        Action::Submit => {
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

pub fn picker(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Picker(p)) = &mut state.popup else { return Vec::new() };
    if action.edit(TextInput::new(&mut p.filter, MAX_QUERY_CHARS)) {
        p.selected = 0;
        return Vec::new();
    }
    match action {
        Action::SelectNext => p.selected = ListCursor::new(p.selected, p.visible().len()).moved(Move::NEXT),
        Action::SelectPrev => p.selected = ListCursor::new(p.selected, p.visible().len()).moved(Move::PREV),
        Action::Cancel => state.popup = None,
        Action::Submit | Action::Open => {
            let Some(chosen) = p.chosen() else { return Vec::new() };
            let Ok(kind) = Schema::builtin().kind(&chosen) else { return Vec::new() };
            let purpose = p.purpose.clone();
            let form = match purpose {
                PickPurpose::EntityKind { case: Some((id, reference, marking)) } => {
                    Form::new_entity(kind, Some((id, &reference)), &marking)
                }
                PickPurpose::EntityKind { case: None } => {
                    Form::new_entity(kind, None, &state.default_marking)
                }
                PickPurpose::LinkKind { from, to, case } => {
                    let marking =
                        case.as_ref().map_or_else(|| state.default_marking.clone(), |c| c.2.clone());
                    let case = case.as_ref().map(|(id, reference, _)| (*id, reference.as_str()));
                    Form::new_link(kind, (from.0, &from.1), (to.0, &to.1), case, &marking)
                }
            };
            state.popup = Some(Popup::Form(Box::new(form)));
        }
        _ => {}
    }
    Vec::new()
}
