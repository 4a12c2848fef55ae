//! FollowTheMoney entity files, in the shapes tools write them (see `ftm_shape.rs`): JSON
//! lines, delta lines, pretty-printed arrays and entities.
//!
//! Nothing an FtM file says is dropped for want of a Liaison kind. Schemata Liaison has (same
//! name, `assets/schema.toml`) map one to one; FtM's documents become Reports (Article) or
//! Documents (Page, Email…); relationships Liaison has no link kind for (Debt, Succession,
//! Occupancy…) become an UnknownLink between their two ends; everything else (Table, Image,
//! Position…) is an OtherRecord whose `recordType` is its FtM schema. Ids are kept as external
//! ids (`ftm:<id>`) so that importing again converges and exporting gives them back; what
//! Liaison has no property for is kept in `externalData` as the entity it came from
//! (`{"schema", "properties", "datasets", "first_seen", …}`, the whole entity for an
//! OtherRecord), so the FtM export writes the same schema, properties and envelope.
//!
//! Lenient by entity: an entity FtM itself would refuse (a bad id, an unknown or abstract
//! schema) is skipped with the reason, a property FtM does not have or a value that is not a
//! string is skipped alone, and the rest of the file imports. A file with no FtM entity at all
//! fails, naming the first fault. Two passes: entities first, then links and references, so
//! that a reference to an entity further down the file resolves.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::ImportError;
use super::ftm_model::{FtmModel, FtmSchema, valid_id};
use super::ftm_shape::{self, Raw, Unwrapped};
use super::input::{Input, kind_of};
use super::record::{Item, Record, Sink};
use crate::model::marking::Marking;
use crate::model::schema::{Category, Kind, PropType, Schema};
use crate::model::text::{self, Rule};
use crate::model::values::Locale;

/// Liaison kinds that share a name with no FtM schema, or with a different one (FtM's
/// `Email` is a message, Liaison's an address; FtM's `Trip` is an event).
pub const NOT_IN_FTM: &[&str] = &["Phone", "Email", "Trip", "Domain", "IpAddress", "Url"];

/// FtM document schemata Liaison holds as a Report (published, naming others) or a Document.
const AS_REPORT: &[&str] = &["Article"];
const AS_DOCUMENT: &[&str] =
    &["Document", "Page", "Pages", "PlainText", "HyperText", "Folder", "Email", "Message"];

/// Top-level keys of an entity that are not kept with it: what it is, and what is computed
/// (`caption`) or read apart (`marking`, the context Liaison's own FtM export writes).
const NOT_ENVELOPE: &[&str] = &["id", "schema", "properties", "caption", "marking"];

fn named(kind: &str) -> &'static Kind {
    Schema::builtin().kind(kind).expect("assets/schema.toml has the kinds FtM maps to")
}

/// The Liaison kind an FtM schema becomes: the kind of the same name, a Report or Document
/// for FtM's documents, an UnknownLink for a relationship Liaison has no kind for, else an
/// OtherRecord.
pub fn kind_for(schema: &FtmSchema) -> &'static Kind {
    let name = schema.name.as_str();
    if AS_REPORT.contains(&name) {
        return named("Report");
    }
    if AS_DOCUMENT.contains(&name) {
        return named("Document");
    }
    let same = Schema::builtin()
        .kind(name)
        .ok()
        .filter(|_| !NOT_IN_FTM.contains(&name))
        .filter(|k| matches!(k.category, Category::Entity | Category::Link) && k.name != "CaseMember");
    match same {
        Some(kind) => kind,
        None if schema.edge.is_some() => named("UnknownLink"),
        None => named("OtherRecord"),
    }
}

/// The FtM properties that hold a Liaison link's source and target: FtM's edge, or for a
/// relationship FtM draws without one (Call), the properties of the Liaison kind's ends.
pub fn link_ends(kind: &Kind, schema: &FtmSchema) -> Option<(String, String)> {
    if !kind.is_link() {
        return None;
    }
    schema.edge.clone().or_else(|| kind.source.clone().zip(kind.target.clone()))
}

/// One entity of the file, checked against the FtM model.
struct Entity {
    id: String,
    schema: &'static FtmSchema,
    /// Properties FtM has, each a list of strings.
    props: Map<String, Value>,
    /// What the file says beside id, schema and properties (datasets, first_seen…).
    envelope: Map<String, Value>,
    datasets: Vec<String>,
    /// The `marking` a Liaison FtM export writes beside the entity.
    marking: Option<String>,
}

