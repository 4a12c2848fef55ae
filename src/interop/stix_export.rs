//! STIX 2.1 out: one bundle that `stix2_validator` accepts without errors. People and
//! organisations become `identity` (or the threat-actor / intrusion-set / campaign they were
//! imported as), places `location`, phones, accounts, wallets, e-mail addresses, domains,
//! IPs and URLs observables with deterministic ids (standard ones per STIX 2.1 §2.9, phone
//! and bank account as OpenCTI's custom types), links `relationship`, each case a
//! `grouping` with its notes as `note`s. Grades become `confidence` plus Liaison's property
//! extension holding the exact grade; every object carries the strictest marking of the
//! values it holds as `object_marking_refs`: the TLP 2.0 marking definition (standard ids) and,
//! for handling codes and national markings, a statement marking. `x-` custom objects kept at import are written back.
//! What STIX has no object for is left out and reported.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::ImportError;
use super::export::{Dataset, Rec, write_error};
use super::report::ExportReport;
use super::stix::{GRADE_EXTENSION, MARKING_STATEMENT, TLP2_EXTENSION};
use crate::model::grade::Grade;
use crate::model::marking::Marking;

/// STIX 2.1's namespace for deterministic observable ids.
pub(crate) const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// TLP 2.0 marking definitions by TLP rank (0 = CLEAR … 4 = RED).
const TLP2: [(&str, &str); 5] = [
    ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"),
    ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"),
    ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"),
    ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict"),
    ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red"),
];

