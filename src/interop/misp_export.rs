//! MISP event JSON out: one event for the case (or the store), valid for PyMISP and the
//! object templates it ships. People, companies, accounts, phones, vehicles, places and
//! user accounts become objects of the matching templates; e-mail addresses, domains, IPs,
//! URLs and wallets become attributes; links become object references (with their dates in
//! the comment). Markings become `tlp:` tags (handling codes a `liaison:handling` tag) and a
//! MISP distribution level on the event, its objects and attributes; grades become
//! `admiralty-scale` tags. What MISP has no template for is left out and reported.

use std::collections::HashMap;
use std::io::Write;

use serde_json::{Value, json};
use uuid::Uuid;

use super::ImportError;
use super::export::{Dataset, Rec};
use super::misp_export_kept::{EventOut, attribute_now, object_now, restrict_distribution, restrict_tags};
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

/// The first MISP event a record's kept things belong to, and those things.
type Kept = Vec<super::misp_raw::Kept>;

fn kept_of(rec: &Rec) -> Kept {
    super::misp_raw::unwrap(rec.all("externalData"))
}

/// Whether a record came from MISP inside something else (an attribute of an object, a
/// sighting, a cluster named by an attribute): it goes back out inside its container.
fn carried_inside(rec: &Rec, kept: &Kept) -> bool {
    kept.is_empty() && rec.all("externalId").any(|e| e.starts_with("misp:"))
}

