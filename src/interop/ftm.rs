//! FollowTheMoney entity files (JSON lines, as Aleph, OpenSanctions and `ftm` write them).
//!
//! Every FtM schema that Liaison has (same name, `assets/schema.toml`) maps one to one; ids
//! are kept as external ids (`ftm:<id>`) so that importing again converges and exporting
//! gives them back. FtM properties Liaison has no property for are kept as raw JSON on the
//! record. Two passes over the file: entities first, then links and references, so that a
//! reference to an entity further down the file resolves. A line that is not FtM (bad JSON,
//! no id, a property FtM does not have, values not lists of strings…) fails the import
//! naming the line; a value Liaison refuses (a date FtM accepts but not as written) is
//! skipped and reported.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::ImportError;
use super::ftm_model::{FtmModel, FtmSchema, valid_id};
use super::input::{Input, Lines, kind_of};
use super::record::{Item, Record, Sink};
use crate::model::schema::{Category, Kind, PropType, Schema};

/// Liaison kinds that share a name with no FtM schema, or with a different one (FtM's
/// `Email` is a message, Liaison's an address; FtM's `Trip` is an event).
pub const NOT_IN_FTM: &[&str] = &["Phone", "Email", "Trip", "Domain", "IpAddress", "Url"];

/// The Liaison kind for an FtM schema, if Liaison has it.
pub fn kind_for(schema: &str) -> Option<&'static Kind> {
    if NOT_IN_FTM.contains(&schema) {
        return None;
    }
    Schema::builtin()
        .kind(schema)
        .ok()
        .filter(|k| matches!(k.category, Category::Entity | Category::Link) && k.name != "CaseMember")
}

/// One line, checked against the FtM model.
struct Entity<'m> {
    id: String,
    schema: &'m FtmSchema,
    props: Map<String, Value>,
    dataset: Option<String>,
}

/// A line's entity, or why it is skipped while the rest of the file imports: one entity with
/// an id FtM itself would refuse must not cost the analyst the other thousands.
type Parsed = Result<Entity<'static>, String>;

fn parse_line(line: &[u8], at: &str) -> Result<Parsed, ImportError> {
    let bad = |why: String| ImportError::malformed(at, why);
    let value: Value = serde_json::from_slice(line).map_err(|e| {
        bad(if e.is_eof() {
            "the line ends in the middle of a JSON value (truncated?)".into()
        } else {
            format!("not JSON: {e}")
        })
    })?;
    let Value::Object(mut obj) = value else {
        return Err(bad(format!("expected an FtM entity (a JSON object), found {}", kind_of(&value))));
    };
    let id = match obj.get("id") {
        Some(Value::String(s)) if valid_id(s) => s.clone(),
        Some(Value::String(s)) => {
            return Ok(Err(format!(
                "id {:?} is not an FtM id (letters, digits, '.' and '-', at most 200)",
                s.chars().take(80).collect::<String>()
            )));
        }
        Some(other) => return Ok(Err(format!("id is {}, not a string", kind_of(other)))),
        None => return Err(bad("no \"id\": not an FtM entity".into())),
    };
    let schema_name = match obj.get("schema") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(bad("no \"schema\" string: not an FtM entity".into())),
    };
    let model = FtmModel::builtin();
    let schema =
        model.schema(&schema_name).ok_or_else(|| bad(format!("unknown FtM schema {schema_name:?}")))?;
    if schema.is_abstract {
        return Err(bad(format!("{schema_name} is an abstract FtM schema: no entity can have it")));
    }
    let props = match obj.remove("properties") {
        Some(Value::Object(p)) => p,
        None => Map::new(),
        Some(other) => return Err(bad(format!("\"properties\" is {}, not an object", kind_of(&other)))),
    };
    for (name, values) in &props {
        if !schema.props.contains_key(name) {
            return Err(bad(format!("{schema_name} has no FtM property {name:?}")));
        }
        let list_of_strings = values.as_array().is_some_and(|a| a.iter().all(Value::is_string));
        if !list_of_strings {
            return Err(bad(format!(
                "{schema_name}.{name} must be a list of strings, found {}",
                kind_of(values)
            )));
        }
    }
    let dataset = obj
        .get("datasets")
        .and_then(Value::as_array)
        .and_then(|d| d.first())
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Ok(Entity { id, schema, props, dataset }))
}

fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// Reads FtM JSON lines into `sink`.
pub fn read(input: &dyn Input, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let total = input.len().saturating_mul(2).max(1);
    // Ids met so far, and entities whose references point further down the file: those get
    // their references in a second pass. Files written in order need none.
    let mut seen: HashSet<String> = HashSet::new();
    let mut deferred: HashSet<String> = HashSet::new();
    let mut lines = Lines::new(input.open()?);
    let mut count = 0u64;
    let mut named_producer = false;
    while let Some((number, offset, line)) = lines.next_line()? {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        count += 1;
        let at = format!("line {number}");
        let entity = match parse_line(line, &at)? {
            Ok(entity) => entity,
            Err(why) => {
                sink.skip(&why, &at);
                continue;
            }
        };
        if !named_producer {
            named_producer = true;
            sink.producer(
                &entity
                    .dataset
                    .as_ref()
                    .map_or_else(|| "FollowTheMoney".to_owned(), |d| format!("FtM dataset {d}")),
            );
        }
        sink.read();
        let ready = references(&entity).all(|r| seen.contains(r));
        if ready {
            map_entity(&entity, &at, Pass::Whole, sink)?;
        } else {
            map_entity(&entity, &at, Pass::Own, sink)?;
            deferred.insert(entity.id.clone());
        }
        seen.insert(entity.id);
        if number % 1024 == 0 {
            sink.progress(offset, total);
        }
    }
    if count == 0 {
        return Err(ImportError::malformed("", "empty file: no FtM entity"));
    }
    if !deferred.is_empty() {
        let mut lines = Lines::new(input.open()?);
        while let Some((number, offset, line)) = lines.next_line()? {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let at = format!("line {number}");
            let Ok(entity) = parse_line(line, &at)? else { continue };
            if deferred.contains(&entity.id) {
                map_entity(&entity, &at, Pass::Refs, sink)?;
            }
            if number % 1024 == 0 {
                sink.progress(input.len() + offset, total);
            }
        }
    }
    sink.progress(total, total);
    Ok(())
}

/// The ids an entity refers to (link ends and entity-typed properties).
fn references<'e>(e: &'e Entity<'_>) -> impl Iterator<Item = &'e str> + 'e {
    e.props
        .iter()
        .filter(|(name, _)| e.schema.props.get(*name).is_some_and(|p| p.kind == "entity" && !p.stub))
        .flat_map(|(_, values)| strings(values))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Everything at once: what it refers to is already read.
    Whole,
    /// First pass, references deferred: an entity's own values; a link waits.
    Own,
    /// Second pass: the deferred references, and the deferred links.
    Refs,
}

