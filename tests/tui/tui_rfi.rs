//! Requests for information and watch alerts in the workbench, on real offices made by the
//! binary: the alert badge and list (Enter goes to the record); asking another office about
//! the selected entity with one key (the store's refusal shown in the form when the case is
//! not shared); the RFI pane listing a request overdue first, closing and reopening it; and,
//! at the office asked, answering an incoming request that arrived in a bundle.

use crate::common;
use crate::exchange_support;
use crate::tui_support;

use liaison::store::rfi::RfiRow;
use liaison::tui::App;
use liaison::tui::state::{EntitiesView, Popup};
use liaison::tui::testing::{self, keys, screen, terminal, type_text};

use common::Liaison;
use exchange_support::{PASSPHRASE, office, path, trust_all};
use tui_support::stable;

fn id_line(out: &str) -> String {
    out.lines().last().unwrap().trim().to_owned()
}

fn app(l: &Liaison) -> App {
    let store =
        liaison::store::Store::open(&l.store, &age::secrecy::SecretString::from(PASSPHRASE.to_owned()))
            .unwrap();
    testing::app(store)
}

/// The screen at 80×24, with the store's folder and the times (which change from run to
/// run) replaced by placeholders.
fn shot(app: &mut App) -> String {
    let mut t = terminal(80, 24);
    let drawn = screen(app, &mut t);
    let text = stable(app, &drawn);
    let mut out = String::new();
    for line in text.lines() {
        let mut l = line.to_owned();
        // "2026-11-30 19:12" → "YYYY-MM-DD hh:mm"
        let chars: Vec<char> = l.chars().collect();
        let mut i = 0;
        while i + 16 <= chars.len() {
            let w: String = chars[i..i + 16].iter().collect();
            let shape = w.chars().enumerate().all(|(k, c)| match k {
                4 | 7 => c == '-',
                10 => c == ' ',
                13 => c == ':',
                _ => c.is_ascii_digit(),
            });
            if shape && w.starts_with("20") {
                l = l.replacen(&w, "YYYY-MM-DD hh:mm", 1);
            }
            i += 1;
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

fn status_bar(app: &mut App) -> String {
    let mut t = terminal(80, 24);
    screen(app, &mut t).lines().nth(22).unwrap().to_owned()
}

fn rows(app: &App) -> Vec<RfiRow> {
    match &app.state.popup {
        Some(Popup::Rfi(r)) => r.rows.clone().expect("the list is in"),
        other => panic!("the RFI pane is not open: {other:?}"),
    }
}

/// Paris with the case CALANQUE holding Karim Benali; Rotterdam trusted both ways.
fn offices() -> (Liaison, Liaison, String) {
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    trust_all(&[&a, &b]);
    a.ok(&["case", "new", "--ref", "CALANQUE", "--title", "Banana reefers", "--marking", "TLP:AMBER"]);
    let karim = id_line(&a.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Karim Benali",
        "--case",
        "CALANQUE",
    ]));
    (a, b, karim)
}

#[test]
fn the_alert_badge_counts_alerts_and_the_list_goes_to_the_record() {
    let l = office("Paris", "DGSI", "FR");
    l.ok(&["case", "new", "--ref", "CALANQUE", "--title", "Banana reefers"]);
    l.ok(&["watch", "add", "AB-123-CD", "--note", "the Audi"]);
    let mut app = app(&l);
    assert!(!status_bar(&mut app).contains('⚑'), "no alert, no badge");

    // The plate appears (another process writes to the store): a reload brings the badge.
    let car = id_line(&l.ok(&[
        "entity",
        "new",
        "--schema",
        "Vehicle",
        "--prop",
        "registrationNumber=AB 123 CD",
        "--prop",
        "model=Audi A4",
        "--case",
        "CALANQUE",
    ]));
    keys(&mut app, &["ctrl-r"]);
    let bar = status_bar(&mut app);
    assert!(bar.contains("⚑ 1 alert"), "{bar}");

    keys(&mut app, &["!"]);
    let shown = shot(&mut app);
    insta::assert_snapshot!("rfi_alerts_popup_80x24", shown);
    assert!(shown.contains("AB-123-CD") && shown.contains("Vehicle: AB123CD"), "{shown}");

    keys(&mut app, &["enter"]);
    assert!(app.state.popup.is_none(), "the list closes");
    match &app.state.entities.view {
        Some(EntitiesView::Neighbourhood { center, .. }) => assert_eq!(center.to_string(), car),
        other => panic!("the vehicle is not the centre: {other:?}"),
    }
    assert_eq!(app.state.detail.subject.map(|i| i.to_string()), Some(car));
}

#[test]
fn a_watched_plate_in_a_file_imported_in_the_workbench_raises_the_badge() {
    let l = office("Paris", "DGSI", "FR");
    l.ok(&["case", "new", "--ref", "CALANQUE", "--title", "Banana reefers"]);
    l.ok(&["watch", "add", "AB-123-CD"]);
    let file = l.root.path().join("plates.ftm.json");
    std::fs::write(
        &file,
        r#"{"id": "car-1", "schema": "Vehicle", "properties": {"registrationNumber": ["AB 123 CD"], "model": ["Audi A4"]}}"#,
    )
    .unwrap();
    let mut app = app(&l);
    assert!(!status_bar(&mut app).contains('⚑'));
    keys(&mut app, &["i"]);
    type_text(&mut app, file.to_str().unwrap());
    keys(&mut app, &["enter", "y", "enter"]);
    assert!(app.state.popup.is_none(), "the import is done: {:?}", app.state.popup);
    let bar = status_bar(&mut app);
    assert!(bar.contains("⚑ 1 alert"), "{bar}");
}

#[test]
fn asking_about_the_selected_entity_is_refused_in_the_form_until_the_case_is_shared() {
    let (a, _b, karim) = offices();
    let mut app = app(&a);
    keys(&mut app, &["2"]);
    assert_eq!(app.state.selected_entity().map(|e| e.0.to_string()), Some(karim.clone()));
    keys(&mut app, &["A"]);
    let Some(Popup::RfiAsk(f)) = &app.state.popup else { panic!("the ask form is open") };
    assert_eq!(f.offices.as_deref(), Some(&[][..]), "the case is shared with nobody");
    // The office typed by hand, the question, Enter: the store refuses, the form stays.
    keys(&mut app, &["backtab"]);
    type_text(&mut app, "Rotterdam");
    keys(&mut app, &["tab"]);
    type_text(&mut app, "Do you know this man?");
    keys(&mut app, &["enter"]);
    let Some(Popup::RfiAsk(f)) = &app.state.popup else { panic!("the form stays open") };
    let error = f.error.clone().unwrap_or_default();
    assert!(error.contains("not shared with Rotterdam"), "{error}");
    assert!(shot(&mut app).contains("not shared with Rotterdam"), "the refusal is shown in the form");
    keys(&mut app, &["esc"]);
    assert!(a.json(&["rfi", "list"]).as_array().unwrap().is_empty(), "nothing was written");
}

#[test]
fn an_outgoing_request_asked_with_one_key_is_listed_overdue_first_closed_and_reopened() {
    let (a, _b, karim) = offices();
    a.ok(&["case", "share", "CALANQUE", "--with", "Rotterdam"]);
    // An older request, due far ahead, to be listed after the overdue one.
    a.ok(&[
        "rfi",
        "new",
        "--to",
        "Rotterdam",
        "--case",
        "CALANQUE",
        "--question",
        "Any boat named Reefer Star?",
        "--due",
        "2099-01-01",
    ]);
    let mut app = app(&a);
    keys(&mut app, &["2", "A"]);
    let Some(Popup::RfiAsk(f)) = &app.state.popup else { panic!("the ask form is open") };
    assert_eq!(f.to, "Rotterdam", "the one office the case is shared with is proposed");
    type_text(&mut app, "Do you know this man and his phones?");
    keys(&mut app, &["tab", "right", "tab"]);
    type_text(&mut app, "2020-01-01");
    keys(&mut app, &["enter"]);
    assert!(app.state.popup.is_none(), "saved: the form closes");
    let message = app.state.message.clone().map(|m| m.text).unwrap_or_default();
    assert!(message.contains("Request for information to Rotterdam saved"), "{message}");

    keys(&mut app, &["R"]);
    let listed = rows(&app);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].question, "Do you know this man and his phones?", "overdue first");
    assert!(listed[0].overdue);
    assert_eq!((listed[0].priority.as_str(), listed[0].direction.as_str()), ("urgent", "outgoing"));
    assert_eq!(listed[0].about.iter().map(ToString::to_string).collect::<Vec<_>>(), vec![karim]);
    let shown = shot(&mut app);
    insta::assert_snapshot!("rfi_pane_80x24", shown);

    // An outgoing request is not answered here.
    keys(&mut app, &["a"]);
    assert!(shot(&mut app).contains("the office asked answers it"));
    keys(&mut app, &["c"]);
    assert_eq!(rows(&app)[0].status, "closed");
    assert!(!rows(&app)[0].overdue, "a closed request is not overdue");
    let closed = rows(&app).into_iter().find(|r| r.status == "closed").unwrap();
    let at = rows(&app).iter().position(|r| r.id == closed.id).unwrap();
    let Some(Popup::Rfi(r)) = &app.state.popup else { panic!("open") };
    assert_eq!(r.selected, at, "the selection follows the request");
    keys(&mut app, &["o"]);
    assert_eq!(rows(&app).iter().find(|r| r.id == closed.id).unwrap().status, "open");

    // Tab: incoming (none here), outgoing, all.
    keys(&mut app, &["tab"]);
    assert!(rows(&app).is_empty(), "nothing incoming at Paris");
    keys(&mut app, &["tab"]);
    assert_eq!(rows(&app).len(), 2);
    keys(&mut app, &["enter"]);
    let detail = shot(&mut app);
    assert!(detail.contains("Steps (UTC)") && detail.contains("asked"), "{detail}");
    keys(&mut app, &["esc", "esc"]);
    assert!(app.state.popup.is_none());
}

