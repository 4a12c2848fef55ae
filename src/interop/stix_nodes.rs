//! The records a STIX object becomes (second pass: `node`) and the links and mentions that
//! refer to them (third pass: `edge`). Every object read becomes exactly one record (or is
//! skipped with the reason), so that the report adds up; what an object names besides (an
//! indicator pattern's observables, a STIX 2.0 observed-data's embedded objects) becomes
//! records marked `derived`. A relationship or sighting whose ends are not both records of
//! the file is kept whole as an `OtherRecord`: never dropped.

use serde_json::{Map, Value};

use super::ImportError;
use super::input::str_at;
use super::record::{Item, Record, Sink};
use super::stix::{Scan, date, ext, marking, strs, valid_ref, written_by_liaison};
use super::stix_map::{self, Conv};
use super::stix_vocab::{grade, is_observable_kind, kind_for, link_kind, pattern_observables};
use crate::model::schema::Schema;
use crate::model::validate;
use crate::model::values::Locale;

/// A record for `obj` with its marking, grade and producer, keeping the whole object (less
/// a `created_by_ref` that is not a STIX id: that reference is reported and lost).
fn base_item(scan: &Scan, at: &str, obj: &Map<String, Value>, kind: &str, sink: &mut dyn Sink) -> Item {
    let mut item = part_item(scan, at, obj, kind, sink);
    let mut whole = obj.clone();
    if str_at(obj, "created_by_ref").is_some_and(|r| !valid_ref(r)) {
        // Reported when the object was checked; the kept object goes without it.
        whole.remove("created_by_ref");
    }
    item.raw = Some(Value::Object(whole).to_string());
    item
}

/// A record made from part of `obj` (more values of a record, a derived record): its
/// marking, grade and producer, without the object itself.
fn part_item(scan: &Scan, at: &str, obj: &Map<String, Value>, kind: &str, sink: &mut dyn Sink) -> Item {
    let id = str_at(obj, "id").unwrap_or_default();
    let creator = str_at(obj, "created_by_ref");
    if let Some(p) = creator.and_then(|r| scan.identities.get(r)) {
        sink.producer(p);
    }
    let mut item = Item::new(at, ext(id), kind);
    let (marking, unreadable) = marking(scan, obj);
    item.marking = marking;
    item.set_marking_remarks(unreadable, Vec::new());
    item.grade = grade(obj);
    item
}

