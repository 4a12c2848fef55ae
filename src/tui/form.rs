//! Forms and pickers. Entity and link forms are built from `assets/schema.toml` and checked
//! with the same validation as the command line (`model::validate`, grades, markings, dates)
//! before anything is sent to the store, where the `Txn` edit functions check them again.

use uuid::Uuid;

use super::message::Write;
use super::widgets::{Edit, TextInput};
use crate::model::grade::Grade;
use crate::model::marking::Marking;
use crate::model::schema::{Category, Kind, PropType, Schema};
use crate::model::validate;
use crate::model::values::{Locale, normalise_date};
use crate::store::Provenance;
use crate::store::change::Change;
use crate::store::query::EntityView;

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

    fn value(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.name == name).map(|f| f.value.trim()).filter(|v| !v.is_empty())
    }

    fn fail(&mut self, name: &str, error: String) {
        if let Some(i) = self.fields.iter().position(|f| f.name == name) {
            self.fields[i].error = Some(error);
            if self.fields[..i].iter().all(|f| f.error.is_none()) {
                self.focus = i;
            }
        } else {
            self.error = Some(error);
        }
    }

    /// The provenance typed into the form's "@" fields. With `inherit`, a marking left as
    /// the form showed it (the inherited one) or emptied is inherited, never CLEAR.
    fn provenance(&mut self, case: Option<Uuid>, inherit: bool) -> Provenance {
        let mut prov =
            Provenance { case, source: self.value("@source").map(str::to_owned), ..Provenance::default() };
        let unchanged = self
            .fields
            .iter()
            .find(|f| f.name == "@marking")
            .is_some_and(|f| f.value.trim() == f.original.trim());
        if let Some(g) = self.value("@grade").map(str::to_owned) {
            match Grade::parse(&g) {
                Ok(g) => prov.grade = Some(g),
                Err(e) => self.fail("@grade", e.to_string()),
            }
        }
        if let Some(m) = self.value("@marking").map(str::to_owned).filter(|_| !(inherit && unchanged)) {
            match prov.clone().with_typed_marking(Some(&m)) {
                Ok(p) => prov = p,
                Err(e) => self.fail("@marking", e.to_string()),
            }
        }
        for (name, slot) in [("@valid_from", &mut prov.valid_from), ("@valid_to", &mut prov.valid_to)] {
            if let Some(d) = self.value(name).map(str::to_owned) {
                match normalise_date(&d) {
                    Ok(d) => *slot = Some(d),
                    Err(e) => self.fail(name, format!("{d:?} {e}")),
                }
            }
        }
        prov
    }

    /// Property values typed for `kind`, validated (errors are set on their fields).
    fn properties(&mut self, kind: &Kind, locale: Locale, only_changed: bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let typed: Vec<(String, String, String)> = self
            .fields
            .iter()
            .filter(|f| !f.name.starts_with('@'))
            .map(|f| (f.name.clone(), f.value.trim().to_owned(), f.original.clone()))
            .collect();
        for (name, value, original) in typed {
            if value.is_empty() || (only_changed && value == original) {
                continue;
            }
            match validate(kind, &name, &value, locale) {
                Ok(_) => out.push((name, value)),
                Err(e) => self.fail(&name, e.to_string()),
            }
        }
        out
    }

    fn has_errors(&self) -> bool {
        self.error.is_some() || self.fields.iter().any(|f| f.error.is_some())
    }

    /// Checks every field; on success, what the form asks for. On failure the errors are on
    /// the fields and the focus is on the first.
    pub fn submit(&mut self, locale: Locale, author: &str) -> Option<Submitted> {
        self.error = None;
        for f in &mut self.fields {
            f.error = None;
        }
        let missing: Vec<String> = self
            .fields
            .iter()
            .filter(|f| f.required && f.value.trim().is_empty())
            .map(|f| f.name.clone())
            .collect();
        for name in missing {
            self.fail(&name, "required".into());
        }
        let out = match self.purpose.clone() {
            FormPurpose::NewCase => {
                let kind = Schema::builtin().kind("Case").ok()?;
                let mut props = self.properties(kind, Locale::default(), false);
                // Empty: the office default (the library decides, as for `case new`).
                let marking = self.value("marking").map(str::to_owned);
                if let Some(Err(e)) = marking.as_deref().map(Marking::parse) {
                    self.fail("marking", e.to_string());
                }
                props.retain(|(p, _)| p != "marking");
                Submitted::Write(Write::Change(Change::NewCase { props, marking }))
            }
            FormPurpose::NewEntity { schema, case } => {
                let kind = Schema::builtin().kind(&schema).ok()?;
                let props = self.properties(kind, locale, false);
                if props.is_empty() && !self.has_errors() {
                    self.error = Some("type at least one value".into());
                }
                let prov = self.provenance(case, true);
                Submitted::Write(Write::Change(Change::NewEntity { schema, props, prov }))
            }
            FormPurpose::EditEntity { id, schema } => {
                let kind = Schema::builtin().kind(&schema).ok()?;
                let mut props = self.properties(kind, locale, true);
                // A case's marking is a marking, not free text: the same check as `case new`.
                for (prop, value) in &mut props {
                    if prop == "marking" {
                        match Marking::parse(value) {
                            Ok(m) => *value = m.to_string(),
                            Err(e) => self.fail("marking", e.to_string()),
                        }
                    }
                }
                if props.is_empty() && !self.has_errors() {
                    self.error = Some("nothing changed".into());
                }
                let prov = if kind.category == Category::Internal {
                    Provenance::default()
                } else {
                    self.provenance(None, true)
                };
                Submitted::Write(Write::Change(Change::SetValues { id, props, prov }))
            }
            FormPurpose::NewLink { schema, from, to, case } => {
                let kind = Schema::builtin().kind(&schema).ok()?;
                let props = self.properties(kind, locale, false);
                let prov = self.provenance(case, true);
                Submitted::Write(Write::Change(Change::NewLink { schema, from, to, props, prov }))
            }
            FormPurpose::NewNote { case } => {
                let props = vec![
                    ("text".to_owned(), self.value("text").unwrap_or_default().to_owned()),
                    ("author".to_owned(), author.to_owned()),
                    ("date".to_owned(), chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                ];
                let change =
                    Change::CaseRecord { case, schema: "Note".into(), props, prov: Provenance::default() };
                Submitted::Write(Write::Change(change))
            }
            FormPurpose::Regrade { id, schema, prop, value } => {
                let kind = Schema::builtin().kind(&schema).ok()?;
                if let Err(e) = validate(kind, &prop, &value, locale) {
                    self.error = Some(e.to_string());
                }
                let prov = self.provenance(None, false);
                if prov.grade.is_none() && prov.marking.is_none() && !self.has_errors() {
                    self.error = Some("give a grade or a marking".into());
                }
                Submitted::Write(Write::Change(Change::SetValues { id, props: vec![(prop, value)], prov }))
            }
            FormPurpose::AddToCase { case, entity } => {
                let role = self.value("role").map(str::to_owned);
                if let (Some(r), Ok(kind)) = (&role, Schema::builtin().kind("CaseMember")) {
                    if let Err(e) = validate(kind, "role", r, Locale::default()) {
                        self.fail("role", e.to_string());
                    }
                }
                Submitted::Write(Write::Change(Change::AddMember { case, entity, role }))
            }
            FormPurpose::CaseFilter => {
                Submitted::CaseFilter { text: self.value("text").unwrap_or_default().to_owned() }
            }
            FormPurpose::TimelineRange => {
                let mut dates = [None, None];
                for (i, name) in ["from", "to"].iter().enumerate() {
                    if let Some(d) = self.value(name).map(str::to_owned) {
                        match normalise_date(&d) {
                            Ok(d) => dates[i] = Some(d),
                            Err(e) => self.fail(name, format!("{d:?} {e}")),
                        }
                    }
                }
                let [from, to] = dates;
                Submitted::TimelineRange { from, to }
            }
        };
        if self.has_errors() { None } else { Some(out) }
    }
}

