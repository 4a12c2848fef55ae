//! Journal notes (issue 10 §2): a note is a statement like any other — source, grade and
//! marking — its text may span lines and is shown whole, escaped.

use crate::common;

use common::Liaison;

fn note_id(out: &str) -> String {
    out.trim().to_owned()
}

#[test]
fn a_note_carries_source_grade_and_marking_and_is_shown_whole() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "PJ-1", "--title", "Port", "--marking", "TLP:AMBER"]);
    let text = "Wiretap W-118 authorised.\n\tBenali uses a second phone, ending 00 00;\nmeeting planned at the port on Friday";
    let id = note_id(&l.ok(&["case", "note", "PJ-1", text, "--source", "Wiretap W-118", "--grade", "B2"]));

    let shown = l.ok(&["case", "show", "PJ-1"]);
    for line in text.lines() {
        assert!(shown.contains(line.trim()), "every line of the note is shown: {shown}");
    }
    assert!(!shown.contains('…'), "nothing cut: {shown}");
    assert!(
        shown.contains("Wiretap W-118 ·") && shown.contains("B2") && shown.contains("TLP:AMBER"),
        "{shown}"
    );

    let case = l.json(&["case", "show", "PJ-1"]);
    let note = &case["notes"][0];
    assert_eq!(note["fields"]["text"][0], text, "{case}");
    assert_eq!(note["source"], "Wiretap W-118");
    assert_eq!(note["grade"], "B2");
    assert_eq!(note["marking"], "TLP:AMBER");

    let entity = l.json(&["entity", "show", &id]);
    let stmt = entity["statements"].as_array().unwrap().iter().find(|s| s["prop"] == "text").unwrap().clone();
    assert_eq!(stmt["value"], text, "stored whole, newlines and tab kept");
    assert_eq!(stmt["source"]["name"], "Wiretap W-118");
    assert_eq!(stmt["grade"], "B2");
    assert_eq!(stmt["marking"], "TLP:AMBER", "inherited from the case");
    let shown = l.ok(&["entity", "show", &id]);
    assert!(
        shown.contains("meeting planned at the port on Friday"),
        "entity show shows the whole text: {shown}"
    );
}

#[test]
fn a_note_marking_never_falls_below_the_case() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "PJ-1", "--title", "Port", "--marking", "TLP:AMBER"]);
    let id = note_id(&l.ok(&["case", "note", "PJ-1", "seen at the port", "--marking", "TLP:GREEN"]));
    let entity = l.json(&["entity", "show", &id]);
    let stmt = entity["statements"].as_array().unwrap().iter().find(|s| s["prop"] == "text").unwrap().clone();
    assert_eq!(stmt["marking"], "TLP:AMBER", "{stmt}");
    let id = note_id(&l.ok(&["case", "note", "PJ-1", "source protection", "--marking", "TLP:RED"]));
    let entity = l.json(&["entity", "show", &id]);
    let stmt = entity["statements"].as_array().unwrap().iter().find(|s| s["prop"] == "text").unwrap().clone();
    assert_eq!(stmt["marking"], "TLP:RED", "a stricter marking is kept: {stmt}");
}

#[test]
fn a_note_with_a_terminal_escape_or_a_bad_grade_is_refused() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "PJ-1", "--title", "Port"]);
    let (code, err) = l.fails(&["case", "note", "PJ-1", "line\u{1b}[2Jcleared"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("control character"), "{err}");
    let (code, err) = l.fails(&["case", "note", "PJ-1", "fine", "--grade", "Z9"]);
    assert_eq!(code, 2, "{err}");
    assert!(!l.ok(&["case", "show", "PJ-1"]).contains("fine"), "nothing written");
}
