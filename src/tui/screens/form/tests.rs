//! Unit tests of the form: fields, validation and what a submitted form writes.

use super::*;
use crate::model::values::Locale;
use crate::store::change::Change;

fn position(f: &Form, name: &str) -> usize {
    f.fields.iter().position(|x| x.name == name).unwrap_or_else(|| panic!("{name} in the form"))
}

#[test]
fn entity_forms_put_provenance_then_what_matters_then_more_fields() {
    let person = Schema::builtin().kind("Person").unwrap();
    let f = Form::new_entity(person, None, "TLP:AMBER");
    let names: Vec<&str> = f.fields.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names[..4], ["@source", "@grade", "@marking", "name"], "{names:?}");
    assert_eq!(f.fields[2].value, "TLP:AMBER", "the marking is prefilled");
    let more = f.fields.iter().position(|x| x.more).expect("a 'more fields' section");
    for matters in ["birthDate", "nationality", "passportNumber", "idNumber"] {
        assert!(position(&f, matters) < more, "{matters} comes before more fields: {names:?}");
    }
    for later in ["gender", "notes", "externalData"] {
        assert!(position(&f, later) >= more, "{later} is under more fields: {names:?}");
    }
    assert_eq!(names[names.len() - 2..], ["@valid_from", "@valid_to"]);
    let ownership = Schema::builtin().kind("Ownership").unwrap();
    let f = Form::new_link(ownership, (Uuid::nil(), "a"), (Uuid::nil(), "b"), None, "");
    assert!(!f.fields.iter().any(|x| x.name == "owner" || x.name == "asset"), "endpoints are not typed");
}

#[test]
fn a_bad_value_is_refused_on_its_field_with_the_cli_message() {
    let person = Schema::builtin().kind("Person").unwrap();
    let mut f = Form::new_entity(person, None, "TLP:CLEAR");
    let birth = position(&f, "birthDate");
    let name = position(&f, "name");
    f.fields[name].value = "Ana Ruiz".into();
    f.fields[birth].value = "31/02/1980".into();
    let grade = f.fields.iter().position(|x| x.name == "@grade").unwrap();
    f.fields[grade].value = "Z9".into();
    assert!(f.submit(Locale::default(), "me").is_none());
    assert!(f.fields[birth].error.as_deref().unwrap().contains("Person.birthDate"));
    assert!(f.fields[grade].error.as_deref().unwrap().contains("bad grade"));
    assert_eq!(f.focus, grade, "focus on the first error (the grade is at the top)");
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
    let (reference, title) = (position(&f, "reference"), position(&f, "title"));
    assert_eq!(f.fields[reference].error.as_deref(), Some("required"));
    f.fields[reference].value = "X-1".into();
    f.fields[title].value = "Title".into();
    assert!(matches!(
        f.submit(Locale::default(), "me"),
        Some(Submitted::Write(Write::Change(Change::NewCase { .. })))
    ));
}

#[test]
fn a_status_is_chosen_from_its_list_with_the_arrows() {
    let mut f = Form::new_case("PJ Marseille", "TLP:AMBER");
    f.focus = position(&f, "status");
    assert_eq!(f.fields[f.focus].value, "open");
    assert!(f.edit(crate::tui::widgets::Edit::Right));
    assert_eq!(f.fields[f.focus].value, "active");
    assert!(f.edit(crate::tui::widgets::Edit::Left) && f.edit(crate::tui::widgets::Edit::Left));
    assert_eq!(f.fields[f.focus].value, "closed", "the list wraps around");
}

#[test]
fn a_note_takes_several_lines_and_carries_its_own_provenance() {
    let case = Uuid::from_u128(9);
    let mut f = Form::new_note(case, "PJ-1", "TLP:AMBER");
    f.focus = position(&f, "text");
    for c in "Seen at the port".chars() {
        f.edit(crate::tui::widgets::Edit::Insert(c));
    }
    assert!(f.edit(crate::tui::widgets::Edit::Newline));
    for c in "with a courier".chars() {
        f.edit(crate::tui::widgets::Edit::Insert(c));
    }
    let source = position(&f, "@source");
    f.fields[source].value = "Informant MR-22".into();
    let grade = position(&f, "@grade");
    f.fields[grade].value = "B2".into();
    let Some(Submitted::Write(Write::Change(Change::CaseRecord { props, prov, .. }))) =
        f.submit(Locale::default(), "J. Martin")
    else {
        panic!("a valid note");
    };
    assert!(props.contains(&("text".into(), "Seen at the port\nwith a courier".into())), "{props:?}");
    assert_eq!(prov.source.as_deref(), Some("Informant MR-22"));
    assert_eq!(prov.grade.map(|g| g.to_string()).as_deref(), Some("B2"));
    assert_eq!(prov.case, Some(case));
    assert!(prov.marking.is_none(), "an untouched marking is inherited from the case, never lowered");
}
