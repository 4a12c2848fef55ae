//! STIX 2.0 and 2.1 (bundles as OpenCTI, MISP and MITRE write them, a top-level array of
//! objects, or a single object).
//!
//! Three passes over the file, each holding one object at a time: the first checks every
//! object and notes marking definitions, identities (producers) and which ids become Liaison
//! records; the second writes the records (`stix_nodes`); the third the relationships,
//! sightings, notes and report mentions that refer to them. Every object becomes a record:
//! a modelled kind where Liaison has one, else an `OtherRecord`; each keeps its whole
//! original JSON in `externalData`, so that the export gives it back by id.
//!
//! Lenient by object: an object that is not STIX (a bad id, timestamp or reference) is
//! skipped with the reason and the rest is read; a bad `created_by_ref` loses only that
//! reference. Under `--strict` ([`Sink::fault`]) either refuses the whole file.

use std::collections::HashMap;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::ImportError;
use super::input::{Input, kind_of, str_at, stream_array};
use super::marking_read::{Reading, stix_definition};
use super::record::Sink;
use super::stix_vocab::{TLP_IDS, kind_for};
use crate::model::marking::Marking;

pub use super::stix_vocab::{GRADE_EXTENSION, MARKING_STATEMENT, TLP2_EXTENSION};

/// What the first pass learns.
#[derive(Default)]
pub(crate) struct Scan {
    /// Marking definitions of the file, by id, read by what they say.
    pub markings: HashMap<String, Reading>,
    /// The bundle's own `object_marking_refs`: the marking of objects that name none.
    pub bundle_refs: Vec<String>,
    pub identities: HashMap<String, String>,
    /// Ids that become Liaison records, with their kind.
    pub mapped: HashMap<String, &'static str>,
    /// The first `created_by_ref`: the producer of objects that name none.
    pub first_creator: Option<String>,
}

/// Calls `f` with each object of the file, numbered from 1.
fn each_object(
    input: &dyn Input,
    sink: &mut dyn Sink,
    pass: u64,
    f: &mut dyn FnMut(&str, &Map<String, Value>, &mut dyn Sink) -> Result<(), ImportError>,
) -> Result<Map<String, Value>, ImportError> {
    let total = input.len().saturating_mul(3).max(1);
    let done = input.len().saturating_mul(pass);
    let mut count = 0u64;
    let top = stream_array(input.open()?, "objects", &mut |el| {
        count += 1;
        let Value::Object(obj) = &el.value else {
            return Err(ImportError::malformed(
                format!("object {}", el.index),
                format!("{} where a STIX object was expected", kind_of(&el.value)),
            ));
        };
        let at = format!("object {} ({})", el.index, str_at(obj, "id").unwrap_or("no id"));
        if el.index % 256 == 0 {
            sink.progress(done + el.offset, total);
        }
        f(&at, obj, sink)
    })?;
    match str_at(&top, "type") {
        Some("bundle") => {
            if count == 0 && !top.contains_key("objects") {
                return Err(ImportError::malformed("", "a bundle without \"objects\""));
            }
        }
        Some(_) => f("object 1", &top, sink)?,
        // A top-level array of objects (what some tools write instead of a bundle).
        None if top.contains_key(super::input::TOP_ARRAY) => {}
        None => {
            return Err(ImportError::malformed(
                "",
                "not STIX: the document has no \"type\" (a MISP event? use --format misp)",
            ));
        }
    }
    Ok(top)
}