#[test]
fn an_incoming_request_from_a_bundle_is_answered_on_several_lines() {
    let (a, b, karim) = offices();
    a.ok(&["case", "share", "CALANQUE", "--with", "Rotterdam"]);
    let rfi = id_line(&a.ok(&[
        "rfi",
        "new",
        "--to",
        "Rotterdam",
        "--case",
        "CALANQUE",
        "--question",
        "Do you know this man?",
        "--about",
        &karim,
        "--priority",
        "immediate",
    ]));
    let ab = path(&a, "ab.bundle");
    a.ok(&["export", "--to", "Rotterdam", "-o", ab.to_str().unwrap()]);
    b.ok(&["import", ab.to_str().unwrap()]);

    let mut app = app(&b);
    keys(&mut app, &["R", "tab"]);
    let listed = rows(&app);
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].direction.as_str(), listed[0].from_office.as_str()), ("incoming", "Paris"));
    // Incoming: close is the asking office's.
    keys(&mut app, &["c"]);
    assert!(shot(&mut app).contains("Only the office that asked"));
    keys(&mut app, &["a"]);
    type_text(&mut app, "Yes: we hold his phone.");
    keys(&mut app, &["enter"]);
    type_text(&mut app, "Details follow.");
    keys(&mut app, &["ctrl-s"]);
    let listed = rows(&app);
    assert_eq!(listed[0].status, "answered");
    assert_eq!(listed[0].answers[0].text, "Yes: we hold his phone.\nDetails follow.");
    drop(app);
    let shown = b.json(&["rfi", "show", &rfi]);
    assert_eq!(shown["answers"][0]["text"], "Yes: we hold his phone.\nDetails follow.");
}
