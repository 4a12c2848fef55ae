//! The data model as data: kinds and their properties, read from `assets/schema.toml`.
//!
//! Inheritance (`extends`) is flattened once at load time, so every lookup afterwards is a
//! single map access. The schema is immutable for the life of the process.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::ModelError;

/// What a kind of record is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// A node of the network: a person, a company, a phone…
    Entity,
    /// A relationship between two entities (it has a source and a target).
    Link,
    /// Case work: cases, notes, operations, tasks, sources.
    Internal,
    /// Only inherited from.
    Abstract,
}

/// The type of a property's values, which decides validation and normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PropType {
    Name,
    Text,
    Date,
    Phone,
    Iban,
    Country,
    Number,
    Email,
    Identifier,
    Plate,
    Url,
    Crypto,
    Entity,
}

/// Where a date property sits on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimelineRole {
    At,
    Start,
    End,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    #[serde(rename = "type")]
    pub kind: PropType,
    pub label: String,
    #[serde(default)]
    pub single: bool,
    #[serde(default)]
    pub timeline: Option<TimelineRole>,
    /// Allowed values, when the property is an enumeration.
    #[serde(default)]
    pub choices: Vec<String>,
    /// For a link's end: the kinds it may join (matched with [`Kind::is_a`]); empty: any
    /// entity.
    #[serde(default)]
    pub range: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    category: Category,
    #[serde(default)]
    extends: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    plural: Option<String>,
    #[serde(default)]
    caption: Vec<String>,
    #[serde(default)]
    form: Vec<String>,
    #[serde(default)]
    observable: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    properties: BTreeMap<String, Property>,
}

#[derive(Debug, Deserialize)]
struct RawSchema {
    kinds: BTreeMap<String, RawKind>,
}

/// One kind of record with its inherited properties flattened in.
#[derive(Debug, Clone)]
pub struct Kind {
    pub name: String,
    pub category: Category,
    pub label: String,
    pub plural: String,
    /// Ancestors, nearest first (e.g. Company → Organization, LegalEntity, Thing).
    pub ancestors: Vec<String>,
    pub caption: Vec<String>,
    /// The properties a form shows first (the ones that matter for this kind); the others
    /// follow under "more fields". Inherited like the caption.
    pub form: Vec<String>,
    pub observable: Option<String>,
    pub source: Option<String>,
    pub target: Option<String>,
    pub properties: BTreeMap<String, Property>,
}

impl Kind {
    pub fn property(&self, name: &str) -> Result<&Property, ModelError> {
        self.properties.get(name).ok_or_else(|| ModelError::UnknownProperty {
            kind: self.name.clone(),
            property: name.to_owned(),
            known: self
                .properties
                .keys()
                .filter(|p| !self.is_endpoint(p))
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Whether `prop` is the source or target of a link (set once, at creation).
    pub fn is_endpoint(&self, prop: &str) -> bool {
        self.source.as_deref() == Some(prop) || self.target.as_deref() == Some(prop)
    }

    pub fn is_a(&self, other: &str) -> bool {
        self.name == other || self.ancestors.iter().any(|a| a == other)
    }

    pub fn is_link(&self) -> bool {
        self.category == Category::Link
    }

    /// Whether a record of kind `other` may stand at end `prop` of this link.
    pub fn admits(&self, prop: &str, other: &Kind) -> bool {
        self.properties.get(prop).is_none_or(|p| p.range.is_empty() || p.range.iter().any(|r| other.is_a(r)))
    }

    /// The kinds end `prop` admits, for messages: "a Person", "a LegalEntity or a Vehicle".
    pub fn range_text(&self, prop: &str) -> String {
        let range = self.properties.get(prop).map(|p| p.range.as_slice()).unwrap_or_default();
        if range.is_empty() {
            return "any entity".to_owned();
        }
        let named: Vec<String> = range.iter().map(|r| with_article(r)).collect();
        named.join(" or ")
    }

    /// Refuses a link of this kind from `from` to `to` when an end is outside its range:
    /// "an Associate joins a Person to a Person; --to 0190… is a Phone".
    pub fn check_ends(&self, from: &Kind, to: &Kind, ids: (&str, &str)) -> Result<(), String> {
        let (Some(source), Some(target)) = (self.source.as_deref(), self.target.as_deref()) else {
            return Ok(());
        };
        for (prop, kind, flag, id) in [(source, from, "--from", ids.0), (target, to, "--to", ids.1)] {
            if !self.admits(prop, kind) {
                return Err(format!(
                    "{} joins {} to {}; {flag} {id} is {}",
                    with_article(&self.name),
                    self.range_text(source),
                    self.range_text(target),
                    with_article(&kind.name)
                ));
            }
        }
        Ok(())
    }
}

/// "a Person", "an Associate".
fn with_article(name: &str) -> String {
    let vowel = name.chars().next().is_some_and(|c| "AEIOUaeiou".contains(c));
    format!("{} {name}", if vowel { "an" } else { "a" })
}

/// All kinds, by name.
#[derive(Debug)]
pub struct Schema {
    kinds: BTreeMap<String, Kind>,
}

impl Schema {
    /// The schema shipped in `assets/schema.toml`.
    pub fn builtin() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            Schema::parse(include_str!("../../assets/schema.toml"))
                .expect("assets/schema.toml is valid (checked by tests)")
        })
    }