fn map_entity(e: &Entity<'_>, at: &str, pass: Pass, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let first_pass = pass != Pass::Refs;
    let Some(kind) = kind_for(&e.schema.name) else {
        if first_pass {
            sink.skip(
                &format!("FtM schema {} has no Liaison kind", e.schema.name),
                &format!("{at}: {}", e.id),
            );
        }
        return Ok(());
    };
    let is_link = kind.is_link();
    if is_link && pass == Pass::Own {
        return Ok(());
    }
    let mut item = Item::new(at, format!("ftm:{}", e.id), &kind.name);
    let mut raw = Map::new();
    let mut refs = false;
    let (mut from, mut to) = (None, None);
    for (name, values) in &e.props {
        let ftm_prop = &e.schema.props[name];
        if ftm_prop.stub {
            if first_pass {
                sink.skip("FtM reverse property (read-only) in the file", &format!("{at}: {name}"));
            }
            continue;
        }
        let ours = kind.properties.get(name);
        let compatible = ours.is_some_and(|p| (p.kind == PropType::Entity) == (ftm_prop.kind == "entity"));
        if !compatible {
            raw.insert(name.clone(), values.clone());
            continue;
        }
        let is_ref = ftm_prop.kind == "entity";
        if kind.source.as_deref() == Some(name) || kind.target.as_deref() == Some(name) {
            let mut ends = strings(values);
            let first = ends.next().map(|s| format!("ftm:{s}"));
            if kind.source.as_deref() == Some(name) {
                from = first;
            } else {
                to = first;
            }
            // A Liaison link has one source and one target; FtM allows lists. The others
            // are kept with the raw data, and an FtM export gives them back.
            let others: Vec<Value> = ends.map(|s| Value::String(s.to_owned())).collect();
            if !others.is_empty() {
                raw.insert(name.clone(), Value::Array(others));
            }
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
            return Ok(());
        }
        item.again = true;
    } else if !raw.is_empty() {
        item.raw = Some(Value::Object(raw).to_string());
    }
    if is_link {
        item.ends = from.zip(to);
    }
    sink.record(Record::Item(item))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::input::BytesInput;
    use crate::interop::record::VecSink;

    const TINY: &str = include_str!("../../tests/fixtures/interop/tiny.ftm.json");

    #[test]
    fn entities_come_before_the_links_that_join_them() {
        let mut sink = VecSink::default();
        read(&BytesInput(TINY.as_bytes()), &mut sink).unwrap();
        let kinds: Vec<&str> = sink.items().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["Person", "Company", "Ownership"]);
        let own = sink.items().find(|i| i.kind == "Ownership").unwrap();
        assert_eq!(own.ends, Some(("ftm:person-1".into(), "ftm:company-1".into())));
        assert!(own.props.contains(&("percentage".into(), "75".into())));
        assert_eq!(sink.read, 3);
    }

    #[test]
    fn references_further_down_the_file_come_in_a_second_pass() {
        let reversed = TINY.lines().rev().collect::<Vec<_>>().join("\n");
        let mut sink = VecSink::default();
        read(&BytesInput(reversed.as_bytes()), &mut sink).unwrap();
        let kinds: Vec<&str> = sink.items().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["Company", "Person", "Ownership"]);
    }

    #[test]
    fn an_entity_with_a_bad_id_is_skipped_and_the_rest_imports() {
        let input = format!("{{\"id\": \"a_1\", \"schema\": \"Person\"}}\n{TINY}");
        let mut sink = VecSink::default();
        read(&BytesInput(input.as_bytes()), &mut sink).unwrap();
        assert_eq!(sink.items().count(), 3, "the three good entities");
        assert!(
            sink.skipped.iter().any(|(why, at)| why.contains("not an FtM id") && at == "line 1"),
            "{:?}",
            sink.skipped
        );
    }

    #[test]
    fn faults_name_the_line() {
        for (text, needle) in [
            ("{\"id\": \"a\", \"schema\": \"Person\", \"properties\": {\"name\": \"x\"}}", "list of strings"),
            ("{\"id\": \"a\", \"schema\": \"Thing\"}", "abstract"),
            (
                "{\"id\": \"a\", \"schema\": \"Person\", \"properties\": {\"shoe\": [\"x\"]}}",
                "no FtM property",
            ),
            ("{\"id\": \"a\", \"schema\": \"Person\"", "truncated"),
            ("[1, 2]", "found an array"),
        ] {
            let mut sink = VecSink::default();
            let input = format!("{TINY}{text}\n");
            let err = read(&BytesInput(input.as_bytes()), &mut sink).unwrap_err().to_string();
            assert!(err.contains("line 4") && err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn unsupported_ftm_properties_are_kept_as_raw_json() {
        let line = r#"{"id":"o1","schema":"Ownership","properties":{"owner":["a"],"asset":["b"],"namesMentioned":["A","B"]}}"#;
        let mut sink = VecSink::default();
        read(&BytesInput(line.as_bytes()), &mut sink).unwrap();
        let own = sink.items().next().unwrap();
        assert_eq!(own.raw.as_deref(), Some(r#"{"namesMentioned":["A","B"]}"#));
    }
}
