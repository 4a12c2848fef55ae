//! Scripted key flows through the whole workbench (update, worker, store) without a
//! terminal: what an analyst does in a day, checked through the store afterwards.

use crate::common;
use crate::tui_support;

use liaison::tui::state::{EntitiesView, Pane, Popup, Screen};
use liaison::tui::testing::{SETTLE, keys, screen, terminal, type_text};
use tui_support::{demo_app, focus_field, open_by_search, open_hit};

#[test]
fn the_demo_opens_with_cases_members_and_a_timeline() {
    let (_l, mut app) = demo_app();
    assert_eq!(app.state.cases.rows.len(), 5);
    assert_eq!(app.state.cases.rows[0].reference, "DGSE-2024-EXT-007");
    assert!(!app.state.entities.rows.is_empty(), "members of the first case");
    assert!(!app.state.timeline.items.is_empty(), "its dated items");
    assert!(!app.state.timeline.density.is_empty(), "its density strip");
    let counts = app.state.counts.expect("counts in the status bar");
    assert!(counts.entities > 200 && counts.cases == 5, "{counts:?}");
    let mut t = terminal(80, 24);
    let text = screen(&mut app, &mut t);
    assert!(text.contains("Cases") && text.contains("Entities") && text.contains("Timeline"), "{text}");
}

#[test]
fn search_finds_a_person_by_part_of_the_name_and_enter_shows_statements_and_links() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["/"]);
    type_text(&mut app, "Benal");
    let Some(Popup::Search(s)) = &app.state.popup else { panic!("search open") };
    let karim =
        s.hits.iter().position(|h| h.caption == "Karim Benali").expect("Karim Benali found by 'Benal'");
    for _ in 0..karim {
        keys(&mut app, &["down"]);
    }
    keys(&mut app, &["enter"]);
    let detail = app.state.detail.view.as_ref().expect("detail shown");
    assert_eq!(detail.caption, "Karim Benali");
    assert!(detail.statements.iter().any(|s| s.prop == "birthDate" && s.value == "1979-04-12"));
    assert!(detail.statements.iter().all(|s| !s.marking.is_empty()));
    assert!(!detail.links.is_empty(), "links in the detail");
    assert!(
        matches!(&app.state.entities.view, Some(EntitiesView::Neighbourhood { caption, .. }) if caption == "Karim Benali")
    );
    assert!(!app.state.entities.rows.is_empty(), "his neighbourhood");
    let mut t = terminal(80, 24);
    let text = screen(&mut app, &mut t);
    assert!(text.contains("Born: 1979-04-12") && text.contains("Links of Karim Benali"), "{text}");
}

#[test]
fn a_case_an_entity_a_link_and_a_note_made_with_keys_are_in_the_store() {
    let (l, mut app) = demo_app();
    keys(&mut app, &["n"]);
    type_text(&mut app, "FLOW-0001");
    keys(&mut app, &["tab"]);
    type_text(&mut app, "Keyboard flow");
    keys(&mut app, &["enter"]);
    assert_eq!(
        app.state.current_case().map(|c| c.reference.as_str()),
        Some("FLOW-0001"),
        "the new case is selected"
    );
    keys(&mut app, &["e"]);
    type_text(&mut app, "Person");
    keys(&mut app, &["enter"]);
    type_text(&mut app, "Ines Varga");
    keys(&mut app, &["enter"]);
    keys(&mut app, &["e"]);
    type_text(&mut app, "Vehicle");
    keys(&mut app, &["enter"]);
    type_text(&mut app, "AB-123-CD");
    keys(&mut app, &["enter"]);
    let captions: Vec<String> = app.state.entities.rows.iter().map(|r| r.entity().2.to_owned()).collect();
    assert!(captions.contains(&"Ines Varga".to_owned()) && captions.len() == 2, "{captions:?}");
    keys(&mut app, &["2", "g", "m", "j", "L"]);
    type_text(&mut app, "Ownership");
    keys(&mut app, &["enter", "enter"]);
    assert!(
        app.state.message.as_ref().is_some_and(|m| m.text.contains("Ownership link saved")),
        "{:?}",
        app.state.message
    );
    keys(&mut app, &["N"]);
    type_text(&mut app, "Seen together at the port");
    keys(&mut app, &["ctrl-s"]);
    let out = l.with_passphrase("demo").args(["--json", "case", "show", "FLOW-0001"]).output().unwrap();
    let case: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let members: Vec<&str> =
        case["members"].as_array().unwrap().iter().map(|m| m["caption"].as_str().unwrap()).collect();
    assert!(members.contains(&"Ines Varga"), "{members:?}");
    assert_eq!(case["notes"][0]["fields"]["text"][0], "Seen together at the port");
    let log = l.with_passphrase("demo").args(["--json", "audit", "log"]).output().unwrap();
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).unwrap();
    for action in ["case new", "entity new", "link new", "case record", "view person"] {
        assert!(log.as_array().unwrap().iter().any(|e| e["action"] == action), "{action} audited");
    }
}

