//! MISP event JSON in every shape real tools write: one event (`{"Event": …}` or a bare
//! event), a bare list of events, `{"response": [...]}` search results (events, objects, or
//! `{"response": {"Attribute": [...]}}` attribute results), and feed folders (with or
//! without `manifest.json`). Events, objects and attributes without a uuid get one minted
//! from their content (see [`misp_raw::mint`]) so a re-import converges.
//!
//! An event becomes a case (or, with `--case`, a note in that case); its attributes and
//! objects become records in it (see `misp_attr.rs`), each keeping its original JSON so an
//! export gives it back by uuid. Lenient by object: a bad attribute, object or reference is
//! skipped with the reason and the rest is kept.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::ImportError;
use super::input::{FileInput, Input, MAX_OBJECT, kind_of, read_json, str_at, stream_array};
use super::marking_read::misp_said;
use super::misp_attr::{Ctx, attribute, cluster, tag_grade};
use super::misp_object::{object, references};
use super::misp_raw::{mint, wrap};
use super::record::{Item, Record, Sink};

/// Most events in one feed folder.
const MAX_FEED_EVENTS: usize = 100_000;

/// Events already made into cases while reading one file (search results name their event
/// on every attribute), by uuid.
#[derive(Default)]
struct Events(HashMap<String, Ctx>);

/// Reads a file holding one event, a list of events or a search result.
pub fn read(input: &dyn Input, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let total = input.len().max(1);
    let mut events = Events::default();
    if input.len() <= MAX_OBJECT || first_byte(input)? == Some(b'[') {
        let doc = read_json(input)?;
        document(&doc, &mut events, sink)?;
    } else {
        // Too large to hold at once: a `response` list, streamed one event at a time.
        let mut n = 0u64;
        let top = stream_array(input.open()?, "response", &mut |el| {
            n += 1;
            sink.progress(el.offset, total);
            element(&format!("event {}", el.index), &el.value, &mut events, sink)
        })?;
        if n == 0 {
            document(&Value::Object(top), &mut events, sink)?;
        }
    }
    sink.progress(total, total);
    Ok(())
}

/// The first byte of the file that is not white space or a byte order mark.
fn first_byte(input: &dyn Input) -> Result<Option<u8>, ImportError> {
    let mut head = Vec::with_capacity(256);
    input.open()?.take(256).read_to_end(&mut head).map_err(|e| ImportError::Io(e.to_string()))?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    Ok(head.iter().copied().find(|b| !b.is_ascii_whitespace()))
}

fn not_misp(top: &Map<String, Value>) -> ImportError {
    ImportError::malformed(
        "",
        if top.contains_key("type") {
            "not a MISP event (a STIX bundle? use --format stix)".to_owned()
        } else {
            "not a MISP event: expected {\"Event\": …}, {\"response\": [ … ]} or a list of events".to_owned()
        },
    )
}

fn document(doc: &Value, events: &mut Events, sink: &mut dyn Sink) -> Result<(), ImportError> {
    match doc {
        Value::Array(list) => {
            for (i, el) in list.iter().enumerate() {
                element(&format!("event {}", i + 1), el, events, sink)?;
            }
            Ok(())
        }
        Value::Object(top) => match top.get("response") {
            Some(Value::Array(list)) => {
                for (i, el) in list.iter().enumerate() {
                    element(&format!("response {}", i + 1), el, events, sink)?;
                }
                Ok(())
            }
            Some(Value::Object(r)) if r.contains_key("Attribute") => {
                let Some(list) = r.get("Attribute").and_then(Value::as_array) else {
                    return Err(ImportError::malformed("response", "Attribute is not a list"));
                };
                for (i, a) in list.iter().enumerate() {
                    found(&format!("response attribute {}", i + 1), a, false, events, sink)?;
                }
                Ok(())
            }
            Some(Value::Object(_)) => element("response", &top["response"], events, sink),
            Some(other) => Err(ImportError::malformed(
                "response",
                format!("expected a list of events, found {}", kind_of(other)),
            )),
            None if is_bare_event(top) => {
                one_event(top)?;
                event("event", top, events, sink)
            }
            None if top.contains_key("Event") || top.contains_key("Object") => {
                if let Some(Value::Object(ev)) = top.get("Event") {
                    one_event(ev)?;
                }
                element("event", doc, events, sink)
            }
            None => Err(not_misp(top)),
        },
        other => Err(ImportError::malformed("", format!("expected a MISP event, found {}", kind_of(other)))),
    }
}

