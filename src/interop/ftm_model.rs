//! The FollowTheMoney model as data (`assets/ftm_model.json`, generated from the
//! `followthemoney` package by `assets/ftm_model.py`): schemata with inherited properties,
//! types, ranges and required properties, plus the type checks FtM applies to values. The
//! FtM reader uses it to tell a property FtM does not have (a fault) from one Liaison merely
//! does not support (kept as raw JSON); the FtM writer uses it to stay valid.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct RawModel {
    max_length: HashMap<String, usize>,
    countries: Vec<String>,
    schemata: BTreeMap<String, RawSchema>,
}

#[derive(Debug, Deserialize)]
struct RawSchema {
    #[serde(rename = "abstract")]
    is_abstract: bool,
    extends: Vec<String>,
    required: Vec<String>,
    props: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    edge: Vec<String>,
    #[serde(default)]
    caption: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FtmProp {
    /// FtM type name: name, string, text, date, entity, country, phone, url, …
    pub kind: String,
    /// For entity references: the schema the target must be (or descend from).
    pub range: Option<String>,
    /// A reverse property: read-only, never written in a file.
    pub stub: bool,
    /// An identifier format FtM checks (iban, bic, lei, imo…).
    pub format: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FtmSchema {
    pub name: String,
    pub is_abstract: bool,
    /// This schema and every ancestor.
    pub lineage: HashSet<String>,
    pub required: Vec<String>,
    pub props: HashMap<String, FtmProp>,
    /// A relationship's two ends (FtM's edge source and target properties), if it is one.
    pub edge: Option<(String, String)>,
    /// The properties that name an entity of this schema, in order.
    pub caption: Vec<String>,
}

impl FtmSchema {
    pub fn is_a(&self, other: &str) -> bool {
        self.lineage.contains(other)
    }
}

#[derive(Debug)]
pub struct FtmModel {
    pub schemata: HashMap<String, FtmSchema>,
    max_length: HashMap<String, usize>,
    countries: HashSet<String>,
}

impl FtmModel {
    pub fn builtin() -> &'static FtmModel {
        static MODEL: OnceLock<FtmModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            let raw: RawModel = serde_json::from_str(include_str!("../../assets/ftm_model.json"))
                .expect("assets/ftm_model.json is valid (checked by tests)");
            let mut schemata = HashMap::new();
            for name in raw.schemata.keys() {
                let mut lineage = HashSet::new();
                let mut props = HashMap::new();
                collect(&raw.schemata, name, &mut lineage, &mut props);
                let s = &raw.schemata[name];
                schemata.insert(
                    name.clone(),
                    FtmSchema {
                        name: name.clone(),
                        is_abstract: s.is_abstract,
                        lineage,
                        required: s.required.clone(),
                        props,
                        edge: match s.edge.as_slice() {
                            [from, to] => Some((from.clone(), to.clone())),
                            _ => None,
                        },
                        caption: s.caption.clone(),
                    },
                );
            }
            FtmModel { schemata, max_length: raw.max_length, countries: raw.countries.into_iter().collect() }
        })
    }

    /// The longest value FtM accepts for a type, in characters.
    pub fn max_length(&self, kind: &str) -> usize {
        self.max_length.get(kind).copied().unwrap_or(usize::MAX)
    }

    pub fn schema(&self, name: &str) -> Option<&FtmSchema> {
        self.schemata.get(name)
    }

    /// Whether FtM accepts `value` for a property of type `kind` (its `validate`, closely
    /// enough that what passes here passes the FtM validator).
    pub fn valid_value(&self, kind: &str, value: &str) -> bool {
        if value.is_empty() || value.trim() != value {
            return false;
        }
        if let Some(max) = self.max_length.get(kind) {
            if value.chars().count() > *max {
                return false;
            }
        }
        match kind {
            "country" => self.countries.contains(value),
            "date" => valid_date(value),
            "number" => value.parse::<f64>().is_ok_and(f64::is_finite),
            "entity" => valid_id(value),
            "phone" => {
                value.starts_with('+') && value[1..].bytes().all(|b| b.is_ascii_digit()) && value.len() > 6
            }
            "email" => {
                value
                    .split_once('@')
                    .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.ends_with('.'))
                    && !value.chars().any(char::is_whitespace)
            }
            "url" => {
                value.split_once("://").is_some_and(|(scheme, rest)| {
                    matches!(
                        scheme.to_ascii_lowercase().as_str(),
                        "http" | "https" | "ftp" | "ftps" | "mailto"
                    ) && !rest.is_empty()
                }) && !value.chars().any(char::is_whitespace)
            }
            "name" | "string" | "identifier" | "address" => !value.contains(['\n', '\r', '\t']),
            _ => true,
        }
    }
}