/// The mapped fields of `obj` as values for a record of `kind`; and the STIX keys whose value
/// is refused (a value of the wrong JSON type, a date that is a placeholder, a latitude off
/// the globe), each reported in the file's terms and left out of the kept object too, so that
/// no export carries it.
fn fields(
    kind: &str,
    ty: &str,
    obj: &Map<String, Value>,
    at: &str,
    sink: &mut dyn Sink,
) -> (Vec<(&'static str, String)>, Vec<&'static str>) {
    let schema = Schema::builtin().kind(kind).ok();
    let mut props = Vec::new();
    let mut bad = Vec::new();
    for field in stix_map::fields(ty, kind) {
        match stix_map::read(obj, field) {
            Ok(values) => {
                for v in values {
                    // Dates and numbers are checked here, where the key can still be struck
                    // from the kept object; the rest when the store writes them.
                    let checked = matches!(field.conv, Conv::Time | Conv::Num)
                        .then(|| schema.map(|k| validate(k, field.prop, &v, Locale::default())))
                        .flatten();
                    match checked {
                        Some(Err(e)) => {
                            let why = match e {
                                crate::model::ModelError::BadValue { why, .. } => why.to_string(),
                                other => other.to_string(),
                            };
                            sink.fault(&format!("STIX {ty}.{} {v}: {why}", field.key), at, false);
                            bad.push(field.key);
                        }
                        _ => props.push((field.prop, v)),
                    }
                }
            }
            Err(why) => {
                sink.fault(&format!("STIX {ty}.{why}"), at, false);
                bad.push(field.key);
            }
        }
    }
    (props, bad)
}

/// `obj` without the keys (`a.b` paths) whose values were refused.
fn without(obj: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    let mut out = obj.clone();
    for key in keys {
        match key.split_once('.') {
            Some((a, b)) => {
                if let Some(Value::Object(m)) = out.get_mut(a) {
                    m.remove(b);
                }
            }
            None => {
                out.remove(*key);
            }
        }
    }
    out
}

pub(crate) fn node(
    scan: &Scan,
    at: &str,
    obj: &Map<String, Value>,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let ty = str_at(obj, "type").unwrap_or_default();
    if written_by_liaison(obj) {
        sink.skip(
            &format!("STIX {ty}: a definition Liaison reads as markings and grades, and writes itself"),
            at,
        );
        return Ok(());
    }
    let Some(kind) = kind_for(obj) else { return Ok(()) };
    if kind == "Note" {
        let in_case = strs(obj, "object_refs").any(|r| scan.mapped.get(r) == Some(&"Case"));
        if in_case {
            // A note of a case (as Liaison exports them): read with the links.
            return Ok(());
        }
        return other_record(scan, at, obj, sink);
    }
    if kind == "OtherRecord" {
        other_record(scan, at, obj, sink)?;
        if ty == "observed-data" {
            embedded_observables(scan, at, obj, sink)?;
        }
        return Ok(());
    }
    let (mut props, mut refused) = fields(kind, ty, obj, at, sink);
    if ty == "location" && refused.iter().any(|k| matches!(*k, "latitude" | "longitude")) {
        // STIX gives a position as both coordinates or neither: one refused takes the other.
        refused.extend(["latitude", "longitude"]);
        props.retain(|(p, _)| !matches!(*p, "latitude" | "longitude"));
    }
    let mut item = base_item(scan, at, &without(obj, &refused), kind, sink);
    for (p, v) in props {
        item.prop(p, v);
    }
    match ty {
        "user-account" if !item.props.iter().any(|(p, _)| p == "username") => {
            item.prop("username", str_at(obj, "user_id").unwrap_or_default());
        }
        "vulnerability" => item.prop("cveId", stix_map::cve(obj).unwrap_or_default()),
        "grouping" => item.prop("status", "open"),
        _ => {}
    }
    sink.record(Record::Item(item))?;
    if ty == "indicator" {
        indicator_observables(scan, at, obj, sink)?;
    }
    Ok(())
}

/// Anything Liaison does not model: kept whole, named by its `name` (else its id).
fn other_record(
    scan: &Scan,
    at: &str,
    obj: &Map<String, Value>,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let ty = str_at(obj, "type").unwrap_or_default();
    let mut item = base_item(scan, at, obj, "OtherRecord", sink);
    item.prop("recordType", ty);
    match obj.get("name") {
        Some(Value::String(name)) => item.prop("name", name.as_str()),
        Some(_) => {
            sink.fault(&format!("STIX {ty}.name: not a string: the record is named by its id"), at, false);
        }
        None => {}
    }
    if !item.props.iter().any(|(p, _)| p == "name") {
        item.prop("name", str_at(obj, "id").unwrap_or_default());
    }
    sink.record(Record::Item(item))
}

/// The observables an indicator watches for, as records of their own linked to it.
fn indicator_observables(
    scan: &Scan,
    at: &str,
    obj: &Map<String, Value>,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let id = str_at(obj, "id").unwrap_or_default();
    for (i, (kind, prop, value)) in
        pattern_observables(str_at(obj, "pattern").unwrap_or_default()).into_iter().enumerate()
    {
        let mut item = part_item(scan, at, obj, kind, sink);
        item.derived = true;
        item.ext = ext(&format!("{id}#{}", i + 1));
        item.prop(prop, value);
        let observable = item.ext.clone();
        sink.record(Record::Item(item))?;
        let mut link = part_item(scan, at, obj, "UnknownLink", sink);
        link.derived = true;
        link.ext = format!("{observable}/based-on");
        link.prop("role", "based-on");
        link.ends = Some((ext(id), observable));
        sink.record(Record::Item(link))?;
    }
    Ok(())
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
        // The rest stays in the observed-data's own record, kept whole.
        let Some(kind) = kind_for(inner).filter(|k| is_observable_kind(k)) else { continue };
        let mut with_id = inner.clone();
        with_id.insert("id".into(), Value::String(format!("{id}/{key}")));
        for k in ["object_marking_refs", "granular_markings", "created_by_ref", "confidence"] {
            if let Some(v) = obj.get(k) {
                with_id.insert(k.into(), v.clone());
            }
        }
        let ty = str_at(inner, "type").unwrap_or_default();
        let sub_at = format!("{at} objects.{key}");
        let mut sub = part_item(scan, &sub_at, &with_id, kind, sink);
        sub.derived = true;
        for (p, v) in fields(kind, ty, &with_id, &sub_at, sink).0 {
            sub.prop(p, v);
        }
        sink.record(Record::Item(sub))?;
    }
    Ok(())
}