/// A file that is one event is refused when the event cannot be named: nothing in it could
/// be kept (in a list, such an event is skipped with the reason and the others kept).
fn one_event(ev: &Map<String, Value>) -> Result<(), ImportError> {
    event_uuid(ev).map(|_| ()).map_err(|why| ImportError::malformed("event", why))
}

/// An event without its `{"Event": …}` wrapper (as PyMISP's `to_json` writes it): it has an
/// `info`, or lists of attributes or objects (an object found by a search has one `Object`).
fn is_bare_event(o: &Map<String, Value>) -> bool {
    !o.contains_key("Event")
        && (o.contains_key("info")
            || o.get("Attribute").is_some_and(Value::is_array)
            || o.get("Object").is_some_and(Value::is_array))
}

/// One element of a list or search result: an event, or an object found by a search.
fn element(at: &str, el: &Value, events: &mut Events, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let Value::Object(o) = el else {
        sink.read();
        sink.fault(&format!("expected a MISP event, found {}", kind_of(el)), at, true);
        return Ok(());
    };
    if is_bare_event(o) {
        return event(at, o, events, sink);
    }
    match (o.get("Event"), o.get("Object")) {
        (Some(Value::Object(ev)), _) => event(at, ev, events, sink),
        (Some(other), _) => {
            sink.read();
            sink.fault(&format!("\"Event\" is {}, not an event", kind_of(other)), at, true);
            Ok(())
        }
        (None, Some(obj)) => found(at, obj, true, events, sink),
        (None, None) if o.contains_key("type") && o.contains_key("value") => {
            found(at, el, false, events, sink)
        }
        (None, None) => {
            sink.read();
            sink.fault("not a MISP event, object or attribute", at, true);
            Ok(())
        }
    }
}

/// An attribute or object found by a search: it names its event (`Event`, or only
/// `event_id`), which becomes a case once.
fn found(
    at: &str,
    v: &Value,
    is_object: bool,
    events: &mut Events,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let Value::Object(o) = v else {
        sink.read();
        sink.fault(&format!("expected a MISP attribute or object, found {}", kind_of(v)), at, true);
        return Ok(());
    };
    let mut ev = match o.get("Event") {
        Some(Value::Object(e)) => e.clone(),
        _ => Map::new(),
    };
    if !ev.contains_key("info") {
        let id = o.get("event_id").map(|v| v.to_string().trim_matches('"').to_owned()).unwrap_or_default();
        ev.insert("info".into(), Value::String(format!("MISP event {id}").trim().to_owned()));
        if !ev.contains_key("uuid") {
            ev.insert("uuid".into(), Value::String(mint(&["misp-event-id", &id])));
        }
    }
    let ctx = head(at, &ev, events, sink)?;
    let Some(ctx) = ctx else { return Ok(()) };
    let mut o = o.clone();
    o.remove("Event");
    sink.read();
    if is_object { object(&ctx, at, &o, sink) } else { attribute(&ctx, at, &o, "", true, sink) }
}

/// The uuid of an event: its own, or one minted from its info, date and organisation.
fn event_uuid(ev: &Map<String, Value>) -> Result<String, String> {
    match ev.get("uuid") {
        Some(Value::String(u)) if Uuid::parse_str(u).is_ok() => Ok(u.to_lowercase()),
        Some(v) => Err(format!("uuid {v} is not a UUID")),
        None => {
            let org = ev.get("Orgc").and_then(|o| o.get("name")).and_then(Value::as_str).unwrap_or_default();
            Ok(mint(&[
                "misp-event",
                str_at(ev, "info").unwrap_or_default(),
                str_at(ev, "date").unwrap_or_default(),
                org,
            ]))
        }
    }
}