/// Reads a STIX bundle (or an array of objects, or one object) into `sink`.
pub fn read(input: &dyn Input, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let mut scan = Scan::default();
    let top = each_object(input, sink, 0, &mut |at, obj, sink| {
        sink.read();
        match check(obj) {
            Ok(()) => {
                if let Some(bad) = str_at(obj, "created_by_ref").filter(|r| !valid_ref(r)) {
                    let why = format!("STIX created_by_ref {bad:?} is not a STIX id: reference left out");
                    sink.fault(&why, at, false);
                }
                note(&mut scan, obj);
            }
            Err(why) => sink.fault(&format!("STIX object skipped: {why}"), at, true),
        }
        Ok(())
    })?;
    if str_at(&top, "type") == Some("bundle") {
        scan.bundle_refs = strs(&top, "object_marking_refs").map(str::to_owned).collect();
    }
    if let Some(name) = scan.first_creator.as_ref().and_then(|id| scan.identities.get(id)) {
        sink.producer(name);
    }
    each_object(input, sink, 1, &mut |at, obj, sink| {
        if check(obj).is_ok() { super::stix_nodes::node(&scan, at, obj, sink) } else { Ok(()) }
    })?;
    each_object(input, sink, 2, &mut |at, obj, sink| {
        if check(obj).is_ok() { super::stix_nodes::edge(&scan, at, obj, sink) } else { Ok(()) }
    })?;
    let total = input.len().saturating_mul(3).max(1);
    sink.progress(total, total);
    Ok(())
}

fn valid_timestamp(s: &str) -> bool {
    s.ends_with('Z') && s.contains('T') && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// A STIX identifier: `type--UUID`.
pub(crate) fn valid_ref(s: &str) -> bool {
    s.split_once("--").is_some_and(|(t, u)| !t.is_empty() && Uuid::parse_str(u).is_ok() && u.len() == 36)
}

/// Why an object is not STIX (the object is skipped, or under `--strict` the file refused).
/// A bad `created_by_ref` is not one: only that reference is lost (see `stix_nodes`).
fn check(obj: &Map<String, Value>) -> Result<(), String> {
    let Some(ty) = str_at(obj, "type") else {
        return Err(match obj.get("type") {
            Some(v) => format!("type is {}, not a string", kind_of(v)),
            None => "no \"type\": not a STIX object".into(),
        });
    };
    if ty.len() < 3
        || ty.len() > 250
        || !ty.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("type {:?} is not a STIX type name", ty.chars().take(60).collect::<String>()));
    }
    match obj.get("id") {
        Some(Value::String(id)) => {
            let ok = id
                .strip_prefix(ty)
                .and_then(|r| r.strip_prefix("--"))
                .is_some_and(|u| u.len() == 36 && Uuid::parse_str(u).is_ok());
            if !ok {
                return Err(format!("id {id:?} is not \"{ty}--\" followed by a UUID"));
            }
        }
        Some(other) => return Err(format!("id is {}, not a string", kind_of(other))),
        None => return Err("no \"id\"".into()),
    }
    for key in [
        "created",
        "modified",
        "first_seen",
        "last_seen",
        "valid_from",
        "valid_until",
        "first_observed",
        "last_observed",
        "published",
        "start_time",
        "stop_time",
    ] {
        match obj.get(key) {
            None => {}
            Some(Value::String(s)) if valid_timestamp(s) => {}
            Some(v) => return Err(format!("{key} {v} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)")),
        }
    }
    for key in ["source_ref", "target_ref", "sighting_of_ref"] {
        match obj.get(key) {
            None => {}
            Some(Value::String(s)) if valid_ref(s) => {}
            Some(v) => return Err(format!("{key} {v} is not a STIX id")),
        }
    }
    if ty == "relationship" && (obj.get("source_ref").is_none() || obj.get("target_ref").is_none()) {
        return Err("a relationship needs source_ref and target_ref".into());
    }
    if ty == "sighting" && obj.get("sighting_of_ref").is_none() {
        return Err("a sighting needs sighting_of_ref".into());
    }
    if let Some(v) = obj.get("spec_version") {
        if !matches!(v.as_str(), Some("2.0" | "2.1")) {
            return Err(format!("spec_version {v}: this reads STIX 2.0 and 2.1"));
        }
    }
    Ok(())
}

