//! The form screen: its state, opening it from the main screen, typing, and submitting.
//! Entity and link forms are built from `assets/schema.toml` and checked
//! with the same validation as the command line (`model::validate`, grades, markings, dates)
//! before anything is sent to the store, where the `Txn` edit functions check them again.

use uuid::Uuid;

use crate::model::schema::{Kind, Schema};
use crate::store::query::EntityView;
use crate::tui::message::Write;

mod fields;
mod open;
pub mod picker;
mod submit;
mod update;

pub use fields::Field;
use fields::{property_fields, provenance_fields, validity_fields};
pub use open::open;
pub use picker::{PickPurpose, Picker};
pub use update::update;

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

/// A case's field, with its label and fixed list of values from the schema.
fn case_field(name: &str) -> Field {
    match Schema::builtin().kind("Case") {
        Ok(kind) if kind.properties.contains_key(name) => fields::field_for(kind, name),
        _ => Field::new(name, name, ""),
    }
}

impl Form {
    /// A form opening on its first property: the provenance above it is prefilled, one
    /// Shift-Tab away.
    fn new(title: &str, purpose: FormPurpose, fields: Vec<Field>) -> Form {
        let focus = fields.iter().position(|f| !f.name.starts_with('@') && f.name != "marking").unwrap_or(0);
        Form { title: title.to_owned(), purpose, fields, focus, error: None }
    }

    /// A new case; its marking opens as the office default.
    pub fn new_case(office: &str, default_marking: &str) -> Form {
        Form::new(
            "New case",
            FormPurpose::NewCase,
            vec![
                Field::new("marking", "Marking", "e.g. TLP:AMBER").with(default_marking),
                Field::new("reference", "Reference", "e.g. PJ-MRS-2025-0001").required(),
                Field::new("title", "Title", "").required(),
                case_field("status").with("open"),
                Field::new("leadOffice", "Lead office", "").with(office),
                case_field("summary"),
            ],
        )
    }

    /// A new entity: source, grade and marking (the case's) first, then the kind's fields.
    pub fn new_entity(kind: &Kind, case: Option<(Uuid, &str)>, case_marking: &str) -> Form {
        let mut fields = provenance_fields(case_marking);
        fields.extend(property_fields(kind));
        fields.extend(validity_fields());
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
            ["marking", "title", "status", "leadOffice", "summary"].iter().map(|n| case_field(n)).collect()
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
            let mut top = provenance_fields(&view.marking);
            top.append(&mut fields);
            fields = top;
            fields.extend(validity_fields());
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
        let mut fields = provenance_fields(marking);
        fields.extend(property_fields(kind));
        fields.extend(validity_fields());
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

    /// A journal note: its text on as many lines as it needs, under a source, a grade and a
    /// marking like any statement (the case's marking unless a stricter one is typed).
    pub fn new_note(case: Uuid, reference: &str, case_marking: &str) -> Form {
        let mut fields = provenance_fields(case_marking);
        fields.push(Field::new("text", "Text", "Enter: new line · Ctrl-S: save").required().multiline());
        Form::new(&format!("Journal note in {reference}"), FormPurpose::NewNote { case }, fields)
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
}

#[cfg(test)]
mod tests;
