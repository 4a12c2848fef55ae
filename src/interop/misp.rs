//! MISP event JSON: one event (`{"Event": …}`), a list (`{"response": [{"Event": …}, …]}`,
//! streamed one event at a time) or a feed folder (`manifest.json` naming `<uuid>.json`
//! files).
//!
//! An event becomes a case (or, with `--case`, a note in that case). Attributes of types
//! Liaison has (phone numbers, IBANs, e-mail addresses, domains, IPs, URLs, wallets, names)
//! become observables or entities in the case; objects (person, legal-entity, bank-account,
//! phone, vehicle, postal-address, geolocation, user-account…) become one entity each, with
//! their attributes as values; object references become links. `tlp:*` tags give markings
//! and `admiralty-scale:*` tags grades. Other attribute types and templates are counted.

use std::path::Path;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::ImportError;
use super::input::{FileInput, Input, kind_of, read_json, str_at, stream_array};
use super::marking_read::{Said, misp_said, misp_tag_names};
use super::record::{Item, Record, Sink};
use crate::model::grade::Grade;

/// Most events in one feed folder.
const MAX_FEED_EVENTS: usize = 100_000;

/// Reads a file holding one event or a `response` list of events.
pub fn read(input: &dyn Input, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let total = input.len().max(1);
    let mut events = 0u64;
    let top = stream_array(input.open()?, "response", &mut |el| {
        events += 1;
        sink.progress(el.offset, total);
        let at = format!("event {}", el.index);
        let ev = match &el.value {
            Value::Object(o) => o.get("Event").unwrap_or(&el.value),
            other => {
                return Err(ImportError::malformed(
                    at,
                    format!("expected a MISP event, found {}", kind_of(other)),
                ));
            }
        };
        event(&at, ev, sink)
    })?;
    if let Some(ev) = top.get("Event") {
        event("event", ev, sink)?;
    } else if top.contains_key("info") || top.contains_key("Attribute") {
        event("event", &Value::Object(top), sink)?;
    } else if events == 0 {
        return Err(ImportError::malformed(
            "",
            if top.contains_key("type") {
                "not a MISP event (a STIX bundle? use --format stix)".to_owned()
            } else {
                "not a MISP event: expected {\"Event\": …} or {\"response\": [ … ]}".to_owned()
            },
        ));
    }
    sink.progress(total, total);
    Ok(())
}

/// Reads a MISP feed folder: `manifest.json` and one `<uuid>.json` per event.
pub fn read_feed(dir: &Path, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let manifest_path = dir.join("manifest.json");
    let manifest = read_json(&FileInput::new(&manifest_path)?).map_err(|e| e.in_file("manifest.json"))?;
    let Value::Object(entries) = manifest else {
        return Err(ImportError::malformed("manifest.json", "expected an object of event uuids"));
    };
    if entries.len() > MAX_FEED_EVENTS {
        return Err(ImportError::malformed("manifest.json", format!("more than {MAX_FEED_EVENTS} events")));
    }
    for (i, uuid) in entries.keys().enumerate() {
        if Uuid::parse_str(uuid).is_err() {
            return Err(ImportError::malformed("manifest.json", format!("{uuid:?} is not an event uuid")));
        }
        let name = format!("{uuid}.json");
        let input = FileInput::new(&dir.join(&name)).map_err(|e| match e {
            ImportError::Io(why) => ImportError::Malformed {
                file: "manifest.json".into(),
                at: name.clone(),
                why: format!("names an event file that cannot be read: {why}"),
            },
            other => other,
        })?;
        read(&input, sink).map_err(|e| e.in_file(&name))?;
        sink.progress(i as u64 + 1, entries.len() as u64);
    }
    Ok(())
}

fn uuid_of(at: &str, what: &str, obj: &Map<String, Value>) -> Result<String, ImportError> {
    match obj.get("uuid") {
        Some(Value::String(u)) if u.len() == 36 && Uuid::parse_str(u).is_ok() => Ok(u.to_lowercase()),
        Some(v) => Err(ImportError::malformed(at, format!("uuid {v} is not a UUID"))),
        None => Err(ImportError::malformed(at, format!("{what} has no uuid"))),
    }
}

