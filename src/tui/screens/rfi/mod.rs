//! The requests-for-information pane (issue #15): the requests this office asked and those
//! asked of it, overdue first, then by due date; Tab shows incoming, outgoing or all; Enter
//! shows one with its answers and the time of each step; `a` answers an incoming request
//! (several lines, like a note), `c` closes and `o` reopens an outgoing one. Every write is a
//! [`Change::Rfi`] through the store's one door, on the worker; the pane waits for the store's
//! answer so that a refusal is shown where the analyst typed, not lost.
//!
//! [`ask`]: the small form that asks another office about the selected entity.

use uuid::Uuid;

use crate::store::Provenance;
use crate::store::change::{Change, RfiChange};
use crate::store::rfi::RfiRow;
use crate::tui::action::Action;
use crate::tui::message::{Effect, Query, Write};
use crate::tui::state::{Mode, Popup, State};
use crate::tui::widgets::{Edit, ListCursor, TextInput};

mod ask;
mod attach;
pub use ask::{AskField, AskForm, offices_loaded, open_ask, update_ask};
pub use attach::AttachPicker;
pub use attach::{loaded as members_loaded, waits_for as waits_for_members};

/// Longest answer typed (characters), as long as a note.
const MAX_ANSWER_CHARS: usize = 20_000;

/// Which requests the pane lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RfiTab {
    #[default]
    All,
    Incoming,
    Outgoing,
}

impl RfiTab {
    pub const ALL: [RfiTab; 3] = [RfiTab::All, RfiTab::Incoming, RfiTab::Outgoing];

    #[must_use]
    pub fn next(self) -> RfiTab {
        match self {
            RfiTab::All => RfiTab::Incoming,
            RfiTab::Incoming => RfiTab::Outgoing,
            RfiTab::Outgoing => RfiTab::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RfiTab::All => "All",
            RfiTab::Incoming => "Incoming",
            RfiTab::Outgoing => "Outgoing",
        }
    }

    /// The store's filter for this tab.
    fn incoming(self) -> Option<bool> {
        match self {
            RfiTab::All => None,
            RfiTab::Incoming => Some(true),
            RfiTab::Outgoing => Some(false),
        }
    }
}

/// An answer being typed to an incoming request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerEditor {
    pub rfi: Uuid,
    pub question: String,
    pub text: String,
    pub cursor: usize,
    /// Records of the case attached to the answer (id, caption), in the order chosen.
    pub attach: Vec<(Uuid, String)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RfiScreen {
    pub ticket: u64,
    pub tab: RfiTab,
    /// `None` until the store answers.
    pub rows: Option<Vec<RfiRow>>,
    pub selected: usize,
    /// Enter: the selected request shown whole, with its answers and step times.
    pub showing: bool,
    pub scroll: u16,
    pub answer: Option<AnswerEditor>,
    /// A write sent to the store, waiting for its answer.
    pub saving: bool,
    /// The store's refusal of the last write.
    pub error: Option<String>,
    /// Choosing records of the case to attach to the answer being typed.
    pub picker: Option<AttachPicker>,
}

impl RfiScreen {
    pub fn current(&self) -> Option<&RfiRow> {
        self.rows.as_ref()?.get(self.selected)
    }

    /// Typing an answer takes text, as a form does (Enter a new line, Ctrl-S saves).
    pub fn mode(&self) -> Mode {
        match (&self.answer, &self.picker) {
            (Some(_), Some(_)) => Mode::Picker,
            (Some(_), None) => Mode::Form,
            _ => Mode::Rfi,
        }
    }
}

pub fn open(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::Rfi(Box::default()));
    ask_rows(state)
}

fn ask_rows(state: &mut State) -> Vec<Effect> {
    let ticket = state.ticket();
    let Some(Popup::Rfi(r)) = &mut state.popup else { return Vec::new() };
    r.ticket = ticket;
    vec![Effect::Query(ticket, Query::Rfis { incoming: r.tab.incoming() })]
}

/// The store's list, for the tab shown (a late answer for another tab is dropped).
pub fn loaded(state: &mut State, ticket: u64, rows: Vec<RfiRow>) -> Vec<Effect> {
    if let Some(Popup::Rfi(r)) = &mut state.popup {
        if r.ticket == ticket {
            // The selection stays on the same request when it is still listed.
            let keep = r.current().map(|c| c.id);
            r.selected = keep
                .and_then(|id| rows.iter().position(|x| x.id == id))
                .unwrap_or_else(|| ListCursor::new(r.selected, rows.len()).clamped());
            r.rows = Some(rows);
        }
    }
    Vec::new()
}

