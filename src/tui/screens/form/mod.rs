//! The form screen: its state, opening it from the main screen, typing, and submitting.
//! Entity and link forms are built from `assets/schema.toml` and checked
//! with the same validation as the command line (`model::validate`, grades, markings, dates)
//! before anything is sent to the store, where the `Txn` edit functions check them again.

use uuid::Uuid;

use crate::model::schema::{Kind, PropType, Schema};
use crate::model::values::{Locale, country_code};
use crate::store::query::EntityView;
use crate::tui::action::Action;
use crate::tui::message::{Effect, Write};
use crate::tui::requests::{load_cases, load_timeline};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::{Edit, TextInput};

mod open;
pub mod picker;
mod submit;

pub use open::open;
pub use picker::{PickPurpose, Picker};

/// Longest value typed into one field (characters).
pub const MAX_FIELD_CHARS: usize = 4000;

/// What a form is for, and what it needs to know to do it.
#[derive(Debug, Clone, PartialEq)]
pub enum FormPurpose {
    NewCase,
    NewEntity { schema: String, case: Option<Uuid> },
    EditEntity { id: Uuid, schema: String },
    NewLink { schema: String, from: Uuid, to: Uuid, case: Option<Uuid> },
    NewNote { case: Uuid },
    Regrade { id: Uuid, schema: String, prop: String, value: String },
    AddToCase { case: Uuid, entity: Uuid },
    CaseFilter,
    TimelineRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// A property name, or "@source", "@grade", "@marking", "@valid_from", "@valid_to".
    pub name: String,
    pub label: String,
    pub value: String,
    /// Shown dimmed after the label: allowed choices, a format.
    pub hint: String,
    pub required: bool,
    pub error: Option<String>,
    /// The value the form opened with (edits send only what changed).
    pub original: String,
}

impl Field {
    fn new(name: &str, label: &str, hint: &str) -> Field {
        Field {
            name: name.to_owned(),
            label: label.to_owned(),
            value: String::new(),
            hint: hint.to_owned(),
            required: false,
            error: None,
            original: String::new(),
        }
    }

    fn with(mut self, value: &str) -> Field {
        value.clone_into(&mut self.value);
        value.clone_into(&mut self.original);
        self
    }

    fn required(mut self) -> Field {
        self.required = true;
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub title: String,
    pub purpose: FormPurpose,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub error: Option<String>,
}

/// What a valid form asks for.
#[derive(Debug, Clone)]
pub enum Submitted {
    Write(Write),
    CaseFilter { text: String },
    TimelineRange { from: Option<String>, to: Option<String> },
}

fn provenance_fields(marking: &str) -> Vec<Field> {
    vec![
        Field::new("@source", "Source", "who or what says so"),
        Field::new("@grade", "Grade", "e.g. B2, EU:A1, UK:1A"),
        Field::new("@marking", "Marking", "inherited as shown; codes add to it").with(marking),
        Field::new("@valid_from", "Valid from", "YYYY[-MM[-DD]]"),
        Field::new("@valid_to", "Valid to", "YYYY[-MM[-DD]]"),
    ]
}

/// The properties an analyst types for `kind`: captions first, no references or endpoints.
fn property_fields(kind: &Kind) -> Vec<Field> {
    let mut names: Vec<&String> = kind.caption.iter().filter(|c| kind.properties.contains_key(*c)).collect();
    for name in kind.properties.keys() {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let p = &kind.properties[name];
            if p.kind == PropType::Entity || kind.is_endpoint(name) || name.starts_with('$') {
                return None;
            }
            let hint = if p.choices.is_empty() {
                match p.kind {
                    PropType::Date => "YYYY[-MM[-DD]]".to_owned(),
                    PropType::Country => "ISO code, e.g. fr".to_owned(),
                    PropType::Phone => "e.g. +33 6 12 34 56 78".to_owned(),
                    _ => String::new(),
                }
            } else {
                p.choices.join(" | ")
            };
            Some(Field::new(name, &p.label, &hint))
        })
        .collect()
}

impl Form {
    fn new(title: &str, purpose: FormPurpose, fields: Vec<Field>) -> Form {
        Form { title: title.to_owned(), purpose, fields, focus: 0, error: None }
    }

    /// A new case; its marking opens as the office default.
    pub fn new_case(office: &str, default_marking: &str) -> Form {
        Form::new(
            "New case",
            FormPurpose::NewCase,
            vec![
                Field::new("reference", "Reference", "e.g. PJ-MRS-2025-0001").required(),
                Field::new("title", "Title", "").required(),
                Field::new("status", "Status", "open | active | suspended | closed").with("open"),
                Field::new("leadOffice", "Lead office", "").with(office),
                Field::new("marking", "Marking", "e.g. TLP:AMBER").with(default_marking),
                Field::new("summary", "Summary", ""),
            ],
        )
    }