fn list<'v>(obj: &'v Map<String, Value>, key: &str, at: &str) -> Result<&'v [Value], ImportError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(v) => Err(ImportError::malformed(at, format!("{key} is {}, not a list", kind_of(v)))),
    }
}

/// Grade from `admiralty-scale:*` tags (markings: [`misp_said`]).
fn tag_grade(obj: &Map<String, Value>) -> Option<Grade> {
    let (mut reliability, mut credibility) = (None, None);
    for name in misp_tag_names(obj) {
        let lower = name.trim().to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("admiralty-scale:source-reliability=") {
            reliability = v.trim_matches('"').chars().next().map(|c| c.to_ascii_uppercase());
        } else if let Some(v) = lower.strip_prefix("admiralty-scale:information-credibility=") {
            credibility = v.trim_matches('"').chars().next();
        }
    }
    match (reliability, credibility) {
        (None, None) => None,
        (r, c) => Grade::parse(&format!("{}{}", r.unwrap_or('F'), c.unwrap_or('6'))).ok(),
    }
}

fn event(at: &str, ev: &Value, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let Value::Object(ev) = ev else {
        return Err(ImportError::malformed(at, format!("expected a MISP event, found {}", kind_of(ev))));
    };
    let uuid = uuid_of(at, "event", ev)?;
    let at = format!("{at} ({uuid})");
    if let Some(d) = ev.get("date") {
        let ok = d.as_str().is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
        if !ok {
            return Err(ImportError::malformed(&at, format!("date {d} is not YYYY-MM-DD")));
        }
    }
    let info = str_at(ev, "info").unwrap_or_default();
    if let Some(org) = ev.get("Orgc").and_then(|o| o.get("name")).and_then(Value::as_str) {
        sink.producer(org);
    } else {
        sink.producer("MISP");
    }
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
    case.prop("summary", format!("MISP event of {}", str_at(ev, "date").unwrap_or("unknown date")));
    said.stamp(&mut case);
    case.grade.clone_from(&grade);
    sink.record(Record::Item(case))?;

    let ctx = Ctx { case: case_ext, said, grade };
    for (i, a) in list(ev, "Attribute", &at)?.iter().enumerate() {
        let a_at = format!("{at} attribute {}", i + 1);
        let Value::Object(a) = a else {
            return Err(ImportError::malformed(a_at, "an attribute is not an object"));
        };
        sink.read();
        attribute(&ctx, &a_at, a, sink)?;
    }
    let objects = list(ev, "Object", &at)?;
    for (i, o) in objects.iter().enumerate() {
        let o_at = format!("{at} object {}", i + 1);
        let Value::Object(o) = o else {
            return Err(ImportError::malformed(o_at, "an object is not an object"));
        };
        sink.read();
        object(&ctx, &o_at, o, sink)?;
    }
    for (i, o) in objects.iter().enumerate() {
        let o_at = format!("{at} object {}", i + 1);
        let Some(o) = o.as_object() else { continue };
        let from = uuid_of(&o_at, "object", o)?;
        for (j, r) in list(o, "ObjectReference", &o_at)?.iter().enumerate() {
            let r_at = format!("{o_at} reference {}", j + 1);
            let Some(r) = r.as_object() else { return Err(ImportError::malformed(r_at, "not an object")) };
            let Some(target) = str_at(r, "referenced_uuid").filter(|u| Uuid::parse_str(u).is_ok()) else {
                return Err(ImportError::malformed(r_at, "referenced_uuid is missing or not a UUID"));
            };
            let rel = str_at(r, "relationship_type").unwrap_or("related-to");
            let kind = super::stix_vocab::link_kind(rel);
            // A reference is as restricted as the object it starts from.
            let mut item = ctx.inside(o).item(
                &r_at,
                &format!("misp:{}", str_at(r, "uuid").unwrap_or(&format!("{from}-{target}-{rel}"))),
                kind,
            );
            item.case = None;
            if kind == "UnknownLink" {
                item.prop("role", rel);
            }
            item.prop("description", str_at(r, "comment").unwrap_or_default());
            item.ends = Some((format!("misp:{from}"), format!("misp:{}", target.to_lowercase())));
            sink.record(Record::Item(item))?;
        }
    }
    for (i, r) in list(ev, "EventReport", &at)?.iter().enumerate() {
        let Some(r) = r.as_object() else { continue };
        let r_at = format!("{at} report {}", i + 1);
        let mut note = ctx.item(&r_at, &format!("misp:{}", uuid_of(&r_at, "event report", r)?), "Note");
        let text =
            [str_at(r, "name"), str_at(r, "content")].into_iter().flatten().collect::<Vec<_>>().join("\n\n");
        note.prop("text", text);
        sink.record(Record::Item(note))?;
    }
    Ok(())
}