/// Definitions Liaison writes itself on export (the TLP definitions, its handling-code
/// statements and its grade extension): read for what they mean, not kept as records.
pub(crate) fn written_by_liaison(obj: &Map<String, Value>) -> bool {
    let id = str_at(obj, "id").unwrap_or_default();
    TLP_IDS.iter().any(|(t, _)| *t == id)
        || id == GRADE_EXTENSION
        || obj
            .get("definition")
            .and_then(|d| d.get("statement"))
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with(MARKING_STATEMENT))
}

fn note(scan: &mut Scan, obj: &Map<String, Value>) {
    let (Some(ty), Some(id)) = (str_at(obj, "type"), str_at(obj, "id")) else { return };
    if scan.first_creator.is_none() {
        scan.first_creator = str_at(obj, "created_by_ref").filter(|r| valid_ref(r)).map(str::to_owned);
    }
    match ty {
        "marking-definition" => {
            scan.markings.insert(id.to_owned(), stix_definition(obj));
        }
        "identity" => {
            if let Some(name) = str_at(obj, "name") {
                scan.identities.insert(id.to_owned(), name.to_owned());
            }
        }
        _ => {}
    }
    if written_by_liaison(obj) {
        return;
    }
    if let Some(kind) = kind_for(obj) {
        scan.mapped.insert(id.to_owned(), kind);
    }
}

/// The marking an object's references give (`object_marking_refs` and the refs of its
/// `granular_markings`, the strictest applying to the whole object; the bundle's when it
/// names none), and the references that cannot be read (missing from the file, a statement,
/// an unknown type), as the report names them. One bad reference loses no other.
pub(crate) fn marking(scan: &Scan, obj: &Map<String, Value>) -> (Option<Marking>, Vec<String>) {
    let granular = obj
        .get("granular_markings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("marking_ref").and_then(Value::as_str));
    let mut refs: Vec<&str> = strs(obj, "object_marking_refs").chain(granular).collect();
    if refs.is_empty() {
        refs = scan.bundle_refs.iter().map(String::as_str).collect();
    }
    let mut out: Option<Marking> = None;
    let mut unreadable = Vec::new();
    for r in refs {
        let standard =
            TLP_IDS.iter().find(|(id, _)| *id == r).and_then(|(_, name)| Marking::parse(name).ok());
        let reading = match (scan.markings.get(r), standard) {
            (Some(Reading::Marking(m)), Some(s)) => Reading::Marking(m.join(&s)),
            (Some(Reading::Unreadable(_) | Reading::Nothing) | None, Some(s)) => Reading::Marking(s),
            (Some(reading), None) => reading.clone(),
            (None, None) => Reading::Unreadable("not in the file".into()),
        };
        match reading {
            Reading::Marking(m) => out = Some(out.map_or(m.clone(), |o| o.join(&m))),
            Reading::Nothing => {}
            Reading::Unreadable(why) => {
                let named = format!("{r} ({why})");
                if !unreadable.contains(&named) {
                    unreadable.push(named);
                }
            }
        }
    }
    (out, unreadable)
}

pub(crate) fn strs<'v>(obj: &'v Map<String, Value>, key: &str) -> impl Iterator<Item = &'v str> {
    obj.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

pub(crate) fn ext(id: &str) -> String {
    format!("stix:{id}")
}

