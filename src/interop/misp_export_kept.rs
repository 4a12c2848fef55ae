//! MISP things kept whole at import (see `misp_raw.rs`) written back: each event with its
//! own uuid, its attributes, objects and galaxy clusters with theirs, their timestamps, tags,
//! comments, to_ids, sightings and attachments. A marking never falls on the way out: where
//! the store marks a record stricter than the file did, its distribution and `tlp:` tag
//! follow the store.

use serde_json::{Map, Value, json};

use super::export::Rec;
use crate::model::marking::Marking;
use crate::model::values::Locale;

/// One event being written: its own JSON (or a minimal one) and what goes in it.
#[derive(Debug, Default)]
pub struct EventOut {
    pub uuid: String,
    pub header: Option<Map<String, Value>>,
    /// The marking of the event's case, when the event came from a file.
    pub case_marking: Option<String>,
    pub attributes: Vec<Value>,
    pub objects: Vec<Value>,
    /// Galaxies (each with its `GalaxyCluster` list), in the order first met.
    pub galaxies: Vec<Map<String, Value>>,
}

impl EventOut {
    /// Adds a cluster under its galaxy (matched by uuid, else type).
    pub fn cluster(&mut self, galaxy: Option<Map<String, Value>>, cluster: Value) {
        let galaxy = galaxy.unwrap_or_default();
        let key =
            |g: &Map<String, Value>| g.get("uuid").or_else(|| g.get("type")).cloned().unwrap_or(Value::Null);
        let k = key(&galaxy);
        let i = self.galaxies.iter().position(|g| key(g) == k).unwrap_or_else(|| {
            let mut g = galaxy;
            g.insert("GalaxyCluster".into(), json!([]));
            self.galaxies.push(g);
            self.galaxies.len() - 1
        });
        if let Some(Value::Array(list)) = self.galaxies[i].get_mut("GalaxyCluster") {
            list.push(cluster);
        }
    }
}

/// How restrictive a MISP distribution is: 0 (this organisation) first, then a sharing
/// group (4), this community (1), connected communities (2), all (3). Inherit (5): None.
fn rank(d: &Value) -> Option<u8> {
    let n = match d {
        Value::String(s) => s.parse::<u8>().ok()?,
        Value::Number(n) => u8::try_from(n.as_u64()?).ok()?,
        _ => return None,
    };
    Some(match n {
        0 => 0,
        4 => 1,
        1 => 2,
        2 => 3,
        3 => 4,
        _ => return None,
    })
}

/// Sets `obj`'s distribution to `ours` where that is stricter than what it says.
pub fn restrict_distribution(obj: &mut Map<String, Value>, ours: &str) {
    let ours_v = Value::String(ours.to_owned());
    let Some(mine) = rank(&ours_v) else { return };
    match obj.get("distribution") {
        Some(d) if rank(d).is_some_and(|r| r > mine) => {
            let as_number = d.is_number();
            obj.insert(
                "distribution".into(),
                if as_number { json!(ours.parse::<u8>().unwrap_or(0)) } else { ours_v },
            );
        }
        // Inherit or unset: the container's applies; a closed record says so itself.
        None | Some(Value::Null) if mine == 0 => {
            obj.insert("distribution".into(), ours_v);
        }
        _ => {}
    }
}

/// The `tlp:` tag a marking gives.
fn tlp_tag(m: &Marking) -> String {
    format!("tlp:{}", m.tlp_def().name.to_lowercase())
}

/// Makes `obj`'s tags carry `marking` where it is stricter than what they say (or than
/// `inherited`, what its container's tags say, when it has no `tlp:` tag of its own).
pub fn restrict_tags(obj: &mut Map<String, Value>, marking: &Marking, inherited: Option<&Marking>) {
    let tags: Vec<Value> = obj.get("Tag").and_then(Value::as_array).cloned().unwrap_or_default();
    let name =
        |t: &Value| t.get("name").and_then(Value::as_str).unwrap_or_default().trim().to_ascii_lowercase();
    let own: Vec<Marking> = tags
        .iter()
        .filter(|t| name(t).starts_with("tlp:"))
        .filter_map(|t| crate::interop::marking_read::tlp_level(&name(t)))
        .collect();
    let said = own.iter().cloned().reduce(|a, b| a.join(&b)).or_else(|| inherited.cloned());
    let mut out = tags;
    let stricter = said.as_ref().is_none_or(|s| marking.tlp > s.tlp);
    let mut changed = false;
    if stricter && marking.tlp > 0 {
        out.retain(|t| !name(t).starts_with("tlp:"));
        out.push(json!({"name": tlp_tag(marking)}));
        changed = true;
    }
    for code in &marking.codes {
        let tag = format!("liaison:handling=\"{code}\"");
        if !out.iter().any(|t| name(t) == tag.to_ascii_lowercase()) {
            out.push(json!({"name": tag}));
            changed = true;
        }
    }
    if changed {
        obj.insert("Tag".into(), Value::Array(out));
    }
}