/// The entity a value of the file holds, or why it is skipped while the rest imports. Faults
/// of single properties are reported to `sink` (when given: the first pass) and left out.
fn entity_of(value: Value, at: &str, mut sink: Option<&mut dyn Sink>) -> Result<Entity, String> {
    let mut obj = match ftm_shape::unwrap(value) {
        Unwrapped::Entity(obj) => obj,
        Unwrapped::Skip(why) => return Err(why),
    };
    let id = match obj.get("id") {
        Some(Value::String(s)) if valid_id(s) => s.clone(),
        Some(Value::String(s)) => {
            return Err(format!(
                "id {:?} is not an FtM id (letters, digits, '.' and '-', at most 200)",
                s.chars().take(80).collect::<String>()
            ));
        }
        Some(other) => return Err(format!("id is {}, not a string", kind_of(other))),
        None => return Err("no \"id\": not an FtM entity".into()),
    };
    let schema_name = match obj.get("schema") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("\"schema\" is {}, not a string", kind_of(other))),
        None => return Err("no \"schema\": not an FtM entity".into()),
    };
    let schema = FtmModel::builtin()
        .schema(&schema_name)
        .ok_or_else(|| format!("unknown FtM schema {schema_name:?}"))?;
    if schema.is_abstract {
        return Err(format!("{schema_name} is an abstract FtM schema: no entity can have it"));
    }
    let given = match obj.remove("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => Map::new(),
        Some(other) => return Err(format!("\"properties\" is {}, not an object", kind_of(&other))),
    };
    let mut fault = |why: String, what: &str| {
        if let Some(sink) = sink.as_deref_mut() {
            sink.fault(&why, &format!("{at}: {id} {what}"), false);
        }
    };
    let mut props = Map::new();
    for (name, values) in given {
        let Some(prop) = schema.props.get(&name) else {
            fault(format!("{schema_name} has no FtM property {name:?}"), &name);
            continue;
        };
        if prop.stub {
            fault("FtM reverse property (read-only) in the file".into(), &name);
            continue;
        }
        let list: Vec<Value> = match values {
            // One string where FtM writes a list of one: what it means is plain.
            Value::String(s) => vec![Value::String(s)],
            Value::Array(items) => items
                .into_iter()
                .filter(|v| {
                    let ok = v.is_string();
                    if !ok {
                        fault(
                            format!("{schema_name}.{name}: {} where FtM wants a string", kind_of(v)),
                            &name,
                        );
                    }
                    ok
                })
                .collect(),
            other => {
                fault(
                    format!("{schema_name}.{name}: {} where FtM wants a list of strings", kind_of(&other)),
                    &name,
                );
                continue;
            }
        };
        if !list.is_empty() {
            props.insert(name, Value::Array(list));
        }
    }
    let marking = match obj.remove("marking") {
        Some(Value::String(m)) => Some(m),
        _ => None,
    };
    let datasets = obj
        .get("datasets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|d| !d.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let envelope =
        obj.into_iter().filter(|(k, v)| !NOT_ENVELOPE.contains(&k.as_str()) && !is_empty(v)).collect();
    Ok(Entity { id, schema, props, envelope, datasets, marking })
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// What became of an entity read in the first pass: whether it is a Liaison link (an end
/// of a link must be an entity).
type Seen = HashMap<String, bool>;

/// Reads an FtM file into `sink`.
pub fn read(input: &dyn Input, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let total = input.len().saturating_mul(2).max(1);
    not_another_format(input)?;
    let shape = ftm_shape::shape(input)?;
    // Entities met so far, and those whose references point further down the file: those get
    // their references (and links their ends) in a second pass. Files written in order need none.
    let mut seen: Seen = HashMap::new();
    let mut deferred: HashSet<String> = HashSet::new();
    let (mut objects, mut entities) = (0u64, 0u64);
    let mut first_fault: Option<ImportError> = None;
    ftm_shape::each(input, shape, &mut |Raw { at, offset, value }| {
        objects += 1;
        sink.read();
        let entity = match value.and_then(|v| entity_of(v, &at, Some(&mut *sink))) {
            Ok(entity) => entity,
            Err(why) => {
                sink.fault(&why, &at, true);
                first_fault.get_or_insert_with(|| ImportError::malformed(&at, why));
                return Ok(());
            }
        };
        entities += 1;
        let mut kind = kind_for(entity.schema);
        let ready = references(&entity).all(|r| seen.contains_key(r));
        if kind.is_link() && !has_ends(&entity, kind) {
            kind = named("OtherRecord");
        }
        if kind.is_link() {
            if ready {
                let kind = if ends_are_entities(&entity, kind, &seen) { kind } else { named("OtherRecord") };
                push(&entity, kind, &at, Pass::Whole, sink)?;
                seen.insert(entity.id, kind.is_link());
            } else {
                deferred.insert(entity.id.clone());
                seen.insert(entity.id, true);
            }
        } else {
            push(&entity, kind, &at, if ready { Pass::Whole } else { Pass::Own }, sink)?;
            if !ready {
                deferred.insert(entity.id.clone());
            }
            seen.insert(entity.id, false);
        }
        if objects % 1024 == 0 {
            sink.progress(offset, total);
        }
        Ok(())
    })?;
    if objects == 0 {
        return Err(ImportError::malformed("", "empty file: no FtM entity"));
    }
    if entities == 0 {
        // Nothing in the file is FtM: the first fault says why, as a whole-file error.
        return Err(first_fault.unwrap_or_else(|| ImportError::malformed("", "no FtM entity")));
    }
    if !deferred.is_empty() {
        let mut again = 0u64;
        ftm_shape::each(input, shape, &mut |Raw { at, offset, value }| {
            again += 1;
            let Ok(entity) = value.and_then(|v| entity_of(v, &at, None)) else { return Ok(()) };
            if deferred.remove(&entity.id) {
                let kind = kind_for(entity.schema);
                if !kind.is_link() || (has_ends(&entity, kind) && ends_are_entities(&entity, kind, &seen)) {
                    push(&entity, kind, &at, Pass::Refs, sink)?;
                } else {
                    // An end that is not in the file, or is itself a relationship: kept whole.
                    push(&entity, named("OtherRecord"), &at, Pass::Whole, sink)?;
                    seen.insert(entity.id, false);
                }
            }
            if again % 1024 == 0 {
                sink.progress(input.len() + offset, total);
            }
            Ok(())
        })?;
    }
    sink.progress(total, total);
    Ok(())
}

/// A STIX bundle or a MISP event given as FtM is refused at once, saying what it is, rather
/// than read as thousands of entities without a schema.
fn not_another_format(input: &dyn Input) -> Result<(), ImportError> {
    let mut head = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(input.open()?, super::detect::HEAD_BYTES as u64),
        &mut head,
    )
    .map_err(|e| ImportError::Io(e.to_string()))?;
    match super::detect::detect_bytes(&head, None) {
        Some(format @ (super::detect::Format::Stix | super::detect::Format::Misp)) => {
            Err(ImportError::malformed(
                "line 1",
                format!("this is a {}, not FtM entities: use --format {}", format.label(), format.name()),
            ))
        }
        _ => Ok(()),
    }
}

