//! Unit tests of the form: fields, validation and what a submitted form writes.

use super::*;
use crate::store::change::Change;

#[test]
fn entity_forms_come_from_the_schema_with_captions_first() {
    let person = Schema::builtin().kind("Person").unwrap();
    let f = Form::new_entity(person, None, "TLP:CLEAR");
    assert_eq!(f.fields[0].name, "name");
    assert!(f.fields.iter().any(|x| x.name == "birthDate"));
    assert!(f.fields.iter().any(|x| x.name == "@grade"));
    let ownership = Schema::builtin().kind("Ownership").unwrap();
    let f = Form::new_link(ownership, (Uuid::nil(), "a"), (Uuid::nil(), "b"), None, "");
    assert!(!f.fields.iter().any(|x| x.name == "owner" || x.name == "asset"), "endpoints are not typed");
}

#[test]
fn a_bad_value_is_refused_on_its_field_with_the_cli_message() {
    let person = Schema::builtin().kind("Person").unwrap();
    let mut f = Form::new_entity(person, None, "TLP:CLEAR");
    let birth = f.fields.iter().position(|x| x.name == "birthDate").unwrap();
    f.fields[0].value = "Ana Ruiz".into();
    f.fields[birth].value = "31/02/1980".into();
    let grade = f.fields.iter().position(|x| x.name == "@grade").unwrap();
    f.fields[grade].value = "Z9".into();
    assert!(f.submit(Locale::default(), "me").is_none());
    assert!(f.fields[birth].error.as_deref().unwrap().contains("Person.birthDate"));
    assert!(f.fields[grade].error.as_deref().unwrap().contains("bad grade"));
    assert_eq!(f.focus, birth, "focus on the first error");
    f.fields[birth].value = "1980-02-28".into();
    f.fields[grade].value = "B2".into();
    let Some(Submitted::Write(Write::Change(Change::NewEntity { props, prov, .. }))) =
        f.submit(Locale::default(), "me")
    else {
        panic!("valid form");
    };
    assert!(props.contains(&("name".into(), "Ana Ruiz".into())));
    assert_eq!(prov.grade.unwrap().to_string(), "B2");
}

#[test]
fn a_new_case_needs_a_reference_and_title() {
    let mut f = Form::new_case("PJ Marseille", "TLP:AMBER");
    assert!(f.submit(Locale::default(), "me").is_none());
    assert_eq!(f.fields[0].error.as_deref(), Some("required"));
    f.fields[0].value = "X-1".into();
    f.fields[1].value = "Title".into();
    assert!(matches!(
        f.submit(Locale::default(), "me"),
        Some(Submitted::Write(Write::Change(Change::NewCase { .. })))
    ));
}
