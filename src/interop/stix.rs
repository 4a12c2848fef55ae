//! STIX 2.0 and 2.1 (bundles as OpenCTI, MISP and MITRE write them, or a single object).
//!
//! Three passes over the file, each holding one object at a time: the first checks every
//! object and notes marking definitions, identities (producers) and which ids map to a
//! Liaison record; the second writes entities, cases and custom objects; the third the
//! relationships, sightings, notes and report members that refer to them. What has no
//! Liaison kind is counted in the report; `x-` custom objects are kept whole as raw JSON on
//! a Document, and `x_` custom properties of mapped objects as raw JSON on the record.

use std::collections::HashMap;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::ImportError;
use super::input::{Input, kind_of, str_at, stream_array};
use super::marking_read::{Reading, stix_definition};
use super::record::{Item, Record, Sink};
use super::stix_vocab::{TLP_IDS, grade, kind_for, link_kind, pattern_observables};
use crate::model::marking::Marking;

pub use super::stix_vocab::{GRADE_EXTENSION, MARKING_STATEMENT, TLP2_EXTENSION};

/// Objects that describe the file itself rather than the world.
const META: &[&str] = &["marking-definition", "extension-definition", "language-content", "bundle"];

/// What the first pass learns.
#[derive(Default)]
struct Scan {
    /// Marking definitions of the file, by id, read by what they say.
    markings: HashMap<String, Reading>,
    /// The bundle's own `object_marking_refs`: the marking of objects that name none.
    bundle_refs: Vec<String>,
    identities: HashMap<String, String>,
    /// Ids that become Liaison records, with their kind.
    mapped: HashMap<String, &'static str>,
    /// The first `created_by_ref`: the producer of objects that name none.
    first_creator: Option<String>,
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
                format!("expected a STIX object, found {}", kind_of(&el.value)),
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
        None => {
            return Err(ImportError::malformed(
                "",
                "not STIX: the document has no \"type\" (a MISP event? use --format misp)",
            ));
        }
    }
    Ok(top)
}

/// Reads a STIX bundle (or one object) into `sink`.
pub fn read(input: &dyn Input, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let mut scan = Scan::default();
    let top = each_object(input, sink, 0, &mut |at, obj, sink| {
        check(at, obj)?;
        sink.read();
        note(&mut scan, obj);
        Ok(())
    })?;
    if str_at(&top, "type") == Some("bundle") {
        scan.bundle_refs = strs(&top, "object_marking_refs").map(str::to_owned).collect();
    }
    if let Some(name) = scan.first_creator.as_ref().and_then(|id| scan.identities.get(id)) {
        sink.producer(name);
    }
    each_object(input, sink, 1, &mut |at, obj, sink| node(&scan, at, obj, sink))?;
    each_object(input, sink, 2, &mut |at, obj, sink| edge(&scan, at, obj, sink))?;
    let total = input.len().saturating_mul(3).max(1);
    sink.progress(total, total);
    Ok(())
}

fn valid_timestamp(s: &str) -> bool {
    s.ends_with('Z') && s.contains('T') && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

fn valid_ref(s: &str) -> bool {
    s.split_once("--").is_some_and(|(t, u)| !t.is_empty() && Uuid::parse_str(u).is_ok() && u.len() == 36)
}

/// The checks that make a file STIX: a fault fails the import naming the object.
fn check(at: &str, obj: &Map<String, Value>) -> Result<(), ImportError> {
    let bad = |why: String| Err(ImportError::malformed(at, why));
    let Some(ty) = str_at(obj, "type") else { return bad("no \"type\": not a STIX object".into()) };
    if ty.len() < 3
        || ty.len() > 250
        || !ty.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return bad(format!("type {:?} is not a STIX type name", ty.chars().take(60).collect::<String>()));
    }
    match obj.get("id") {
        Some(Value::String(id)) => {
            let ok = id
                .strip_prefix(ty)
                .and_then(|r| r.strip_prefix("--"))
                .is_some_and(|u| u.len() == 36 && Uuid::parse_str(u).is_ok());
            if !ok {
                return bad(format!("id {id:?} is not \"{ty}--\" followed by a UUID"));
            }
        }
        Some(other) => return bad(format!("id is {}, not a string", kind_of(other))),
        None => return bad("no \"id\"".into()),
    }
    for key in
        ["created", "modified", "first_seen", "last_seen", "valid_from", "first_observed", "last_observed"]
    {
        match obj.get(key) {
            None => {}
            Some(Value::String(s)) if valid_timestamp(s) => {}
            Some(v) => return bad(format!("{key} {v} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)")),
        }
    }
    for key in ["source_ref", "target_ref", "created_by_ref", "sighting_of_ref"] {
        match obj.get(key) {
            None => {}
            Some(Value::String(s)) if valid_ref(s) => {}
            Some(v) => return bad(format!("{key} {v} is not a STIX id")),
        }
    }
    if ty == "relationship" && (obj.get("source_ref").is_none() || obj.get("target_ref").is_none()) {
        return bad("a relationship needs source_ref and target_ref".into());
    }
    if let Some(Value::String(v)) = obj.get("spec_version") {
        if !matches!(v.as_str(), "2.0" | "2.1") {
            return bad(format!("spec_version {v:?}: this reads STIX 2.0 and 2.1"));
        }
    }
    Ok(())
}