pub fn write(ds: &Dataset<'_>, out: &mut dyn Write, report: &mut ExportReport) -> Result<(), ImportError> {
    let office = ds.store.office().clone();
    let org_name = if office.name.is_empty() { "Liaison".to_owned() } else { office.name.clone() };
    let org = json!({"name": org_name, "uuid": stable_v4(ds.store.device().0.as_slice()).to_string()});
    // Events from files, by uuid, in the order met; for a case export, the case's only.
    let mut events: Vec<EventOut> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut case_event: Option<usize> = None;
    if let Some((n, _)) = ds.case {
        let rec = ds.record(n)?;
        let header = kept_of(&rec).into_iter().find(|k| k.what == "event");
        let uuid = header.as_ref().map_or_else(|| misp_uuid(&rec), |h| h.event.clone());
        index.insert(uuid.clone(), 0);
        events.push(EventOut {
            uuid,
            case_marking: header.as_ref().map(|_| rec.marking.clone()),
            header: header.map(|h| h.json),
            ..EventOut::default()
        });
        case_event = Some(0);
    } else {
        for n in ds.case_list()? {
            let rec = ds.record(n)?;
            for k in kept_of(&rec).into_iter().filter(|k| k.what == "event") {
                if !index.contains_key(&k.event) {
                    index.insert(k.event.clone(), events.len());
                    events.push(EventOut {
                        uuid: k.event.clone(),
                        header: Some(k.json),
                        case_marking: Some(rec.marking.clone()),
                        ..EventOut::default()
                    });
                }
            }
        }
    }
    // Things kept whole go back to their event; Liaison's own records are made anew below.
    let mut strictest: Option<Marking> = None;
    let mut own = Vec::new();
    let mut object_at: HashMap<i64, (usize, usize)> = HashMap::new();
    let mut uuids: HashMap<i64, String> = HashMap::new();
    for n in ds.entity_list() {
        let rec = ds.record(n)?;
        let kept = kept_of(&rec);
        if carried_inside(&rec, &kept) {
            continue;
        }
        if kept.is_empty() {
            own.push(n);
            continue;
        }
        let marking = parse(&rec.marking);
        if case_event.is_some() {
            join(&mut strictest, &rec.marking);
        }
        for k in kept {
            let e = match case_event {
                Some(e) => e,
                None => *index.entry(k.event.clone()).or_insert_with(|| {
                    events.push(EventOut { uuid: k.event.clone(), ..EventOut::default() });
                    events.len() - 1
                }),
            };
            let inherited = events[e].case_marking.as_deref().map(parse);
            let mut json = match k.what.as_str() {
                "attribute" => {
                    let Some(j) = attribute_now(k.json, &rec) else {
                        report
                            .left_out
                            .add("MISP attribute: its value is not released to this reader", &rec.caption);
                        continue;
                    };
                    j
                }
                "object" => {
                    let (j, dropped) = object_now(k.json, &rec);
                    for _ in 0..dropped {
                        report.left_out.add(
                            "MISP object attribute: its value is not released to this reader",
                            &rec.caption,
                        );
                    }
                    j
                }
                _ => k.json,
            };
            restrict_distribution(&mut json, distribution(&marking));
            restrict_tags(&mut json, &marking, inherited.as_ref());
            let uuid = json.get("uuid").and_then(Value::as_str).unwrap_or_default().to_owned();
            match k.what.as_str() {
                "attribute" => {
                    let ty = json.get("type").and_then(Value::as_str).unwrap_or("?").to_owned();
                    events[e].attributes.push(Value::Object(json));
                    report.wrote(&format!("attribute {ty}"));
                }
                "object" => {
                    let name = json.get("name").and_then(Value::as_str).unwrap_or("?").to_owned();
                    object_at.entry(n).or_insert((e, events[e].objects.len()));
                    events[e].objects.push(Value::Object(json));
                    report.wrote(&format!("object {name}"));
                }
                "cluster" => {
                    events[e].cluster(k.galaxy, Value::Object(json));
                    report.wrote("galaxy cluster");
                }
                _ => continue,
            }
            uuids.entry(n).or_insert(uuid);
        }
    }
    // Liaison's own records: into the case's event, else one event of this office's.
    let mine = match case_event {
        Some(e) => e,
        None => events.len(),
    };
    let mut mine_out = EventOut::default();
    for n in own {
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
            let target = if case_event.is_some() { &mut events[mine] } else { &mut mine_out };
            object_at.insert(n, (mine, target.objects.len()));
            uuids.insert(n, uuid.clone());
            target.objects.push(json!({
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
            let target = if case_event.is_some() { &mut events[mine] } else { &mut mine_out };
            target.attributes.push(attribute(&uuid, ty, value, &rec, None));
            report.wrote(&format!("attribute {ty}"));
        } else {
            report
                .left_out
                .add(&format!("{}: MISP has no template for it here", rec.kind.name), &rec.caption);
        }
    }
    if case_event.is_none()
        && (!mine_out.attributes.is_empty() || !mine_out.objects.is_empty() || events.is_empty())
    {
        events.push(mine_out);
    }
    for n in ds.link_list()? {
        let rec = ds.record(n)?;
        // References read from MISP go back inside their object.
        if rec.all("externalId").any(|e| e.starts_with("misp:")) {
            continue;
        }
        let (Some(src), Some(dst)) = (rec.src, rec.dst) else { continue };
        let (Some(&(e, i)), Some(target)) = (object_at.get(&src), uuids.get(&dst)) else {
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
        let object = &mut events[e].objects[i];
        let object_uuid = object["uuid"].clone();
        let reference = json!({
            "uuid": misp_uuid(&rec), "object_uuid": object_uuid, "referenced_uuid": target,
            "relationship_type": relationship, "timestamp": epoch(&rec), "comment": comment.join("; "),
        });
        match object.get_mut("ObjectReference").and_then(Value::as_array_mut) {
            Some(refs) => refs.push(reference),
            None => object["ObjectReference"] = json!([reference]),
        }
        report.wrote("object reference");
    }
    let mut written = Vec::new();
    for (i, mut e) in events.into_iter().enumerate() {
        let is_mine = i == mine;
        let mut header = if let Some(h) = e.header.take() {
            h
        } else {
            {
                let (info, uuid, date, marking) = match ds.case.filter(|_| is_mine) {
                    Some((n, _)) => {
                        let rec = ds.record(n)?;
                        if ds.case_list()?.contains(&n) {
                            join(&mut strictest, &rec.marking);
                        }
                        (
                            rec.caption.clone(),
                            e.uuid.clone(),
                            rec.created.format("%Y-%m-%d").to_string(),
                            None,
                        )
                    }
                    None if is_mine => (
                        format!("Liaison export from {org_name}"),
                        stable_v4(&[ds.store.device().0.as_slice(), b"event"].concat()).to_string(),
                        chrono::Utc::now().format("%Y-%m-%d").to_string(),
                        None,
                    ),
                    // An event whose case the reader may not have: only its uuid.
                    None => (
                        format!("MISP event {}", e.uuid),
                        e.uuid.clone(),
                        chrono::Utc::now().format("%Y-%m-%d").to_string(),
                        Some(Marking::office_fallback()),
                    ),
                };
                // An event with nothing in it still carries a marking: the office's fallback, never CLEAR.
                let marking = marking.or_else(|| strictest.clone()).unwrap_or_else(Marking::office_fallback);
                let h = json!({
                    "uuid": uuid, "info": info, "date": date, "timestamp": chrono::Utc::now().timestamp().to_string(),
                    "published": false, "analysis": "1", "threat_level_id": "4", "distribution": distribution(&marking),
                    "Orgc": org, "Tag": tags(&marking.to_string(), None),
                });
                h.as_object().cloned().unwrap_or_default()
            }
        };
        if let Some(m) = e.case_marking.as_deref().map(parse) {
            restrict_distribution(&mut header, distribution(&m));
            restrict_tags(&mut header, &m, None);
        }
        header.insert("Attribute".into(), Value::Array(std::mem::take(&mut e.attributes)));
        header.insert("Object".into(), Value::Array(std::mem::take(&mut e.objects)));
        if !e.galaxies.is_empty() {
            header.insert("Galaxy".into(), Value::Array(e.galaxies.into_iter().map(Value::Object).collect()));
        }
        report.wrote("event");
        written.push(json!({"Event": header}));
    }
    let doc =
        if written.len() == 1 { written.pop().unwrap_or_default() } else { json!({"response": written}) };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| ImportError::Io(e.to_string()))?;
    out.write_all(b"\n").map_err(|e| super::export::write_error(&e))?;
    Ok(())
}