/// A UUID in version 4 form derived from `seed`, so ids are stable from one export to the next.
fn stable_v4(seed: &[u8]) -> Uuid {
    let h = blake3::hash(seed);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.as_bytes()[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

pub(crate) fn timestamp(dt: &chrono::DateTime<chrono::Utc>) -> String {
    dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A Liaison date of any precision as a STIX timestamp (its first instant).
pub(crate) fn stix_time(d: &str) -> Option<String> {
    let full = match d.len() {
        4 => format!("{d}-01-01T00:00:00Z"),
        7 => format!("{d}-01T00:00:00Z"),
        10 => format!("{d}T00:00:00Z"),
        19 => format!("{d}Z"),
        _ => d.to_owned(),
    };
    chrono::DateTime::parse_from_rfc3339(&full)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

pub(crate) struct Writer<'o> {
    out: &'o mut dyn Write,
    first: bool,
    office: String,
    created: String,
    /// Marking definitions used, by id.
    markings: BTreeMap<String, Value>,
    pub(crate) grade_extension_used: bool,
}

impl Writer<'_> {
    fn emit(&mut self, obj: &Value) -> Result<(), ImportError> {
        if !self.first {
            self.out.write_all(b",\n").map_err(|e| write_error(&e))?;
        }
        self.first = false;
        serde_json::to_writer(&mut *self.out, obj).map_err(|e| ImportError::Io(e.to_string()))
    }

    /// Marking refs for a Liaison marking (defining what it uses).
    pub(crate) fn marking_refs(&mut self, text: &str) -> Vec<Value> {
        // A record's marking is the join of the markings its released values carry, all read;
        // should one ever not read, the file says RED rather than anything weaker.
        let m = Marking::parse(text).unwrap_or(Marking { tlp: 4, codes: std::collections::BTreeSet::new() });
        let (id, level) = TLP2[usize::from(m.tlp.min(4))];
        self.markings.entry(id.to_owned()).or_insert_with(|| {
            json!({
                "type": "marking-definition", "spec_version": "2.1", "id": id,
                "created": "2022-10-01T00:00:00.000Z", "name": format!("TLP:{}", level.to_uppercase()),
                "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}}
            })
        });
        let mut refs = vec![Value::String(id.to_owned())];
        if !m.codes.is_empty() {
            let statement = format!("{MARKING_STATEMENT}{m}");
            let sid = format!("marking-definition--{}", stable_v4(statement.as_bytes()));
            let created = self.created.clone();
            let office = self.office.clone();
            self.markings.entry(sid.clone()).or_insert_with(|| {
                json!({
                    "type": "marking-definition", "spec_version": "2.1", "id": sid, "created": created,
                    "created_by_ref": office, "definition_type": "statement",
                    "definition": {"statement": statement}
                })
            });
            refs.push(Value::String(sid));
        }
        refs
    }

    /// Common properties: markings, grade (confidence for domain objects, the extension for all).
    fn stamp(&mut self, obj: &mut Map<String, Value>, rec: &Rec, sdo: bool) {
        obj.insert("spec_version".into(), json!("2.1"));
        obj.insert("object_marking_refs".into(), Value::Array(self.marking_refs(&rec.marking)));
        if sdo {
            obj.insert("created_by_ref".into(), json!(self.office));
            obj.insert("created".into(), json!(timestamp(&rec.created)));
            obj.insert("modified".into(), json!(timestamp(&rec.updated.max(rec.created))));
        }
        if let Some(g) = rec.grade.as_deref().and_then(|g| Grade::parse(g).ok()) {
            let (admiralty, _) = g.to_admiralty();
            let confidence = match admiralty.credibility {
                '1' => Some(95),
                '2' => Some(80),
                '3' => Some(60),
                '4' => Some(40),
                '5' => Some(20),
                _ => None,
            };
            if let (true, Some(c)) = (sdo, confidence) {
                obj.insert("confidence".into(), json!(c));
            }
            obj.insert(
                "extensions".into(),
                json!({GRADE_EXTENSION: {"extension_type": "property-extension", "grade": g.to_string()}}),
            );
            self.grade_extension_used = true;
        }
        // Custom properties kept at import go back as they came.
        for raw in rec.all("externalData") {
            if let Ok(Value::Object(extra)) = serde_json::from_str::<Value>(raw) {
                for (k, v) in extra {
                    if k.starts_with("x_") && !obj.contains_key(&k) {
                        obj.insert(k, v);
                    }
                }
            }
        }
    }
}

/// The STIX id of a record: the one it was imported with, else a stable one.
fn sdo_id(ty: &str, rec: &Rec) -> String {
    if let Some(e) = rec.external("stix:") {
        if let Some(u) = e.strip_prefix(ty).and_then(|r| r.strip_prefix("--")) {
            if Uuid::parse_str(u).is_ok_and(|u| (1..=5).contains(&u.get_version_num())) {
                return e.to_owned();
            }
        }
    }
    format!("{ty}--{}", stable_v4(rec.uid.as_bytes()))
}

/// Deterministic observable id (STIX 2.1 §2.9): UUIDv5 of the id-contributing properties.
fn sco_id(ty: &str, contributing: &Value) -> String {
    format!("{ty}--{}", Uuid::new_v5(&SCO_NAMESPACE, contributing.to_string().as_bytes()))
}

/// The STIX object for an entity, or why it has none.
fn entity_object(w: &mut Writer<'_>, rec: &Rec) -> Result<Value, String> {
    let first = |p: &str| rec.first(p).unwrap_or_default().to_owned();
    let description: Vec<&str> = rec.all("notes").chain(rec.all("summary")).collect();
    let imported_as = rec.external("stix:").and_then(|e| e.split_once("--")).map(|(t, _)| t);
    let mut obj = Map::new();
    let kind = rec.kind.name.as_str();
    let (ty, sdo) = match kind {
        "Person" | "Organization" | "Company" | "PublicBody" | "LegalEntity" => {
            let ty =
                imported_as.filter(|t| matches!(*t, "threat-actor" | "intrusion-set")).unwrap_or("identity");
            obj.insert(
                "name".into(),
                json!(if first("name").is_empty() { rec.caption.clone() } else { first("name") }),
            );
            if ty == "identity" {
                obj.insert(
                    "identity_class".into(),
                    json!(if kind == "Person" { "individual" } else { "organization" }),
                );
                let contact: Vec<&str> =
                    rec.all("phone").chain(rec.all("email")).chain(rec.all("address")).collect();
                if !contact.is_empty() {
                    obj.insert("contact_information".into(), json!(contact.join("; ")));
                }
            }
            let aliases: Vec<&str> = rec.all("alias").collect();
            if !aliases.is_empty() && ty != "identity" {
                obj.insert("aliases".into(), json!(aliases));
            }
            (ty, true)
        }
        "Event" if imported_as == Some("campaign") => {
            obj.insert("name".into(), json!(rec.caption));
            if let Some(t) = rec.first("startDate").and_then(stix_time) {
                obj.insert("first_seen".into(), json!(t));
            }
            ("campaign", true)
        }
        "Address" => {
            let country = first("country").to_uppercase();
            let (lat, lon) = (
                rec.first("latitude").and_then(|v| v.parse::<f64>().ok()),
                rec.first("longitude").and_then(|v| v.parse::<f64>().ok()),
            );
            let has_place =
                !country.is_empty() || rec.first("region").is_some() || (lat.is_some() && lon.is_some());
            if !has_place {
                return Err("Address: STIX needs a country, region or coordinates".into());
            }
            for (theirs, ours) in
                [("name", "name"), ("city", "city"), ("region", "region"), ("postal_code", "postalCode")]
            {
                if let Some(v) = rec.first(ours) {
                    obj.insert(theirs.into(), json!(v));
                }
            }
            if let Some(s) = rec.first("full").or_else(|| rec.first("street")) {
                obj.insert("street_address".into(), json!(s));
            }
            if !country.is_empty() {
                obj.insert("country".into(), json!(country));
            }
            if let (Some(lat), Some(lon)) = (lat, lon) {
                obj.insert("latitude".into(), json!(lat));
                obj.insert("longitude".into(), json!(lon));
            }
            ("location", true)
        }
        "Phone" | "Email" | "Domain" | "Url" | "CryptoWallet" | "IpAddress" => {
            let (ty, prop) = match kind {
                "Phone" => ("phone-number", "number"),
                "Email" => ("email-addr", "address"),
                "Domain" => ("domain-name", "domain"),
                "Url" => ("url", "url"),
                "CryptoWallet" => ("cryptocurrency-wallet", "publicKey"),
                _ if first("address").contains(':') => ("ipv6-addr", "address"),
                _ => ("ipv4-addr", "address"),
            };
            let value = first(prop);
            if value.is_empty() {
                return Err(format!("{kind}: without its {prop}"));
            }
            if !valid_sco_value(ty, &value) {
                return Err(format!("{kind}: {prop} is not a valid STIX {ty} value"));
            }
            obj.insert("value".into(), json!(value));
            let id = sco_id(ty, &json!({"value": value}));
            return Ok(finish(w, obj, ty, &id, rec, false));
        }
        "BankAccount" => {
            let iban = first("iban");
            let number = first("accountNumber");
            if iban.is_empty() && number.is_empty() {
                return Err("BankAccount: without IBAN or account number".into());
            }
            for (theirs, v) in [("iban", &iban), ("account_number", &number), ("bic", &first("bic"))] {
                if !v.is_empty() {
                    obj.insert(theirs.into(), json!(v));
                }
            }
            let id = sco_id("bank-account", &json!({"iban": iban, "account_number": number}));
            return Ok(finish(w, obj, "bank-account", &id, rec, false));
        }
        "UserAccount" => {
            let login = first("username");
            if login.is_empty() {
                return Err("UserAccount: without a username".into());
            }
            obj.insert("account_login".into(), json!(login));
            if let Some(n) = rec.first("name") {
                obj.insert("display_name".into(), json!(n));
            }
            let id = sco_id("user-account", &json!({"account_login": login}));
            return Ok(finish(w, obj, "user-account", &id, rec, false));
        }
        other => return Err(format!("{other}: STIX has no such object")),
    };
    if !description.is_empty() && ty != "location" {
        obj.insert("description".into(), json!(description.join("\n\n")));
    }
    let id = sdo_id(ty, rec);
    Ok(finish(w, obj, ty, &id, rec, sdo))
}

fn finish(
    w: &mut Writer<'_>,
    mut obj: Map<String, Value>,
    ty: &str,
    id: &str,
    rec: &Rec,
    sdo: bool,
) -> Value {
    obj.insert("type".into(), json!(ty));
    obj.insert("id".into(), json!(id));
    w.stamp(&mut obj, rec, sdo);
    Value::Object(obj)
}

/// A custom `x-` object kept whole at import, if this record is one.
fn kept_custom_object(rec: &Rec) -> Option<Value> {
    if rec.kind.name != "Document" {
        return None;
    }
    rec.all("externalData").find_map(|raw| {
        let v: Value = serde_json::from_str(raw).ok()?;
        let ty = v.get("type")?.as_str()?;
        (ty.starts_with("x-") && v.get("id").is_some()).then_some(v)
    })
}

pub fn write(ds: &Dataset<'_>, out: &mut dyn Write, report: &mut ExportReport) -> Result<(), ImportError> {
    let office = ds.store.office().clone();
    let office_name = if office.name.is_empty() { "Liaison".to_owned() } else { office.name.clone() };
    let office_id = format!("identity--{}", stable_v4(ds.store.device().0.as_slice()));
    let now = timestamp(&chrono::Utc::now());
    let bundle_seed = format!("{}|{:?}|{now}", ds.store.device(), ds.case);
    out.write_all(
        format!(
            "{{\"type\":\"bundle\",\"id\":\"bundle--{}\",\"objects\":[\n",
            stable_v4(bundle_seed.as_bytes())
        )
        .as_bytes(),
    )
    .map_err(|e| write_error(&e))?;
    let mut w = Writer {
        out,
        first: true,
        office: office_id.clone(),
        created: now.clone(),
        markings: BTreeMap::new(),
        grade_extension_used: false,
    };
    w.emit(&json!({
        "type": "identity", "spec_version": "2.1", "id": office_id, "created": now, "modified": now,
        "name": office_name, "identity_class": "organization",
        "description": format!("{} ({}, {}), the office that exported this bundle from Liaison", office.name, office.agency, office.country),
    }))?;
    let mut ids: HashMap<i64, String> = HashMap::new();
    // Every id written back from an original object (a record may hold several).
    let mut written_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    for n in ds.entity_list() {
        let rec = ds.record(n)?;
        let originals = super::stix_original::originals(&rec);
        if !originals.is_empty() {
            for orig in originals {
                match super::stix_original::write_back(&mut w, &rec, orig, report) {
                    Ok(obj) => {
                        ids.entry(n).or_insert_with(|| obj["id"].as_str().unwrap_or_default().to_owned());
                        written_ids.insert(obj["id"].as_str().unwrap_or_default().to_owned());
                        report.wrote(obj["type"].as_str().unwrap_or_default());
                        w.emit(&obj)?;
                    }
                    Err(why) => report.left_out.add(&why, &rec.caption),
                }
            }
            continue;
        }
        if let Some(custom) = kept_custom_object(&rec) {
            w.emit(&custom)?;
            report.wrote(custom["type"].as_str().unwrap_or("x-"));
            continue;
        }
        match entity_object(&mut w, &rec) {
            Ok(obj) => {
                ids.insert(n, obj["id"].as_str().unwrap_or_default().to_owned());
                report.wrote(obj["type"].as_str().unwrap_or_default());
                w.emit(&obj)?;
            }
            Err(why) => report.left_out.add(&why, &rec.caption),
        }
    }
    let mut link_ids: HashMap<i64, (i64, i64, String)> = HashMap::new();
    for n in ds.link_list()? {
        let rec = ds.record(n)?;
        let (Some(src), Some(dst)) = (rec.src.and_then(|s| ids.get(&s)), rec.dst.and_then(|d| ids.get(&d)))
        else {
            report.left_out.add(&format!("{}: an end is not in the bundle", rec.kind.name), &rec.caption);
            continue;
        };
        if let Some(mut orig) = super::stix_original::original(&rec) {
            if orig.get("type").and_then(Value::as_str) == Some("relationship") {
                // The ends as written in this bundle (the original ids where they were kept).
                for (key, end) in [("source_ref", src), ("target_ref", dst)] {
                    let kept = orig.get(key).and_then(Value::as_str).is_some_and(|r| written_ids.contains(r));
                    if !kept {
                        orig.insert(key.into(), json!(end));
                    }
                }
            }
            match super::stix_original::write_back(&mut w, &rec, orig, report) {
                Ok(obj) => {
                    let id = obj["id"].as_str().unwrap_or_default().to_owned();
                    report.wrote(obj["type"].as_str().unwrap_or_default());
                    w.emit(&obj)?;
                    link_ids.insert(n, (rec.src.unwrap_or_default(), rec.dst.unwrap_or_default(), id));
                }
                Err(why) => report.left_out.add(&why, &rec.caption),
            }
            continue;
        }
        let relationship_type = match rec.first("role") {
            Some(r)
                if rec.kind.name == "UnknownLink"
                    && r.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') =>
            {
                r.to_owned()
            }
            _ => kebab(&rec.kind.name),
        };
        let mut obj = Map::new();
        obj.insert("relationship_type".into(), json!(relationship_type));
        obj.insert("source_ref".into(), json!(src));
        obj.insert("target_ref".into(), json!(dst));
        let start = rec.first("startDate").or_else(|| rec.first("date")).and_then(stix_time);
        let stop = rec.first("endDate").and_then(stix_time);
        if let Some(s) = &start {
            obj.insert("start_time".into(), json!(s));
        }
        if let Some(t) = stop.filter(|t| start.as_ref().is_none_or(|s| t > s)) {
            obj.insert("stop_time".into(), json!(t));
        }
        let description: Vec<&str> = rec.all("description").chain(rec.all("summary")).collect();
        if !description.is_empty() {
            obj.insert("description".into(), json!(description.join("\n\n")));
        }
        let id = sdo_id("relationship", &rec);
        let obj = finish(&mut w, obj, "relationship", &id, &rec, true);
        w.emit(&obj)?;
        report.wrote("relationship");
        link_ids.insert(n, (rec.src.unwrap_or_default(), rec.dst.unwrap_or_default(), id));
    }
    for case in ds.case_list()? {
        let rec = ds.record(case)?;
        let members = ds.members_of(case)?;
        let mut refs: Vec<String> = members.iter().filter_map(|m| ids.get(m).cloned()).collect();
        refs.extend(
            link_ids
                .values()
                .filter(|(s, d, _)| members.contains(s) && members.contains(d))
                .map(|(_, _, id)| id.clone()),
        );
        if let Some(mut orig) = super::stix_original::original(&rec) {
            // The grouping as it came, naming what it named and what the case holds now.
            let mut all: Vec<Value> =
                orig.get("object_refs").and_then(Value::as_array).cloned().unwrap_or_default();
            for r in refs {
                if !all.iter().any(|v| v.as_str() == Some(r.as_str())) {
                    all.push(Value::String(r));
                }
            }
            orig.insert("object_refs".into(), Value::Array(all));
            match super::stix_original::write_back(&mut w, &rec, orig, report) {
                Ok(obj) => {
                    report.wrote("grouping");
                    w.emit(&obj)?;
                }
                Err(why) => report.left_out.add(&why, &rec.caption),
            }
            continue;
        }
        if refs.is_empty() {
            report.left_out.add("Case: a grouping needs at least one object", &rec.caption);
            continue;
        }
        let mut obj = Map::new();
        obj.insert("name".into(), json!(rec.caption));
        obj.insert("context".into(), json!("suspicious-activity"));
        let summary: Vec<&str> = rec.all("summary").collect();
        if !summary.is_empty() {
            obj.insert("description".into(), json!(summary.join("\n\n")));
        }
        obj.insert("object_refs".into(), json!(refs));
        let gid = sdo_id("grouping", &rec);
        let obj = finish(&mut w, obj, "grouping", &gid, &rec, true);
        w.emit(&obj)?;
        report.wrote("grouping");
        for note in ds.notes_of(case)? {
            let rec = ds.record(note)?;
            let mut obj = Map::new();
            obj.insert("content".into(), json!(rec.first("text").unwrap_or(&rec.caption)));
            if let Some(a) = rec.first("author") {
                obj.insert("authors".into(), json!([a]));
            }
            obj.insert("object_refs".into(), json!([gid]));
            let id = sdo_id("note", &rec);
            let obj = finish(&mut w, obj, "note", &id, &rec, true);
            w.emit(&obj)?;
            report.wrote("note");
        }
    }
    if w.grade_extension_used {
        let ext = json!({
            "type": "extension-definition", "spec_version": "2.1", "id": GRADE_EXTENSION,
            "created_by_ref": office_id, "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
            "name": "Liaison grade",
            "description": "The grade of the information as the analyst recorded it: source reliability and information credibility (Admiralty \"B2\", Europol \"EU:A1\" or UK 3x5x2 \"UK:1A\"); confidence holds the nearest STIX value.",
            "schema": "https://liaison.invalid/stix/grade-extension.json", "version": "1.0",
            "extension_types": ["property-extension"],
        });
        w.emit(&ext)?;
    }
    for def in std::mem::take(&mut w.markings).into_values() {
        w.emit(&def)?;
        report.wrote("marking-definition");
    }
    w.out.write_all(b"\n]}\n").map_err(|e| write_error(&e))?;
    Ok(())
}

/// What the STIX schemas require of observable values (hostnames, URIs, addresses).
fn valid_sco_value(ty: &str, value: &str) -> bool {
    let ip = |v: &str, v6: bool| {
        let (addr, bits) = v.split_once('/').map_or((v, None), |(a, b)| (a, Some(b)));
        let ok = if v6 {
            addr.parse::<std::net::Ipv6Addr>().is_ok()
        } else {
            addr.parse::<std::net::Ipv4Addr>().is_ok()
        };
        ok && bits.is_none_or(|b| b.parse::<u8>().is_ok_and(|b| b <= if v6 { 128 } else { 32 }))
    };
    match ty {
        "domain-name" => {
            value.len() <= 253
                && value.split('.').count() >= 2
                && value.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && !l.starts_with('-')
                        && l.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                })
        }
        "url" => value.split_once("://").is_some_and(|(scheme, rest)| {
            scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !rest.is_empty()
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        }),
        "ipv4-addr" => ip(value, false),
        "ipv6-addr" => ip(value, true),
        _ => !value.chars().any(char::is_control),
    }
}

fn kebab(kind: &str) -> String {
    let mut s = String::new();
    for (i, c) in kind.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('-');
        }
        s.push(c.to_ascii_lowercase());
    }
    s
}
