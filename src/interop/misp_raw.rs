//! How a MISP thing is kept whole in the store, so an export gives back what came in by uuid:
//! its original JSON goes in `externalData`, wrapped with what it is and which event it came
//! from (`{"misp": "attribute", "event": "<uuid>", "json": {…}}`). A value may hold at most
//! [`MAX_VALUE_LEN`] bytes, so a larger wrapper (an attachment's base64 `data`, a long event
//! report) is cut into numbered parts and joined again on export. The store has no blob
//! table: attachments and malware samples keep their bytes as the base64 MISP sent.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::model::values::MAX_VALUE_LEN;

/// The namespace of the uuids minted for MISP things that came without one (UUIDv5).
const NAMESPACE: Uuid = Uuid::from_u128(0x6c1b_9e2e_4f0a_5b7d_9a41_3e8c_2d5f_7a10);

/// Escaped bytes per part: well under [`MAX_VALUE_LEN`] with the part's own wrapping.
const PART: usize = MAX_VALUE_LEN - 1024;

/// A stable uuid for something that has none, from what identifies it, so that importing
/// the same file again finds the same records.
pub fn mint(parts: &[&str]) -> String {
    Uuid::new_v5(&NAMESPACE, parts.join("\u{1f}").as_bytes()).to_string()
}

/// One MISP thing kept whole: what it is ("event", "attribute", "object", "cluster"), the
/// uuid of its event, its JSON, and for a cluster its galaxy (without the clusters).
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub what: String,
    pub event: String,
    pub json: Map<String, Value>,
    pub galaxy: Option<Map<String, Value>>,
}

/// The `externalData` values that keep `json`.
pub fn wrap(
    what: &str,
    event: &str,
    json: &Map<String, Value>,
    galaxy: Option<&Map<String, Value>>,
) -> Vec<String> {
    let mut w = json!({"misp": what, "event": event, "json": json});
    if let Some(g) = galaxy {
        w["galaxy"] = Value::Object(g.clone());
    }
    let text = w.to_string();
    if text.len() <= PART {
        return vec![text];
    }
    let id = blake3::hash(text.as_bytes()).to_hex()[..16].to_owned();
    let mut pieces = Vec::new();
    let (mut piece, mut escaped) = (String::new(), 0usize);
    for c in text.chars() {
        let cost = match c {
            '"' | '\\' => 2,
            c if c.is_control() => 6,
            c => c.len_utf8(),
        };
        if escaped + cost > PART {
            pieces.push(std::mem::take(&mut piece));
            escaped = 0;
        }
        piece.push(c);
        escaped += cost;
    }
    pieces.push(piece);
    let n = pieces.len();
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, s)| json!({"misp:part": id, "i": i, "n": n, "s": s}).to_string())
        .collect()
}

/// The MISP things kept in a record's `externalData` values (other formats' data and parts
/// that do not join up are passed over).
pub fn unwrap<'a>(values: impl Iterator<Item = &'a str>) -> Vec<Kept> {
    let mut out = Vec::new();
    let mut parts: BTreeMap<String, (usize, BTreeMap<usize, String>)> = BTreeMap::new();
    for v in values {
        let Ok(Value::Object(o)) = serde_json::from_str::<Value>(v) else { continue };
        if let Some(id) = o.get("misp:part").and_then(Value::as_str) {
            let i = o.get("i").and_then(Value::as_u64).unwrap_or(0) as usize;
            let n = o.get("n").and_then(Value::as_u64).unwrap_or(0) as usize;
            let s = o.get("s").and_then(Value::as_str).unwrap_or_default().to_owned();
            parts.entry(id.to_owned()).or_insert((n, BTreeMap::new())).1.insert(i, s);
        } else if let Some(k) = kept(o) {
            out.push(k);
        }
    }
    for (n, pieces) in parts.into_values() {
        if pieces.len() == n {
            let text: String = pieces.into_values().collect();
            if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&text) {
                out.extend(kept(o));
            }
        }
    }
    out
}

fn kept(mut o: Map<String, Value>) -> Option<Kept> {
    let what = o.get("misp")?.as_str()?.to_owned();
    let event = o.get("event").and_then(Value::as_str).unwrap_or_default().to_owned();
    let Some(Value::Object(json)) = o.remove("json") else { return None };
    let galaxy = match o.remove("galaxy") {
        Some(Value::Object(g)) => Some(g),
        _ => None,
    };
    Some(Kept { what, event, json, galaxy })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_things_are_cut_in_parts_and_joined_again() {
        let mut json = Map::new();
        json.insert("uuid".into(), json!("5c1f5a2e-4b3d-4e6f-9a7b-1c2d3e4f5a6b"));
        json.insert("data".into(), json!("QUJD\"\u{1}é".repeat(20_000)));
        let values = wrap("attribute", "e", &json, None);
        assert!(values.len() > 5);
        assert!(values.iter().all(|v| v.len() <= MAX_VALUE_LEN), "a part is too long for a value");
        let mut shuffled = values.clone();
        shuffled.reverse();
        let kept = unwrap(shuffled.iter().map(String::as_str));
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].json, json);
        // A missing part: nothing half-joined.
        assert!(unwrap(values[1..].iter().map(String::as_str)).is_empty());
    }

    #[test]
    fn minted_ids_are_stable() {
        assert_eq!(mint(&["a", "b"]), mint(&["a", "b"]));
        assert_ne!(mint(&["a", "b"]), mint(&["ab"]));
    }
}
