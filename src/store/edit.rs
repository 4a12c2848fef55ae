//! Domain-level edits on top of [`Txn`]: validated against the schema, given provenance, and
//! turned into the right ops (add for multi-valued properties, set for single-valued ones).
//! Every value is validated before the first op is written, so a bad value in the middle of
//! a list leaves nothing half-done.

use rusqlite::OptionalExtension;
use uuid::Uuid;

use super::{Result, StoreError, Txn};
use crate::model::grade::Grade;
use crate::model::ids::{member_id, new_id, observable_id, source_id};
use crate::model::marking::Marking;
use crate::model::op::{Assertion, DELETED};
use crate::model::schema::{Category, Kind, Schema};
use crate::model::values::Locale;
use crate::model::{ModelError, text, validate};

/// Where values come from and how they must be handled.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Free-text name of the source; becomes (or finds) a Source record.
    pub source: Option<String>,
    pub grade: Option<Grade>,
    /// None: the context's marking (the case's; else the record's strongest; else the office
    /// default). Given: joined with the case's marking (see [`super::inherit::MarkingContext::resolve`]).
    pub marking: Option<Marking>,
    /// The person typed TLP:CLEAR: only then is a CLEAR level written as CLEAR.
    pub clear_chosen: bool,
    pub case: Option<Uuid>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

impl Provenance {
    /// A marking as typed by a person (`--marking`, a form's field): its TLP level, if it
    /// names none, comes from the context; a typed TLP:CLEAR is kept.
    pub fn with_typed_marking(mut self, text: Option<&str>) -> std::result::Result<Provenance, ModelError> {
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        self.marking = text.map(Marking::parse).transpose()?;
        self.clear_chosen = text.is_some_and(Marking::names_tlp);
        Ok(self)
    }
}

