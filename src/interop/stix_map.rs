//! Which STIX property is which Liaison property, for each STIX type Liaison models: one
//! table read both ways, so that the import and the export agree on what maps. What the
//! table does not name stays in the record's `externalData` (the whole original object) and
//! goes back out as it came; what it names goes back out from the record's current values
//! only when they differ from what the original object gives (the analyst changed them).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::input::{kind_of, str_at};
use crate::model::schema::Schema;
use crate::model::validate;
use crate::model::values::Locale;

/// How a STIX value becomes Liaison values and back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conv {
    /// One string.
    Str,
    /// A string, lower-cased (domain names).
    Lower,
    /// A list of strings, one value each.
    List,
    /// A STIX timestamp, as a Liaison date to the second (UTC).
    Time,
    /// A JSON number.
    Num,
}

/// One STIX property (a `.` path for `hashes.MD5`) and the Liaison property it maps to.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub prop: &'static str,
    pub key: &'static str,
    pub conv: Conv,
}

const fn f(prop: &'static str, key: &'static str, conv: Conv) -> Field {
    Field { prop, key, conv }
}

use Conv::{List, Lower, Num, Str, Time};

const NAMED: &[Field] =
    &[f("name", "name", Str), f("alias", "aliases", List), f("notes", "description", Str)];
const IDENTITY: &[Field] = &[f("name", "name", Str), f("notes", "description", Str)];
const ORG_IDENTITY: &[Field] =
    &[f("name", "name", Str), f("notes", "description", Str), f("sector", "sectors", List)];
const CAMPAIGN: &[Field] = &[
    f("name", "name", Str),
    f("alias", "aliases", List),
    f("summary", "description", Str),
    f("startDate", "first_seen", Time),
    f("endDate", "last_seen", Time),
];
const LOCATION: &[Field] = &[
    f("name", "name", Str),
    f("street", "street_address", Str),
    f("city", "city", Str),
    f("region", "region", Str),
    f("postalCode", "postal_code", Str),
    f("country", "country", Str),
    f("notes", "description", Str),
    f("latitude", "latitude", Num),
    f("longitude", "longitude", Num),
];
const MALWARE: &[Field] = &[
    f("name", "name", Str),
    f("alias", "aliases", List),
    f("notes", "description", Str),
    f("malwareType", "malware_types", List),
    f("firstSeen", "first_seen", Time),
    f("lastSeen", "last_seen", Time),
];
const TOOL: &[Field] = &[
    f("name", "name", Str),
    f("alias", "aliases", List),
    f("notes", "description", Str),
    f("toolType", "tool_types", List),
    f("toolVersion", "tool_version", Str),
];
const NAME_ONLY: &[Field] = &[f("name", "name", Str), f("notes", "description", Str)];
const INDICATOR: &[Field] = &[
    f("name", "name", Str),
    f("notes", "description", Str),
    f("pattern", "pattern", Str),
    f("patternType", "pattern_type", Str),
    f("indicatorType", "indicator_types", List),
    f("validFrom", "valid_from", Time),
    f("validUntil", "valid_until", Time),
];
const FILE: &[Field] = &[
    f("fileName", "name", Str),
    f("size", "size", Num),
    f("mimeType", "mime_type", Str),
    f("md5", "hashes.MD5", Str),
    f("sha1", "hashes.SHA-1", Str),
    f("sha256", "hashes.SHA-256", Str),
];
const REPORT: &[Field] =
    &[f("title", "name", Str), f("summary", "description", Str), f("publishedDate", "published", Time)];
const GROUPING: &[Field] = &[f("title", "name", Str), f("summary", "description", Str)];
const EMAIL: &[Field] = &[f("address", "value", Str), f("notes", "display_name", Str)];
const DOMAIN: &[Field] = &[f("domain", "value", Lower)];
const IP: &[Field] = &[f("address", "value", Str)];
const URL: &[Field] = &[f("url", "value", Str)];
const PHONE: &[Field] = &[f("number", "value", Str)];
const BANK: &[Field] =
    &[f("iban", "iban", Str), f("bic", "bic", Str), f("accountNumber", "account_number", Str)];
