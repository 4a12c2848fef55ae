//! MISP event JSON out: one event for the case (or the store), valid for PyMISP and the
//! object templates it ships. People, companies, accounts, phones, vehicles, places and
//! user accounts become objects of the matching templates; e-mail addresses, domains, IPs,
//! URLs and wallets become attributes; links become object references (with their dates in
//! the comment). Markings become `tlp:` tags (handling codes a `liaison:handling` tag) and a
//! MISP distribution level on the event, its objects and attributes; grades become
//! `admiralty-scale` tags. What MISP has no template for is left out and reported.

use std::collections::HashMap;
use std::io::Write;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::ImportError;
use super::export::{Dataset, Rec};
use super::report::ExportReport;
use crate::model::grade::Grade;
use crate::model::marking::Marking;

fn stable_v4(seed: &[u8]) -> Uuid {
    let h = blake3::hash(seed);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.as_bytes()[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

/// The MISP uuid of a record: the one it was imported with, else a stable one.
fn misp_uuid(rec: &Rec) -> String {
    rec.external("misp:")
        .filter(|u| Uuid::parse_str(u).is_ok())
        .map_or_else(|| stable_v4(rec.uid.as_bytes()).to_string(), str::to_owned)
}

/// Object relations the templates allow more than once.
const MULTIPLE: &[&str] =
    &["alias", "phone-number", "e-mail", "nationality", "imei", "license-plate-number", "email"];

/// MISP's default category for an attribute type.
fn category(ty: &str) -> &'static str {
    match ty {
        "email-src" => "Payload delivery",
        "email" => "Social network",
        "domain" | "ip-dst" | "url" => "Network activity",
        "btc" | "xmr" | "iban" | "bic" | "bank-account-nr" => "Financial fraud",
        "link" => "External analysis",
        "text" => "Other",
        _ => "Person",
    }
}

/// (template name, uuid, version, [(our property, object relation, MISP type)], relations of
/// which at least one is required).
type Template = (
    &'static str,
    &'static str,
    u32,
    &'static [(&'static str, &'static str, &'static str)],
    &'static [&'static str],
);

fn template(kind: &str) -> Option<Template> {
    Some(match kind {
        "Person" => (
            "person",
            "a15b0477-e9d1-4b9c-9546-abe78a4f4248",
            21,
            &[
                ("name", "full-name", "full-name"),
                ("firstName", "first-name", "first-name"),
                ("lastName", "last-name", "last-name"),
                ("alias", "alias", "text"),
                ("birthDate", "date-of-birth", "date-of-birth"),
                ("birthPlace", "place-of-birth", "place-of-birth"),
                ("nationality", "nationality", "nationality"),
                ("passportNumber", "passport-number", "passport-number"),
                ("gender", "gender", "gender"),
                ("phone", "phone-number", "phone-number"),
                ("email", "e-mail", "email-src"),
                ("position", "occupation", "text"),
                ("notes", "text", "text"),
            ],
            &["full-name", "first-name", "last-name", "alias"],
        ),
        "Company" | "Organization" | "PublicBody" | "LegalEntity" => (
            "legal-entity",
            "14f5688f-d89c-469f-9878-c48bf6c41c65",
            2,
            &[
                ("name", "name", "text"),
                ("registrationNumber", "registration-number", "text"),
                ("legalForm", "legal-form", "text"),
                ("sector", "business", "text"),
                ("phone", "phone-number", "phone-number"),
                ("website", "website", "link"),
                ("notes", "text", "text"),
            ],
            &["name"],
        ),
        "BankAccount" => (
            "bank-account",
            "b4712203-95a8-4883-80e9-b566f5df11c9",
            3,
            &[
                ("iban", "iban", "iban"),
                ("bic", "swift", "bic"),
                ("accountNumber", "account", "bank-account-nr"),
                ("name", "account-name", "text"),
                ("bankName", "institution-name", "text"),
                ("currency", "currency-code", "text"),
                ("notes", "text", "text"),
            ],
            &["account", "iban"],
        ),
        "Phone" => (
            "phone",
            "d7e4fbdd-b551-4862-bddb-a0b470a38509",
            6,
            &[
                ("number", "msisdn", "text"),
                ("imei", "imei", "text"),
                ("imsi", "imsi", "text"),
                ("provider", "brand", "text"),
                ("notes", "text", "text"),
            ],
            &["msisdn", "imei", "imsi", "text"],
        ),
        "Vehicle" => (
            "vehicle",
            "683c076c-f695-4ff2-8efa-e98a418049f4",
            5,
            &[
                ("registrationNumber", "license-plate-number", "text"),
                ("model", "model", "text"),
                ("type", "type", "text"),
                ("colour", "exterior-color", "text"),
                ("notes", "description", "text"),
            ],
            &["license-plate-number", "model", "type", "description", "exterior-color"],
        ),
        "Address" => (
            "postal-address",
            "c22cdd17-d38e-42d3-a365-4febdaaaf25e",
            4,
            &[
                ("street", "street", "text"),
                ("full", "street", "text"),
                ("city", "city", "text"),
                ("postalCode", "postal-code", "text"),
                ("region", "state", "text"),
                ("country", "country", "text"),
                ("notes", "description", "text"),
            ],
            &["street", "city", "country"],
        ),
        "UserAccount" => (
            "user-account",
            "49606b06-22f0-4ac8-8eee-2f12ad46f3d3",
            6,
            &[
                ("username", "username", "text"),
                ("name", "display-name", "text"),
                ("email", "email", "email"),
                ("notes", "description", "text"),
            ],
            &["username"],
        ),
        _ => return None,
    })
}