#[test]
fn a_bad_value_is_refused_in_the_form_and_nothing_is_written() {
    let (_l, mut app) = demo_app();
    let before = app.state.entities.rows.len();
    keys(&mut app, &["e"]);
    type_text(&mut app, "Person");
    keys(&mut app, &["enter"]);
    type_text(&mut app, "Bad Date");
    let Some(Popup::Form(f)) = &app.state.popup else { panic!("form") };
    let birth = f.fields.iter().position(|x| x.name == "birthDate").unwrap();
    focus_field(&mut app, "birthDate");
    type_text(&mut app, "31/02/1980");
    keys(&mut app, &["enter"]);
    let Some(Popup::Form(f)) = &app.state.popup else { panic!("the form stays open") };
    assert!(
        f.fields[birth].error.as_deref().is_some_and(|e| e.contains("Person.birthDate")),
        "{:?}",
        f.fields[birth]
    );
    keys(&mut app, &["esc"]);
    assert_eq!(app.state.entities.rows.len(), before);
}

#[test]
fn edit_regrade_add_to_case_and_delete_go_through_the_store() {
    let (liaison, mut app) = demo_app();
    open_by_search(&mut app, "Zambrano", "Andrés Zambrano");
    let id = app.state.detail.view.as_ref().map(|v| v.id).expect("Andrés Zambrano in the detail pane");
    keys(&mut app, &["E"]);
    let Some(Popup::Form(form)) = &app.state.popup else { panic!("edit form") };
    assert!(form.fields.iter().any(|x| x.name == "notes"), "notes field");
    focus_field(&mut app, "notes");
    type_text(&mut app, "Checked by the workbench");
    keys(&mut app, &["ctrl-s"]);
    let view = app.state.detail.view.as_ref().unwrap();
    let index = view
        .statements
        .iter()
        .position(|s| s.value == "Checked by the workbench")
        .expect("the new value shown");
    // Regrade that statement from the detail pane.
    keys(&mut app, &["4"]);
    for _ in 0..index {
        keys(&mut app, &["j"]);
    }
    keys(&mut app, &["r", "tab", "ctrl-u"]);
    type_text(&mut app, "A1");
    keys(&mut app, &["enter"]);
    let view = app.state.detail.view.as_ref().unwrap();
    let regraded = view.statements.iter().find(|s| s.value == "Checked by the workbench").unwrap();
    assert_eq!(regraded.grade.as_deref(), Some("A1"));
    // Into the second case with a role, then deleted after a confirmation.
    keys(&mut app, &["1", "j"]);
    let other_case = app.state.current_case().unwrap().reference.clone();
    open_hit(&mut app, "Zambrano", id);
    keys(&mut app, &["a"]);
    type_text(&mut app, "seen in both");
    keys(&mut app, &["enter"]);
    let out =
        liaison.with_passphrase("demo").args(["--json", "entity", "show", &id.to_string()]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["reference"] == other_case.as_str() && c["role"] == "seen in both"),
        "{v}"
    );
    let log = liaison.with_passphrase("demo").args(["--json", "audit", "log"]).output().unwrap();
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).unwrap();
    assert!(
        log.as_array().unwrap().iter().any(|e| e["action"] == "search" && e["detail"]["query"] == "Zambrano"),
        "searches are audited with their query"
    );
    keys(&mut app, &["d"]);
    assert!(matches!(app.state.popup, Some(Popup::Confirm(_))));
    keys(&mut app, &["y"]);
    let out =
        liaison.with_passphrase("demo").args(["--json", "entity", "show", &id.to_string()]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["deleted"], true);
}

