//! Undo (issue 10 §2): this store's last writes taken back as new edits, named first, with
//! one audit entry; refused when a later edit changed what they did; markings never fall.

use crate::common;

use common::Liaison;

fn person(l: &Liaison, name: &str) -> String {
    l.ok(&["entity", "new", "--schema", "Person", "--prop", &format!("name={name}"), "--case", "PJ-1"])
        .trim()
        .to_owned()
}

fn setup() -> (Liaison, String) {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "PJ-1", "--title", "Port", "--marking", "TLP:AMBER"]);
    let karim = person(&l, "Karim BENALI");
    (l, karim)
}

fn values(l: &Liaison, id: &str, prop: &str) -> Vec<(String, String)> {
    let v = l.json(&["entity", "show", id]);
    v["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["prop"] == prop)
        .map(|s| (s["value"].as_str().unwrap().to_owned(), s["marking"].as_str().unwrap().to_owned()))
        .collect()
}

fn undo_entries(l: &Liaison) -> usize {
    l.json(&["audit", "log"]).as_array().unwrap().iter().filter(|e| e["action"] == "undo").count()
}

#[test]
fn undo_names_what_it_takes_back_then_takes_it_back_once() {
    let (l, karim) = setup();
    l.ok(&["entity", "set", &karim, "--prop", "nationality=FR", "--source", "Wiretap W-118"]);
    let dry = l.ok(&["undo", "--dry-run"]);
    assert!(dry.contains("remove nationality fr from Karim BENALI"), "{dry}");
    assert!(dry.contains("nothing changed"), "{dry}");
    assert_eq!(values(&l, &karim, "nationality").len(), 1, "a dry run changes nothing");
    assert_eq!(undo_entries(&l), 0);

    let out = l.ok(&["undo"]);
    assert!(out.contains("remove nationality fr from Karim BENALI"), "listed first: {out}");
    assert!(values(&l, &karim, "nationality").is_empty(), "{out}");
    assert_eq!(undo_entries(&l), 1, "one audit entry");
    let history = l.ok(&["history", "--limit", "3"]);
    assert!(
        history.contains("added nationality fr to Karim BENALI") && history.contains("[undone by"),
        "{history}"
    );

    // A second undo takes back the write before, it does not redo the first.
    let out = l.ok(&["undo"]);
    assert!(out.contains("delete Person Karim BENALI"), "{out}");
    assert!(out.contains("take Karim BENALI out of case PJ-1"), "{out}");
    assert_eq!(l.json(&["case", "list"])[0]["members"], 0, "the case counts him no more");
    assert!(l.json(&["search", "benali"]).as_array().unwrap().is_empty(), "the person made is gone");
    assert!(values(&l, &karim, "nationality").is_empty());
}

#[test]
fn a_set_goes_back_to_the_value_it_replaced_and_a_deletion_is_restored() {
    let (l, karim) = setup();
    l.ok(&["case", "status", "PJ-1", "active"]);
    l.ok(&["case", "status", "PJ-1", "closed"]);
    let out = l.ok(&["undo"]);
    assert!(out.contains("set status of PJ-1 back to active"), "{out}");
    assert_eq!(l.json(&["case", "list"])[0]["status"], "active");

    l.ok(&["entity", "delete", &karim]);
    let out = l.ok(&["undo"]);
    assert!(out.contains("restore deleted Person Karim BENALI"), "{out}");
    assert_eq!(l.json(&["entity", "show", &karim])["deleted"], false);
}

#[test]
fn a_removed_value_comes_back_with_its_marking_never_lower() {
    let (l, karim) = setup();
    l.ok(&["entity", "set", &karim, "--prop", "nationality=MA", "--marking", "TLP:RED"]);
    l.ok(&["entity", "unset", &karim, "--prop", "nationality=MA"]);
    let out = l.ok(&["undo"]);
    assert!(out.contains("add nationality ma to Karim BENALI again"), "{out}");
    assert_eq!(values(&l, &karim, "nationality"), vec![("ma".to_owned(), "TLP:RED".to_owned())]);
}

#[test]
fn a_write_changed_since_is_refused_and_nothing_changes() {
    let (l, karim) = setup();
    l.ok(&["entity", "set", &karim, "--prop", "nationality=FR"]);
    let set = l.json(&["history", "--limit", "1"])[0]["seq"].as_u64().unwrap().to_string();
    l.ok(&["entity", "unset", &karim, "--prop", "nationality=FR"]);
    l.ok(&["entity", "set", &karim, "--prop", "nationality=MA"]);
    let (code, err) = l.fails(&["undo", "--commit", &set]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("#{set} cannot be undone")) && err.contains("changed by a later edit"),
        "{err}"
    );
    assert_eq!(values(&l, &karim, "nationality"), vec![("ma".to_owned(), "TLP:AMBER".to_owned())]);
    assert_eq!(undo_entries(&l), 0, "a refusal writes nothing");
    let (code, err) = l.fails(&["undo", "--commit", "999"]);
    assert_eq!(code, 2);
    assert!(err.contains("no commit #999"), "{err}");
}

#[test]
fn undoing_a_link_deletion_and_the_link_together() {
    let (l, karim) = setup();
    let sofia = person(&l, "Sofia MARIN");
    let link =
        l.ok(&["link", "new", "--schema", "Associate", "--from", &karim, "--to", &sofia]).trim().to_owned();
    l.ok(&["link", "delete", &link]);
    let out = l.ok(&["undo", "--last", "2"]);
    assert!(out.contains("restore deleted link Associate: Karim BENALI → Sofia MARIN"), "{out}");
    assert!(out.contains("delete link Associate: Karim BENALI → Sofia MARIN"), "{out}");
    assert_eq!(l.json(&["stats"])["links"], 0);
    assert_eq!(undo_entries(&l), 1);
}
