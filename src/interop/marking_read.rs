//! Reading handling markings in other tools' files by what they say, not by well-known ids:
//! TLP 1.0 and 2.0 marking definitions under any id (OASIS, OpenCTI's own form), PAP read
//! as a TLP level at least as strict, Liaison's own statement markings, and MISP
//! distribution levels. What cannot be read is named, so that the import gives the value its
//! fallback marking and says so; nothing here ever answers CLEAR for something unread.

use serde_json::{Map, Value};

use super::input::str_at;
use super::record::Item;
use super::stix_vocab::MARKING_STATEMENT;
use crate::model::marking::Marking;

/// What a marking (a STIX marking definition, a MISP tag or distribution) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A handling marking.
    Marking(Marking),
    /// Nothing about who may receive it (PAP:CLEAR, MISP "all communities").
    Nothing,
    /// A marking Liaison cannot read: what it is, for the report.
    Unreadable(String),
}

impl Reading {
    /// The stricter of two readings; an unreadable one wins (the value takes the fallback).
    #[must_use]
    pub fn join(self, other: Reading) -> Reading {
        match (self, other) {
            (Reading::Unreadable(a), _) => Reading::Unreadable(a),
            (_, Reading::Unreadable(b)) => Reading::Unreadable(b),
            (Reading::Marking(a), Reading::Marking(b)) => Reading::Marking(a.join(&b)),
            (Reading::Marking(m), Reading::Nothing) | (Reading::Nothing, Reading::Marking(m)) => {
                Reading::Marking(m)
            }
            (Reading::Nothing, Reading::Nothing) => Reading::Nothing,
        }
    }
}

/// A TLP level as written anywhere: "amber", "TLP:AMBER+STRICT", "white" (TLP 1.0's CLEAR).
pub fn tlp_level(s: &str) -> Option<Marking> {
    let s = s.trim();
    let level = s.get(..4).filter(|p| p.eq_ignore_ascii_case("tlp:")).map_or(s, |_| &s[4..]);
    let level = level.trim().to_ascii_uppercase();
    let level = if level == "WHITE" { "CLEAR" } else { level.as_str() };
    if level.is_empty() || level.contains([' ', ',', ';']) {
        return None;
    }
    Marking::parse(&format!("TLP:{level}")).ok().filter(|m| m.codes.is_empty())
}

/// A PAP level as a marking at least as strict: CLEAR/WHITE say nothing of sharing, GREEN,
/// AMBER and RED give the TLP level of the same name. None when it is not a PAP level.
pub fn pap_level(s: &str) -> Option<Reading> {
    let s = s.trim();
    let level = s.get(..4).filter(|p| p.eq_ignore_ascii_case("pap:")).map_or(s, |_| &s[4..]);
    Some(match level.trim().to_ascii_uppercase().as_str() {
        "CLEAR" | "WHITE" => Reading::Nothing,
        "GREEN" => Reading::Marking(Marking::parse("TLP:GREEN").ok()?),
        "AMBER" => Reading::Marking(Marking::parse("TLP:AMBER").ok()?),
        "RED" => Reading::Marking(Marking::parse("TLP:RED").ok()?),
        _ => return None,
    })
}

fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// What a STIX marking definition says, read from its content whatever its id: TLP 1.0
/// (`definition_type "tlp"`), TLP 2.0 (an extension with `tlp_2_0`, a name "TLP:…"),
/// OpenCTI's (`definition_type "TLP"`, `definition {"TLP": "TLP:AMBER+STRICT"}`) and PAP,
/// and Liaison's own statements. Other statements and types are unreadable.
pub fn stix_definition(obj: &Map<String, Value>) -> Reading {
    let mut read: Option<Reading> = None;
    let mut unread: Option<String> = None;
    let mut take = |r: Option<Reading>, what: &str, value: &str| match r {
        Some(r) => read = Some(read.take().map_or(r.clone(), |o| o.join(r))),
        None => {
            unread.get_or_insert_with(|| format!("{what} {:?}", shown(value)));
        }
    };
    if let Some(def) = obj.get("definition").and_then(Value::as_object) {
        for (key, value) in def {
            let Some(value) = value.as_str() else { continue };
            match key.to_ascii_lowercase().as_str() {
                "tlp" => take(tlp_level(value).map(Reading::Marking), "TLP", value),
                "pap" => take(pap_level(value), "PAP", value),
                "statement" => match value.strip_prefix(MARKING_STATEMENT) {
                    Some(m) => take(Marking::parse(m).ok().map(Reading::Marking), "statement", value),
                    None => take(None, "statement", value),
                },
                _ => {}
            }
        }
    }
    for ext in obj.get("extensions").and_then(Value::as_object).into_iter().flat_map(Map::values) {
        if let Some(level) = ext.get("tlp_2_0").and_then(Value::as_str) {
            take(tlp_level(level).map(Reading::Marking), "TLP 2.0", level);
        }
    }
    if let Some(name) = str_at(obj, "name") {
        let prefix = name.get(..4).map(str::to_ascii_uppercase);
        match prefix.as_deref() {
            Some("TLP:") => take(tlp_level(name).map(Reading::Marking), "name", name),
            Some("PAP:") => take(pap_level(name), "name", name),
            _ => {}
        }
    }
    match (read, unread) {
        (Some(r), _) => r,
        (None, Some(why)) => Reading::Unreadable(why),
        (None, None) => Reading::Unreadable(match str_at(obj, "definition_type") {
            Some(t) => format!("definition_type {:?}", shown(t)),
            None => "no definition Liaison reads".to_owned(),
        }),
    }
}