#[test]
fn locking_drops_the_store_and_the_passphrase_brings_it_back() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["ctrl-l"]);
    assert!(matches!(app.state.screen, Screen::Unlock(_)));
    assert!(app.state.cases.rows.is_empty());
    let mut t = terminal(80, 24);
    let text = screen(&mut app, &mut t);
    assert!(!text.contains("DGSE") && text.contains("Passphrase"), "{text}");
    type_text(&mut app, "demo");
    app.press("enter");
    assert!(app.settle(SETTLE));
    assert!(matches!(app.state.screen, Screen::Main));
    assert_eq!(app.state.cases.rows.len(), 5);
    assert_eq!(app.state.focus, Pane::Cases);
}

#[test]
fn pivots_walk_the_network_and_paths_join_two_entities() {
    let (_l, mut app) = demo_app();
    open_by_search(&mut app, "Karim Benali", "Karim Benali");
    keys(&mut app, &["m", "2"]);
    let karim = app.state.marked.clone().expect("Karim marked from the detail pane");
    assert_eq!(karim.1, "Karim Benali");
    // One hop out, then another: the history grows, Backspace walks back.
    keys(&mut app, &["enter"]);
    let first_hop = app.state.entities.view.clone();
    keys(&mut app, &["enter"]);
    assert_eq!(app.state.entities.history.len(), 3);
    keys(&mut app, &["backspace"]);
    assert_eq!(app.state.entities.view, first_hop);
    let other = app.state.entities.rows.iter().position(|r| r.entity().0 != karim.0).expect("a neighbour");
    for _ in 0..other {
        keys(&mut app, &["j"]);
    }
    keys(&mut app, &["p"]);
    assert!(matches!(&app.state.entities.view, Some(EntitiesView::Path { from, .. }) if *from == karim.0));
    assert!(!app.state.entities.rows.is_empty(), "{:?}", app.state.message);
}

#[test]
fn a_generate_job_shows_progress_and_can_be_cancelled() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &[":"]);
    type_text(&mut app, "generate");
    app.press("enter");
    assert!(app.state.job.is_some());
    app.press("esc");
    assert!(app.settle(SETTLE * 4));
    assert!(app.state.job.is_none());
    let message = app.state.message.clone().unwrap().text;
    assert!(message.contains("cancelled") || message.contains("Generated"), "{message}");
}

#[test]
fn an_idle_workbench_locks_itself() {
    let l = common::Liaison::empty();
    let out = l.command().args(["demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success());
    let store =
        liaison::store::Store::open(&l.store, &age::secrecy::SecretString::from("demo".to_owned())).unwrap();
    let options =
        liaison::tui::Options { idle_lock: std::time::Duration::ZERO, ..liaison::tui::Options::plain() };
    let mut app = liaison::tui::App::with_store(store, options);
    assert!(app.settle(SETTLE));
    assert!(matches!(app.state.screen, Screen::Main));
    app.tick();
    assert!(matches!(app.state.screen, Screen::Unlock(_)), "locked after the idle time");
    assert!(app.state.cases.rows.is_empty() && !app.busy(), "nothing kept, the store closed");
}

#[test]
fn cases_filter_by_text_and_status() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["f"]);
    type_text(&mut app, "benali");
    keys(&mut app, &["enter"]);
    let refs: Vec<&str> = app.state.cases.rows.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(refs, ["DGSI-2024-ORG-041"], "by title, case-insensitive");
    keys(&mut app, &["F", "s"]);
    assert!(app.state.cases.rows.iter().all(|c| c.status == "open") && app.state.cases.rows.len() == 2);
    keys(&mut app, &["F"]);
    assert_eq!(app.state.cases.rows.len(), 5);
}

#[test]
fn a_case_is_edited_from_the_workbench() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["E"]);
    let Some(Popup::Form(form)) = &app.state.popup else { panic!("edit form for the case") };
    let marking = form.fields.iter().position(|f| f.name == "marking").unwrap();
    focus_field(&mut app, "status");
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "suspended");
    focus_field(&mut app, "marking");
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "TLP:PURPLE");
    keys(&mut app, &["enter"]);
    let Some(Popup::Form(form)) = &app.state.popup else { panic!("a bad marking keeps the form open") };
    assert!(form.fields[marking].error.as_deref().is_some_and(|e| e.contains("PURPLE")));
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "amber h2");
    keys(&mut app, &["enter"]);
    let case = app.state.current_case().unwrap();
    assert_eq!((case.status.as_str(), case.marking.as_str()), ("suspended", "TLP:AMBER H2"));
}

