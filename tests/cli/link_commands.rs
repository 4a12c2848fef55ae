//! `liaison link show` and `link delete` (issue 10 §2): a link can be read and taken away
//! from the command line, and an id that is not a link is never deleted by mistake.

use crate::common;

use common::Liaison;

fn person(l: &Liaison, name: &str) -> String {
    l.ok(&["entity", "new", "--schema", "Person", "--prop", &format!("name={name}")]).trim().to_owned()
}

fn setup() -> (Liaison, String, String, String) {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "PJ-1", "--title", "Port", "--marking", "TLP:AMBER"]);
    let karim = person(&l, "Karim Benali");
    let sofia = person(&l, "Sofia Marin");
    let link = l
        .ok(&[
            "link",
            "new",
            "--schema",
            "Associate",
            "--from",
            &karim,
            "--to",
            &sofia,
            "--case",
            "PJ-1",
            "--source",
            "Wiretap W-118",
            "--grade",
            "B2",
        ])
        .trim()
        .to_owned();
    (l, karim, sofia, link)
}

fn audit_actions(l: &Liaison) -> Vec<String> {
    l.json(&["audit", "log"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn link_show_names_both_ends_values_provenance_case_and_marking() {
    let (l, karim, sofia, link) = setup();
    let shown = l.ok(&["link", "show", &link]);
    assert!(shown.contains("Associate"), "{shown}");
    assert!(shown.contains("Karim Benali (Person) → Sofia Marin (Person)"), "{shown}");
    assert!(shown.contains("Wiretap W-118") && shown.contains("B2"), "{shown}");
    assert!(shown.contains("TLP:AMBER") && shown.contains("PJ-1"), "{shown}");
    let json = l.json(&["link", "show", &link]);
    assert_eq!(json["source"]["id"], karim, "{json}");
    assert_eq!(json["target"]["id"], sofia, "{json}");
    assert_eq!(json["marking"], "TLP:AMBER");
    assert!(json["statements"].as_array().unwrap().iter().all(|s| s["case"] == "PJ-1" && s["grade"] == "B2"));
}

#[test]
fn link_delete_says_what_went_and_restore_brings_it_back() {
    let (l, karim, _sofia, link) = setup();
    let out = l.ok(&["link", "delete", &link]);
    assert!(out.contains("Deleted link Associate: Karim Benali → Sofia Marin"), "{out}");
    assert!(audit_actions(&l).iter().any(|a| a == "link delete"));
    let entity = l.json(&["entity", "show", &karim]);
    assert_eq!(entity["link_count"], 0, "the link is gone from Karim's links: {entity}");
    assert_eq!(l.json(&["stats"])["links"], 0);
    let (code, err) = l.fails(&["link", "delete", &link]);
    assert_eq!(code, 2);
    assert!(err.contains("already deleted"), "{err}");
    let out = l.ok(&["link", "restore", &link]);
    assert!(out.contains("Restored link Associate"), "{out}");
    assert_eq!(l.json(&["stats"])["links"], 1);
}

#[test]
fn an_id_that_is_not_a_link_is_refused_and_nothing_changes() {
    let (l, karim, _sofia, _link) = setup();
    let (code, err) = l.fails(&["link", "delete", &karim]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Person") && err.contains("Karim Benali") && err.contains("not a link"), "{err}");
    assert!(!l.ok(&["entity", "show", &karim]).contains("DELETED"), "Karim is still there");
    let (code, err) = l.fails(&["link", "show", &karim]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a link"), "{err}");
    let writes = audit_actions(&l).into_iter().filter(|a| a.contains("delete")).count();
    assert_eq!(writes, 0, "no delete reached the audit log");
}