fn note(scan: &mut Scan, obj: &Map<String, Value>) {
    let (Some(ty), Some(id)) = (str_at(obj, "type"), str_at(obj, "id")) else { return };
    if scan.first_creator.is_none() {
        scan.first_creator = str_at(obj, "created_by_ref").map(str::to_owned);
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
    if let Some(kind) = kind_for(obj) {
        if !matches!(kind, "Note") {
            scan.mapped.insert(id.to_owned(), kind);
        }
    }
}

/// The marking an object's references give (`object_marking_refs` and the refs of its
/// `granular_markings`, the strictest applying to the whole object; the bundle's when it
/// names none), and the references that cannot be read (missing from the file, a statement,
/// an unknown type), as the report names them. One bad reference loses no other.
fn marking(scan: &Scan, obj: &Map<String, Value>) -> (Option<Marking>, Vec<String>) {
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

/// `x_` custom properties, as one JSON object.
fn custom_props(obj: &Map<String, Value>) -> Option<String> {
    let custom: Map<String, Value> =
        obj.iter().filter(|(k, _)| k.starts_with("x_")).map(|(k, v)| (k.clone(), v.clone())).collect();
    (!custom.is_empty()).then(|| Value::Object(custom).to_string())
}

fn strs<'v>(obj: &'v Map<String, Value>, key: &str) -> impl Iterator<Item = &'v str> {
    obj.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

fn ext(id: &str) -> String {
    format!("stix:{id}")
}

/// Timestamps as Liaison dates (to the second, UTC).
fn date(obj: &Map<String, Value>, key: &str) -> Option<String> {
    let s = str_at(obj, key)?;
    let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    Some(dt.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn base_item(scan: &Scan, at: &str, obj: &Map<String, Value>, kind: &str, sink: &mut dyn Sink) -> Item {
    let id = str_at(obj, "id").unwrap_or_default();
    if let Some(p) = str_at(obj, "created_by_ref").and_then(|r| scan.identities.get(r)) {
        sink.producer(p);
    }
    let mut item = Item::new(at, ext(id), kind);
    let (marking, unreadable) = marking(scan, obj);
    item.marking = marking;
    item.set_marking_remarks(unreadable, Vec::new());
    item.grade = grade(obj);
    item.raw = custom_props(obj);
    item
}

fn node(scan: &Scan, at: &str, obj: &Map<String, Value>, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let ty = str_at(obj, "type").unwrap_or_default();
    if ty == "observed-data" {
        return embedded_observables(scan, at, obj, sink);
    }
    let Some(kind) = kind_for(obj) else {
        if !META.contains(&ty) && !matches!(ty, "relationship" | "sighting") {
            sink.skip(&format!("STIX {ty}: no Liaison kind"), at);
        }
        return Ok(());
    };
    if matches!(kind, "Note") {
        return Ok(());
    }
    if ty == "indicator" {
        // The observables the indicator watches for, the first under the indicator's id.
        for (i, (kind, prop, value)) in
            pattern_observables(str_at(obj, "pattern").unwrap_or_default()).into_iter().enumerate()
        {
            let mut item = base_item(scan, at, obj, kind, sink);
            if i > 0 {
                item.ext = format!("{}#{i}", item.ext);
            }
            item.prop(prop, value);
            item.prop(
                "notes",
                [str_at(obj, "name"), str_at(obj, "description")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": "),
            );
            sink.record(Record::Item(item))?;
        }
        return Ok(());
    }
    let mut item = base_item(scan, at, obj, kind, sink);
    let s = |k: &str| str_at(obj, k).unwrap_or_default().to_owned();
    match ty {
        "identity" | "threat-actor" | "intrusion-set" => {
            item.prop("name", s("name"));
            for a in strs(obj, "aliases") {
                item.prop("alias", a);
            }
            item.prop("notes", s("description"));
            if kind == "Organization" {
                for sector in strs(obj, "sectors") {
                    item.prop("sector", sector);
                }
            }
            if ty != "identity" {
                item.prop("summary", format!("STIX {ty}"));
            }
        }
        "campaign" => {
            item.prop("name", s("name"));
            for a in strs(obj, "aliases") {
                item.prop("alias", a);
            }
            item.prop("summary", s("description"));
            item.prop("startDate", date(obj, "first_seen").unwrap_or_default());
            item.prop("endDate", date(obj, "last_seen").unwrap_or_default());
        }
        "location" => {
            for (ours, theirs) in [
                ("name", "name"),
                ("street", "street_address"),
                ("city", "city"),
                ("region", "region"),
                ("postalCode", "postal_code"),
                ("country", "country"),
                ("notes", "description"),
            ] {
                item.prop(ours, s(theirs));
            }
            for (ours, theirs) in [("latitude", "latitude"), ("longitude", "longitude")] {
                if let Some(n) = obj.get(theirs).and_then(Value::as_f64) {
                    item.prop(ours, n.to_string());
                }
            }
        }
        "email-addr" => {
            item.prop("address", s("value"));
            item.prop("notes", s("display_name"));
        }
        "domain-name" => item.prop("domain", s("value").to_lowercase()),
        "ipv4-addr" | "ipv6-addr" => item.prop("address", s("value")),
        "url" => item.prop("url", s("value")),
        "phone-number" | "x-opencti-phone-number" => item.prop("number", s("value")),
        "bank-account" | "x-opencti-bank-account" => {
            item.prop("iban", s("iban"));
            item.prop("bic", s("bic"));
            item.prop("accountNumber", s("account_number"));
        }
        "cryptocurrency-wallet" | "x-opencti-cryptocurrency-wallet" => item.prop("publicKey", s("value")),
        "user-account" => {
            item.prop(
                "username",
                if s("account_login").is_empty() { s("user_id") } else { s("account_login") },
            );
            item.prop("name", s("display_name"));
            item.prop("service", s("account_type"));
        }
        "report" | "grouping" => {
            item.prop("title", s("name"));
            item.prop("summary", s("description"));
            // The case's marking is the one its values take (the loader sets it).
            item.prop("status", "open");
        }
        _ => {
            // An `x-` custom object: kept whole.
            item.prop("name", if s("name").is_empty() { ty.to_owned() } else { s("name") });
            item.prop("mimeType", format!("application/stix+json; type={ty}"));
            item.raw = Some(Value::Object(obj.clone()).to_string());
        }
    }
    sink.record(Record::Item(item))
}

/// STIX 2.0 observed-data holds its observables inside; 2.1 refers to top-level ones.
fn embedded_observables(
    scan: &Scan,
    at: &str,
    obj: &Map<String, Value>,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let Some(objects) = obj.get("objects").and_then(Value::as_object) else { return Ok(()) };
    let id = str_at(obj, "id").unwrap_or_default();
    for (key, inner) in objects {
        let Some(inner) = inner.as_object() else { continue };
        let Some(kind) = kind_for(inner).filter(|k| !matches!(*k, "Case" | "Note" | "Document")) else {
            sink.skip(
                &format!("STIX {}: no Liaison kind", str_at(inner, "type").unwrap_or("?")),
                &format!("{at} objects.{key}"),
            );
            continue;
        };
        let mut with_id = inner.clone();
        with_id.insert("id".into(), Value::String(format!("{id}/{key}")));
        for k in ["object_marking_refs", "granular_markings", "created_by_ref", "confidence"] {
            if let Some(v) = obj.get(k) {
                with_id.insert(k.into(), v.clone());
            }
        }
        let mut sub = node_props(scan, &format!("{at} objects.{key}"), &with_id, kind, sink);
        sub.ext = ext(&format!("{id}/{key}"));
        sink.record(Record::Item(sub))?;
    }
    Ok(())
}

fn node_props(scan: &Scan, at: &str, obj: &Map<String, Value>, kind: &str, sink: &mut dyn Sink) -> Item {
    let mut item = base_item(scan, at, obj, kind, sink);
    let v = str_at(obj, "value").unwrap_or_default().to_owned();
    match kind {
        "Email" | "IpAddress" => item.prop("address", v),
        "Domain" => item.prop("domain", v.to_lowercase()),
        "Url" => item.prop("url", v),
        "Phone" => item.prop("number", v),
        "CryptoWallet" => item.prop("publicKey", v),
        _ => item.prop("name", v),
    }
    item
}

fn edge(scan: &Scan, at: &str, obj: &Map<String, Value>, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let ty = str_at(obj, "type").unwrap_or_default();
    let id = str_at(obj, "id").unwrap_or_default();
    let mapped = |r: &str| scan.mapped.get(r).is_some_and(|k| !matches!(*k, "Case" | "Note"));
    match ty {
        "relationship" => {
            let (from, to) = (
                str_at(obj, "source_ref").unwrap_or_default(),
                str_at(obj, "target_ref").unwrap_or_default(),
            );
            let rel = str_at(obj, "relationship_type").unwrap_or("related-to");
            if !mapped(from) || !mapped(to) {
                let missing = if mapped(from) { to } else { from };
                let missing_type = missing.split("--").next().unwrap_or("?");
                sink.skip(&format!("STIX relationship to a {missing_type} (not imported)"), at);
                return Ok(());
            }
            let kind = link_kind(rel);
            let mut item = base_item(scan, at, obj, kind, sink);
            if kind == "UnknownLink" {
                item.prop("role", rel);
            }
            item.prop("description", str_at(obj, "description").unwrap_or_default());
            item.prop("startDate", date(obj, "start_time").unwrap_or_default());
            item.prop("endDate", date(obj, "stop_time").unwrap_or_default());
            item.ends = Some((ext(from), ext(to)));
            sink.record(Record::Item(item))
        }
        "sighting" => {
            let of = str_at(obj, "sighting_of_ref").unwrap_or_default();
            let Some(place) = strs(obj, "where_sighted_refs").find(|r| mapped(r)) else {
                sink.skip("STIX sighting without an imported place or observer", at);
                return Ok(());
            };
            if !mapped(of) {
                sink.skip("STIX sighting of an object not imported", at);
                return Ok(());
            }
            let mut item = base_item(scan, at, obj, "UnknownLink", sink);
            item.prop("role", "sighted");
            item.prop("startDate", date(obj, "first_seen").unwrap_or_default());
            item.prop("endDate", date(obj, "last_seen").unwrap_or_default());
            if let Some(n) = obj.get("count").and_then(Value::as_u64) {
                item.prop("summary", format!("sighted {n} times"));
            }
            item.ends = Some((ext(of), ext(place)));
            sink.record(Record::Item(item))
        }
        "report" | "grouping" => {
            for r in strs(obj, "object_refs") {
                if mapped(r) {
                    sink.record(Record::Member { at: at.to_owned(), case: ext(id), entity: ext(r) })?;
                }
            }
            Ok(())
        }
        "note" => {
            let text = [str_at(obj, "abstract"), str_at(obj, "content")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n\n");
            let authors: Vec<&str> = strs(obj, "authors").collect();
            let case = strs(obj, "object_refs").find(|r| scan.mapped.get(*r) == Some(&"Case"));
            let about: Vec<&str> = strs(obj, "object_refs").filter(|r| mapped(r)).collect();
            if case.is_none() && !about.is_empty() {
                // No case to hold the note: it becomes a note on each record it is about.
                for r in about {
                    let mut item = base_item(scan, at, obj, scan.mapped[r], sink);
                    item.ext = ext(r);
                    item.raw = None;
                    item.again = true;
                    item.prop("notes", text.clone());
                    sink.record(Record::Item(item))?;
                }
                return Ok(());
            }
            let mut item = base_item(scan, at, obj, "Note", sink);
            item.prop("text", text);
            item.prop("author", authors.join(", "));
            item.prop("date", date(obj, "created").unwrap_or_default());
            item.case = case.map(ext);
            sink.record(Record::Item(item))
        }
        _ => Ok(()),
    }
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
    fn relationships_come_after_their_ends_with_markings_and_grades() {
        let sink = read_str(BUNDLE).unwrap();
        let kinds: Vec<&str> = sink.items().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["Organization", "Phone", "UnknownLink"]);
        let crew = sink.items().next().unwrap();
        assert_eq!(crew.marking.as_ref().unwrap().to_string(), "TLP:AMBER");
        assert_eq!(crew.grade.as_ref().unwrap().to_string(), "F2");
        assert_eq!(crew.raw.as_deref(), Some(r#"{"x_opencti_score":50}"#));
        assert!(sink.skipped.iter().any(|(r, _)| r.contains("attack-pattern")));
        assert_eq!(sink.read, 4);
    }

    #[test]
    fn faults_name_the_object() {
        let bad = BUNDLE.replace(
            "threat-actor--56f3f0db-b5d5-431c-ae56-c18f02caf501\",\n       \"created",
            "threat-actor--nope\",\n       \"created",
        );
        let err = read_str(&bad).unwrap_err().to_string();
        assert!(err.contains("object 2") && err.contains("UUID"), "{err}");
        let err = read_str(&BUNDLE[..200]).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
        let err = read_str(r#"{"Event": {"info": "x"}}"#).unwrap_err().to_string();
        assert!(err.contains("not STIX"), "{err}");
    }
}
