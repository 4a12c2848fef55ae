//! STIX vocabulary: which STIX types and relationship types become which Liaison kinds,
//! the predefined and Liaison's own marking definitions and extension, confidence and
//! grades, and the observables an indicator's pattern names.

use serde_json::{Map, Value};

use super::input::str_at;
use crate::model::grade::Grade;
use crate::model::marking::Marking;

/// Liaison's property extension on exported objects (the exact grade).
pub const GRADE_EXTENSION: &str = "extension-definition--a7d5e3a2-4a5c-4b8e-9f1d-6c6961697300";
/// The TLP 2.0 marking-definition extension (OASIS).
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// Prefix of the statement markings Liaison writes for handling codes.
pub const MARKING_STATEMENT: &str = "Liaison handling marking: ";

/// The predefined TLP marking definitions: (id, TLP name). TLP 1.0 ids first, then 2.0.
pub const TLP_IDS: &[(&str, &str)] = &[
    ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "CLEAR"),
    ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "GREEN"),
    ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "AMBER"),
    ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "RED"),
    ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "CLEAR"),
    ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "GREEN"),
    ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "AMBER"),
    ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "AMBER+STRICT"),
    ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "RED"),
];

/// The Liaison kind an object becomes: a modelled kind, or `OtherRecord` (kept whole) for
/// every other object. None for relationships and sightings (links, read apart) and bundles.
pub fn kind_for(obj: &Map<String, Value>) -> Option<&'static str> {
    let ty = str_at(obj, "type")?;
    Some(match ty {
        "identity" => {
            if str_at(obj, "identity_class") == Some("individual") {
                "Person"
            } else {
                "Organization"
            }
        }
        "threat-actor" => {
            let individual = str_at(obj, "resource_level") == Some("individual")
                || obj.get("threat_actor_types").and_then(Value::as_array).is_some_and(|t| {
                    t.iter().any(|v| matches!(v.as_str(), Some("lone-wolf" | "individual")))
                });
            if individual { "Person" } else { "Organization" }
        }
        "intrusion-set" => "Organization",
        "campaign" => "Event",
        "location" => "Address",
        "email-addr" => "Email",
        "domain-name" => "Domain",
        "ipv4-addr" | "ipv6-addr" => "IpAddress",
        "url" => "Url",
        "phone-number" | "x-opencti-phone-number" => "Phone",
        "bank-account" | "x-opencti-bank-account" => "BankAccount",
        "cryptocurrency-wallet" | "x-opencti-cryptocurrency-wallet" => "CryptoWallet",
        "user-account" => "UserAccount",
        "malware" => "Malware",
        "tool" => "Tool",
        "vulnerability" => "Vulnerability",
        "indicator" => "Indicator",
        "file" => "File",
        "incident" => "Incident",
        // A partner's report is a document that names records; a grouping is how Liaison
        // writes its own cases, so it comes back as one.
        "report" => "Report",
        "grouping" => "Case",
        "note" => "Note",
        "relationship" | "sighting" | "bundle" => return None,
        _ => "OtherRecord",
    })
}

/// Kinds an observable embedded in a STIX 2.0 observed-data may become.
pub fn is_observable_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Email"
            | "Domain"
            | "IpAddress"
            | "Url"
            | "Phone"
            | "BankAccount"
            | "CryptoWallet"
            | "UserAccount"
            | "File"
    )
}

/// The Liaison marking a marking-definition object stands for, if it is one we read (by
/// what it says, under any id: see [`super::marking_read::stix_definition`]).
pub fn marking_of_definition(obj: &Map<String, Value>) -> Option<Marking> {
    match super::marking_read::stix_definition(obj) {
        super::marking_read::Reading::Marking(m) => Some(m),
        _ => None,
    }
}

pub fn tlp_name(s: &str) -> String {
    match s.to_ascii_lowercase().as_str() {
        "white" | "clear" => "TLP:CLEAR".into(),
        other => format!("TLP:{}", other.to_ascii_uppercase()),
    }
}

/// Liaison's own grade if the object carries our extension, else STIX confidence read as
/// information credibility (STIX 2.1 appendix A, Admiralty scale) from a source whose
/// reliability cannot be judged.
pub fn grade(obj: &Map<String, Value>) -> Option<Grade> {
    if let Some(g) = obj.get("extensions").and_then(|e| e.get(GRADE_EXTENSION)).and_then(|e| e.get("grade")) {
        if let Some(g) = g.as_str().and_then(|g| Grade::parse(g).ok()) {
            return Some(g);
        }
    }
    let c = obj.get("confidence")?.as_u64()?;
    let credibility = match c {
        90.. => '1',
        70..=89 => '2',
        50..=69 => '3',
        30..=49 => '4',
        _ => '5',
    };
    Grade::parse(&format!("F{credibility}")).ok()
}

/// Observables an indicator's pattern names by simple equality
/// (`[ipv4-addr:value = '198.51.100.1']`): (kind, property, value).
pub fn pattern_observables(pattern: &str) -> Vec<(&'static str, &'static str, String)> {
    const PATHS: &[(&str, &str, &str)] = &[
        ("ipv4-addr:value", "IpAddress", "address"),
        ("ipv6-addr:value", "IpAddress", "address"),
        ("domain-name:value", "Domain", "domain"),
        ("url:value", "Url", "url"),
        ("email-addr:value", "Email", "address"),
        ("email-message:from_ref.value", "Email", "address"),
    ];
    let mut out = Vec::new();
    for (path, kind, prop) in PATHS {
        let mut rest = pattern;
        while let Some(i) = rest.find(path) {
            rest = &rest[i + path.len()..];
            let Some(after) = rest.trim_start().strip_prefix('=') else { continue };
            let Some(quoted) = after.trim_start().strip_prefix('\'') else { continue };
            let Some(end) = quoted.find('\'') else { break };
            let value = quoted[..end].to_owned();
            if !value.is_empty() && out.len() < 64 {
                out.push((*kind, *prop, if *kind == "Domain" { value.to_lowercase() } else { value }));
            }
            rest = &quoted[end..];
        }
    }
    out
}

/// The Liaison link kind for a STIX relationship type (Liaison's own exports write the kind).
pub fn link_kind(relationship_type: &str) -> &'static str {
    match relationship_type {
        "ownership" | "owns" | "owner-of" => "Ownership",
        "directorship" | "director-of" => "Directorship",
        "membership" | "member-of" | "belongs-to" => "Membership",
        "employment" | "employed-by" | "works-for" | "employee-of" => "Employment",
        "family" | "family-of" | "relative-of" => "Family",
        "associate" | "associate-of" | "knows" => "Associate",
        "representation" | "represents" | "agent-of" => "Representation",
        "payment" | "paid" | "pays" => "Payment",
        "call" | "called" | "calls" => "Call",
        "trip" | "travelled-to" => "Trip",
        _ => "UnknownLink",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators_give_the_observables_of_their_pattern() {
        assert_eq!(
            pattern_observables("[ipv4-addr:value = '198.51.100.3'] OR [domain-name:value='Evil.example']"),
            vec![
                ("IpAddress", "address", "198.51.100.3".to_owned()),
                ("Domain", "domain", "evil.example".to_owned())
            ]
        );
        assert!(pattern_observables("[file:hashes.MD5 = 'x']").is_empty());
        assert!(pattern_observables("[url:value = 'unterminated").is_empty());
    }
}