fn send(r: &mut RfiScreen, change: RfiChange) -> Vec<Effect> {
    r.saving = true;
    r.error = None;
    vec![Effect::Write(Write::Change(Change::Rfi(Box::new(change))))]
}

/// Keys while an answer is typed: text, Enter a new line, Ctrl-S sends, Esc leaves it.
fn answering(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Rfi(r)) = &mut state.popup else { return Vec::new() };
    let Some(a) = &mut r.answer else { return Vec::new() };
    if let Some(edit) = action.text_edit() {
        TextInput::with_cursor(&mut a.text, &mut a.cursor, MAX_ANSWER_CHARS).multiline().apply(edit);
        r.error = None;
        return Vec::new();
    }
    match action {
        Action::Submit => {
            TextInput::with_cursor(&mut a.text, &mut a.cursor, MAX_ANSWER_CHARS)
                .multiline()
                .apply(Edit::Newline);
        }
        Action::Save if a.text.trim().is_empty() => r.error = Some("Type the answer first.".into()),
        Action::Save => {
            let change = RfiChange::Answer {
                rfi: a.rfi,
                text: a.text.trim_end().to_owned(),
                attach: a.attach.iter().map(|(id, _)| *id).collect(),
                prov: Provenance::default(),
            };
            return send(r, change);
        }
        Action::Cancel => {
            r.answer = None;
            r.error = None;
        }
        Action::AttachRecord => return attach::open(state),
        _ => {}
    }
    Vec::new()
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Rfi(r)) = &mut state.popup else { return Vec::new() };
    if r.saving {
        return Vec::new();
    }
    if r.picker.is_some() {
        return attach::update(state, action);
    }
    if r.answer.is_some() {
        return answering(state, action);
    }
    let len = r.rows.as_ref().map_or(0, Vec::len);
    if !r.showing {
        if let Some(m) = action.list_move(10) {
            r.selected = ListCursor::new(r.selected, len).moved(m);
            return Vec::new();
        }
    }
    match action {
        Action::SelectNext if r.showing => r.scroll = r.scroll.saturating_add(1),
        Action::SelectPrev if r.showing => r.scroll = r.scroll.saturating_sub(1),
        Action::RfiTab => {
            r.tab = r.tab.next();
            r.showing = false;
            r.rows = None;
            r.selected = 0;
            return ask_rows(state);
        }
        Action::Open | Action::Submit if r.current().is_some() => {
            r.showing = !r.showing;
            r.scroll = 0;
        }
        Action::AnswerRfi => match r.current() {
            Some(row) if row.direction != "incoming" => {
                r.error = Some("This request is this office's own: the office asked answers it.".into());
            }
            Some(row) if row.status == "closed" => {
                r.error = Some("This request is closed: the asking office reopens it.".into());
            }
            Some(row) => {
                r.answer = Some(AnswerEditor {
                    rfi: row.id,
                    question: row.question.clone(),
                    ..AnswerEditor::default()
                });
                r.error = None;
            }
            None => {}
        },
        Action::CloseRfi | Action::ReopenRfi => {
            let close = *action == Action::CloseRfi;
            match r.current() {
                Some(row) if row.direction != "outgoing" => {
                    r.error = Some("Only the office that asked closes or reopens a request.".into());
                }
                Some(row) if close && row.status == "closed" => r.error = Some("Already closed.".into()),
                Some(row) if !close && row.status != "closed" => r.error = Some("It is open.".into()),
                Some(row) => {
                    let rfi = row.id;
                    return send(r, if close { RfiChange::Close { rfi } } else { RfiChange::Reopen { rfi } });
                }
                None => {}
            }
        }
        Action::Refresh => return ask_rows(state),
        Action::Cancel if r.showing => r.showing = false,
        Action::Cancel | Action::Rfis | Action::Quit => state.popup = None,
        _ => {}
    }
    Vec::new()
}

/// The store saved the pane's write: the list is read again.
pub fn saved(state: &mut State) -> Vec<Effect> {
    match &mut state.popup {
        Some(Popup::Rfi(r)) if r.saving => {
            r.saving = false;
            r.answer = None;
            ask_rows(state)
        }
        Some(Popup::RfiAsk(f)) if f.saving => {
            state.popup = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The store refused the write: the pane (or the form) stays, with the reason.
pub fn failed(state: &mut State, message: &str) {
    match &mut state.popup {
        Some(Popup::Rfi(r)) if r.saving => {
            r.saving = false;
            r.error = Some(message.to_owned());
        }
        Some(Popup::RfiAsk(f)) if f.saving => {
            f.saving = false;
            f.error = Some(message.to_owned());
        }
        _ => {}
    }
}