/// A record of the file an end of a link can be (an entity, not a case or a note).
fn is_end(scan: &Scan, r: &str) -> bool {
    scan.mapped.get(r).is_some_and(|k| !matches!(*k, "Case" | "Note"))
}

pub(crate) fn edge(
    scan: &Scan,
    at: &str,
    obj: &Map<String, Value>,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let ty = str_at(obj, "type").unwrap_or_default();
    let id = str_at(obj, "id").unwrap_or_default();
    match ty {
        "relationship" => {
            let (from, to) = (
                str_at(obj, "source_ref").unwrap_or_default(),
                str_at(obj, "target_ref").unwrap_or_default(),
            );
            if !is_end(scan, from) || !is_end(scan, to) {
                // An end outside the file (or a relationship between relationships): kept
                // whole, written back as it came.
                return other_record(scan, at, obj, sink);
            }
            let rel = str_at(obj, "relationship_type").unwrap_or("related-to");
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
            let place = strs(obj, "where_sighted_refs")
                .chain(strs(obj, "observed_data_refs"))
                .find(|r| is_end(scan, r));
            let (Some(place), true) = (place, is_end(scan, of)) else {
                return other_record(scan, at, obj, sink);
            };
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
        "report" => {
            // What the report names, once every record of the file exists.
            let mentions: Vec<&str> = strs(obj, "object_refs").filter(|r| is_end(scan, r)).collect();
            if !mentions.is_empty() {
                let mut item = Item::new(at, ext(id), "Report");
                item.again = true;
                let (marking, _) = marking(scan, obj);
                item.marking = marking;
                item.grade = grade(obj);
                for r in mentions {
                    item.prop("mentions", ext(r));
                }
                sink.record(Record::Item(item))?;
            }
            Ok(())
        }
        "grouping" => {
            for r in strs(obj, "object_refs") {
                if is_end(scan, r) {
                    sink.record(Record::Member { at: at.to_owned(), case: ext(id), entity: ext(r) })?;
                }
            }
            Ok(())
        }
        "note" => note(scan, at, obj, sink),
        _ => Ok(()),
    }
}

fn note(scan: &Scan, at: &str, obj: &Map<String, Value>, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let text = [str_at(obj, "abstract"), str_at(obj, "content")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n");
    let case = strs(obj, "object_refs").find(|r| scan.mapped.get(*r) == Some(&"Case"));
    let Some(case) = case else {
        // Kept whole as a record of its own (node pass); its text also goes on each record
        // it is about, where an analyst reads it.
        for r in strs(obj, "object_refs").filter(|r| is_end(scan, r)) {
            let mut item = part_item(scan, at, obj, scan.mapped[r], sink);
            item.ext = ext(r);
            item.again = true;
            item.prop("notes", text.clone());
            sink.record(Record::Item(item))?;
        }
        return Ok(());
    };
    let authors: Vec<&str> = strs(obj, "authors").collect();
    let mut item = base_item(scan, at, obj, "Note", sink);
    item.prop("text", text);
    item.prop("author", authors.join(", "));
    item.prop("date", date(obj, "created").unwrap_or_default());
    item.case = Some(ext(case));
    sink.record(Record::Item(item))
}
