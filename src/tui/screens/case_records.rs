//! Case records from the workbench: a joint operation, a task, or arrests (an executed
//! operation with the arrests made in it: the schema counts arrests on the operation) of the
//! selected case. Saved as `liaison case operation|task` saves them: a
//! [`Change::CaseRecord`] through the store's one door, on the worker. The screen stays open
//! until the store has accepted the record, so a refused value is corrected, not retyped.

use uuid::Uuid;

use crate::store::Provenance;
use crate::store::change::Change;
use crate::tui::action::Action;
use crate::tui::message::{Effect, Write};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::TextInput;
use crate::tui::widgets::text_input::MAX_QUERY_CHARS;

/// What is being recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Operation,
    Task,
    /// An executed operation, its arrests first.
    Arrests,
}

impl RecordKind {
    /// The schema kind written.
    pub fn schema(self) -> &'static str {
        match self {
            RecordKind::Operation | RecordKind::Arrests => "Operation",
            RecordKind::Task => "Task",
        }
    }

    /// What the analyst is doing, for the title and the message.
    pub fn label(self) -> &'static str {
        match self {
            RecordKind::Operation => "Joint operation",
            RecordKind::Task => "Task",
            RecordKind::Arrests => "Arrests",
        }
    }
}

/// One field: the property it fills, its label, a hint, and what is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordField {
    pub prop: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
    /// Several values, separated by this character (agencies, seizures).
    pub split: Option<char>,
    pub required: bool,
}

fn field(prop: &'static str, label: &'static str, hint: &'static str) -> RecordField {
    RecordField { prop, label, hint, value: String::new(), split: None, required: false }
}

fn operation_fields() -> Vec<RecordField> {
    vec![
        RecordField { required: true, ..field("name", "Name", "e.g. Operation Harbour") },
        RecordField {
            value: "planned".into(),
            ..field("status", "Status", "planned, executed or cancelled")
        },
        field("plannedDate", "Planned", "YYYY-MM-DD"),
        field("executedDate", "Executed", "YYYY-MM-DD"),
        RecordField { split: Some(','), ..field("agencies", "Agencies", "separated by commas") },
        field("arrests", "Arrests", "a number"),
        RecordField {
            split: Some(';'),
            ..field("seizures", "Seizures", "e.g. 1.2 t cocaine; separated by ;")
        },
        field("outcome", "Outcome", ""),
        field("networkDisrupted", "Disrupted", "yes, partly or no"),
    ]
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecordScreen {
    pub kind: RecordKind,
    pub case: Uuid,
    pub reference: String,
    pub fields: Vec<RecordField>,
    pub focus: usize,
    pub error: Option<String>,
    /// Sent to the store; waiting for its answer.
    pub saving: bool,
}

impl CaseRecordScreen {
    /// The form for `kind` in the case `reference`; `today` prefills an arrest's date.
    pub fn new(kind: RecordKind, case: Uuid, reference: &str, today: &str) -> CaseRecordScreen {
        let mut fields = match kind {
            RecordKind::Operation | RecordKind::Arrests => operation_fields(),
            RecordKind::Task => vec![
                RecordField { required: true, ..field("title", "Title", "what is to be done") },
                field("assignee", "Assignee", "who does it"),
                field("dueDate", "Due", "YYYY-MM-DD"),
            ],
        };
        if kind == RecordKind::Arrests {
            for f in &mut fields {
                match f.prop {
                    "status" => "executed".clone_into(&mut f.value),
                    "executedDate" => today.clone_into(&mut f.value),
                    "arrests" => f.required = true,
                    _ => {}
                }
            }
            // The arrests first, then the operation they were made in.
            let at = fields.iter().position(|f| f.prop == "arrests").unwrap_or(0);
            let arrests = fields.remove(at);
            fields.insert(0, arrests);
        }
        CaseRecordScreen {
            kind,
            case,
            reference: reference.to_owned(),
            fields,
            focus: 0,
            error: None,
            saving: false,
        }
    }

    /// The record's values, as the command line passes them, or what is missing.
    pub fn props(&self) -> Result<Vec<(String, String)>, String> {
        let mut props = Vec::new();
        for f in &self.fields {
            let value = f.value.trim();
            if value.is_empty() {
                if f.required {
                    return Err(format!("{} is needed.", f.label));
                }
                continue;
            }
            match f.split {
                Some(c) => props.extend(
                    value
                        .split(c)
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| (f.prop.to_owned(), v.to_owned())),
                ),
                None => props.push((f.prop.to_owned(), value.to_owned())),
            }
        }
        if self.kind == RecordKind::Task {
            props.push(("status".into(), "open".into()));
        }
        Ok(props)
    }
}