/// Standalone attributes: (our property, MISP type).
fn attribute_type(rec: &Rec) -> Option<(&'static str, &'static str)> {
    Some(match rec.kind.name.as_str() {
        "Email" => ("address", "email"),
        "Domain" => ("domain", "domain"),
        "IpAddress" => ("address", "ip-dst"),
        "Url" => ("url", "url"),
        "CryptoWallet" => match rec.first("currency").map(str::to_ascii_uppercase).as_deref() {
            None | Some("BTC" | "BITCOIN") => ("publicKey", "btc"),
            Some("XMR" | "MONERO") => ("publicKey", "xmr"),
            Some(_) => return None,
        },
        _ => return None,
    })
}

/// A record's marking (the join of its released values' markings, so it reads); should it
/// ever not read, RED rather than anything weaker.
fn parse(marking: &str) -> Marking {
    Marking::parse(marking).unwrap_or(Marking { tlp: 4, codes: std::collections::BTreeSet::new() })
}

/// MISP's distribution for a marking: "0" (this organisation only) for AMBER+STRICT, RED,
/// Europol H2/H3 and national markings that stay in their country; "1" (this community) for
/// AMBER; "2" (connected communities) for GREEN; "3" (all) for CLEAR.
fn distribution(m: &Marking) -> &'static str {
    let vocab = crate::model::marking::Vocabulary::builtin();
    let closed =
        m.codes.iter().any(|c| c == "H2" || c == "H3" || vocab.national(c).is_some_and(|n| !n.foreign));
    match m.tlp {
        _ if closed => "0",
        0 => "3",
        1 => "2",
        2 => "1",
        _ => "0",
    }
}

/// Tags for a record's marking and grade.
fn tags(marking: &str, grade: Option<&str>) -> Vec<Value> {
    let m = parse(marking);
    let mut tags = vec![json!({"name": format!("tlp:{}", m.tlp_def().name.to_lowercase())})];
    for code in &m.codes {
        tags.push(json!({"name": format!("liaison:handling=\"{code}\"")}));
    }
    if let Some(g) = grade.and_then(|g| Grade::parse(g).ok()) {
        let (a, _) = g.to_admiralty();
        tags.push(json!({"name": format!("admiralty-scale:source-reliability=\"{}\"", a.reliability.to_ascii_lowercase())}));
        tags.push(json!({"name": format!("admiralty-scale:information-credibility=\"{}\"", a.credibility)}));
    }
    tags
}

/// The event's marking: the strictest of what it holds.
fn join(strictest: &mut Option<Marking>, marking: &str) {
    let m = parse(marking);
    *strictest = Some(strictest.take().map_or_else(|| m.clone(), |s| s.join(&m)));
}

fn epoch(rec: &Rec) -> String {
    rec.updated.max(rec.created).timestamp().to_string()
}

fn attribute(uuid: &str, ty: &str, value: &str, rec: &Rec, relation: Option<&str>) -> Value {
    let mut a = json!({
        "uuid": uuid, "type": ty, "category": category(ty), "value": value,
        "to_ids": false, "distribution": distribution(&parse(&rec.marking)), "timestamp": epoch(rec),
        "Tag": tags(&rec.marking, rec.grade.as_deref()),
    });
    if let Some(r) = relation {
        a["object_relation"] = json!(r);
    }
    a
}

/// MISP's own checks on some values (dates of birth must be whole dates).
fn fits(ty: &str, value: &str) -> bool {
    match ty {
        "date-of-birth" => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
        _ => !value.is_empty(),
    }
}

