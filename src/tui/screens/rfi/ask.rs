//! Asking another office about the selected entity with one key: to whom (the trusted
//! offices the selected case is shared with, ← and → to choose; another name may be typed),
//! the question, the priority and a due date. Saved as `liaison rfi new` saves it, through
//! the store's one door; the form stays open until the store accepts, so its refusal (the
//! case not shared with that office) is read where the request was typed.

use uuid::Uuid;

use crate::model::values::normalise_date;
use crate::store::Provenance;
use crate::store::change::{Change, RfiChange};
use crate::tui::action::Action;
use crate::tui::message::{Effect, Query, Write};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::text_input::MAX_QUERY_CHARS;
use crate::tui::widgets::{Edit, TextInput};

/// Longest question typed (characters).
const MAX_QUESTION_CHARS: usize = 2000;
/// The priorities a request may have, the default first.
pub const PRIORITIES: [&str; 3] = ["routine", "urgent", "immediate"];

/// The form's fields, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskField {
    To,
    Question,
    Priority,
    Due,
}

impl AskField {
    pub const ALL: [AskField; 4] = [AskField::To, AskField::Question, AskField::Priority, AskField::Due];

    pub fn label(self) -> &'static str {
        match self {
            AskField::To => "To office",
            AskField::Question => "Question",
            AskField::Priority => "Priority",
            AskField::Due => "Due",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskForm {
    pub case: Uuid,
    pub reference: String,
    pub about: Uuid,
    pub caption: String,
    pub ticket: u64,
    /// The trusted offices the case is shared with; `None` until the store answers.
    pub offices: Option<Vec<String>>,
    pub to: String,
    pub question: String,
    pub priority: usize,
    pub due: String,
    pub focus: usize,
    pub error: Option<String>,
    /// Sent to the store; waiting for its answer.
    pub saving: bool,
}

impl AskForm {
    pub fn field(&self) -> AskField {
        AskField::ALL[self.focus % AskField::ALL.len()]
    }

    /// The text of a typed field.
    pub fn value(&self, field: AskField) -> String {
        match field {
            AskField::To => self.to.clone(),
            AskField::Question => self.question.clone(),
            AskField::Priority => PRIORITIES[self.priority % PRIORITIES.len()].to_owned(),
            AskField::Due => self.due.clone(),
        }
    }

    /// ← or → on the office or the priority: the next choice.
    fn cycle(&mut self, forward: bool) -> bool {
        match self.field() {
            AskField::Priority => {
                let n = PRIORITIES.len();
                self.priority = if forward { (self.priority + 1) % n } else { (self.priority + n - 1) % n };
                true
            }
            AskField::To => {
                let Some(offices) = self.offices.as_ref().filter(|o| !o.is_empty()) else { return false };
                let n = offices.len();
                let at = offices.iter().position(|o| *o == self.to.trim());
                let next = match (at, forward) {
                    (None, _) => 0,
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                };
                self.to.clone_from(&offices[next]);
                true
            }
            _ => false,
        }
    }

    /// The request, or what is missing.
    pub fn change(&self) -> Result<RfiChange, String> {
        let to = self.to.trim();
        if to.is_empty() {
            return Err("Name the office asked (← and → choose among those the case is shared with).".into());
        }
        let question = self.question.trim();
        if question.is_empty() {
            return Err("Type the question.".into());
        }
        let due = match self.due.trim() {
            "" => None,
            d => Some(normalise_date(d).map_err(|e| format!("Due: {d:?} {e}"))?),
        };
        Ok(RfiChange::Ask {
            case: self.case,
            to: to.to_owned(),
            question: question.to_owned(),
            about: vec![self.about],
            priority: Some(self.value(AskField::Priority)),
            due,
            prov: Provenance::default(),
        })
    }
}

/// Opens the form on the selected entity of the selected case, and asks the store which
/// offices the case is shared with.
pub fn open_ask(state: &mut State) -> Vec<Effect> {
    let (Some(case), Some((about, caption))) =
        (state.current_case().map(|c| (c.id, c.reference.clone())), state.selected_entity())
    else {
        state.error("Select a case and an entity in it (entities pane or detail), then ask.");
        return Vec::new();
    };
    let ticket = state.ticket();
    state.popup = Some(Popup::RfiAsk(Box::new(AskForm {
        case: case.0,
        reference: case.1,
        about,
        caption,
        ticket,
        offices: None,
        to: String::new(),
        question: String::new(),
        priority: 0,
        due: String::new(),
        focus: 1,
        error: None,
        saving: false,
    })));
    vec![Effect::Query(ticket, Query::RfiOffices { case: case.0 })]
}

/// The offices to choose from: the first is proposed unless a name was typed already.
pub fn offices_loaded(state: &mut State, ticket: u64, offices: Vec<String>) -> Vec<Effect> {
    if let Some(Popup::RfiAsk(f)) = &mut state.popup {
        if f.ticket == ticket {
            if f.to.trim().is_empty() {
                f.to = offices.first().cloned().unwrap_or_default();
            }
            f.offices = Some(offices);
        }
    }
    Vec::new()
}

pub fn update_ask(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::RfiAsk(f)) = &mut state.popup else { return Vec::new() };
    if f.saving {
        return Vec::new();
    }
    if let Some(edit) = action.text_edit() {
        if matches!(edit, Edit::Left | Edit::Right) && f.cycle(edit == Edit::Right) {
            f.error = None;
            return Vec::new();
        }
        let done = match f.field() {
            AskField::To => TextInput::new(&mut f.to, MAX_QUERY_CHARS).apply(edit),
            AskField::Question => TextInput::new(&mut f.question, MAX_QUESTION_CHARS).apply(edit),
            AskField::Due => TextInput::new(&mut f.due, MAX_QUERY_CHARS).apply(edit),
            AskField::Priority => false,
        };
        if done {
            f.error = None;
        }
        return Vec::new();
    }
    let n = AskField::ALL.len();
    match action {
        Action::NextField => f.focus = (f.focus + 1) % n,
        Action::PrevField => f.focus = (f.focus + n - 1) % n,
        Action::Submit | Action::Save => match f.change() {
            Ok(change) => {
                f.saving = true;
                f.error = None;
                return vec![Effect::Write(Write::Change(Change::Rfi(Box::new(change))))];
            }
            Err(e) => f.error = Some(e),
        },
        Action::Cancel | Action::Quit => state.popup = None,
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AskForm {
        AskForm {
            case: Uuid::nil(),
            reference: "PJ-1".into(),
            about: Uuid::nil(),
            caption: "Karim".into(),
            ticket: 1,
            offices: Some(vec!["Lyon".into(), "Madrid".into()]),
            to: "Lyon".into(),
            question: String::new(),
            priority: 0,
            due: String::new(),
            focus: 0,
            error: None,
            saving: false,
        }
    }

    #[test]
    fn arrows_choose_the_office_and_the_priority_and_a_question_is_needed() {
        let mut f = form();
        assert!(f.cycle(true));
        assert_eq!(f.to, "Madrid");
        assert!(f.cycle(true));
        assert_eq!(f.to, "Lyon", "round the list");
        f.focus = 2;
        f.cycle(false);
        assert_eq!(f.value(AskField::Priority), "immediate");
        assert_eq!(f.change().unwrap_err(), "Type the question.");
        f.question = "Do you know him?".into();
        f.due = "tomorrow".into();
        assert!(f.change().unwrap_err().starts_with("Due:"));
        f.due = "2025-04-01".into();
        let RfiChange::Ask { to, priority, due, about, .. } = f.change().unwrap() else { panic!("ask") };
        assert_eq!(
            (to.as_str(), priority.as_deref(), due.as_deref()),
            ("Lyon", Some("immediate"), Some("2025-04-01"))
        );
        assert_eq!(about, vec![Uuid::nil()]);
    }
}
