//! MISP objects: one record each (a Liaison kind for the templates it has, an OtherRecord
//! "misp-object:<name>" for the others) keeping the object's JSON with its attributes and
//! references, and its references as links.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::ImportError;
use super::input::str_at;
use super::marking_read::misp_said;
use super::misp_attr::{Ctx, attribute, object_id};
use super::misp_raw::{mint, wrap};
use super::record::{Record, Sink};

/// The kind a MISP object template becomes, and how its attributes map.
pub(crate) fn template(name: &str) -> Option<(&'static str, &'static [(&'static str, &'static str)])> {
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
        "file" => (
            "File",
            &[
                ("filename", "fileName"),
                ("md5", "md5"),
                ("sha1", "sha1"),
                ("sha256", "sha256"),
                ("size-in-bytes", "size"),
                ("mimetype", "mimeType"),
                ("text", "notes"),
            ],
        ),
        _ => None?,
    })
}

/// Relations that name an object of a template Liaison has no kind for, best first.
const NAMING: &[&str] =
    &["name", "full-name", "title", "filename", "domain", "hostname", "url", "ip", "subject", "text"];

fn text_value(a: &Map<String, Value>) -> Option<String> {
    match a.get("value") {
        Some(Value::String(v)) if !v.trim().is_empty() => Some(v.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

/// The object's references with a uuid each (minted where missing); bad ones are reported
/// and left out.
fn clean_references(at: &str, o: &Map<String, Value>, from: &str, sink: &mut dyn Sink) -> Vec<Value> {
    let mut out = Vec::new();
    for (j, r) in o.get("ObjectReference").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let r_at = format!("{at} reference {}", j + 1);
        let Some(r) = r.as_object() else {
            sink.fault("a MISP object reference is not an object", &r_at, true);
            continue;
        };
        let Some(target) = str_at(r, "referenced_uuid").filter(|u| Uuid::parse_str(u).is_ok()) else {
            sink.fault("MISP object reference: referenced_uuid is missing or not a UUID", &r_at, true);
            continue;
        };
        let rel = str_at(r, "relationship_type").unwrap_or("related-to");
        let mut r = r.clone();
        if str_at(&r, "uuid").is_none_or(|u| Uuid::parse_str(u).is_err()) {
            r.insert("uuid".into(), Value::String(mint(&[from, &target.to_lowercase(), rel])));
        }
        out.push(Value::Object(r));
    }
    out
}

/// One object: a record with its JSON (attributes with their uuids, minted where missing).
pub fn object(ctx: &Ctx, at: &str, o: &Map<String, Value>, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let uuid = match object_id(ctx, o) {
        Ok(u) => u,
        Err(why) => {
            sink.fault(&format!("MISP object: {why}"), at, true);
            return Ok(());
        }
    };
    let at = format!("{at} ({uuid})");
    let name = str_at(o, "name").unwrap_or_default();
    let mut attrs: Vec<Map<String, Value>> = Vec::new();
    for (i, a) in o.get("Attribute").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let a_at = format!("{at} attribute {}", i + 1);
        let Some(a) = a.as_object() else {
            sink.fault("a MISP attribute is not an object", &a_at, true);
            continue;
        };
        if str_at(a, "type").is_none() {
            sink.fault("MISP attribute without a type", &a_at, true);
            continue;
        }
        let Some(value) = text_value(a) else {
            sink.fault("MISP attribute without a value", &a_at, true);
            continue;
        };
        let mut a = a.clone();
        match a.get("uuid") {
            None | Some(Value::Null) => {
                let relation = str_at(&a, "object_relation").unwrap_or_default().to_owned();
                let ty = str_at(&a, "type").unwrap_or_default().to_owned();
                a.insert("uuid".into(), Value::String(mint(&[&ctx.event, &uuid, &relation, &ty, &value])));
            }
            Some(Value::String(u)) if Uuid::parse_str(u).is_ok() => {}
            Some(v) => {
                sink.fault(&format!("MISP attribute: uuid {v} is not a UUID"), &a_at, true);
                continue;
            }
        }
        attrs.push(a);
    }
    let mut raw = o.clone();
    raw.insert("uuid".into(), Value::String(uuid.clone()));
    raw.insert("Attribute".into(), Value::Array(attrs.iter().cloned().map(Value::Object).collect()));
    if raw.contains_key("ObjectReference") {
        raw.insert("ObjectReference".into(), Value::Array(clean_references(&at, o, &uuid, &mut NoSink)));
    }
    let relation = |a: &Map<String, Value>| str_at(a, "object_relation").unwrap_or_default().to_owned();
    let mapped = template(name).filter(|(_, props)| {
        attrs.iter().any(|a| props.iter().any(|(r, p)| *r == relation(a) && *p != "notes"))
    });
    let ext = format!("misp:{uuid}");
    let mut item = if let Some((kind, props)) = mapped {
        {
            let mut item = ctx.item(&at, &ext, kind);
            for a in &attrs {
                // One record holds every attribute: the strictest of their markings applies.
                misp_said(a).stamp(&mut item);
                if let (Some((_, prop)), Some(v)) =
                    (props.iter().find(|(r, _)| *r == relation(a)), text_value(a))
                {
                    item.prop(prop, v);
                }
            }
            item
        }
    } else {
        {
            let mut item = ctx.item(&at, &ext, "OtherRecord");
            for a in &attrs {
                misp_said(a).stamp(&mut item);
            }
            item.prop("recordType", format!("misp-object:{name}"));
            let label = NAMING
                .iter()
                .find_map(|r| attrs.iter().find(|a| relation(a) == *r).and_then(text_value))
                .unwrap_or_else(|| if name.is_empty() { "MISP object".to_owned() } else { name.to_owned() });
            item.prop(
                "name",
                label.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect::<String>(),
            );
            item
        }
    };
    misp_said(o).stamp(&mut item);
    item.prop("notes", str_at(o, "comment").unwrap_or_default());
    for v in wrap("object", &ctx.event, &raw, None) {
        item.prop("externalData", v);
    }
    sink.record(Record::Item(item))?;
    if mapped.is_none() {
        // The template has no Liaison kind; its attributes may still be observables.
        let inner = ctx.inside(o);
        for (i, a) in attrs.iter().enumerate() {
            let ty = str_at(a, "type").unwrap_or_default();
            if matches!(
                ty,
                "phone-number"
                    | "iban"
                    | "email"
                    | "email-src"
                    | "email-dst"
                    | "domain"
                    | "hostname"
                    | "ip-src"
                    | "ip-dst"
                    | "url"
                    | "btc"
            ) {
                sink.read();
                attribute(&inner, &format!("{at} attribute {}", i + 1), a, &uuid, false, sink)?;
            }
        }
    }
    Ok(())
}

/// An object's references as links, once every object of the event is known.
pub fn references(
    ctx: &Ctx,
    at: &str,
    o: &Map<String, Value>,
    from: &str,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    for r in clean_references(at, o, from, sink) {
        let Some(r) = r.as_object() else { continue };
        let target = str_at(r, "referenced_uuid").unwrap_or_default().to_lowercase();
        let rel = str_at(r, "relationship_type").unwrap_or("related-to");
        let kind = super::stix_vocab::link_kind(rel);
        let r_uuid = str_at(r, "uuid").unwrap_or_default();
        // A reference is as restricted as the object it starts from.
        let mut item =
            ctx.inside(o).item(&format!("{at} reference {r_uuid}"), &format!("misp:{r_uuid}"), kind);
        item.case = None;
        if kind == "UnknownLink" {
            item.prop("role", rel);
        }
        item.prop("description", str_at(r, "comment").unwrap_or_default());
        item.ends = Some((format!("misp:{from}"), format!("misp:{target}")));
        sink.read();
        sink.record(Record::Item(item))?;
    }
    Ok(())
}

/// Swallows what a second pass over the same references would report again.
struct NoSink;

impl Sink for NoSink {
    fn producer(&mut self, _: &str) {}
    fn read(&mut self) {}
    fn record(&mut self, _: Record) -> Result<(), ImportError> {
        Ok(())
    }
    fn skip(&mut self, _: &str, _: &str) {}
    fn progress(&mut self, _: u64, _: u64) {}
}
