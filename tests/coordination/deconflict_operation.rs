//! A deconfliction run recorded against a joint operation: Paris checks with Madrid before
//! "Harbour dawn"; once Madrid's reply is read, the operation (`case show`) and the measures
//! say "deconflicted <day> with Madrid: 1 hit".

use crate::exchange_support::{office, path, trust_all};

fn id_line(out: &str) -> String {
    out.lines().last().unwrap().trim().to_owned()
}

#[test]
fn a_run_made_for_an_operation_is_shown_on_it_and_in_the_measures() {
    let a = office("Paris", "DGSI", "FR");
    let c = office("Madrid", "CNP", "ES");
    trust_all(&[&a, &c]);
    a.ok(&["case", "new", "--ref", "CALANQUE", "--title", "Banana reefers"]);
    a.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Karim",
        "--prop",
        "phone=+33611111111",
        "--case",
        "CALANQUE",
    ]);
    // Outside the operation's case: not part of the run.
    a.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Other", "--prop", "phone=+33699999999"]);
    c.ok(&["case", "new", "--ref", "M-1", "--title", "Puerto"]);
    c.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Carlos",
        "--prop",
        "phone=+33611111111",
        "--prop",
        "phone=+33699999999",
        "--case",
        "M-1",
    ]);
    c.ok(&["case", "share", "M-1", "--with", "Paris"]);
    let op =
        id_line(&a.ok(&["case", "operation", "CALANQUE", "--name", "Harbour dawn", "--office", "Paris"]));

    let request = path(&a, "request.bundle");
    let (code, err) = a.fails(&[
        "deconflict",
        "request",
        "--with",
        "Madrid",
        "--operation",
        "00000000-0000-0000-0000-000000000000",
        "-o",
        request.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no joint operation"), "{err}");
    let out = a.ok(&[
        "deconflict",
        "request",
        "--with",
        "Madrid",
        "--operation",
        &op,
        "-o",
        request.to_str().unwrap(),
    ]);
    assert!(out.contains("over 1 selectors"), "the operation's case only: {out}");
    let shown = a.json(&["case", "show", "CALANQUE"]);
    assert!(
        shown["operations"][0]["deconfliction"][0]["summary"].as_str().unwrap().contains("waiting"),
        "{shown}"
    );

    c.ok(&["import", request.to_str().unwrap()]);
    let reply = path(&c, "reply.bundle");
    c.ok(&["deconflict", "reply", "--to", "Paris", "-o", reply.to_str().unwrap()]);
    a.ok(&["import", reply.to_str().unwrap()]);

    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let want = format!("deconflicted {today} with Madrid: 1 hit");
    let shown = a.json(&["case", "show", "CALANQUE"]);
    assert_eq!(shown["operations"][0]["deconfliction"][0]["summary"], want.as_str(), "{shown}");
    assert!(a.ok(&["case", "show", "CALANQUE"]).contains(&want));
    let m = a.json(&["measures"]);
    assert_eq!(m["operations_deconflicted"][0]["hits"], 1, "{m}");
    assert_eq!(m["operations_deconflicted"][0]["operation"], op.as_str());
    let text = a.ok(&["measures"]);
    assert!(text.contains(&format!("operation Harbour dawn: {want}")), "{text}");
    assert_eq!(a.json(&["deconflict", "list"])["runs"][0]["operation"], op.as_str());
}
