//! The pure domain: schema, values, ids, clock, grades, markings, ops. No IO here.

pub mod fingerprint;
pub mod grade;
pub mod hlc;
pub mod ids;
pub mod marking;
pub mod op;
pub mod schema;
pub mod selector;
pub mod text;
pub mod values;

use schema::Kind;
use values::{Locale, ValueError};

/// Errors of the domain, each naming the input at fault and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("unknown kind {kind:?}; known kinds: {known}")]
    UnknownKind { kind: String, known: String },
    #[error("{kind} has no property {property:?}; its properties: {known}")]
    UnknownProperty { kind: String, property: String, known: String },
    #[error("{kind}.{property}: {value:?} {why}")]
    BadValue { kind: String, property: String, value: String, why: ValueError },
    #[error(
        "bad grade {0:?}: use reliability and credibility, e.g. B2 (Admiralty), EU:A1 (Europol) or UK:1A (3x5x2)"
    )]
    BadGrade(String),
    #[error("bad marking {0:?}: {1}")]
    BadMarking(String, String),
    #[error("bad property argument {0:?}: write NAME=VALUE, e.g. name=\"Ana Ruiz\"")]
    BadPropArg(String),
    #[error("configuration: {0}")]
    Config(String),
    /// A control, bidirectional or invisible character (see [`text`]).
    #[error(transparent)]
    Text(#[from] text::TextError),
}

/// Splits a command-line `NAME=VALUE`.
pub fn parse_prop_arg(arg: &str) -> Result<(String, String), ModelError> {
    match arg.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.to_owned())),
        _ => Err(ModelError::BadPropArg(arg.to_owned())),
    }
}

/// Checks and normalises a value for `kind.prop`, the one gate for values typed by users or
/// read from files.
pub fn validate(kind: &Kind, prop: &str, raw: &str, locale: Locale) -> Result<String, ModelError> {
    let p = kind.property(prop)?;
    // Free text may span lines and carry right-to-left marks; every other type is one line.
    let rule = if p.kind == schema::PropType::Text { text::Rule::Text } else { text::Rule::Name };
    if !raw.trim().is_empty() {
        text::check(&format!("value of {}.{prop}", kind.name), raw.trim(), rule)?;
    }
    // Windows line ends are line ends (the rule allows CR only before LF).
    let raw = if rule == text::Rule::Text && raw.contains('\r') { &raw.replace("\r\n", "\n") } else { raw };
    let bad = |why| ModelError::BadValue {
        kind: kind.name.clone(),
        property: prop.to_owned(),
        value: raw.chars().take(80).collect(),
        why,
    };
    let value = values::normalise(p.kind, raw, locale).map_err(bad)?;
    values::in_range(prop, &value).map_err(bad)?;
    if !p.choices.is_empty() && !p.choices.iter().any(|c| c.eq_ignore_ascii_case(&value)) {
        return Err(bad(ValueError::Choice(p.choices.join(", "))));
    }
    Ok(if p.choices.is_empty() { value } else { value.to_lowercase() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema::Schema;

    #[test]
    fn validate_names_kind_property_value_and_fix() {
        let person = Schema::builtin().kind("Person").unwrap();
        let err = validate(person, "birthDate", "31/02/1980", Locale::default()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("Person.birthDate") && msg.contains("31/02/1980") && msg.contains("YYYY"),
            "{msg}"
        );
        let case = Schema::builtin().kind("Case").unwrap();
        assert_eq!(validate(case, "status", "Active", Locale::default()).unwrap(), "active");
        assert!(validate(case, "status", "sleeping", Locale::default()).is_err());
    }

    #[test]
    fn prop_args_split_on_the_first_equals_sign() {
        assert_eq!(parse_prop_arg("notes=a=b").unwrap(), ("notes".into(), "a=b".into()));
        assert!(parse_prop_arg("novalue").is_err());
        assert!(parse_prop_arg("=x").is_err());
    }
}