/// The case of an event (made once per file): its values, its marking and grade from its
/// tags and distribution, its producer (`Orgc`), and the event's own JSON without what
/// becomes records of their own. None: the event is skipped (the reason is reported).
fn head(
    at: &str,
    ev: &Map<String, Value>,
    events: &mut Events,
    sink: &mut dyn Sink,
) -> Result<Option<Ctx>, ImportError> {
    let uuid = match event_uuid(ev) {
        Ok(u) => u,
        Err(why) => {
            sink.read();
            sink.fault(&format!("MISP event: {why}"), at, true);
            return Ok(None);
        }
    };
    if let Some(ctx) = events.0.get(&uuid) {
        return Ok(Some(ctx.clone()));
    }
    let at = format!("{at} ({uuid})");
    let mut raw = ev.clone();
    for k in ["Attribute", "Object", "Galaxy"] {
        raw.remove(k);
    }
    raw.insert("uuid".into(), Value::String(uuid.clone()));
    let date = match ev.get("date") {
        None => None,
        Some(d) => {
            if let Some(d) = d.as_str().filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()) {
                Some(d.to_owned())
            } else {
                // A bad date is dropped, not carried on to an export it would make invalid.
                sink.fault("MISP event date is not YYYY-MM-DD", &format!("{at}: {d}"), false);
                raw.remove("date");
                None
            }
        }
    };
    let info = str_at(ev, "info").unwrap_or_default();
    let org = ev.get("Orgc").and_then(|o| o.get("name")).and_then(Value::as_str).unwrap_or("MISP");
    sink.producer(org);
    // Tags and distribution; the case's own marking is the one its values take (set by
    // the loader, never CLEAR unless the event says so).
    let said = misp_said(ev);
    let grade = tag_grade(ev);
    let case_ext = format!("misp:{uuid}");
    sink.read();
    let mut case = Item::new(&at, &case_ext, "Case");
    case.prop("title", if info.is_empty() { format!("MISP event {uuid}") } else { info.to_owned() });
    case.prop("reference", format!("MISP-{}", &uuid[..13]));
    case.prop("status", if str_at(ev, "analysis") == Some("2") { "closed" } else { "open" });
    case.prop("summary", format!("MISP event of {}", date.as_deref().unwrap_or("unknown date")));
    for v in wrap("event", &uuid, &raw, None) {
        case.prop("externalData", v);
    }
    said.stamp(&mut case);
    case.grade.clone_from(&grade);
    sink.record(Record::Item(case))?;
    let ctx = Ctx { case: case_ext, event: uuid.clone(), said, grade, clusters_seen: std::rc::Rc::default() };
    events.0.insert(uuid, ctx.clone());
    Ok(Some(ctx))
}

fn event(
    at: &str,
    ev: &Map<String, Value>,
    events: &mut Events,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let Some(ctx) = head(at, ev, events, sink)? else { return Ok(()) };
    let at = format!("{at} ({})", ctx.event);
    for (i, a) in list(ev, "Attribute", &at, sink).iter().enumerate() {
        let a_at = format!("{at} attribute {}", i + 1);
        sink.read();
        let Value::Object(a) = a else {
            sink.fault("a MISP attribute is not an object", &a_at, true);
            continue;
        };
        attribute(&ctx, &a_at, a, "", true, sink)?;
    }
    let objects = list(ev, "Object", &at, sink);
    let mut uuids = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        let o_at = format!("{at} object {}", i + 1);
        sink.read();
        let Value::Object(o) = o else {
            sink.fault("a MISP object is not an object", &o_at, true);
            continue;
        };
        uuids.push((o_at.clone(), o, object_uuid(&ctx, o)));
        object(&ctx, &o_at, o, sink)?;
    }
    // References once every object is known: they may point forward.
    for (o_at, o, uuid) in uuids {
        if let Some(uuid) = uuid {
            references(&ctx, &o_at, o, &uuid, sink)?;
        }
    }
    for (i, g) in list(ev, "Galaxy", &at, sink).iter().enumerate() {
        let g_at = format!("{at} galaxy {}", i + 1);
        let Some(g) = g.as_object() else {
            sink.read();
            sink.fault("a MISP galaxy is not an object", &g_at, true);
            continue;
        };
        let mut meta = g.clone();
        let clusters = match meta.remove("GalaxyCluster") {
            Some(Value::Array(c)) => c,
            _ => Vec::new(),
        };
        for (j, c) in clusters.iter().enumerate() {
            cluster(&ctx, &format!("{g_at} cluster {}", j + 1), &meta, c, None, sink)?;
        }
    }
    for (i, r) in list(ev, "EventReport", &at, sink).iter().enumerate() {
        let Some(r) = r.as_object() else { continue };
        let r_at = format!("{at} report {}", i + 1);
        sink.read();
        let uuid = match str_at(r, "uuid").filter(|u| Uuid::parse_str(u).is_ok()) {
            Some(u) => u.to_lowercase(),
            None => mint(&[&ctx.event, "report", str_at(r, "name").unwrap_or_default()]),
        };
        // The report itself goes back out with the event (it stays in the event's JSON).
        let mut note = ctx.item(&r_at, &format!("misp:{uuid}"), "Note");
        let text =
            [str_at(r, "name"), str_at(r, "content")].into_iter().flatten().collect::<Vec<_>>().join("\n\n");
        note.prop("text", text);
        sink.record(Record::Item(note))?;
    }
    Ok(())
}

