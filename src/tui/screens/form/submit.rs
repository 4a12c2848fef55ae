//! Checking a form and turning it into what it asks for.

use uuid::Uuid;

use super::{Form, FormPurpose, Submitted};
use crate::model::grade::Grade;
use crate::model::marking::Marking;
use crate::model::schema::{Category, Kind, Schema};
use crate::model::validate;
use crate::model::values::{Locale, normalise_date};
use crate::store::Provenance;
use crate::store::change::Change;
use crate::tui::message::Write;

impl Form {
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
                // The note's own source, grade and marking; an untouched marking is the case's,
                // inherited by the library (never lower).
                let prov = self.provenance(Some(case), true);
                let change = Change::CaseRecord { case, schema: "Note".into(), props, prov };
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