/// Opens a new case from the workbench with the marking the form proposes.
fn new_case(app: &mut liaison::tui::App, reference: &str, title: &str) {
    keys(app, &["n"]);
    type_text(app, reference);
    keys(app, &["tab"]);
    type_text(app, title);
    keys(app, &["enter"]);
    assert_eq!(app.state.current_case().map(|c| c.reference.as_str()), Some(reference));
}

fn new_entity(app: &mut liaison::tui::App, kind: &str, caption: &str) {
    keys(app, &["e"]);
    type_text(app, kind);
    keys(app, &["enter"]);
    type_text(app, caption);
    keys(app, &["enter"]);
    assert!(app.state.popup.is_none(), "saved: {:?}", app.state.message);
}

fn cli_json(l: &common::Liaison, args: &[&str]) -> serde_json::Value {
    let out = l.with_passphrase("demo").arg("--json").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_value_added_with_the_edit_form_to_a_phone_of_an_amber_case_is_amber() {
    let (l, mut app) = demo_app();
    new_case(&mut app, "AMB-1", "Amber phones");
    assert_eq!(app.state.current_case().unwrap().marking, "TLP:AMBER", "the office default");
    new_entity(&mut app, "Phone", "+33 6 11 22 33 44");
    open_by_search(&mut app, "33611223344", "+33611223344");
    let phone = app.state.detail.view.as_ref().expect("the phone shown").id;
    keys(&mut app, &["E"]);
    let Some(Popup::Form(f)) = &app.state.popup else { panic!("edit form") };
    let marking = f.fields.iter().find(|x| x.name == "@marking").unwrap();
    assert_eq!(marking.value, "TLP:AMBER", "the form shows the marking the value will get");
    assert!(f.fields.iter().any(|x| x.name == "provider"));
    focus_field(&mut app, "provider");
    type_text(&mut app, "Orange");
    keys(&mut app, &["enter"]);
    assert!(app.state.popup.is_none(), "saved: {:?}", app.state.message);
    let view = cli_json(&l, &["entity", "show", &phone.to_string()]);
    let provider: Vec<_> =
        view["statements"].as_array().unwrap().iter().filter(|s| s["prop"] == "provider").collect();
    assert_eq!(provider.len(), 1, "{view}");
    assert_eq!(provider[0]["marking"], "TLP:AMBER", "never CLEAR");
}

#[test]
fn a_link_goes_into_the_case_of_its_ends_named_in_the_form_not_the_highlighted_one() {
    let (l, mut app) = demo_app();
    new_case(&mut app, "OP-7", "The ends' case");
    new_entity(&mut app, "Person", "Ilona Ferris");
    new_entity(&mut app, "Person", "Jonas Ferris");
    new_case(&mut app, "OP-8", "Highlighted, unrelated");
    open_by_search(&mut app, "Ilona", "Ilona Ferris");
    keys(&mut app, &["m"]);
    open_by_search(&mut app, "Jonas", "Jonas Ferris");
    assert_eq!(app.state.current_case().unwrap().reference, "OP-8", "still highlighted");
    keys(&mut app, &["L"]);
    type_text(&mut app, "Associate");
    keys(&mut app, &["enter"]);
    let Some(Popup::Form(f)) = &app.state.popup else { panic!("link form: {:?}", app.state.message) };
    assert!(f.title.contains("in case OP-7"), "{}", f.title);
    keys(&mut app, &["enter"]);
    assert!(
        app.state.message.as_ref().is_some_and(|m| m.text.contains("Associate link saved")),
        "{:?}",
        app.state.message
    );
    let members = |reference: &str| -> Vec<String> {
        cli_json(&l, &["case", "show", reference])["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["caption"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(members("OP-8").is_empty(), "{:?}", members("OP-8"));
    let op7 = members("OP-7");
    assert!(op7.contains(&"Ilona Ferris".to_owned()) && op7.contains(&"Jonas Ferris".to_owned()), "{op7:?}");
}