/// An object's uuid, or the one minted for it (see `misp_attr::object`).
fn object_uuid(ctx: &Ctx, o: &Map<String, Value>) -> Option<String> {
    super::misp_attr::object_id(ctx, o).ok()
}

/// The list at `key`; something else there is reported and read as empty.
fn list<'v>(obj: &'v Map<String, Value>, key: &str, at: &str, sink: &mut dyn Sink) -> &'v [Value] {
    match obj.get(key) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(a)) => a,
        Some(v) => {
            sink.fault(&format!("MISP {key} is {}, not a list", kind_of(v)), at, true);
            &[]
        }
    }
}

/// Reads a MISP feed folder: `manifest.json` and one `<uuid>.json` per event, or, without a
/// manifest, every `.json` file in it.
pub fn read_feed(dir: &Path, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let manifest_path = dir.join("manifest.json");
    let names: Vec<String> = if manifest_path.is_file() {
        let manifest = read_json(&FileInput::new(&manifest_path)?).map_err(|e| e.in_file("manifest.json"))?;
        let Value::Object(entries) = manifest else {
            return Err(ImportError::malformed("manifest.json", "expected an object of event uuids"));
        };
        let mut names = Vec::new();
        for uuid in entries.keys() {
            if Uuid::parse_str(uuid).is_err() {
                return Err(ImportError::malformed(
                    "manifest.json",
                    format!("{uuid:?} is not an event uuid"),
                ));
            }
            names.push(format!("{uuid}.json"));
        }
        names
    } else {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| super::input::io_error(dir, &e))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| Path::new(n).extension().is_some_and(|e| e.eq_ignore_ascii_case("json")))
            .collect();
        names.sort();
        names
    };
    if names.len() > MAX_FEED_EVENTS {
        return Err(ImportError::malformed("manifest.json", format!("more than {MAX_FEED_EVENTS} events")));
    }
    for (i, name) in names.iter().enumerate() {
        let input = FileInput::new(&dir.join(name)).map_err(|e| match e {
            ImportError::Io(why) => ImportError::Malformed {
                file: "manifest.json".into(),
                at: name.clone(),
                why: format!("names an event file that cannot be read: {why}"),
            },
            other => other,
        })?;
        read(&input, sink).map_err(|e| e.in_file(name))?;
        sink.progress(i as u64 + 1, names.len() as u64);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::input::BytesInput;
    use crate::interop::misp_raw::unwrap;
    use crate::interop::record::VecSink;

    const EVENT: &str = r#"{"Event": {"uuid": "1f9a3c1e-5d2b-4c8a-9e71-2b6d4f8a1c30", "info": "Payments", "date": "2024-02-01",
      "Orgc": {"name": "Task Force"}, "Tag": [{"name": "tlp:amber"}, {"name": "admiralty-scale:source-reliability=\"b\""}],
      "Attribute": [{"uuid": "2c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "type": "iban", "category": "Financial fraud", "value": "NL91ABNA0417164300"},
                    {"uuid": "3c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "type": "md5", "category": "Payload delivery", "value": "d41d8cd98f00b204e9800998ecf8427e"}],
      "Object": [{"uuid": "4c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "name": "person", "Attribute": [
          {"uuid": "5c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "type": "full-name", "object_relation": "full-name", "value": "Ana Example"},
          {"uuid": "6c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "type": "text", "object_relation": "shoe-size", "value": "38"}],
        "ObjectReference": [{"uuid": "7c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "referenced_uuid": "2c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "relationship_type": "owner-of"}]}],
      "Galaxy": [{"uuid": "d5cbd1a2-78f6-11e7-a833-7b9bccca9649", "type": "threat-actor", "name": "Threat Actor",
        "GalaxyCluster": [{"uuid": "7cdff317-a673-4474-84ec-4f1754947823", "value": "APT 1", "description": "A group",
          "meta": {"synonyms": ["Comment Crew"]}}]}]}}"#;

    fn kept(item: &Item) -> Vec<crate::interop::misp_raw::Kept> {
        unwrap(item.props.iter().filter(|(p, _)| p == "externalData").map(|(_, v)| v.as_str()))
    }

    #[test]
    fn an_event_becomes_a_case_with_its_records_links_and_clusters() {
        let mut sink = VecSink::default();
        read(&BytesInput(EVENT.as_bytes()), &mut sink).unwrap();
        let kinds: Vec<&str> = sink.items().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["Case", "BankAccount", "File", "Person", "Ownership", "OtherRecord"]);
        let person = sink.items().find(|i| i.kind == "Person").unwrap();
        assert_eq!(person.marking.as_ref().unwrap().to_string(), "TLP:AMBER");
        assert_eq!(person.grade.as_ref().unwrap().to_string(), "B6");
        // What Liaison has no property for is kept with the whole object, for the export.
        let k = kept(person);
        assert_eq!(k[0].what, "object");
        assert_eq!(k[0].json["Attribute"][1]["object_relation"], "shoe-size");
        let cluster = sink.items().find(|i| i.kind == "OtherRecord").unwrap();
        assert!(cluster.props.contains(&("recordType".into(), "misp-galaxy-cluster".into())));
        assert!(cluster.props.contains(&("alias".into(), "Comment Crew".into())));
        assert_eq!(kept(cluster)[0].galaxy.as_ref().unwrap()["type"], "threat-actor");
        assert_eq!(cluster.case.as_deref(), Some("misp:1f9a3c1e-5d2b-4c8a-9e71-2b6d4f8a1c30"));
        assert_eq!(sink.producers, ["Task Force"]);
        assert_eq!(sink.read as usize, sink.items().count());
    }

    #[test]
    fn faults_are_skipped_with_their_reason_in_the_files_terms() {
        let mut sink = VecSink::default();
        let bad = EVENT.replace("1f9a3c1e-5d2b-4c8a-9e71-2b6d4f8a1c30", "nope");
        // A file that is that one event is refused; in a list, that event is skipped.
        let err = read(&BytesInput(bad.as_bytes()), &mut sink).unwrap_err().to_string();
        assert!(err.contains("event: uuid \"nope\" is not a UUID"), "{err}");
        let list = format!("[{bad}, {EVENT}]");
        read(&BytesInput(list.as_bytes()), &mut sink).unwrap();
        assert!(
            sink.skipped.iter().any(|(r, _)| r.contains("uuid \"nope\" is not a UUID")),
            "{:?}",
            sink.skipped
        );
        assert!(sink.items().any(|i| i.kind == "Person"), "the other event is kept");
        let mut sink = VecSink::default();
        let bad = EVENT.replace("2024-02-01", "01/02/2024");
        read(&BytesInput(bad.as_bytes()), &mut sink).unwrap();
        assert!(sink.skipped.iter().any(|(r, _)| r.contains("YYYY-MM-DD")), "{:?}", sink.skipped);
        assert!(sink.items().any(|i| i.kind == "Person"), "the rest is kept");
        let err = read(&BytesInput(br#"{"type": "bundle"}"#), &mut sink).unwrap_err().to_string();
        assert!(err.contains("--format stix"), "{err}");
    }

    #[test]
    fn things_without_uuids_get_the_same_minted_uuid_every_time() {
        let no_ids = r#"[{"info": "Feed", "date": "2024-01-01", "Attribute": [{"type": "port", "value": 443}],
            "Object": [{"name": "domain-ip", "Attribute": [{"type": "domain", "object_relation": "domain", "value": "a.example"}]}]}]"#;
        let exts = || {
            let mut sink = VecSink::default();
            read(&BytesInput(no_ids.as_bytes()), &mut sink).unwrap();
            assert!(sink.skipped.is_empty(), "{:?}", sink.skipped);
            sink.items().map(|i| i.ext.clone()).collect::<Vec<_>>()
        };
        let first = exts();
        assert_eq!(first.len(), 4, "{first:?}");
        assert_eq!(first, exts());
    }
}