/// What things of an event (or of an object in it) inherit: its case, marking and grade.
#[derive(Clone)]
struct Ctx {
    case: String,
    said: Said,
    grade: Option<Grade>,
}

impl Ctx {
    fn item(&self, at: &str, ext: &str, kind: &str) -> Item {
        let mut item = Item::new(at, ext, kind);
        item.case = Some(self.case.clone());
        self.said.stamp(&mut item);
        item.grade.clone_from(&self.grade);
        item
    }

    /// The context of what is inside `obj` (an object's attributes): the container's marking
    /// made stricter by the thing's own tags and distribution, its grade replaced by its own.
    fn inside(&self, obj: &Map<String, Value>) -> Ctx {
        Ctx {
            case: self.case.clone(),
            said: misp_said(obj).within(&self.said),
            grade: tag_grade(obj).or_else(|| self.grade.clone()),
        }
    }

    /// The container's marking and grade, made stricter or replaced by the thing's own.
    fn tagged(item: &mut Item, obj: &Map<String, Value>) {
        misp_said(obj).stamp(item);
        if let Some(g) = tag_grade(obj) {
            item.grade = Some(g);
        }
    }
}

/// The kind and property a standalone attribute of `type` becomes.
fn attribute_kind(ty: &str) -> Option<(&'static str, &'static str)> {
    Some(match ty {
        "phone-number" => ("Phone", "number"),
        "iban" => ("BankAccount", "iban"),
        "bank-account-nr" => ("BankAccount", "accountNumber"),
        "email" | "email-src" | "email-dst" | "whois-registrant-email" => ("Email", "address"),
        "domain" | "hostname" => ("Domain", "domain"),
        "ip-src" | "ip-dst" => ("IpAddress", "address"),
        "url" | "uri" => ("Url", "url"),
        "btc" | "xmr" | "dash" => ("CryptoWallet", "publicKey"),
        "full-name" => ("Person", "name"),
        _ => return None,
    })
}

fn attribute(ctx: &Ctx, at: &str, a: &Map<String, Value>, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let uuid = uuid_of(at, "attribute", a)?;
    let ty = str_at(a, "type").ok_or_else(|| ImportError::malformed(at, "attribute has no type"))?;
    let value = match a.get("value") {
        Some(Value::String(v)) => v.as_str(),
        Some(Value::Number(_)) | None => "",
        Some(v) => return Err(ImportError::malformed(at, format!("attribute value is {}", kind_of(v)))),
    };
    let Some((kind, prop)) = attribute_kind(ty) else {
        sink.skip(&format!("MISP attribute type {ty}: no Liaison kind"), &format!("{at} ({uuid})"));
        return Ok(());
    };
    let mut item = ctx.item(at, &format!("misp:{uuid}"), kind);
    Ctx::tagged(&mut item, a);
    let value = if kind == "Domain" { value.to_lowercase() } else { value.to_owned() };
    if value.is_empty() {
        sink.skip("MISP attribute without a value", at);
        return Ok(());
    }
    item.prop(prop, value);
    if ty.starts_with("btc") {
        item.prop("currency", "BTC");
    }
    item.prop("notes", str_at(a, "comment").unwrap_or_default());
    sink.record(Record::Item(item))
}