    pub fn new_entity(kind: &Kind, case: Option<(Uuid, &str)>, case_marking: &str) -> Form {
        let mut fields = property_fields(kind);
        fields.extend(provenance_fields(case_marking));
        let title = match case {
            Some((_, r)) => format!("New {} in {r}", kind.label),
            None => format!("New {}", kind.label),
        };
        Form::new(
            &title,
            FormPurpose::NewEntity { schema: kind.name.clone(), case: case.map(|c| c.0) },
            fields,
        )
    }

    /// Edits: single-valued properties open with their value; for the others a value typed
    /// is added (multi-valued properties are sets).
    pub fn edit_entity(view: &EntityView) -> Option<Form> {
        let kind = Schema::builtin().kind(&view.schema).ok()?;
        let mut fields = if kind.name == "Case" {
            ["title", "status", "leadOffice", "marking", "summary"]
                .iter()
                .filter_map(|n| {
                    kind.properties.get(*n).map(|p| Field::new(n, &p.label, &p.choices.join(" | ")))
                })
                .collect()
        } else {
            property_fields(kind)
        };
        for f in &mut fields {
            let single = kind.properties.get(&f.name).is_some_and(|p| p.single);
            if single {
                if let Some(s) = view.statements.iter().rev().find(|s| s.prop == f.name) {
                    *f = f.clone().with(&s.value);
                }
            } else if f.hint.is_empty() {
                "adds a value".clone_into(&mut f.hint);
            }
        }
        if kind.name != "Case" {
            // What a value typed here will be marked with unless another marking is typed.
            fields.extend(provenance_fields(&view.marking));
        }
        Some(Form::new(
            &format!("Edit {} {}", kind.label, view.caption),
            FormPurpose::EditEntity { id: view.id, schema: kind.name.clone() },
            fields,
        ))
    }

    /// A new link; the title names the case its ends go into (`case`: id, reference).
    pub fn new_link(
        kind: &Kind,
        from: (Uuid, &str),
        to: (Uuid, &str),
        case: Option<(Uuid, &str)>,
        marking: &str,
    ) -> Form {
        let mut fields = property_fields(kind);
        fields.extend(provenance_fields(marking));
        let place = case.map_or_else(|| "no case".to_owned(), |(_, r)| format!("in case {r}"));
        Form::new(
            &format!("New {} — {place}: {} → {}", kind.label, from.1, to.1),
            FormPurpose::NewLink {
                schema: kind.name.clone(),
                from: from.0,
                to: to.0,
                case: case.map(|c| c.0),
            },
            fields,
        )
    }

    pub fn new_note(case: Uuid, reference: &str) -> Form {
        Form::new(
            &format!("Journal note in {reference}"),
            FormPurpose::NewNote { case },
            vec![Field::new("text", "Text", "").required()],
        )
    }

    pub fn regrade(id: Uuid, schema: &str, s: &crate::store::query::StatementView) -> Form {
        let mut fields = vec![
            Field::new("@grade", "Grade", "e.g. B2, EU:A1, UK:1A").with(s.grade.as_deref().unwrap_or("")),
            Field::new("@marking", "Marking", "only ever more restrictive").with(&s.marking),
        ];
        fields.insert(
            0,
            Field::new("@source", "Source", "").with(s.source.as_ref().map_or("", |x| x.name.as_str())),
        );
        Form::new(
            &format!("Grade and marking of {} = {}", s.prop, s.value),
            FormPurpose::Regrade {
                id,
                schema: schema.to_owned(),
                prop: s.prop.clone(),
                value: s.value.clone(),
            },
            fields,
        )
    }

    pub fn add_to_case(case: Uuid, reference: &str, entity: Uuid, caption: &str) -> Form {
        Form::new(
            &format!("Add {caption} to {reference}"),
            FormPurpose::AddToCase { case, entity },
            vec![Field::new("role", "Role in the case", "e.g. courier (optional)")],
        )
    }

    pub fn case_filter(text: &str) -> Form {
        Form::new(
            "Filter cases",
            FormPurpose::CaseFilter,
            vec![Field::new("text", "Reference or title contains", "").with(text)],
        )
    }

    pub fn timeline_range(from: Option<&str>, to: Option<&str>) -> Form {
        Form::new(
            "Timeline dates",
            FormPurpose::TimelineRange,
            vec![
                Field::new("from", "From", "YYYY[-MM[-DD]], empty: no limit").with(from.unwrap_or("")),
                Field::new("to", "To (inclusive)", "YYYY[-MM[-DD]], empty: no limit").with(to.unwrap_or("")),
            ],
        )
    }

    pub fn focused_mut(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.focus)
    }

    /// Edits the focused field. Typing or deleting answers the field's error; clearing
    /// leaves it in view until something is typed.
    pub fn edit(&mut self, edit: Edit) {
        if let Some(f) = self.focused_mut() {
            if TextInput::new(&mut f.value, MAX_FIELD_CHARS).apply(edit) && edit != Edit::Clear {
                f.error = None;
            }
        }
    }
}

/// `update` while a form is open: typing, moving between fields, submitting.
pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
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

#[cfg(test)]
mod tests;