const WALLET: &[Field] = &[f("publicKey", "value", Str)];
const USER: &[Field] =
    &[f("username", "account_login", Str), f("name", "display_name", Str), f("service", "account_type", Str)];
const OTHER: &[Field] = &[f("name", "name", Str)];

/// The fields of a STIX type read as Liaison `kind`.
pub fn fields(ty: &str, kind: &str) -> &'static [Field] {
    match (ty, kind) {
        ("identity", "Organization") => ORG_IDENTITY,
        ("identity", _) => IDENTITY,
        ("threat-actor" | "intrusion-set", _) => NAMED,
        ("campaign", _) => CAMPAIGN,
        ("location", _) => LOCATION,
        ("malware", _) => MALWARE,
        ("tool", _) => TOOL,
        ("vulnerability" | "incident", _) => NAME_ONLY,
        ("indicator", _) => INDICATOR,
        ("file", _) => FILE,
        ("report", _) => REPORT,
        ("grouping", _) => GROUPING,
        ("email-addr", _) => EMAIL,
        ("domain-name", _) => DOMAIN,
        ("ipv4-addr" | "ipv6-addr", _) => IP,
        ("url", _) => URL,
        ("phone-number" | "x-opencti-phone-number", _) => PHONE,
        ("bank-account" | "x-opencti-bank-account", _) => BANK,
        ("cryptocurrency-wallet" | "x-opencti-cryptocurrency-wallet", _) => WALLET,
        ("user-account", _) => USER,
        _ => OTHER,
    }
}

fn at_path<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    match key.split_once('.') {
        Some((a, b)) => obj.get(a)?.as_object()?.get(b),
        None => obj.get(key),
    }
}

/// The Liaison values a field gives, as read; or why the file's value is not of the STIX
/// type ("a number where a string was expected").
pub fn read(obj: &Map<String, Value>, field: &Field) -> Result<Vec<String>, String> {
    let Some(v) = at_path(obj, field.key) else { return Ok(Vec::new()) };
    let wrong = |expected: &str| Err(format!("{}: {} where {expected} was expected", field.key, kind_of(v)));
    Ok(match (field.conv, v) {
        (Conv::Str, Value::String(s)) => vec![s.clone()],
        (Conv::Lower, Value::String(s)) => vec![s.to_lowercase()],
        (Conv::List, Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    other => {
                        return Err(format!(
                            "{}: {} in a list where strings were expected",
                            field.key,
                            kind_of(other)
                        ));
                    }
                }
            }
            out
        }
        (Conv::Time, Value::String(s)) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(dt) => vec![dt.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string()],
            Err(_) => return Err(format!("{}: {s:?} is not a STIX timestamp", field.key)),
        },
        (Conv::Num, Value::Number(n)) => vec![n.to_string()],
        (Conv::Str | Conv::Lower | Conv::Time, _) => return wrong("a string"),
        (Conv::List, _) => return wrong("a list"),
        (Conv::Num, _) => return wrong("a number"),
    })
}

/// What the original object gives for `prop` once validated as the import does.
fn normalised(kind: &str, prop: &str, raw: &[String]) -> BTreeSet<String> {
    let Ok(k) = Schema::builtin().kind(kind) else { return BTreeSet::new() };
    raw.iter().filter_map(|r| validate(k, prop, r, Locale::default()).ok()).collect()
}