/// Timestamps as Liaison dates (to the second, UTC).
pub(crate) fn date(obj: &Map<String, Value>, key: &str) -> Option<String> {
    let s = str_at(obj, key)?;
    let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    Some(dt.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::input::BytesInput;
    use crate::interop::record::VecSink;

    fn read_str(s: &str) -> Result<VecSink, ImportError> {
        let mut sink = VecSink::default();
        read(&BytesInput(s.as_bytes()), &mut sink)?;
        Ok(sink)
    }

    const BUNDLE: &str = r#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56e","objects":[
      {"type":"relationship","spec_version":"2.1","id":"relationship--57b56a43-b8b0-4cba-9deb-34e3e1faed9f",
       "created":"2024-01-15T10:00:00.000Z","modified":"2024-01-15T10:00:00.000Z","relationship_type":"uses",
       "source_ref":"threat-actor--56f3f0db-b5d5-431c-ae56-c18f02caf501","target_ref":"phone-number--4c6a5d2e-7e9b-4d0c-9a0f-6e1f2a3b4c5d"},
      {"type":"threat-actor","spec_version":"2.1","id":"threat-actor--56f3f0db-b5d5-431c-ae56-c18f02caf501",
       "created":"2024-01-15T10:00:00.000Z","modified":"2024-01-15T10:00:00.000Z","name":"Crew","confidence":75,
       "object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],"x_opencti_score":50},
      {"type":"phone-number","id":"phone-number--4c6a5d2e-7e9b-4d0c-9a0f-6e1f2a3b4c5d","value":"+33612345678"},
      {"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--4c6a5d2e-7e9b-4d0c-9a0f-6e1f2a3b4c5e","name":"x"}
    ]}"#;

    #[test]
    fn every_object_becomes_a_record_with_its_whole_json_and_relationships_after_their_ends() {
        let sink = read_str(BUNDLE).unwrap();
        let kinds: Vec<&str> = sink.items().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["Organization", "Phone", "OtherRecord", "UnknownLink"]);
        let crew = sink.items().next().unwrap();
        assert_eq!(crew.marking.as_ref().unwrap().to_string(), "TLP:AMBER");
        assert_eq!(crew.grade.as_ref().unwrap().to_string(), "F2");
        let raw: Value = serde_json::from_str(crew.raw.as_deref().unwrap()).unwrap();
        assert_eq!(raw["x_opencti_score"], 50);
        assert_eq!(raw["created"], "2024-01-15T10:00:00.000Z");
        let other = sink.items().nth(2).unwrap();
        assert!(other.props.contains(&("recordType".into(), "attack-pattern".into())), "{other:?}");
        assert!(other.props.contains(&("name".into(), "x".into())), "{other:?}");
        assert!(sink.skipped.is_empty(), "{:?}", sink.skipped);
        assert_eq!(sink.read, 4);
    }

    #[test]
    fn a_bad_object_or_reference_is_skipped_with_the_reason_and_the_rest_is_read() {
        let bad = BUNDLE.replace(
            "threat-actor--56f3f0db-b5d5-431c-ae56-c18f02caf501\",\n       \"created",
            "threat-actor--nope\",\n       \"created",
        );
        let sink = read_str(&bad).unwrap();
        assert!(
            sink.skipped.iter().any(|(r, at)| at.contains("object 2") && r.contains("UUID")),
            "{:?}",
            sink.skipped
        );
        assert_eq!(sink.count("Phone"), 1);
        let err = read_str(&BUNDLE[..200]).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
        let err = read_str(r#"{"Event": {"info": "x"}}"#).unwrap_err().to_string();
        assert!(err.contains("not STIX"), "{err}");
        let err = read_str(r#"[{"type": "bundle", "objects": []}, 5]"#).unwrap_err().to_string();
        assert!(err.contains("a number where a STIX object was expected"), "{err}");
    }

    #[test]
    fn an_array_of_objects_and_a_byte_order_mark_are_read() {
        let array = r#"[{"type":"malware","spec_version":"2.1","id":"malware--4c6a5d2e-7e9b-4d0c-9a0f-6e1f2a3b4c5e",
            "created":"2024-01-15T10:00:00.000Z","modified":"2024-01-15T10:00:00.000Z","name":"Loader","is_family":true}]"#;
        let with_bom = format!("\u{feff}{array}");
        let sink = read_str(&with_bom).unwrap();
        assert_eq!(sink.count("Malware"), 1);
        assert_eq!(sink.read, 1);
    }
}
