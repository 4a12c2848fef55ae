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
use crate::model::op::Assertion;
use crate::model::schema::{Category, Kind, Schema};
use crate::model::values::Locale;
use crate::model::{ModelError, validate};

/// Where values come from and how they must be handled.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Free-text name of the source; becomes (or finds) a Source record.
    pub source: Option<String>,
    pub grade: Option<Grade>,
    /// None: the marking of `case` if given, else TLP:CLEAR.
    pub marking: Option<Marking>,
    pub case: Option<Uuid>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

impl Txn<'_> {
    /// Finds or creates the Source record named `name`.
    pub fn source_record(&mut self, name: &str) -> Result<Uuid> {
        let uid = source_id(name);
        if self.schema_of(uid)?.is_none() {
            self.create(uid, "Source", None, None)?;
            self.set(uid, Assertion::plain("name", name.trim()))?;
        }
        Ok(uid)
    }

    fn assertion(&mut self, prop: &str, value: String, prov: &Provenance) -> Result<Assertion> {
        let source = prov.source.as_deref().map(|s| self.source_record(s)).transpose()?;
        let marking = match (&prov.marking, prov.case) {
            (Some(m), _) => m.to_string(),
            (None, Some(case)) => self.case_marking(case)?.to_string(),
            (None, None) => Marking::default().to_string(),
        };
        Ok(Assertion {
            prop: prop.to_owned(),
            value,
            source,
            grade: prov.grade.as_ref().map(ToString::to_string),
            marking,
            valid_from: prov.valid_from.clone(),
            valid_to: prov.valid_to.clone(),
            case: prov.case,
        })
    }

    fn case_marking(&self, case: Uuid) -> Result<Marking> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT s.value FROM stmt s JOIN object o ON o.n = s.obj
                 WHERE o.uid = ?1 AND s.prop = 'marking' AND s.live = 1 LIMIT 1",
                [case.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text.and_then(|t| Marking::parse(&t).ok()).unwrap_or_default())
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
        for (prop, value) in values {
            let single = kind.property(&prop)?.single;
            let a = self.assertion(&prop, value, prov)?;
            if single { self.set(uid, a)? } else { self.add(uid, a)? }
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
        for (end, uid) in [("--from", from), ("--to", to)] {
            match self.schema_of(uid)?.and_then(|s| Schema::builtin().kind(&s).ok().map(|k| k.category)) {
                Some(Category::Entity) => {}
                _ => return Err(StoreError::NotFound(format!("{end} {uid} is not an entity in this store"))),
            }
        }
        let values = Self::validate_props(kind, props, locale)?;
        let uid = new_id();
        self.create(uid, &kind.name, Some(from), Some(to))?;
        self.write_values(uid, kind, values, prov)?;
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
            self.set(uid, Assertion::plain("role", &role))?;
        }
        Ok(uid)
    }

    fn restore_if_deleted(&mut self, uid: Uuid) -> Result<()> {
        let deleted: bool = self
            .conn()
            .query_row("SELECT deleted FROM object WHERE uid = ?1", [uid.as_bytes()], |r| r.get(0))
            .unwrap_or(false);
        if deleted {
            self.restore(uid)?;
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