/// The ids an entity refers to (link ends and entity-typed properties).
fn references(e: &Entity) -> impl Iterator<Item = &str> + '_ {
    e.props
        .iter()
        .filter(|(name, _)| e.schema.props.get(*name).is_some_and(|p| p.kind == "entity"))
        .flat_map(|(_, values)| strings(values))
}

/// Whether a relationship names both its ends.
fn has_ends(e: &Entity, kind: &Kind) -> bool {
    link_ends(kind, e.schema).is_some_and(|(from, to)| {
        [from, to].iter().all(|p| e.props.get(p).is_some_and(|v| strings(v).next().is_some()))
    })
}

/// Whether a relationship's first ends are entities of the file (not relationships).
fn ends_are_entities(e: &Entity, kind: &Kind, seen: &Seen) -> bool {
    link_ends(kind, e.schema).is_some_and(|(from, to)| {
        [from, to].iter().all(|p| {
            e.props.get(p).and_then(|v| strings(v).next()).is_some_and(|id| seen.get(id) == Some(&false))
        })
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Everything at once: what it refers to is already read.
    Whole,
    /// First pass, references deferred: an entity's own values.
    Own,
    /// Second pass: the deferred references, and the deferred links.
    Refs,
}

/// Pushes the record of `e` as `kind`, once per dataset it belongs to (each dataset is the
/// source of its statements).
fn push(e: &Entity, kind: &Kind, at: &str, pass: Pass, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let Some(item) = item(e, kind, at, pass) else { return Ok(()) };
    if e.datasets.is_empty() {
        return sink.record(Record::Item(item));
    }
    for (i, dataset) in e.datasets.iter().enumerate() {
        sink.producer(&format!("FtM dataset {dataset}"));
        let mut item = item.clone();
        item.again |= i > 0;
        sink.record(Record::Item(item))?;
    }
    Ok(())
}

fn item(e: &Entity, kind: &Kind, at: &str, pass: Pass) -> Option<Item> {
    let is_link = kind.is_link();
    let other = kind.name == "OtherRecord";
    let ends = link_ends(kind, e.schema);
    let mut item = Item::new(at, format!("ftm:{}", e.id), &kind.name);
    // What Liaison has no property for, as FtM wrote it (for an OtherRecord, everything).
    let mut raw = Map::new();
    let mut refs = false;
    let (mut from, mut to) = (None, None);
    for (name, values) in &e.props {
        let ftm_prop = &e.schema.props[name];
        if let Some((source, target)) = &ends {
            if name == source || name == target {
                let mut ids = strings(values);
                let first = ids.next().map(|s| format!("ftm:{s}"));
                if name == source {
                    from = first;
                } else {
                    to = first;
                }
                // A Liaison link has one source and one target; FtM allows lists. The others
                // are kept with the raw data, and an FtM export gives them back.
                let others: Vec<Value> = ids.map(|s| Value::String(s.to_owned())).collect();
                if !others.is_empty() {
                    raw.insert(name.clone(), Value::Array(others));
                }
                continue;
            }
        }
        let ours = kind.properties.get(name).filter(|_| !kind.is_endpoint(name));
        let is_ref = ftm_prop.kind == "entity";
        let compatible = ours.is_some_and(|p| (p.kind == PropType::Entity) == is_ref);
        if other || !compatible {
            raw.insert(name.clone(), values.clone());
        } else if !is_ref {
            // A value FtM accepts and Liaison refuses (a country code such as "eu") is still
            // pushed, for the import to report, and kept as FtM wrote it: the FtM export gives
            // it back where FtM accepts it. Text Liaison refuses as unsafe (control, bidi or
            // invisible characters) is not kept: it would travel on unseen.
            let rule = if ours.is_some_and(|p| p.kind == PropType::Text) { Rule::Text } else { Rule::Name };
            let refused: Vec<Value> = strings(values)
                .filter(|v| crate::model::validate(kind, name, v, Locale::default()).is_err())
                .filter(|v| text::check("value", v, rule).is_ok())
                .map(|v| Value::String(v.to_owned()))
                .collect();
            if !refused.is_empty() {
                raw.insert(name.clone(), Value::Array(refused));
            }
        }
        // An OtherRecord's references stay in its FtM data: it has no property to hold them.
        if !compatible || (other && is_ref) {
            continue;
        }
        refs |= is_ref;
        let now = match pass {
            Pass::Whole => true,
            Pass::Own => !is_ref,
            Pass::Refs => is_link || is_ref,
        };
        if now {
            for v in strings(values) {
                item.prop(name, if is_ref { format!("ftm:{v}") } else { v.to_owned() });
            }
        }
    }
    if pass == Pass::Refs && !is_link {
        if !refs {
            return None;
        }
        item.again = true;
        return Some(item);
    }
    if other {
        item.prop("recordType", e.schema.name.clone());
        if !e.props.contains_key("name") {
            // Searchable by what FtM would call it (a table's title, a file's name).
            let caption =
                e.schema.caption.iter().find_map(|p| e.props.get(p).and_then(|v| strings(v).next()));
            if let Some(caption) = caption {
                item.prop("name", caption.chars().take(384).collect::<String>());
            }
        }
    }
    let mut kept = Map::new();
    if other {
        kept.insert("id".into(), Value::String(e.id.clone()));
    }
    kept.insert("schema".into(), Value::String(e.schema.name.clone()));
    if !raw.is_empty() {
        kept.insert("properties".into(), Value::Object(raw));
    }
    kept.extend(e.envelope.iter().map(|(k, v)| (k.clone(), v.clone())));
    item.raw = Some(Value::Object(kept).to_string());
    if let Some(m) = &e.marking {
        match Marking::parse(m) {
            Ok(m) => item.marking = Some(m),
            Err(_) => item.set_marking_remarks(
                vec![format!("FtM marking {:?}", m.chars().take(60).collect::<String>())],
                Vec::new(),
            ),
        }
    }
    if is_link {
        item.ends = from.zip(to);
    }
    Some(item)
}

#[cfg(test)]
#[path = "ftm_tests.rs"]
mod tests;