pub fn write(ds: &Dataset<'_>, out: &mut dyn Write, report: &mut ExportReport) -> Result<(), ImportError> {
    let office = ds.store.office().clone();
    let mut attributes = Vec::new();
    let mut objects: Vec<Value> = Vec::new();
    let mut object_index: HashMap<i64, usize> = HashMap::new();
    let mut uuids: HashMap<i64, String> = HashMap::new();
    let mut strictest: Option<Marking> = None;
    for n in ds.entity_list() {
        let rec = ds.record(n)?;
        let uuid = misp_uuid(&rec);
        if let Some((name, tpl_uuid, version, props, one_of)) = template(&rec.kind.name) {
            let mut attrs = Vec::new();
            for (ours, relation, ty) in props {
                for v in rec.all(ours) {
                    if attrs.iter().any(|a: &Value| a["object_relation"] == *relation && a["value"] == v) {
                        continue;
                    }
                    let taken = attrs.iter().any(|a: &Value| a["object_relation"] == *relation);
                    if taken && !MULTIPLE.contains(relation) {
                        report.left_out.add(
                            &format!("{}.{ours}: the {name} template holds one {relation}", rec.kind.name),
                            &rec.caption,
                        );
                        continue;
                    }
                    if fits(ty, v) {
                        let seed = format!("{}|{relation}|{v}", rec.uid);
                        attrs.push(attribute(
                            &stable_v4(seed.as_bytes()).to_string(),
                            ty,
                            v,
                            &rec,
                            Some(relation),
                        ));
                    }
                }
            }
            if !attrs.iter().any(|a| one_of.iter().any(|r| a["object_relation"] == *r)) {
                report.left_out.add(
                    &format!("{}: the {name} template needs one of {}", rec.kind.name, one_of.join(", ")),
                    &rec.caption,
                );
                continue;
            }
            join(&mut strictest, &rec.marking);
            object_index.insert(n, objects.len());
            uuids.insert(n, uuid.clone());
            objects.push(json!({
                "uuid": uuid, "name": name, "meta-category": "misc", "template_uuid": tpl_uuid,
                "template_version": version.to_string(), "description": rec.kind.label,
                "distribution": distribution(&parse(&rec.marking)), "timestamp": epoch(&rec), "comment": rec.caption,
                "Attribute": attrs, "ObjectReference": [],
            }));
            report.wrote(&format!("object {name}"));
        } else if let Some((prop, ty)) = attribute_type(&rec) {
            let Some(value) = rec.first(prop) else { continue };
            join(&mut strictest, &rec.marking);
            uuids.insert(n, uuid.clone());
            attributes.push(attribute(&uuid, ty, value, &rec, None));
            report.wrote(&format!("attribute {ty}"));
        } else {
            report
                .left_out
                .add(&format!("{}: MISP has no template for it here", rec.kind.name), &rec.caption);
        }
    }
    for n in ds.link_list()? {
        let rec = ds.record(n)?;
        let (Some(src), Some(dst)) = (rec.src, rec.dst) else { continue };
        let (Some(&i), Some(target)) = (object_index.get(&src), uuids.get(&dst)) else {
            report.left_out.add(
                &format!("{}: MISP references start from an object and end at one exported", rec.kind.name),
                &rec.caption,
            );
            continue;
        };
        let relationship = match rec.first("role") {
            Some(r) if rec.kind.name == "UnknownLink" => r.to_owned(),
            _ => rec.kind.label.to_lowercase().replace(' ', "-"),
        };
        let mut comment: Vec<String> = Vec::new();
        for p in ["date", "startDate", "endDate", "duration", "amount", "currency", "role", "summary"] {
            if let Some(v) = rec.first(p) {
                comment.push(format!("{p}: {v}"));
            }
        }
        let object_uuid = objects[i]["uuid"].clone();
        if let Some(refs) = objects[i]["ObjectReference"].as_array_mut() {
            refs.push(json!({
                "uuid": misp_uuid(&rec), "object_uuid": object_uuid, "referenced_uuid": target,
                "relationship_type": relationship, "timestamp": epoch(&rec), "comment": comment.join("; "),
            }));
        }
        report.wrote("object reference");
    }
    let (info, uuid, date) = match ds.case {
        Some((n, _)) => {
            let rec = ds.record(n)?;
            if ds.case_list()?.contains(&n) {
                join(&mut strictest, &rec.marking);
            }
            (rec.caption.clone(), misp_uuid(&rec), rec.created.format("%Y-%m-%d").to_string())
        }
        None => (
            format!("Liaison export from {}", if office.name.is_empty() { "Liaison" } else { &office.name }),
            stable_v4(ds.store.device().0.as_slice()).to_string(),
            chrono::Utc::now().format("%Y-%m-%d").to_string(),
        ),
    };
    // An event with nothing in it still carries a marking: the office's fallback, never CLEAR.
    let strictest = strictest.unwrap_or_else(Marking::office_fallback);
    let event = json!({"Event": {
        "uuid": uuid, "info": info, "date": date, "timestamp": chrono::Utc::now().timestamp().to_string(),
        "published": false, "analysis": "1", "threat_level_id": "4", "distribution": distribution(&strictest),
        "Orgc": {"name": if office.name.is_empty() { "Liaison".to_owned() } else { office.name.clone() }, "uuid": stable_v4(ds.store.device().0.as_slice()).to_string()},
        "Tag": tags(&strictest.to_string(), None),
        "Attribute": attributes, "Object": objects,
    }});
    serde_json::to_writer_pretty(&mut *out, &event).map_err(|e| ImportError::Io(e.to_string()))?;
    out.write_all(b"\n").map_err(|e| super::export::write_error(&e))?;
    let _ = Map::<String, Value>::new();
    Ok(())
}