fn collect(
    raw: &BTreeMap<String, RawSchema>,
    name: &str,
    lineage: &mut HashSet<String>,
    props: &mut HashMap<String, FtmProp>,
) {
    if !lineage.insert(name.to_owned()) {
        return;
    }
    let Some(s) = raw.get(name) else { return };
    for parent in &s.extends {
        collect(raw, parent, lineage, props);
    }
    for (p, spec) in &s.props {
        let range = spec.get(1).filter(|r| !r.is_empty()).cloned();
        let format = spec.get(3).filter(|f| !f.is_empty()).cloned();
        let kind = spec.first().cloned().unwrap_or_default();
        props.insert(
            p.clone(),
            FtmProp { kind, range, stub: spec.get(2).is_some_and(|s| s == "stub"), format },
        );
    }
}

impl FtmModel {
    /// Whether FtM keeps `value` for `prop`: its type, and its identifier format if any.
    pub fn valid_for(&self, prop: &FtmProp, value: &str) -> bool {
        self.valid_value(&prop.kind, value)
            && match prop.format.as_deref() {
                None => true,
                Some("iban") => valid_iban(value),
                Some("bic") => valid_bic(value),
                Some("inn") => valid_inn(value),
                Some("uei") => valid_uei(value),
                // Formats Liaison does not check itself are not written rather than risked.
                Some(_) => false,
            }
    }
}

/// An IBAN as FtM (python-stdnum) checks it: layout, checksum, and the national check
/// digits of the countries that have them.
pub fn valid_iban(v: &str) -> bool {
    if v.len() < 15 || v.len() > 34 || !v.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        return false;
    }
    let rearranged = format!("{}{}", &v[4..], &v[..4]);
    if mod97(&rearranged) != Some(1) {
        return false;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let bban = &v[4..];
    match &v[..2] {
        // Belgian IBANs are checked against the national bank registry, which Liaison does
        // not carry: never written rather than risked.
        "BE" => false,
        "ES" => {
            let check = |s: &str| {
                let sum: u32 = s.bytes().enumerate().map(|(i, d)| u32::from(d - b'0') << i).sum::<u32>() % 11;
                if sum < 2 { sum } else { 11 - sum }
            };
            bban.len() == 20
                && digits(bban)
                && format!("{}{}", check(&format!("00{}", &bban[..8])), check(&bban[10..])) == bban[8..10]
        }
        "NO" => {
            let weights = [6u32, 7, 8, 9, 4, 5, 6, 7, 8, 9];
            bban.len() == 11
                && digits(bban)
                && (bban.bytes().zip(weights).map(|(d, w)| u32::from(d - b'0') * w).sum::<u32>() % 11)
                    .to_string()
                    == bban[10..]
        }
        "ME" => digits(bban) && mod97(bban) == Some(1),
        _ => true,
    }
}

/// A Russian taxpayer number (INN) as python-stdnum checks it: 10 digits for an organisation,
/// 12 for a person, with their check digits.
pub fn valid_inn(v: &str) -> bool {
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let d: Vec<u32> = v.bytes().map(|b| u32::from(b - b'0')).collect();
    let check = |weights: &[u32], digits: &[u32]| {
        (weights.iter().zip(digits).map(|(w, d)| w * d).sum::<u32>() % 11) % 10
    };
    match d.len() {
        10 => check(&[2, 4, 10, 3, 5, 9, 4, 6, 8], &d) == d[9],
        12 => {
            check(&[7, 2, 4, 10, 3, 5, 9, 4, 6, 8], &d) == d[10]
                && check(&[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], &d) == d[11]
        }
        _ => false,
    }
}

