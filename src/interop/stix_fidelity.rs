//! How much of a STIX file survives import → export, by id: the figure `benches/fidelity_stix`
//! prints and `tests/interop_stix_roundtrip.rs` holds to.
//!
//! An object is kept when the export has an object with its id. A property (a top-level
//! member of an original object) is kept when the exported object with that id has the same
//! value; a list or an object also counts as kept when it holds every original element or
//! member (Liaison adds its own marking reference beside the file's, never in place of a
//! stricter one; STIX 2.1 needs ids on a 2.0 file's embedded observables). Properties of
//! objects not kept count as lost.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;

use super::ImportError;
use super::export::{ExportFormat, ExportOptions};
use super::{ImportFormat, ImportOptions};
use crate::model::marking::Marking;
use crate::store::Store;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fidelity {
    pub objects: u64,
    pub objects_kept: u64,
    pub properties: u64,
    pub properties_kept: u64,
    /// What was lost: "type" for objects, "type.property" for properties, with counts.
    pub lost: BTreeMap<String, u64>,
}

impl Fidelity {
    pub fn object_share(&self) -> f64 {
        ratio(self.objects_kept, self.objects)
    }

    pub fn property_share(&self) -> f64 {
        ratio(self.properties_kept, self.properties)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// The objects of a STIX file (a bundle, an array of objects, or one object).
pub fn objects_of(path: &Path) -> Result<Vec<Value>, ImportError> {
    let text = std::fs::read(path).map_err(|e| super::input::io_error(path, &e))?;
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
    let v: Value = serde_json::from_slice(text).map_err(|e| super::input::json_error(&e))?;
    Ok(match v {
        Value::Array(a) => a,
        Value::Object(mut o) if o.get("type").and_then(Value::as_str) == Some("bundle") => {
            match o.remove("objects") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            }
        }
        other => vec![other],
    })
}

fn kept(original: &Value, exported: Option<&Value>) -> bool {
    exported.is_some_and(|e| covers(original, e))
}

/// Whether `exported` holds all of `original`: equal, or (lists and objects) with every
/// original element or member still there, perhaps beside what the export adds (a marking
/// reference, the id STIX 2.1 needs on an embedded observable).
fn covers(original: &Value, exported: &Value) -> bool {
    match (original, exported) {
        (Value::Array(a), Value::Array(b)) => a.iter().all(|x| b.iter().any(|y| covers(x, y))),
        (Value::Object(a), Value::Object(b)) => a.iter().all(|(k, v)| b.get(k).is_some_and(|w| covers(v, w))),
        (a, b) => a == b,
    }
}

/// Compares the original objects with the exported ones, by id.
pub fn compare(original: &[Value], exported: &[Value]) -> Fidelity {
    let by_id: HashMap<&str, &Value> =
        exported.iter().filter_map(|o| Some((o.get("id")?.as_str()?, o))).collect();
    let mut f = Fidelity::default();
    for o in original {
        let (Some(id), Some(ty)) =
            (o.get("id").and_then(Value::as_str), o.get("type").and_then(Value::as_str))
        else {
            continue;
        };
        f.objects += 1;
        let out = by_id.get(id);
        if out.is_some() {
            f.objects_kept += 1;
        } else {
            *f.lost.entry(ty.to_owned()).or_default() += 1;
        }
        for (k, v) in o.as_object().into_iter().flatten() {
            f.properties += 1;
            if kept(v, out.and_then(|e| e.get(k))) {
                f.properties_kept += 1;
            } else if out.is_some() {
                *f.lost.entry(format!("{ty}.{k}")).or_default() += 1;
            }
        }
    }
    f
}

/// Imports `file` into `store` (an empty one), exports the store as STIX to `out` for a
/// reader who may see everything, and compares.
pub fn round_trip(store: &mut Store, file: &Path, out: &Path) -> Result<Fidelity, ImportError> {
    super::import(store, file, &ImportOptions::new(ImportFormat::Stix), &mut |_, _| {})?;
    let mut opts = ExportOptions::new(ExportFormat::Stix);
    opts.reader.max_marking = Marking::parse("TLP:RED").ok();
    opts.confirmed = true;
    super::export::export(store, out, &opts)?;
    let exported = objects_of(out)?;
    Ok(compare(&objects_of(file)?, &exported))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_and_properties_are_counted_by_id() {
        let original = [
            json!({"type": "malware", "id": "malware--1", "name": "A", "object_marking_refs": ["m1"]}),
            json!({"type": "tool", "id": "tool--2", "name": "B"}),
        ];
        let exported = [
            json!({"type": "malware", "id": "malware--1", "name": "A2", "object_marking_refs": ["m1", "m2"]}),
        ];
        let f = compare(&original, &exported);
        assert_eq!((f.objects, f.objects_kept), (2, 1));
        assert_eq!((f.properties, f.properties_kept), (7, 3), "{f:?}");
        assert_eq!(f.lost.get("tool"), Some(&1));
        assert_eq!(f.lost.get("malware.name"), Some(&1));
    }
}