/// Writes into `out` (the original object) the mapped properties whose current values
/// (`current(prop)`) differ from what the original gives. Returns whether anything changed.
pub fn overlay(
    out: &mut Map<String, Value>,
    ty: &str,
    kind: &str,
    current: &dyn Fn(&str) -> Vec<String>,
) -> bool {
    let original = out.clone();
    let mut changed = false;
    for field in fields(ty, kind) {
        let from_file = read(&original, field).unwrap_or_default();
        let was = normalised(kind, field.prop, &from_file);
        let now: BTreeSet<String> = current(field.prop).into_iter().collect();
        if was == now || (field.prop == "name" && kind == "OtherRecord" && original.get("name").is_none()) {
            continue;
        }
        let value = match field.conv {
            _ if now.is_empty() => None,
            Conv::List => Some(json!(now.iter().collect::<Vec<_>>())),
            Conv::Num => now.iter().next().and_then(|n| n.parse::<f64>().ok()).map(|n| json!(n)),
            Conv::Time => now.iter().next().and_then(|d| super::stix_export::stix_time(d)).map(Value::String),
            Conv::Str | Conv::Lower => {
                // Several values where STIX has one (two sources' descriptions): all of them.
                Some(Value::String(now.iter().map(String::as_str).collect::<Vec<_>>().join("\n\n")))
            }
        };
        set_path(out, field.key, value);
        changed = true;
    }
    changed
}

fn set_path(obj: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match (key.split_once('.'), value) {
        (Some((a, b)), Some(v)) => {
            let inner = obj.entry(a.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = inner {
                m.insert(b.to_owned(), v);
            }
        }
        (Some((a, b)), None) => {
            if let Some(Value::Object(m)) = obj.get_mut(a) {
                m.remove(b);
                if m.is_empty() {
                    obj.remove(a);
                }
            }
        }
        (None, Some(v)) => {
            obj.insert(key.to_owned(), v);
        }
        (None, None) => {
            obj.remove(key);
        }
    }
}

/// The CVE a vulnerability names in its external references.
pub fn cve(obj: &Map<String, Value>) -> Option<&str> {
    obj.get("external_references")?.as_array()?.iter().find_map(|r| {
        let r = r.as_object()?;
        (str_at(r, "source_name")?.eq_ignore_ascii_case("cve")).then(|| str_at(r, "external_id"))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_reads_its_type_and_names_a_wrong_one_in_the_files_terms() {
        let obj: Map<String, Value> =
            serde_json::from_str(r#"{"name": 5, "aliases": ["A", "B"], "hashes": {"MD5": "abc"}}"#).unwrap();
        assert_eq!(
            read(&obj, &f("name", "name", Str)).unwrap_err(),
            "name: a number where a string was expected"
        );
        assert_eq!(read(&obj, &f("alias", "aliases", List)).unwrap(), ["A", "B"]);
        assert_eq!(read(&obj, &f("md5", "hashes.MD5", Str)).unwrap(), ["abc"]);
    }

    #[test]
    fn only_what_the_analyst_changed_is_written_over_the_original() {
        let mut obj: Map<String, Value> = serde_json::from_str(
            r#"{"type":"malware","name":"X","aliases":["Y"],"description":"d\r\nx","first_seen":"2020-01-01T00:00:00.123Z"}"#,
        )
        .unwrap();
        let before = obj.clone();
        let same = |p: &str| -> Vec<String> {
            match p {
                "name" => vec!["X".into()],
                "alias" => vec!["Y".into()],
                "notes" => vec!["d\nx".into()],
                "firstSeen" => vec!["2020-01-01T00:00:00Z".into()],
                _ => vec![],
            }
        };
        assert!(!overlay(&mut obj, "malware", "Malware", &same));
        assert_eq!(obj, before, "unchanged values keep the original's spelling and precision");
        let renamed = |p: &str| if p == "name" { vec!["Z".to_owned()] } else { same(p) };
        assert!(overlay(&mut obj, "malware", "Malware", &renamed));
        assert_eq!(obj["name"], "Z");
        assert_eq!(obj["first_seen"], "2020-01-01T00:00:00.123Z");
    }
}