/// Whether the record holds `value` of `prop` among the values released to this reader
/// (compared as the store normalised it at import).
fn holds(rec: &Rec, prop: &str, value: &str) -> bool {
    let normal = rec
        .kind
        .properties
        .get(prop)
        .and_then(|p| crate::model::values::normalise(p.kind, value, Locale::default()).ok());
    rec.all(prop).any(|v| v == value || Some(v) == normal.as_deref())
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A kept attribute as the store has it now: what the file said while the record still holds
/// that value; the record's value where an analyst changed it; None where the reader may not
/// have the value (the kept JSON must not carry what the release rules withhold).
pub fn attribute_now(mut json: Map<String, Value>, rec: &Rec) -> Option<Map<String, Value>> {
    let ty = json.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
    let (kind, props) = super::misp_attr::mapping(&ty, &text(json.get("value")));
    if kind != rec.kind.name {
        return Some(json);
    }
    let values: Vec<(&str, String)> =
        props.into_iter().filter(|(p, _)| !matches!(*p, "recordType" | "name" | "currency")).collect();
    if values.iter().all(|(p, v)| holds(rec, p, v)) {
        return Some(json);
    }
    if let [(p, _)] = values.as_slice() {
        if let Some(now) = rec.first(p) {
            json.insert("value".into(), Value::String(now.to_owned()));
            return Some(json);
        }
    }
    None
}

/// A kept object as the store has it now: an attribute whose value the record no longer
/// holds for this reader is left out (how many: the second value).
pub fn object_now(mut json: Map<String, Value>, rec: &Rec) -> (Map<String, Value>, usize) {
    let name = json.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
    let Some((kind, props)) = super::misp_object::template(&name) else { return (json, 0) };
    if kind != rec.kind.name {
        return (json, 0);
    }
    let mut dropped = 0;
    if let Some(Value::Array(attrs)) = json.get_mut("Attribute") {
        attrs.retain(|a| {
            let relation = a.get("object_relation").and_then(Value::as_str).unwrap_or_default();
            let keep = match props.iter().find(|(r, p)| *r == relation && *p != "notes") {
                Some((_, p)) => holds(rec, p, &text(a.get("value"))),
                None => true,
            };
            dropped += usize::from(!keep);
            keep
        });
    }
    (json, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn a_marking_made_stricter_in_the_store_is_what_goes_out() {
        let red = Marking::parse("TLP:RED").unwrap();
        let mut a = obj(
            json!({"distribution": "3", "Tag": [{"name": "tlp:green", "colour": "#339900"}, {"name": "malware"}]}),
        );
        restrict_distribution(&mut a, "0");
        restrict_tags(&mut a, &red, None);
        assert_eq!(a["distribution"], "0");
        let names: Vec<&str> =
            a["Tag"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["malware", "tlp:red"]);
    }

    #[test]
    fn what_the_file_said_stays_when_the_store_says_the_same_or_less() {
        let amber = Marking::parse("TLP:AMBER").unwrap();
        let original = json!({"distribution": 1, "Tag": [{"name": "tlp:amber", "colour": "#FFC000"}]});
        let mut a = obj(original.clone());
        restrict_distribution(&mut a, "1");
        restrict_tags(&mut a, &amber, None);
        assert_eq!(Value::Object(a), original);
        // No tag of its own: the event's tag covers it.
        let mut b = obj(json!({"distribution": "5"}));
        restrict_distribution(&mut b, "1");
        restrict_tags(&mut b, &amber, Some(&amber));
        assert_eq!(Value::Object(b), json!({"distribution": "5"}));
    }
}