    pub fn parse(text: &str) -> Result<Schema, ModelError> {
        let raw: RawSchema = toml::from_str(text).map_err(|e| ModelError::Config(format!("schema: {e}")))?;
        let mut kinds = BTreeMap::new();
        for name in raw.kinds.keys() {
            kinds.insert(name.clone(), flatten(&raw.kinds, name)?);
        }
        Ok(Schema { kinds })
    }

    pub fn kind(&self, name: &str) -> Result<&Kind, ModelError> {
        match self.kinds.get(name) {
            Some(k) if k.category != Category::Abstract => Ok(k),
            _ => Err(ModelError::UnknownKind {
                kind: name.to_owned(),
                known: self.user_kinds().map(|k| k.name.as_str()).collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// Kinds an analyst creates directly (entities and links), in name order.
    pub fn user_kinds(&self) -> impl Iterator<Item = &Kind> {
        self.kinds
            .values()
            .filter(|k| matches!(k.category, Category::Entity | Category::Link))
            .filter(|k| k.name != "CaseMember")
    }

    pub fn kinds(&self) -> impl Iterator<Item = &Kind> {
        self.kinds.values().filter(|k| k.category != Category::Abstract)
    }
}

fn flatten(raw: &BTreeMap<String, RawKind>, name: &str) -> Result<Kind, ModelError> {
    let bad = |why: String| ModelError::Config(format!("schema kind {name}: {why}"));
    let own = &raw[name];
    let mut chain = vec![name.to_owned()];
    let mut next = own.extends.clone();
    while let Some(parent) = next.take() {
        if chain.contains(&parent) {
            return Err(bad(format!("inheritance loop through {parent}")));
        }
        let p = raw.get(&parent).ok_or_else(|| bad(format!("extends unknown {parent}")))?;
        chain.push(parent);
        next.clone_from(&p.extends);
    }
    // Root first so that a child's definition of a property overrides its parent's.
    let mut properties = BTreeMap::new();
    let mut caption = Vec::new();
    let mut form = Vec::new();
    let mut observable = None;
    for k in chain.iter().rev() {
        let r = &raw[k];
        properties.extend(r.properties.clone());
        if !r.caption.is_empty() {
            caption.clone_from(&r.caption);
        }
        if !r.form.is_empty() {
            form.clone_from(&r.form);
        }
        if r.observable.is_some() {
            observable.clone_from(&r.observable);
        }
    }
    if caption.is_empty() {
        caption = vec!["name".to_owned()];
    }
    for p in own.source.iter().chain(own.target.iter()).chain(observable.iter()).chain(form.iter()) {
        if !properties.contains_key(p) {
            return Err(bad(format!("names undefined property {p}")));
        }
    }
    Ok(Kind {
        name: name.to_owned(),
        category: own.category,
        label: own.label.clone().unwrap_or_else(|| name.to_owned()),
        plural: own.plural.clone().unwrap_or_else(|| format!("{name}s")),
        ancestors: chain[1..].to_vec(),
        caption,
        form,
        observable,
        source: own.source.clone(),
        target: own.target.clone(),
        properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schema_loads_with_inheritance() {
        let s = Schema::builtin();
        let company = s.kind("Company").unwrap();
        assert!(company.is_a("LegalEntity"));
        assert!(company.properties.contains_key("incorporationDate"));
        assert!(company.properties.contains_key("name"), "inherited from Thing");
        let ownership = s.kind("Ownership").unwrap();
        assert_eq!(ownership.source.as_deref(), Some("owner"));
        assert!(ownership.is_link());
        assert_eq!(s.kind("Phone").unwrap().observable.as_deref(), Some("number"));
    }

    #[test]
    fn abstract_and_unknown_kinds_are_refused_with_the_known_list() {
        let s = Schema::builtin();
        let err = s.kind("Thing").unwrap_err().to_string();
        assert!(err.contains("Person"), "{err}");
        assert!(s.kind("Persn").is_err());
    }

    #[test]
    fn link_ends_are_checked_against_their_range() {
        let s = Schema::builtin();
        let associate = s.kind("Associate").unwrap();
        let (person, phone) = (s.kind("Person").unwrap(), s.kind("Phone").unwrap());
        assert!(associate.check_ends(person, person, ("a", "b")).is_ok());
        let err = associate.check_ends(person, phone, ("a", "0190")).unwrap_err();
        assert_eq!(err, "an Associate joins a Person to a Person; --to 0190 is a Phone");
        let company = s.kind("Company").unwrap();
        assert!(s.kind("Ownership").unwrap().check_ends(company, phone, ("a", "b")).is_ok(), "any asset");
        assert!(s.kind("Directorship").unwrap().check_ends(person, company, ("a", "b")).is_ok());
        assert!(s.kind("Directorship").unwrap().check_ends(company, person, ("a", "b")).is_err());
        assert!(s.kind("UnknownLink").unwrap().check_ends(phone, phone, ("a", "b")).is_ok());
    }

    #[test]
    fn unknown_property_error_lists_valid_ones() {
        let err = Schema::builtin().kind("Phone").unwrap().property("numbr").unwrap_err().to_string();
        assert!(err.contains("numbr") && err.contains("number"), "{err}");
    }
}