/// The kind a MISP object template becomes, and how its attributes map.
fn template(name: &str) -> Option<(&'static str, &'static [(&'static str, &'static str)])> {
    Some(match name {
        "person" => (
            "Person",
            &[
                ("full-name", "name"),
                ("first-name", "firstName"),
                ("last-name", "lastName"),
                ("alias", "alias"),
                ("date-of-birth", "birthDate"),
                ("place-of-birth", "birthPlace"),
                ("nationality", "nationality"),
                ("passport-number", "passportNumber"),
                ("gender", "gender"),
                ("phone-number", "phone"),
                ("e-mail", "email"),
                ("address", "address"),
                ("occupation", "position"),
                ("function", "position"),
                ("text", "notes"),
            ],
        ),
        "legal-entity" => (
            "Company",
            &[
                ("name", "name"),
                ("commercial-name", "alias"),
                ("registration-number", "registrationNumber"),
                ("legal-form", "legalForm"),
                ("business", "sector"),
                ("phone-number", "phone"),
                ("website", "website"),
                ("text", "notes"),
            ],
        ),
        "bank-account" => (
            "BankAccount",
            &[
                ("iban", "iban"),
                ("swift", "bic"),
                ("account", "accountNumber"),
                ("account-name", "name"),
                ("institution-name", "bankName"),
                ("currency-code", "currency"),
                ("comments", "notes"),
                ("text", "notes"),
            ],
        ),
        "phone" => (
            "Phone",
            &[
                ("msisdn", "number"),
                ("imei", "imei"),
                ("imsi", "imsi"),
                ("brand", "provider"),
                ("text", "notes"),
            ],
        ),
        "vehicle" => (
            "Vehicle",
            &[
                ("license-plate-number", "registrationNumber"),
                ("model", "model"),
                ("make", "name"),
                ("type", "type"),
                ("exterior-color", "colour"),
                ("description", "notes"),
            ],
        ),
        "postal-address" => (
            "Address",
            &[
                ("street", "street"),
                ("city", "city"),
                ("postal-code", "postalCode"),
                ("state", "region"),
                ("country", "name"),
                ("description", "notes"),
            ],
        ),
        "geolocation" => (
            "Address",
            &[
                ("address", "full"),
                ("city", "city"),
                ("region", "region"),
                ("zipcode", "postalCode"),
                ("countrycode", "country"),
                ("latitude", "latitude"),
                ("longitude", "longitude"),
                ("text", "notes"),
            ],
        ),
        "user-account" => (
            "UserAccount",
            &[
                ("username", "username"),
                ("user-id", "username"),
                ("display-name", "name"),
                ("email", "email"),
                ("description", "notes"),
            ],
        ),
        "coin-address" => {
            ("CryptoWallet", &[("address", "publicKey"), ("symbol", "currency"), ("text", "notes")])
        }
        _ => return None,
    })
}

