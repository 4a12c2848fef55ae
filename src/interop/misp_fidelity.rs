//! How much of a MISP file survives import → export, by uuid: the measure behind
//! `benches/fidelity_misp.rs` and the round-trip test. Things are attributes (standalone and
//! in objects), objects and galaxy clusters; a thing's properties are its scalar members
//! (compared as text: MISP writes `"distribution": "1"` and `1` alike), its tag names, and the
//! uuids of its references, sightings and clusters.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// Things by uuid, each with its properties (name → value as text).
pub type Things = BTreeMap<String, BTreeMap<String, String>>;

/// What survived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fidelity {
    pub events: usize,
    pub events_kept: usize,
    pub things: usize,
    pub things_kept: usize,
    pub properties: usize,
    pub properties_kept: usize,
}

impl Fidelity {
    pub fn things_ratio(&self) -> f64 {
        if self.things == 0 { 1.0 } else { self.things_kept as f64 / self.things as f64 }
    }

    pub fn properties_ratio(&self) -> f64 {
        if self.properties == 0 { 1.0 } else { self.properties_kept as f64 / self.properties as f64 }
    }
}

/// The events of a MISP document in any shape Liaison reads (search results of attributes or
/// objects count as one event without a uuid).
pub fn events(doc: &Value) -> Vec<Map<String, Value>> {
    let pick = |v: &Value| match v.get("Event") {
        Some(Value::Object(e)) => Some(e.clone()),
        _ => v.as_object().cloned(),
    };
    match doc {
        Value::Array(list) => list.iter().filter_map(pick).collect(),
        Value::Object(top) => match top.get("response") {
            Some(Value::Array(list))
                if list.iter().all(|e| e.get("Object").is_some()) && !list.is_empty() =>
            {
                let objects: Vec<Value> = list.iter().filter_map(|e| e.get("Object").cloned()).collect();
                vec![Map::from_iter([("Object".to_owned(), Value::Array(objects))])]
            }
            Some(Value::Array(list)) => list.iter().filter_map(pick).collect(),
            Some(Value::Object(r)) => vec![r.clone()],
            _ => pick(doc).into_iter().collect(),
        },
        _ => Vec::new(),
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn properties(o: &Map<String, Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in o {
        if let Some(t) = text(v) {
            out.insert(k.clone(), t);
        }
    }
    for t in o.get("Tag").and_then(Value::as_array).into_iter().flatten() {
        if let Some(n) = t.get("name").and_then(Value::as_str) {
            out.insert(format!("Tag:{n}"), String::new());
        }
    }
    for key in ["ObjectReference", "Sighting"] {
        for r in o.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(u) = r.get("uuid").and_then(Value::as_str) {
                out.insert(format!("{key}:{u}"), String::new());
            }
        }
    }
    for g in o.get("Galaxy").and_then(Value::as_array).into_iter().flatten() {
        for c in g.get("GalaxyCluster").and_then(Value::as_array).into_iter().flatten() {
            let id = c.get("uuid").and_then(Value::as_str).filter(|u| !u.is_empty());
            if let Some(u) = id.or_else(|| c.get("tag_name").and_then(Value::as_str)) {
                out.insert(format!("Galaxy:{u}"), String::new());
            }
        }
    }
    out
}

/// Every attribute, object and galaxy cluster of a document, by uuid; and its events' uuids.
pub fn things(doc: &Value) -> (BTreeSet<String>, Things) {
    let mut ids = BTreeSet::new();
    let mut out = Things::new();
    // A cluster of a galaxy its server did not have comes with `"uuid": ""`: MISP knows it
    // by its tag.
    let add = |o: &Map<String, Value>, out: &mut Things| {
        let key = match o.get("uuid").and_then(Value::as_str) {
            Some(u) if !u.is_empty() => u.to_lowercase(),
            _ => match o.get("tag_name").and_then(Value::as_str) {
                Some(t) => format!("tag:{t}"),
                None => return,
            },
        };
        out.insert(key, properties(o));
    };
    for e in events(doc) {
        if let Some(u) = e.get("uuid").and_then(Value::as_str) {
            ids.insert(u.to_lowercase());
        }
        for a in
            e.get("Attribute").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
        {
            add(a, &mut out);
        }
        for o in e.get("Object").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
        {
            add(o, &mut out);
            for a in o
                .get("Attribute")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
            {
                add(a, &mut out);
            }
        }
        for g in e.get("Galaxy").and_then(Value::as_array).into_iter().flatten() {
            for c in g
                .get("GalaxyCluster")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
            {
                add(c, &mut out);
            }
        }
    }
    (ids, out)
}

/// What of `before` is in `after`, by uuid.
pub fn compare(before: &Value, after: &Value) -> Fidelity {
    let (ev_before, before) = things(before);
    let (ev_after, after) = things(after);
    let mut f = Fidelity {
        events: ev_before.len(),
        events_kept: ev_before.intersection(&ev_after).count(),
        ..Fidelity::default()
    };
    for (uuid, props) in &before {
        f.things += 1;
        f.properties += props.len();
        if let Some(kept) = after.get(uuid) {
            f.things_kept += 1;
            f.properties_kept += props.iter().filter(|(k, v)| kept.get(*k) == Some(v)).count();
        }
    }
    f
}

/// What was lost, for messages: uuids missing and properties changed (at most `n` of each).
pub fn losses(before: &Value, after: &Value, n: usize) -> Vec<String> {
    let (_, before) = things(before);
    let (_, after) = things(after);
    let mut out = Vec::new();
    for (uuid, props) in &before {
        match after.get(uuid) {
            None => out.push(format!(
                "missing {uuid} ({})",
                props.get("type").or_else(|| props.get("name")).map_or("", String::as_str)
            )),
            Some(kept) => {
                for (k, v) in props {
                    if kept.get(k) != Some(v) {
                        out.push(format!("{uuid}.{k}: {v:?} → {:?}", kept.get(k)));
                    }
                }
            }
        }
        if out.len() >= n {
            break;
        }
    }
    out
}