impl Txn<'_> {
    /// Finds or creates the Source record named `name`, its name marked with the office
    /// default (importers); see [`Txn::source_record_marked`].
    pub fn source_record(&mut self, name: &str) -> Result<Uuid> {
        let marking = self.office_marking()?;
        self.source_record_marked(name, &marking)
    }

    /// Finds or creates the Source record named `name`. Its name is as sensitive as the
    /// values citing it: it carries the join of their markings, growing as they do.
    pub fn source_record_marked(&mut self, name: &str, marking: &Marking) -> Result<Uuid> {
        // Every local way to name a source comes here (command line, workbench, importers);
        // names from another office's bundle arrive as ops and are escaped on output instead.
        text::check("source name", name.trim(), text::Rule::Name).map_err(ModelError::from)?;
        let uid = source_id(name);
        if self.schema_of(uid)?.is_none() {
            self.create(uid, "Source", None, None)?;
            self.set(uid, Assertion::marked("name", name.trim(), marking))?;
        } else if let Some(held) = self.record_marking(uid)? {
            let joined = held.join(marking);
            if joined != held {
                self.set(uid, Assertion::marked("name", name.trim(), &joined))?;
            }
        }
        Ok(uid)
    }

    /// The assertions for `values` of `uid`, all under one resolved marking.
    fn assertions(
        &mut self,
        uid: Uuid,
        values: Vec<(String, String)>,
        prov: &Provenance,
        record: Option<Marking>,
    ) -> Result<Vec<Assertion>> {
        check_validity(prov.valid_from.as_deref(), prov.valid_to.as_deref())?;
        let mut context = self.marking_context(uid, prov.case)?;
        if context.record.is_none() {
            context.record = record;
        }
        let marking = context.resolve(prov.marking.as_ref(), prov.clear_chosen);
        let source = prov.source.as_deref().map(|s| self.source_record_marked(s, &marking)).transpose()?;
        let marking = marking.to_string();
        Ok(values
            .into_iter()
            .map(|(prop, value)| Assertion {
                prop,
                value,
                source,
                grade: prov.grade.as_ref().map(ToString::to_string),
                marking: marking.clone(),
                valid_from: prov.valid_from.clone(),
                valid_to: prov.valid_to.clone(),
                case: prov.case,
            })
            .collect())
    }

    /// Validates `props` for `kind`; nothing is written.
    pub fn validate_props(
        kind: &Kind,
        props: &[(String, String)],
        locale: Locale,
    ) -> Result<Vec<(String, String)>> {
        props
            .iter()
            .map(|(p, v)| {
                if kind.is_endpoint(p) {
                    return Err(StoreError::Input(format!(
                        "{}.{p} is set by --from/--to when the link is made",
                        kind.name
                    )));
                }
                Ok((p.clone(), validate(kind, p, v, locale)?))
            })
            .collect()
    }

    /// Writes already-validated values of `uid` (of `kind`).
    pub fn write_values(
        &mut self,
        uid: Uuid,
        kind: &Kind,
        values: Vec<(String, String)>,
        prov: &Provenance,
    ) -> Result<()> {
        self.write_values_near(uid, kind, values, prov, None)
    }

    /// As [`Txn::write_values`]; `near` stands in for the record's own marking while it has
    /// none (a new link: the join of its ends').
    fn write_values_near(
        &mut self,
        uid: Uuid,
        kind: &Kind,
        values: Vec<(String, String)>,
        prov: &Provenance,
        near: Option<Marking>,
    ) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        for a in self.assertions(uid, values, prov, near)? {
            if kind.property(&a.prop)?.single { self.set(uid, a)? } else { self.add(uid, a)? }
        }
        Ok(())
    }

    /// Creates an entity (or, for an observable already known, adds to it) and returns its id.
    pub fn new_entity(
        &mut self,
        schema: &str,
        props: &[(String, String)],
        prov: &Provenance,
        locale: Locale,
    ) -> Result<Uuid> {
        let kind = Schema::builtin().kind(schema)?;
        if kind.category != Category::Entity {
            return Err(StoreError::Input(format!(
                "{schema} is a {}; use `liaison link new` for relationships",
                if kind.is_link() { "relationship" } else { "case record" }
            )));
        }
        let values = Self::validate_props(kind, props, locale)?;
        let uid = observable_key(kind, &values).map_or_else(new_id, |key| observable_id(&kind.name, &key));
        match self.schema_of(uid)? {
            None => self.create(uid, &kind.name, None, None)?,
            Some(existing) if existing == kind.name => {}
            Some(existing) => {
                return Err(StoreError::Input(format!("{uid} already exists as a {existing}")));
            }
        }
        self.write_values(uid, kind, values, prov)?;
        if let Some(case) = prov.case {
            self.add_member(case, uid, None)?;
        }
        Ok(uid)
    }

    /// Adds values to an existing record.
    pub fn set_values(
        &mut self,
        uid: Uuid,
        props: &[(String, String)],
        prov: &Provenance,
        locale: Locale,
    ) -> Result<()> {
        let schema =
            self.schema_of(uid)?.ok_or_else(|| StoreError::NotFound(format!("no record with id {uid}")))?;
        let kind = Schema::builtin().kind(&schema)?;
        let values = Self::validate_props(kind, props, locale)?;
        self.write_values(uid, kind, values, prov)
    }

    /// Creates a relationship of `schema` from one entity to another.
    pub fn new_link(
        &mut self,
        schema: &str,
        from: Uuid,
        to: Uuid,
        props: &[(String, String)],
        prov: &Provenance,
        locale: Locale,
    ) -> Result<Uuid> {
        let kind = Schema::builtin().kind(schema)?;
        if !kind.is_link() || kind.name == "CaseMember" {
            let links: Vec<&str> =
                Schema::builtin().user_kinds().filter(|k| k.is_link()).map(|k| k.name.as_str()).collect();
            return Err(StoreError::Model(ModelError::UnknownKind {
                kind: schema.to_owned(),
                known: links.join(", "),
            }));
        }
        if from == to {
            return Err(StoreError::Input(format!(
                "a link joins two different entities: --from and --to are both {from}"
            )));
        }
        let mut ends = Vec::with_capacity(2);
        for (end, uid) in [("--from", from), ("--to", to)] {
            match self.schema_of(uid)?.and_then(|s| Schema::builtin().kind(&s).ok()) {
                Some(k) if k.category == Category::Entity => ends.push(k),
                _ => return Err(StoreError::NotFound(format!("{end} {uid} is not an entity in this store"))),
            }
        }
        let short = |u: Uuid| format!("{}…", &u.to_string()[..8]);
        kind.check_ends(ends[0], ends[1], (&short(from), &short(to))).map_err(StoreError::Input)?;
        let mut values = Self::validate_props(kind, props, locale)?;
        // The ends are statements too, so that the link's source, grade and marking apply to
        // its very existence and the release rules have something to judge.
        for (prop, end) in [(&kind.source, from), (&kind.target, to)] {
            if let Some(prop) = prop {
                values.insert(0, (prop.clone(), end.to_string()));
            }
        }
        let near = match (self.record_marking(from)?, self.record_marking(to)?) {
            (Some(a), Some(b)) => Some(a.join(&b)),
            (a, b) => a.or(b),
        };
        let uid = new_id();
        self.create(uid, &kind.name, Some(from), Some(to))?;
        self.write_values_near(uid, kind, values, prov, near)?;
        if let Some(case) = prov.case {
            for end in [from, to] {
                self.add_member(case, end, None)?;
            }
        }
        Ok(uid)
    }

    /// Puts an entity in a case (idempotent: the membership id is derived from both ids).
    pub fn add_member(&mut self, case: Uuid, entity: Uuid, role: Option<&str>) -> Result<Uuid> {
        let uid = member_id(case, entity);
        if self.schema_of(uid)?.is_none() {
            self.create(uid, "CaseMember", Some(case), Some(entity))?;
        } else {
            self.restore_if_deleted(uid)?;
        }
        if let Some(role) = role {
            let kind = Schema::builtin().kind("CaseMember")?;
            let role = validate(kind, "role", role, Locale::default())?;
            let marking = self.case_marking(case)?;
            self.set(uid, Assertion::marked("role", &role, &marking))?;
        }
        Ok(uid)
    }

    /// Takes an entity out of a case (the membership's tombstone). False if it was not in it.
    pub fn remove_member(&mut self, case: Uuid, entity: Uuid) -> Result<bool> {
        let uid = member_id(case, entity);
        let live: Option<bool> = self
            .conn()
            .query_row(
                "SELECT deleted = 0 FROM object WHERE uid = ?1 AND schema = 'CaseMember'",
                [uid.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        if live != Some(true) {
            return Ok(false);
        }
        let marking = self.case_marking(case)?;
        self.set(uid, Assertion::marked(DELETED, "true", &marking))?;
        Ok(true)
    }

    /// Deletes a record: a tombstone under the record's strongest marking (its deletion says
    /// as much as its values did).
    pub fn delete_record(&mut self, uid: Uuid) -> Result<()> {
        let marking = self.tombstone_marking(uid)?;
        self.set(uid, Assertion::marked(DELETED, "true", &marking))
    }

    /// Undoes [`Txn::delete_record`].
    pub fn restore_record(&mut self, uid: Uuid) -> Result<()> {
        let marking = self.tombstone_marking(uid)?;
        self.set(uid, Assertion::marked(DELETED, "false", &marking))
    }

    /// Whether `uid` is deleted (false for a record this store does not hold).
    pub(crate) fn is_deleted(&self, uid: Uuid) -> Result<bool> {
        Ok(self
            .conn()
            .query_row("SELECT deleted FROM object WHERE uid = ?1", [uid.as_bytes()], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false))
    }

    fn tombstone_marking(&mut self, uid: Uuid) -> Result<Marking> {
        if self.schema_of(uid)?.is_none() {
            return Err(StoreError::NotFound(format!("no record with id {uid}")));
        }
        match self.record_marking(uid)? {
            Some(m) => Ok(m),
            None => self.office_marking(),
        }
    }

    fn restore_if_deleted(&mut self, uid: Uuid) -> Result<()> {
        if self.is_deleted(uid)? {
            self.restore_record(uid)?;
        }
        Ok(())
    }

    /// Creates a case record of `schema` (Case, Note, Operation, Task) with values.
    pub fn new_record(
        &mut self,
        schema: &str,
        owner: Option<Uuid>,
        props: &[(String, String)],
        prov: &Provenance,
    ) -> Result<Uuid> {
        let kind = Schema::builtin().kind(schema)?;
        let values = Self::validate_props(kind, props, Locale::default())?;
        let uid = new_id();
        self.create(uid, &kind.name, owner, None)?;
        self.write_values(uid, kind, values, prov)?;
        Ok(uid)
    }
}

/// The normalised identifying value of an observable, if `values` hold it.
pub fn observable_key(kind: &Kind, values: &[(String, String)]) -> Option<String> {
    let prop = kind.observable.as_deref()?;
    let value = values.iter().find(|(p, _)| p == prop)?.1.clone();
    // A plate is only unique within its country.
    if kind.is_a("Vehicle") && prop == "registrationNumber" {
        let country = values.iter().find(|(p, _)| p == "country").map_or("", |(_, c)| c.as_str());
        return Some(format!("{country}:{value}"));
    }
    Some(value)
}

/// A period must not end before it starts (dates compared on the precision both have).
fn check_validity(from: Option<&str>, to: Option<&str>) -> Result<()> {
    if crate::model::values::period_backwards(from, to) {
        return Err(StoreError::Input(format!(
            "the period is backwards: valid from {} is after valid to {}",
            from.unwrap_or_default(),
            to.unwrap_or_default()
        )));
    }
    Ok(())
}