/// What a MISP `distribution` says (a number or a string of one). `None` when absent or
/// "inherit" (5): the container's applies. `sharing_group` names the group for level 4.
pub fn misp_distribution(obj: &Map<String, Value>) -> Option<(Reading, Option<String>)> {
    let level = match obj.get("distribution")? {
        Value::String(s) => s.trim().parse::<u64>().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    };
    let strict = || {
        Reading::Marking(Marking::parse("TLP:AMBER+STRICT").unwrap_or_else(|_| Marking::office_fallback()))
    };
    let tlp =
        |name: &str| Reading::Marking(Marking::parse(name).unwrap_or_else(|_| Marking::office_fallback()));
    Some(match level {
        Some(0) => (strict(), None),
        Some(1) => (tlp("TLP:AMBER"), None),
        Some(2) => (tlp("TLP:GREEN"), None),
        Some(3) => (Reading::Nothing, None),
        Some(4) => {
            let group = obj
                .get("SharingGroup")
                .and_then(|g| g.get("name"))
                .and_then(Value::as_str)
                .map(|n| format!("MISP sharing group {:?}", shown(n)))
                .or_else(|| match obj.get("sharing_group_id") {
                    Some(Value::String(s)) if !s.is_empty() => Some(format!("MISP sharing group {s}")),
                    Some(Value::Number(n)) => Some(format!("MISP sharing group {n}")),
                    _ => None,
                })
                .unwrap_or_else(|| "MISP sharing group (unnamed)".to_owned());
            (strict(), Some(format!("{group} read as TLP:AMBER+STRICT")))
        }
        Some(5) => return None,
        _ => (Reading::Unreadable(format!("MISP distribution {}", obj["distribution"])), None),
    })
}

/// What a file says of one thing's marking: what could be read, joined; what could not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Said {
    pub marking: Option<Marking>,
    pub unreadable: Vec<String>,
    pub notes: Vec<String>,
}

impl Said {
    pub fn add(&mut self, reading: Reading) {
        match reading {
            Reading::Marking(m) => self.marking = Some(self.marking.take().map_or(m.clone(), |o| o.join(&m))),
            Reading::Nothing => {}
            Reading::Unreadable(why) => {
                if !self.unreadable.contains(&why) {
                    self.unreadable.push(why);
                }
            }
        }
    }

    /// This, inside `container`: both apply, the stricter holding.
    #[must_use]
    pub fn within(&self, container: &Said) -> Said {
        let mut out = container.clone();
        if let Some(m) = &self.marking {
            out.add(Reading::Marking(m.clone()));
        }
        for why in &self.unreadable {
            out.add(Reading::Unreadable(why.clone()));
        }
        for n in &self.notes {
            if !out.notes.contains(n) {
                out.notes.push(n.clone());
            }
        }
        out
    }

    /// Gives `item` this marking (joined with what it has).
    pub fn stamp(&self, item: &mut Item) {
        let mine = Said {
            marking: item.marking.take(),
            unreadable: item.unreadable_markings().to_vec(),
            notes: item.marking_notes().to_vec(),
        };
        let all = mine.within(self);
        item.marking = all.marking;
        item.set_marking_remarks(all.unreadable, all.notes);
    }
}

