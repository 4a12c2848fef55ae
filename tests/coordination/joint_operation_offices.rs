//! A joint operation across two offices: Paris plans it with a task for each office; the task
//! for Rotterdam travels there with the shared case, Rotterdam marks it done and records the
//! seizure it made; Paris records the operation executed with its arrests. After the bundles
//! both offices show the same state and each counts the operation once in its measures.

use crate::exchange_support::{office, path, trust_all};

fn id_line(out: &str) -> String {
    out.lines().last().unwrap().trim().to_owned()
}

fn tasks(l: &crate::common::Liaison) -> serde_json::Value {
    let shown = l.json(&["case", "show", "CALANQUE"]);
    let mut tasks: Vec<serde_json::Value> = shown["tasks"].as_array().cloned().unwrap_or_default();
    tasks.sort_by_key(|t| t["caption"].as_str().unwrap_or_default().to_owned());
    serde_json::Value::Array(tasks)
}

#[test]
fn a_joint_operation_with_tasks_for_two_offices_is_one_state_and_one_count_in_both() {
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    trust_all(&[&a, &b]);
    a.ok(&["case", "new", "--ref", "CALANQUE", "--title", "Banana reefers"]);
    a.ok(&["case", "share", "CALANQUE", "--with", "Rotterdam"]);
    let op = id_line(&a.ok(&[
        "case",
        "operation",
        "CALANQUE",
        "--name",
        "Harbour dawn",
        "--planned",
        "2024-09-12",
        "--agency",
        "DGSI",
        "--agency",
        "Politie",
        "--office",
        "Paris",
        "--office",
        "Rotterdam",
    ]));
    let ours = id_line(&a.ok(&[
        "case",
        "task",
        "CALANQUE",
        "--title",
        "Arrest the driver",
        "--office",
        "Paris",
        "--operation",
        &op,
    ]));
    let theirs = id_line(&a.ok(&[
        "case",
        "task",
        "CALANQUE",
        "--title",
        "Search the reefer",
        "--office",
        "Rotterdam",
        "--operation",
        &op,
    ]));
    let hop = |from: &crate::common::Liaison, to_name: &str, to: &crate::common::Liaison, file: &str| {
        let f = path(from, file);
        from.ok(&["export", "--to", to_name, "-o", f.to_str().unwrap()]);
        to.ok(&["import", f.to_str().unwrap()]);
    };
    hop(&a, "Rotterdam", &b, "1.bundle");
    let task = b.json(&["entity", "show", &theirs]);
    assert!(task.to_string().contains("\"Rotterdam\""), "the task for Rotterdam reached it: {task}");

    b.ok(&["entity", "set", &theirs, "--prop", "status=done"]);
    b.ok(&["entity", "set", &op, "--prop", "seizures=1.2 t cocaine"]);
    hop(&b, "Paris", &a, "2.bundle");
    a.ok(&["entity", "set", &ours, "--prop", "status=done"]);
    a.ok(&[
        "entity",
        "set",
        &op,
        "--prop",
        "status=executed",
        "--prop",
        "executedDate=2024-09-12",
        "--prop",
        "arrests=4",
    ]);
    hop(&a, "Rotterdam", &b, "3.bundle");

    assert_eq!(tasks(&a), tasks(&b), "both offices show the same tasks");
    let (oa, ob) = (a.json(&["entity", "show", &op]), b.json(&["entity", "show", &op]));
    assert_eq!(oa["statements"], ob["statements"], "and the same operation");
    assert!(oa.to_string().contains("1.2 t cocaine") && oa.to_string().contains("executed"));
    for l in [&a, &b] {
        let m = l.json(&["measures", "--to", "2024-09", "--months", "1"]);
        assert_eq!(m["joint_operations"], 1, "{m}");
        assert_eq!(m["monthly"][0]["operations_executed"], 1, "{m}");
        assert_eq!(m["monthly"][0]["arrests"], 4, "{m}");
    }
}