/// What a picker chooses.
#[derive(Debug, Clone, PartialEq)]
pub enum PickPurpose {
    /// The kind of a new entity (in the case, if any: id, reference, marking).
    EntityKind { case: Option<(Uuid, String, String)> },
    /// The kind of a new link between two entities, and the case its ends go into (id,
    /// reference, marking).
    LinkKind { from: (Uuid, String), to: (Uuid, String), case: Option<(Uuid, String, String)> },
}

/// A short list to choose from, filtered by typing.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub title: String,
    pub purpose: PickPurpose,
    /// (value, label)
    pub items: Vec<(String, String)>,
    pub filter: String,
    pub selected: usize,
}

impl Picker {
    pub fn entity_kinds(case: Option<(Uuid, String, String)>) -> Picker {
        let items = Schema::builtin()
            .user_kinds()
            .filter(|k| k.category == Category::Entity)
            .map(|k| (k.name.clone(), k.label.clone()))
            .collect();
        Picker {
            title: "Kind of entity".into(),
            purpose: PickPurpose::EntityKind { case },
            items,
            filter: String::new(),
            selected: 0,
        }
    }

    pub fn link_kinds(
        from: (Uuid, String),
        to: (Uuid, String),
        case: Option<(Uuid, String, String)>,
    ) -> Picker {
        let items = Schema::builtin()
            .user_kinds()
            .filter(|k| k.is_link())
            .map(|k| {
                let ends = format!(
                    "{} → {}",
                    k.source.as_deref().unwrap_or("?"),
                    k.target.as_deref().unwrap_or("?")
                );
                (k.name.clone(), format!("{} ({ends})", k.label))
            })
            .collect();
        Picker {
            title: format!("Link {} → {}", from.1, to.1),
            purpose: PickPurpose::LinkKind { from, to, case },
            items,
            filter: String::new(),
            selected: 0,
        }
    }

    /// The items matching the filter (by value or label, case-insensitive).
    pub fn visible(&self) -> Vec<&(String, String)> {
        let f = self.filter.to_lowercase();
        self.items
            .iter()
            .filter(|(v, l)| v.to_lowercase().contains(&f) || l.to_lowercase().contains(&f))
            .collect()
    }

    pub fn chosen(&self) -> Option<String> {
        self.visible().get(self.selected).map(|(v, _)| v.clone())
    }
}

#[cfg(test)]
#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
