//! Input the store used to take without a word (issue 16's smaller gaps): each refused with
//! what is wrong, nothing written. And case references that name one case.

use crate::common;
use crate::exchange_support;

use common::Liaison;
use exchange_support::{office, path, trust_all};

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

fn person(l: &Liaison, name: &str) -> String {
    l.ok(&["entity", "new", "--schema", "Person", "--prop", &format!("name={name}")]).trim().to_owned()
}

#[test]
fn a_backwards_period_is_refused_on_values_and_on_the_timeline() {
    let l = Liaison::init();
    let karim = person(&l, "Karim Benali");
    let (_, err) = l.fails(&[
        "entity",
        "set",
        &karim,
        "--prop",
        "nationality=FR",
        "--valid-from",
        "2021-05",
        "--valid-to",
        "2021-04-30",
    ]);
    assert!(err.contains("backwards") && err.contains("2021-05"), "{err}");
    assert!(!l.ok(&["entity", "show", &karim]).contains("FR"), "nothing written");
    // The same month at two precisions is a valid period.
    l.ok(&[
        "entity",
        "set",
        &karim,
        "--prop",
        "nationality=FR",
        "--valid-from",
        "2021-04-30",
        "--valid-to",
        "2021-04",
    ]);
    let (_, err) = l.fails(&["timeline", "--from", "2024-02-01", "--to", "2024-01-01"]);
    assert!(err.contains("backwards"), "an empty answer would read as 'nothing happened': {err}");
}

#[test]
fn deleting_twice_and_restoring_a_live_record_say_nothing_changed() {
    let l = Liaison::init();
    let karim = person(&l, "Karim Benali");
    l.ok(&["entity", "delete", &karim]);
    let (_, err) = l.fails(&["entity", "delete", &karim]);
    assert!(err.contains("already deleted") && err.contains("restore"), "{err}");
    l.ok(&["entity", "restore", &karim]);
    let (_, err) = l.fails(&["entity", "restore", &karim]);
    assert!(err.contains("not deleted"), "{err}");
}

#[test]
fn a_link_from_an_entity_to_itself_is_refused() {
    let l = Liaison::init();
    let karim = person(&l, "Karim Benali");
    let (_, err) = l.fails(&["link", "new", "--schema", "Associate", "--from", &karim, "--to", &karim]);
    assert!(err.contains("two different entities"), "{err}");
    let stats = l.json(&["stats"]);
    assert_eq!(stats["links"], 0, "{stats}");
}

#[test]
fn a_case_reference_names_one_case() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "PJ-1", "--title", "Port"]);
    let (_, err) = l.fails(&["case", "new", "--ref", "pj-1", "--title", "Another"]);
    assert!(err.contains("PJ-1") || err.contains("pj-1"), "{err}");
    assert!(err.contains("already"), "{err}");
    assert_eq!(l.json(&["case", "list"]).as_array().map_or(0, Vec::len), 1);
}

#[test]
fn a_generate_run_again_says_so_instead_of_doubling_its_cases() {
    let l = Liaison::init();
    l.ok(&["generate", "--entities", "50", "--case-prefix", "X"]);
    let (_, err) = l.fails(&["generate", "--entities", "50", "--case-prefix", "X"]);
    assert!(err.contains("X-00001") && err.contains("--case-prefix"), "{err}");
    let cases = l.json(&["case", "list"]);
    assert_eq!(cases.as_array().unwrap().len(), 1, "{cases}");
}

/// Two offices open PJ-1 without knowing of each other: both cases arrive intact, the
/// reference is listed as a conflict, and keeping one renames the other after its office.
#[test]
fn two_offices_opening_one_reference_meet_in_a_conflict_a_person_resolves() {
    let paris = office("Paris", "Police Judiciaire", "FR");
    let lyon = office("Lyon", "Police Judiciaire", "FR");
    trust_all(&[&paris, &lyon]);
    paris.ok(&["case", "new", "--ref", "PJ-1", "--title", "Port of Marseille"]);
    lyon.ok(&["case", "new", "--ref", "PJ-1", "--title", "Lyon cell", "--marking", "TLP:AMBER"]);
    lyon.ok(&["case", "share", "PJ-1", "--with", "Paris"]);
    let bundle = path(&lyon, "to-paris");
    lyon.ok(&["export", "--to", "Paris", "-o", s(&bundle)]);
    let report = paris.ok(&["import", s(&bundle)]);
    assert!(report.contains("conflicts: 1 new"), "the import says so: {report}");
    assert_eq!(paris.json(&["case", "list"]).as_array().unwrap().len(), 2, "both cases kept");

    let conflicts = paris.json(&["conflicts", "list"]);
    let dup = conflicts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "duplicate reference")
        .unwrap_or_else(|| panic!("no duplicate reference listed: {conflicts}"));
    assert_eq!(dup["caption"], "PJ-1");
    let values: Vec<&str> =
        dup["values"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    assert_eq!(values.len(), 2, "{dup}");
    let ours = values.iter().find(|v| v.contains("Port of Marseille")).unwrap();
    let text = paris.ok(&["conflicts", "list"]);
    assert!(text.contains("Lyon cell") && text.contains("Port of Marseille"), "{text}");

    let case_id = &ours.split(' ').next().unwrap()[24..];
    paris.ok(&["conflicts", "resolve", dup["id"].as_str().unwrap(), "--keep", case_id]);
    let refs: Vec<String> = paris
        .json(&["case", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap().to_owned())
        .collect();
    assert!(refs.contains(&"PJ-1".to_owned()) && refs.contains(&"PJ-1 (Lyon)".to_owned()), "{refs:?}");
    let left = paris.json(&["conflicts", "list"]);
    assert!(left.as_array().unwrap().iter().all(|c| c["kind"] != "duplicate reference"), "{left}");
    assert!(paris.ok(&["case", "show", "PJ-1"]).contains("Port of Marseille"));
}