/// A US SAM Unique Entity ID (UEI) as FtM (rigour) checks it: 12 digits and letters without
/// I and O, not starting with 0 (SAM publishes no check digit scheme).
pub fn valid_uei(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 12
        && b[0] != b'0'
        && b.iter().all(|c| c.is_ascii_digit() || (c.is_ascii_alphabetic() && !b"IOio".contains(c)))
}

/// `s` (digits and capital letters, letters counting as 10…35) modulo 97.
fn mod97(s: &str) -> Option<u32> {
    let mut r = 0u32;
    for c in s.chars() {
        let d = c.to_digit(36)?;
        r = if d < 10 { (r * 10 + d) % 97 } else { (r * 100 + d) % 97 };
    }
    Some(r)
}

fn valid_bic(v: &str) -> bool {
    let b = v.as_bytes();
    matches!(b.len(), 8 | 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && isocountry::CountryCode::for_alpha2(&v[4..6]).is_ok()
}

/// FtM entity ids: letters, digits, dots and dashes, starting and ending with a letter or
/// digit, at most 200 characters.
pub fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 200
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// FtM dates: an ISO 8601 prefix, from a year down to seconds, of a real calendar day, in the
/// years 1000 to 2999 (prefixdate's pattern: a placeholder such as 5138-11-16 is no date).
fn valid_date(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !matches!(b.first(), Some(b'1' | b'2')) || !digits(0..4) {
        return false;
    }
    let year: i32 = v[..4].parse().unwrap_or(0);
    let day = |m: &str, d: &str| {
        m.parse()
            .ok()
            .zip(d.parse().ok())
            .and_then(|(m, d)| chrono::NaiveDate::from_ymd_opt(year, m, d))
            .is_some()
    };
    match b.len() {
        4 => true,
        7 => b[4] == b'-' && digits(5..7) && day(&v[5..7], "1"),
        10 => b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10) && day(&v[5..7], &v[8..10]),
        _ => {
            chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S").is_ok()
                || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M").is_ok()
                || chrono::DateTime::parse_from_rfc3339(v).is_ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_loads_with_inheritance_and_types() {
        let m = FtmModel::builtin();
        let company = m.schema("Company").unwrap();
        assert!(company.is_a("LegalEntity") && company.is_a("Thing"));
        assert_eq!(company.props["name"].kind, "name");
        assert_eq!(m.schema("Ownership").unwrap().props["owner"].range.as_deref(), Some("LegalEntity"));
        assert!(m.schema("Thing").unwrap().is_abstract);
        assert!(m.schema("Person").unwrap().required.iter().any(|r| r == "name"));
    }

    #[test]
    fn values_are_checked_as_ftm_does() {
        let m = FtmModel::builtin();
        assert!(m.valid_value("date", "2024-03") && !m.valid_value("date", "01/05/1970"));
        // As prefixdate reads them (checked with it): years 1000 to 2999, real days.
        assert!(m.valid_value("date", "2024-02-29") && !m.valid_value("date", "2023-02-29"));
        assert!(
            !m.valid_value("date", "5138-11-16")
                && !m.valid_value("date", "0999")
                && !m.valid_value("date", "2024-13")
        );
        assert!(m.valid_value("country", "de") && !m.valid_value("country", "Russia"));
        assert!(!m.valid_value("name", &"x".repeat(400)));
        assert!(valid_id("b4ca1c3b") && !valid_id("p_1") && !valid_id("-a"));
        // National check digits, as python-stdnum checks them (values checked with it).
        assert!(valid_iban("NL91ABNA0417164300") && valid_iban("DE89370400440532013000"));
        assert!(!valid_iban("BE69982851567560") && !valid_iban("ES8053282219661609800815"));
        assert!(!valid_iban("BE68539007547034") && valid_iban("ES9121000418450200051332"));
        assert!(valid_iban("NO9386011117947") && !valid_iban("NO9386011117948"));
        assert!(valid_bic("ABNANL2A") && !valid_bic("ABNAXX2A") && !valid_bic("abnanl2a"));
    }
}