/// Opens the form for the selected case.
pub fn open(state: &mut State, kind: RecordKind) -> Vec<Effect> {
    let Some(case) = state.current_case().map(|c| (c.id, c.reference.clone())) else {
        state.error("Select a case first: operations, tasks and arrests are recorded in a case.");
        return Vec::new();
    };
    let today = state.today.unwrap_or_else(|| chrono::Utc::now().date_naive()).to_string();
    state.popup = Some(Popup::CaseRecord(CaseRecordScreen::new(kind, case.0, &case.1, &today)));
    Vec::new()
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::CaseRecord(s)) = &mut state.popup else { return Vec::new() };
    if s.saving {
        return Vec::new();
    }
    if let Some(f) = s.fields.get_mut(s.focus) {
        if action.edit(TextInput::new(&mut f.value, MAX_QUERY_CHARS)) {
            s.error = None;
            return Vec::new();
        }
    }
    let last = s.fields.len();
    match action {
        // Round the fields, as the other forms do.
        Action::NextField => s.focus = (s.focus + 1) % last.max(1),
        Action::PrevField => s.focus = (s.focus + last.max(1) - 1) % last.max(1),
        Action::Submit => match s.props() {
            Ok(props) => {
                s.saving = true;
                s.error = None;
                let change = Change::CaseRecord {
                    case: s.case,
                    schema: s.kind.schema().to_owned(),
                    props,
                    prov: Provenance::default(),
                };
                return vec![Effect::Write(Write::Change(change))];
            }
            Err(e) => s.error = Some(e),
        },
        Action::Cancel | Action::Quit => state.popup = None,
        _ => {}
    }
    Vec::new()
}

/// The store saved the record: the form closes and says what was recorded where.
pub fn saved(state: &mut State) -> Vec<Effect> {
    if let Some(Popup::CaseRecord(s)) = &state.popup {
        if s.saving {
            let text = format!("{} recorded in {}.", s.kind.label(), s.reference);
            state.popup = None;
            state.info(text);
        }
    }
    Vec::new()
}

/// The store refused the record: the form stays, with the reason.
pub fn failed(state: &mut State, message: &str) {
    if let Some(Popup::CaseRecord(s)) = &mut state.popup {
        if s.saving {
            s.saving = false;
            s.error = Some(message.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_s_agencies_and_seizures_are_several_values_and_its_name_is_needed() {
        let mut s = CaseRecordScreen::new(RecordKind::Operation, Uuid::nil(), "OP-1", "2025-06-30");
        assert_eq!(s.props(), Err("Name is needed.".into()));
        let set = |s: &mut CaseRecordScreen, prop: &str, v: &str| {
            s.fields.iter_mut().find(|f| f.prop == prop).unwrap().value = v.into();
        };
        set(&mut s, "name", "Harbour");
        set(&mut s, "agencies", "DGSI, Guardia Civil,");
        set(&mut s, "seizures", "1.2 t cocaine; 3 vehicles");
        let props = s.props().unwrap();
        let values =
            |p: &str| props.iter().filter(|(k, _)| k == p).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
        assert_eq!(values("agencies"), ["DGSI", "Guardia Civil"]);
        assert_eq!(values("seizures"), ["1.2 t cocaine", "3 vehicles"]);
        assert_eq!(values("status"), ["planned"]);
        assert!(values("arrests").is_empty(), "an empty field writes nothing");
    }

    #[test]
    fn arrests_are_an_executed_operation_with_its_arrests_asked_first() {
        let s = CaseRecordScreen::new(RecordKind::Arrests, Uuid::nil(), "OP-1", "2025-06-30");
        assert_eq!(s.fields[0].prop, "arrests");
        assert_eq!(s.props(), Err("Arrests is needed.".into()));
        let value = |p: &str| s.fields.iter().find(|f| f.prop == p).unwrap().value.clone();
        assert_eq!((value("status"), value("executedDate")), ("executed".into(), "2025-06-30".into()));
        assert_eq!(s.kind.schema(), "Operation");
    }

    #[test]
    fn a_task_is_open() {
        let mut s = CaseRecordScreen::new(RecordKind::Task, Uuid::nil(), "OP-1", "2025-06-30");
        s.fields[0].value = "Call Lyon".into();
        assert_eq!(
            s.props().unwrap(),
            vec![("title".into(), "Call Lyon".into()), ("status".into(), "open".into())]
        );
    }
}
