//! A form's fields and their order: source, grade and marking first (prefilled from the case),
//! then the properties that matter for the kind (its `form` list in the schema, else its
//! captions and identifiers), then "more fields"; dates of validity last.

use crate::model::schema::{Kind, PropType};

/// Properties whose values run over several lines: the editor takes Enter as a new line.
const MULTILINE: [&str; 4] = ["text", "summary", "notes", "description"];

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
    /// Where typing goes, in characters from the start.
    pub cursor: usize,
    /// A fixed list of values: ← and → move through it.
    pub choices: Vec<String>,
    /// Enter starts a new line (a note's text, a summary).
    pub multiline: bool,
    /// The first of the fields shown under "more fields".
    pub more: bool,
}

impl Field {
    pub fn new(name: &str, label: &str, hint: &str) -> Field {
        Field {
            name: name.to_owned(),
            label: label.to_owned(),
            value: String::new(),
            hint: hint.to_owned(),
            required: false,
            error: None,
            original: String::new(),
            cursor: 0,
            choices: Vec::new(),
            multiline: false,
            more: false,
        }
    }

    #[must_use]
    pub fn with(mut self, value: &str) -> Field {
        value.clone_into(&mut self.value);
        value.clone_into(&mut self.original);
        self.cursor = value.chars().count();
        self
    }

    #[must_use]
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// Takes several lines: Enter starts a new one.
    #[must_use]
    pub fn multiline(mut self) -> Field {
        self.multiline = true;
        self
    }

    #[must_use]
    pub fn choices(mut self, choices: &[String]) -> Field {
        self.choices = choices.to_vec();
        self
    }

    /// Moves a choice field to the next (`forward`) or previous choice; false if the field
    /// has no fixed list.
    pub fn cycle(&mut self, forward: bool) -> bool {
        if self.choices.is_empty() {
            return false;
        }
        let n = self.choices.len();
        let at = self.choices.iter().position(|c| c.eq_ignore_ascii_case(self.value.trim()));
        let next = match (at, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.value.clone_from(&self.choices[next]);
        self.cursor = self.value.chars().count();
        self.error = None;
        true
    }
}

/// Source, grade and marking (the marking inherited as shown), for the top of a form.
pub fn provenance_fields(marking: &str) -> Vec<Field> {
    vec![
        Field::new("@source", "Source", "who or what says so"),
        Field::new("@grade", "Grade", "e.g. B2, EU:A1, UK:1A"),
        Field::new("@marking", "Marking", "inherited as shown; codes add to it").with(marking),
    ]
}

/// When the values typed hold, at the end of a form.
pub fn validity_fields() -> Vec<Field> {
    vec![
        Field::new("@valid_from", "Valid from", "YYYY[-MM[-DD]]"),
        Field::new("@valid_to", "Valid to", "YYYY[-MM[-DD]]"),
    ]
}

/// Whether a property is among those an analyst fills first when the kind names none.
fn matters(kind: &Kind, name: &str) -> bool {
    if kind.caption.iter().any(|c| c == name) {
        return true;
    }
    let Some(p) = kind.properties.get(name) else { return false };
    name != "externalId"
        && matches!(
            p.kind,
            PropType::Name
                | PropType::Phone
                | PropType::Iban
                | PropType::Email
                | PropType::Plate
                | PropType::Crypto
                | PropType::Number
                | PropType::Date
        )
}

/// The properties an analyst types for `kind` (no references or endpoints): those that matter
/// first, then the rest, the first of which is marked `more`.
pub fn property_fields(kind: &Kind) -> Vec<Field> {
    let typed = |name: &str| {
        kind.properties
            .get(name)
            .is_some_and(|p| p.kind != PropType::Entity && !kind.is_endpoint(name) && !name.starts_with('$'))
    };
    let mut first: Vec<&str> = if kind.form.is_empty() {
        let mut names: Vec<&str> = kind.caption.iter().map(String::as_str).collect();
        names.extend(kind.properties.keys().map(String::as_str).filter(|n| matters(kind, n)));
        names
    } else {
        kind.form.iter().map(String::as_str).collect()
    };
    first.retain(|n| typed(n));
    let mut seen = std::collections::HashSet::new();
    first.retain(|n| seen.insert(*n));
    let rest: Vec<&str> =
        kind.properties.keys().map(String::as_str).filter(|n| typed(n) && !seen.contains(n)).collect();
    let mut fields: Vec<Field> = first.iter().chain(rest.iter()).map(|name| field_for(kind, name)).collect();
    if let Some(f) = fields.get_mut(first.len()) {
        f.more = true;
    }
    fields
}

/// The field of property `name`, with its hint and fixed list of values.
pub fn field_for(kind: &Kind, name: &str) -> Field {
    let p = &kind.properties[name];
    let hint = if p.choices.is_empty() {
        match p.kind {
            PropType::Date => "YYYY[-MM[-DD]]".to_owned(),
            PropType::Country => "ISO code, e.g. fr".to_owned(),
            PropType::Phone => "e.g. +33 6 12 34 56 78".to_owned(),
            _ => String::new(),
        }
    } else {
        format!("←/→ {}", p.choices.join(" | "))
    };
    let field = Field::new(name, &p.label, &hint).choices(&p.choices);
    if p.kind == PropType::Text && MULTILINE.contains(&name) { field.multiline() } else { field }
}
