//! Writing back a record imported from STIX: its original object (kept whole in
//! `externalData` at import), with its own id, type, timestamps and every property, updated
//! with what the analyst changed that maps (`stix_map`), carrying Liaison's marking (never
//! weaker than the file's: a marking never falls) and grade. STIX 2.0 objects gain what 2.1
//! requires, so the bundle validates.

use serde_json::{Map, Value, json};

use super::export::Rec;
use super::report::ExportReport;
use super::stix_export::{SCO_NAMESPACE, Writer, timestamp};
use super::stix_vocab::{GRADE_EXTENSION, TLP_IDS, grade};
use crate::model::grade::Grade;
use crate::model::marking::Marking;

/// Property names STIX 2.1 reserves (stix2-validator refuses them on any object), and the
/// object type it reserves.
const RESERVED_PROPERTIES: &[&str] = &["severity", "username", "phone_numbers", "action"];
const RESERVED_TYPES: &[&str] = &["action"];

/// The original STIX object of `rec` (the first, where several objects of one value were
/// kept on one record).
pub fn original(rec: &Rec) -> Option<Map<String, Value>> {
    originals(rec).into_iter().next()
}

/// The original STIX objects kept on `rec`: its `externalData` objects grouped by the id they
/// name (an object longer than a value was kept in parts, each naming it), for each id the
/// record is known by ("stix:<id>" in `externalId`). Two observables of one value converge
/// on one record and both go back out.
pub fn originals(rec: &Rec) -> Vec<Map<String, Value>> {
    let mut out: Vec<Map<String, Value>> = Vec::new();
    for raw in rec.all("externalData") {
        let Ok(Value::Object(m)) = serde_json::from_str::<Value>(raw) else { continue };
        let Some(id) = m.get("id").and_then(Value::as_str).map(str::to_owned) else { continue };
        match out.iter_mut().find(|o| o.get("id").and_then(Value::as_str) == Some(id.as_str())) {
            Some(o) => o.extend(m),
            None => out.push(m),
        }
    }
    out.retain(|o| {
        let id = o.get("id").and_then(Value::as_str).unwrap_or_default();
        o.get("type").and_then(Value::as_str).is_some()
            && rec.all("externalId").any(|e| e == format!("stix:{id}"))
    });
    out
}

/// The object to write for `rec`, from its original; or why it cannot be written.
pub(crate) fn write_back(
    w: &mut Writer<'_>,
    rec: &Rec,
    mut obj: Map<String, Value>,
    report: &mut ExportReport,
) -> Result<Value, String> {
    let ty = obj.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
    if RESERVED_TYPES.contains(&ty.as_str()) {
        return Err(format!("STIX reserves the object type {ty:?}: not written"));
    }
    for reserved in RESERVED_PROPERTIES {
        if obj.remove(*reserved).is_some() {
            report.left_out.add(&format!("STIX {ty}.{reserved}: a property STIX reserves"), &rec.caption);
        }
    }
    let original_grade = grade(&obj).map(|g| g.to_string());
    let kind = rec.kind.name.as_str();
    let changed =
        super::stix_map::overlay(&mut obj, &ty, kind, &|p| rec.all(p).map(str::to_owned).collect::<Vec<_>>());
    if changed {
        // Changed here: a later version of the object.
        if let Some(Value::String(m)) = obj.get("modified") {
            let now = timestamp(&rec.updated);
            if now > *m {
                obj.insert("modified".into(), json!(now));
            }
        }
    }
    upgrade_to_21(&mut obj, &ty);
    markings(w, rec, &mut obj, &ty);
    if let Some(g) = rec.grade.as_deref().and_then(|g| Grade::parse(g).ok()) {
        if original_grade.as_deref() != Some(g.to_string().as_str()) && ty != "marking-definition" {
            let ext = obj.entry("extensions").or_insert_with(|| json!({}));
            if let Value::Object(ext) = ext {
                ext.insert(
                    GRADE_EXTENSION.into(),
                    json!({"extension_type": "property-extension", "grade": g.to_string()}),
                );
                w.grade_extension_used = true;
            }
        }
    }
    Ok(Value::Object(obj))
}

/// The record's marking on the object: the file's TLP references that say the same level
/// stay as they were; a weaker one gives way to Liaison's (which joined it at import, so is
/// never weaker); other references (statements, copyright) stay.
fn markings(w: &mut Writer<'_>, rec: &Rec, obj: &mut Map<String, Value>, ty: &str) {
    if ty == "marking-definition" {
        return;
    }
    let level = Marking::parse(&rec.marking).map_or(4, |m| m.tlp);
    let mine = w.marking_refs(&rec.marking);
    let mut refs: Vec<Value> = Vec::new();
    let mut same_level = false;
    for r in obj.get("object_marking_refs").and_then(Value::as_array).into_iter().flatten() {
        let Some(id) = r.as_str() else { continue };
        match TLP_IDS.iter().find(|(t, _)| *t == id) {
            Some((_, name)) => {
                if Marking::parse(&format!("TLP:{name}")).is_ok_and(|m| m.tlp == level) {
                    same_level = true;
                    refs.push(r.clone());
                }
            }
            None => refs.push(r.clone()),
        }
    }
    for (i, r) in mine.into_iter().enumerate() {
        if (i > 0 || !same_level) && !refs.contains(&r) {
            refs.push(r);
        }
    }
    obj.insert("object_marking_refs".into(), Value::Array(refs));
}

/// What STIX 2.1 requires that a 2.0 object may lack.
fn upgrade_to_21(obj: &mut Map<String, Value>, ty: &str) {
    obj.entry("spec_version").or_insert_with(|| json!("2.1"));
    match ty {
        "indicator" => {
            obj.entry("pattern_type").or_insert_with(|| json!("stix"));
        }
        "malware" => {
            obj.entry("is_family").or_insert_with(|| json!(false));
        }
        "observed-data" => {
            // 2.0 embeds its observables without ids; 2.1 (where `objects` is deprecated but
            // allowed) needs one on each: a deterministic one, so exports agree.
            let outer = obj.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
            if let Some(Value::Object(objects)) = obj.get_mut("objects") {
                for (key, inner) in objects.iter_mut() {
                    let Value::Object(inner) = inner else { continue };
                    let Some(t) = inner.get("type").and_then(Value::as_str).map(str::to_owned) else {
                        continue;
                    };
                    let uuid = uuid::Uuid::new_v5(&SCO_NAMESPACE, format!("{outer}/{key}").as_bytes());
                    inner.entry("id").or_insert_with(|| json!(format!("{t}--{uuid}")));
                }
            }
        }
        _ => {}
    }
}
