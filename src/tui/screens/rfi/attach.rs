//! Attaching records to an answer (issue 15): `Ctrl-T` while an answer is typed lists the
//! entities of the request's case (typed text narrows them by name, as the entities filter
//! does, read page by page from the store, never the whole case); Enter attaches the
//! selected one or takes it off again; Esc goes back to the text. The answer carries them as
//! `liaison rfi answer --attach` does (`RfiChange::Answer { attach }`): they join the case
//! and travel with the answer under their own markings.

use uuid::Uuid;

use crate::store::query::{MemberQuery, MemberRow};
use crate::tui::action::Action;
use crate::tui::message::{Effect, Loaded, Query};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::text_input::MAX_QUERY_CHARS;
use crate::tui::widgets::{ListCursor, TextInput};

/// The case's entities to choose from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttachPicker {
    pub case: Uuid,
    pub reference: String,
    pub ticket: u64,
    pub filter: String,
    /// `None` until the store answers.
    pub rows: Option<Vec<MemberRow>>,
    pub selected: usize,
}

/// Opens the picker on the request's case (found among the cases the workbench listed).
pub fn open(state: &mut State) -> Vec<Effect> {
    let ticket = state.ticket();
    let rows = &state.cases.rows;
    let Some(Popup::Rfi(r)) = &mut state.popup else { return Vec::new() };
    let Some(reference) = r.current().map(|row| row.case.clone()) else { return Vec::new() };
    let Some(case) = rows.iter().find(|c| c.reference == reference).map(|c| c.id) else {
        r.error = Some(format!("The case {reference} is not listed here: its records cannot be chosen."));
        return Vec::new();
    };
    r.picker = Some(AttachPicker { case, reference, ticket, ..AttachPicker::default() });
    r.error = None;
    vec![ask(ticket, case, "")]
}

fn ask(ticket: u64, case: Uuid, filter: &str) -> Effect {
    let text = Some(filter.trim().to_owned()).filter(|t| !t.is_empty());
    Effect::Query(
        ticket,
        Query::Members { case, offset: 0, filter: MemberQuery { text, ..MemberQuery::default() } },
    )
}

/// Whether the picker waits for this answer.
pub fn waits_for(state: &State, ticket: u64) -> bool {
    matches!(&state.popup, Some(Popup::Rfi(r)) if r.picker.as_ref().is_some_and(|p| p.ticket == ticket))
}

pub fn loaded(state: &mut State, ticket: u64, loaded: Loaded) -> Vec<Effect> {
    if let (Some(Popup::Rfi(r)), Loaded::Members { rows, .. }) = (&mut state.popup, loaded) {
        if let Some(p) = r.picker.as_mut().filter(|p| p.ticket == ticket) {
            p.selected = ListCursor::new(p.selected, rows.len()).clamped();
            p.rows = Some(rows);
        }
    }
    Vec::new()
}

/// Keys while choosing: typing narrows, Enter attaches or detaches, Esc goes back.
pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let ticket = state.ticket();
    let Some(Popup::Rfi(r)) = &mut state.popup else { return Vec::new() };
    let (Some(p), Some(answer)) = (r.picker.as_mut(), r.answer.as_mut()) else { return Vec::new() };
    if action.edit(TextInput::new(&mut p.filter, MAX_QUERY_CHARS)) {
        p.ticket = ticket;
        p.selected = 0;
        return vec![ask(ticket, p.case, &p.filter)];
    }
    let len = p.rows.as_ref().map_or(0, Vec::len);
    if let Some(m) = action.list_move(10) {
        p.selected = ListCursor::new(p.selected, len).moved(m);
        return Vec::new();
    }
    match action {
        Action::Submit => {
            if let Some(row) = p.rows.as_ref().and_then(|rows| rows.get(p.selected)) {
                match answer.attach.iter().position(|(id, _)| *id == row.id) {
                    Some(i) => {
                        answer.attach.remove(i);
                    }
                    None => answer.attach.push((row.id, row.caption.clone())),
                }
            }
        }
        Action::Cancel | Action::AttachRecord | Action::Quit => r.picker = None,
        _ => {}
    }
    Vec::new()
}