fn object(ctx: &Ctx, at: &str, o: &Map<String, Value>, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let uuid = uuid_of(at, "object", o)?;
    let name = str_at(o, "name").unwrap_or_default();
    let attributes = list(o, "Attribute", at)?;
    let Some((kind, props)) = template(name) else {
        // The template has no Liaison kind; its attributes may still be observables.
        let ctx = ctx.inside(o);
        let mut any = false;
        for (i, a) in attributes.iter().enumerate() {
            let a_at = format!("{at} attribute {}", i + 1);
            let Some(a) = a.as_object() else { return Err(ImportError::malformed(a_at, "not an object")) };
            if attribute_kind(str_at(a, "type").unwrap_or_default()).is_some() {
                any = true;
                attribute(&ctx, &a_at, a, sink)?;
            }
        }
        if !any {
            sink.skip(&format!("MISP object {name}: no Liaison kind"), &format!("{at} ({uuid})"));
        }
        return Ok(());
    };
    let mut item = ctx.item(at, &format!("misp:{uuid}"), kind);
    Ctx::tagged(&mut item, o);
    let mut raw = Map::new();
    for (i, a) in attributes.iter().enumerate() {
        let a_at = format!("{at} attribute {}", i + 1);
        let Some(a) = a.as_object() else { return Err(ImportError::malformed(a_at, "not an object")) };
        uuid_of(&a_at, "attribute", a)?;
        // One record holds every attribute: the strictest of their markings applies to it.
        misp_said(a).stamp(&mut item);
        let relation = str_at(a, "object_relation").unwrap_or_default();
        let value = match a.get("value") {
            Some(Value::String(v)) => v.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        match props.iter().find(|(r, _)| *r == relation) {
            Some((_, prop)) => item.prop(prop, value),
            None => {
                raw.insert(relation.to_owned(), Value::String(value));
            }
        }
    }
    if !raw.is_empty() {
        item.raw = Some(Value::Object(raw).to_string());
    }
    item.prop("notes", str_at(o, "comment").unwrap_or_default());
    sink.record(Record::Item(item))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::input::BytesInput;
    use crate::interop::record::VecSink;

    const EVENT: &str = r#"{"Event": {"uuid": "1f9a3c1e-5d2b-4c8a-9e71-2b6d4f8a1c30", "info": "Payments", "date": "2024-02-01",
      "Orgc": {"name": "Task Force"}, "Tag": [{"name": "tlp:amber"}, {"name": "admiralty-scale:source-reliability=\"b\""}],
      "Attribute": [{"uuid": "2c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "type": "iban", "category": "Financial fraud", "value": "NL91ABNA0417164300"},
                    {"uuid": "3c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "type": "md5", "category": "Payload delivery", "value": "d41d8cd98f00b204e9800998ecf8427e"}],
      "Object": [{"uuid": "4c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "name": "person", "Attribute": [
          {"uuid": "5c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "type": "full-name", "object_relation": "full-name", "value": "Ana Example"},
          {"uuid": "6c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "type": "text", "object_relation": "shoe-size", "value": "38"}],
        "ObjectReference": [{"uuid": "7c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "referenced_uuid": "2c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b", "relationship_type": "owner-of"}]}]}}"#;

    #[test]
    fn an_event_becomes_a_case_with_its_entities_and_links() {
        let mut sink = VecSink::default();
        read(&BytesInput(EVENT.as_bytes()), &mut sink).unwrap();
        let kinds: Vec<&str> = sink.items().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["Case", "BankAccount", "Person", "Ownership"]);
        let person = sink.items().find(|i| i.kind == "Person").unwrap();
        assert_eq!(person.marking.as_ref().unwrap().to_string(), "TLP:AMBER");
        assert_eq!(person.grade.as_ref().unwrap().to_string(), "B6");
        assert_eq!(person.raw.as_deref(), Some(r#"{"shoe-size":"38"}"#));
        assert!(sink.skipped.iter().any(|(r, _)| r.contains("md5")));
        assert_eq!(sink.producers, ["Task Force"]);
    }

    #[test]
    fn faults_name_the_event_and_attribute() {
        let mut sink = VecSink::default();
        let bad = EVENT.replace("1f9a3c1e-5d2b-4c8a-9e71-2b6d4f8a1c30", "nope");
        let err = read(&BytesInput(bad.as_bytes()), &mut sink).unwrap_err().to_string();
        assert!(err.contains("event: uuid") && err.contains("nope"), "{err}");
        let bad = EVENT.replace("2024-02-01", "01/02/2024");
        let err = read(&BytesInput(bad.as_bytes()), &mut sink).unwrap_err().to_string();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
        let err = read(&BytesInput(br#"{"type": "bundle"}"#), &mut sink).unwrap_err().to_string();
        assert!(err.contains("--format stix"), "{err}");
    }
}
