//! The conflicts inbox: every property where offices wrote competing values, and the value
//! the analyst keeps (as `liaison conflicts resolve`), sent as a write.

use crate::exchange::ConflictView;
use crate::store::conflicts::HeadView;
use crate::tui::action::Action;
use crate::tui::message::{Effect, Query, Write};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::ListCursor;

/// Rows a page key moves.
const PAGE_ROWS: isize = 10;

#[derive(Debug, Default)]
pub struct ConflictsScreen {
    pub conflicts: Vec<ConflictView>,
    /// The selected value, counted over the values of every conflict in order.
    pub selected: usize,
    pub loading: bool,
    pub ticket: u64,
    /// A resolution is being saved.
    pub saving: bool,
}

impl ConflictsScreen {
    /// Every value of every conflict, in order: the rows the cursor moves over.
    pub fn rows(&self) -> impl Iterator<Item = (&ConflictView, &HeadView)> {
        self.conflicts.iter().flat_map(|c| c.values.iter().map(move |v| (c, v)))
    }

    pub fn len(&self) -> usize {
        self.conflicts.iter().map(|c| c.values.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn current(&self) -> Option<(&ConflictView, &HeadView)> {
        self.rows().nth(self.selected)
    }
}

/// Opens the conflicts inbox and asks for the open conflicts.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::Conflicts(ConflictsScreen::default()));
    reload(state)
}

fn reload(state: &mut State) -> Vec<Effect> {
    let ticket = state.ticket();
    let Some(Popup::Conflicts(c)) = &mut state.popup else { return Vec::new() };
    c.ticket = ticket;
    c.loading = true;
    vec![Effect::Query(ticket, Query::Conflicts)]
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Conflicts(c)) = &mut state.popup else { return Vec::new() };
    if let Some(m) = action.list_move(PAGE_ROWS) {
        c.selected = ListCursor::new(c.selected, c.len()).moved(m);
        return Vec::new();
    }
    match action {
        Action::Refresh => return reload(state),
        Action::Submit | Action::Open => {
            if c.saving {
                return Vec::new();
            }
            let Some((cf, v)) = c.current() else { return Vec::new() };
            let write = Write::ResolveConflict { id: cf.id.clone(), keep: v.value.clone() };
            let text = format!("Keeping {:?} for {} · {}…", v.value, cf.caption, cf.prop);
            c.saving = true;
            state.info(text);
            return vec![Effect::Write(write)];
        }
        Action::Cancel | Action::Quit | Action::Conflicts => state.popup = None,
        _ => {}
    }
    Vec::new()
}

/// The open conflicts, matched by ticket.
pub fn loaded(state: &mut State, ticket: u64, list: Vec<ConflictView>) -> Vec<Effect> {
    if let Some(Popup::Conflicts(c)) = &mut state.popup {
        if c.ticket == ticket {
            c.conflicts = list;
            c.loading = false;
            c.saving = false;
            c.selected = ListCursor::new(c.selected, c.len()).clamped();
        }
    }
    Vec::new()
}

/// A write was saved: the inbox, if open, lists what is still open.
pub fn saved(state: &mut State) -> Vec<Effect> {
    if matches!(state.popup, Some(Popup::Conflicts(_))) { reload(state) } else { Vec::new() }
}

/// A query or write failed: the inbox stops waiting.
pub fn failed(state: &mut State) {
    if let Some(Popup::Conflicts(c)) = &mut state.popup {
        c.loading = false;
        c.saving = false;
    }
}