/// The names of a MISP event's, attribute's or object's tags (`Tag`, `EventTag`, `AttributeTag`).
pub fn misp_tag_names(obj: &Map<String, Value>) -> impl Iterator<Item = &str> {
    let direct = obj.get("Tag").and_then(Value::as_array).into_iter().flatten();
    let wrapped = ["EventTag", "AttributeTag"]
        .into_iter()
        .filter_map(|k| obj.get(k).and_then(Value::as_array))
        .flatten()
        .filter_map(|t| t.get("Tag"));
    direct.chain(wrapped).filter_map(|t| t.get("name").and_then(Value::as_str))
}

/// What a MISP event, attribute or object says of its own marking: `tlp:` and `PAP:` tags
/// and its `distribution`. The container's is joined by the caller ([`Said::within`]).
pub fn misp_said(obj: &Map<String, Value>) -> Said {
    let mut said = Said::default();
    for name in misp_tag_names(obj) {
        let lower = name.trim().to_ascii_lowercase();
        if lower.starts_with("tlp:") {
            match tlp_level(&lower) {
                Some(m) => said.add(Reading::Marking(m)),
                None => said.add(Reading::Unreadable(format!("MISP tag {:?}", shown(name)))),
            }
        } else if lower.starts_with("pap:") {
            said.add(
                pap_level(&lower)
                    .unwrap_or_else(|| Reading::Unreadable(format!("MISP tag {:?}", shown(name)))),
            );
        }
    }
    if let Some((reading, note)) = misp_distribution(obj) {
        said.add(reading);
        said.notes.extend(note);
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(json: &str) -> Reading {
        stix_definition(serde_json::from_str::<Value>(json).unwrap().as_object().unwrap())
    }

    fn marking(s: &str) -> Reading {
        Reading::Marking(Marking::parse(s).unwrap())
    }

    #[test]
    fn definitions_are_read_by_what_they_say() {
        assert_eq!(
            def(r#"{"definition_type": "tlp", "definition": {"tlp": "white"}}"#),
            marking("TLP:CLEAR")
        );
        assert_eq!(
            def(
                r#"{"definition_type": "TLP", "definition": {"TLP": "TLP:AMBER+STRICT"}, "name": "TLP:AMBER+STRICT"}"#
            ),
            marking("TLP:AMBER+STRICT")
        );
        assert_eq!(
            def(r#"{"name": "TLP:RED", "extensions": {"extension-definition--0": {"tlp_2_0": "red"}}}"#),
            marking("TLP:RED")
        );
        assert_eq!(
            def(r#"{"definition_type": "PAP", "definition": {"PAP": "PAP:RED"}}"#),
            marking("TLP:RED")
        );
        assert_eq!(
            def(r#"{"definition_type": "PAP", "definition": {"PAP": "PAP:CLEAR"}}"#),
            Reading::Nothing
        );
        assert_eq!(
            def(
                r#"{"definition_type": "statement", "definition": {"statement": "Liaison handling marking: TLP:AMBER H2"}}"#
            ),
            marking("TLP:AMBER H2")
        );
        let copyright =
            def(r#"{"definition_type": "statement", "definition": {"statement": "Copyright ACME"}}"#);
        assert_eq!(copyright, Reading::Unreadable("statement \"Copyright ACME\"".into()));
        assert!(matches!(
            def(r#"{"definition_type": "tlp", "definition": {"tlp": "purple"}}"#),
            Reading::Unreadable(_)
        ));
        assert!(
            matches!(def(r#"{"definition_type": "x-acme"}"#), Reading::Unreadable(w) if w.contains("x-acme"))
        );
    }

    #[test]
    fn misp_distribution_never_reads_as_clear() {
        let d =
            |json: &str| misp_distribution(serde_json::from_str::<Value>(json).unwrap().as_object().unwrap());
        assert_eq!(d(r#"{"distribution": "0"}"#), Some((marking("TLP:AMBER+STRICT"), None)));
        assert_eq!(d(r#"{"distribution": 1}"#), Some((marking("TLP:AMBER"), None)));
        assert_eq!(d(r#"{"distribution": "3"}"#), Some((Reading::Nothing, None)));
        assert_eq!(d(r#"{"distribution": "5"}"#), None);
        let (m, note) = d(r#"{"distribution": "4", "SharingGroup": {"name": "JIT Danube"}}"#).unwrap();
        assert_eq!((m, note.unwrap().contains("JIT Danube")), (marking("TLP:AMBER+STRICT"), true));
        assert!(matches!(d(r#"{"distribution": "9"}"#), Some((Reading::Unreadable(_), None))));
    }
}
