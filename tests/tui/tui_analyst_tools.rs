//! Key flows through the workbench's analyst tools on the demo store: the measures screen
//! moving in time, paths completed with Tab on the export and import screens, the import
//! screen reading the format from the file, office operations and case records.

use crate::common;
use crate::tui_support;

use liaison::tui::App;
use liaison::tui::testing::{keys, screen, terminal};
use tui_support::{demo_app, stable};

fn shot(app: &mut App, width: u16, height: u16) -> String {
    let mut t = terminal(width, height);
    let text = screen(app, &mut t);
    stable(app, &text)
}

/// The status bar's mode label: the first word of the second-to-last row.
fn mode_label(text: &str) -> String {
    let rows: Vec<&str> = text.lines().collect();
    rows[rows.len() - 2].split_whitespace().next().unwrap_or_default().to_owned()
}

#[test]
fn the_measures_open_on_the_months_that_hold_data_and_move_in_time() {
    let (_l, mut app) = demo_app();
    // The demo's operations were executed from September 2024 to January 2025; the analyst
    // opens the screen almost two years later.
    app.state.today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30);
    keys(&mut app, &["M"]);
    let text = shot(&mut app, 80, 24);
    assert!(text.contains("No data since 2025-01"), "{text}");
    assert_eq!(mode_label(&text), "MEASURES", "{text}");
    // Newest month first: the month of the last operation heads the list, at 80×24.
    let first_month = text.lines().find(|l| l.contains("20") && l.contains('–')).unwrap_or_default();
    assert!(first_month.contains("2025-01"), "{text}");
    assert!(text.contains("2024-09"), "the first operation's month is in view too: {text}");

    // A year later: the months up to January 2026, the data scrolled below.
    keys(&mut app, &["right"]);
    let text = shot(&mut app, 80, 24);
    assert!(text.contains("Showing 2024-02 to 2026-01"), "{text}");
    // Back, and a year earlier than that: the months before the data.
    keys(&mut app, &["left", "["]);
    let text = shot(&mut app, 80, 24);
    assert!(text.contains("Showing 2022-02 to 2024-01"), "{text}");
    keys(&mut app, &["l", "l", "l", "l"]);
    let text = shot(&mut app, 80, 24);
    assert!(text.contains("to 2026-11"), "never past today's month: {text}");
    assert!(text.contains("These are the latest months."), "{text}");

    // The help names the keys.
    keys(&mut app, &["esc"]);
    let look = liaison::tui::ui::Look { theme: app.theme(), keymap: app.keymap() };
    let help = liaison::tui::ui::help_text(&look);
    assert!(help.contains("measures keys") && help.contains("Earlier months"), "{help}");
}

/// A folder of files as another tool would leave them.
fn evidence() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("courier.stix.json", r#"{"type": "bundle", "objects": []}"#);
    write("plain.json", r#"{"id": "p-1", "schema": "Person", "properties": {"name": ["Marco"]}}"#);
    write("event-0502.json", r#"{"Event": {"info": "Courier network"}}"#);
    write("records-march.csv", "a,b\n");
    write("records-april.csv", "a,b\n");
    write("bundle-2025-06.liaison", "");
    dir
}

fn import_form(app: &App) -> &liaison::tui::screens::ImportScreen {
    let Some(liaison::tui::state::Popup::Import(form)) = &app.state.popup else {
        panic!("the import screen: {:?}", app.state.popup)
    };
    form
}

#[test]
fn the_import_screen_completes_paths_with_tab_and_reads_the_format_from_the_file() {
    use liaison::tui::screens::ImportField;
    use liaison::tui::testing::type_text;
    let dir = evidence();
    let at = format!("{}/", dir.path().display());
    let (_l, mut app) = demo_app();
    keys(&mut app, &["i"]);
    // One match: completed whole, and its name says the format.
    type_text(&mut app, &format!("{at}pla"));
    keys(&mut app, &["tab"]);
    assert_eq!(import_form(&app).path, format!("{at}plain.json"));
    assert_eq!(import_form(&app).focus, ImportField::Path, "the first Tab completes");
    assert_eq!(import_form(&app).format.name(), "ftm", "read from the file's start");
    let text = shot(&mut app, 100, 30);
    assert!(text.contains("ftm: read from the file"), "{text}");
    // Several: completed as far as they agree, and listed under the field.
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, &format!("{at}rec"));
    keys(&mut app, &["tab"]);
    assert_eq!(import_form(&app).path, format!("{at}records-"));
    let text = shot(&mut app, 100, 30);
    assert!(text.contains("2 match: records-april.csv  records-march.csv"), "{text}");
    type_text(&mut app, "m");
    keys(&mut app, &["tab"]);
    assert_eq!(import_form(&app).path, format!("{at}records-march.csv"));
    assert_eq!(import_form(&app).format.name(), "csv");
    // Nothing more to complete: Tab goes on to the next field.
    keys(&mut app, &["tab"]);
    assert_eq!(import_form(&app).focus, ImportField::Format);
    // A MISP event named without "misp": its first bytes say it.
    keys(&mut app, &["backtab"]);
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, &format!("{at}event-0502.json"));
    keys(&mut app, &["tab"]);
    assert_eq!(import_form(&app).format.name(), "misp");
    assert_eq!(import_form(&app).focus, ImportField::Format);
}

#[test]
fn the_bundle_import_path_completes_with_tab() {
    let dir = evidence();
    let at = format!("{}/", dir.path().display());
    let (_l, mut app) = demo_app();
    keys(&mut app, &["x", "i"]);
    liaison::tui::testing::type_text(&mut app, &format!("{at}bun"));
    keys(&mut app, &["tab"]);
    let Some(liaison::tui::state::Popup::Exchange(e)) = &app.state.popup else { panic!("exchange screen") };
    assert_eq!(
        e.step,
        liaison::tui::screens::ExchangeStep::ImportPath(format!("{at}bundle-2025-06.liaison"))
    );
}

fn message(app: &App) -> String {
    app.state.message.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

fn exchange(app: &App) -> &liaison::tui::screens::ExchangeScreen {
    let Some(liaison::tui::state::Popup::Exchange(e)) = &app.state.popup else {
        panic!("the exchange screen: {:?}", app.state.popup)
    };
    e
}

/// The demo store through the command line (its passphrase is "demo").
fn demo_json(l: &common::Liaison, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = l.with_passphrase("demo").args(&all).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn an_office_is_trusted_after_its_fingerprint_is_typed_then_shared_with_and_revoked() {
    use liaison::tui::testing::type_text;
    // Paris writes its card and reads out its fingerprint words.
    let paris = common::Liaison::init();
    let card = paris.root.path().join("paris.card");
    let out = paris.run(&["office", "card", "-o", card.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let words = err.lines().find_map(|l| l.strip_prefix("Fingerprint: ")).expect("fingerprint").to_owned();
    let card_dir = format!("{}/", paris.root.path().display());

    let (l, mut app) = demo_app();
    let case = app.state.cases.rows[0].reference.clone();
    keys(&mut app, &["x", "t"]);
    // The card's path, completed with Tab.
    type_text(&mut app, &format!("{card_dir}paris.c"));
    keys(&mut app, &["tab"]);
    assert_eq!(
        exchange(&app).step,
        liaison::tui::screens::ExchangeStep::CardPath(card.display().to_string())
    );
    keys(&mut app, &["enter"]);
    let text = shot(&mut app, 100, 30);
    assert!(text.contains(&format!("Fingerprint  {words}")), "the words are shown: {text}");
    // Words that differ trust nothing.
    type_text(&mut app, "wrong words entirely");
    keys(&mut app, &["enter"]);
    assert!(message(&app).contains("nothing was trusted"), "{}", message(&app));
    assert!(exchange(&app).offices.is_empty());
    // The words Paris read: trusted.
    keys(&mut app, &["t"]);
    type_text(&mut app, &card.display().to_string());
    keys(&mut app, &["enter"]);
    type_text(&mut app, &words);
    keys(&mut app, &["enter"]);
    assert_eq!(message(&app), "Trusted Paris: the fingerprint words matched.");
    assert_eq!(exchange(&app).offices.iter().map(|o| o.office.as_str()).collect::<Vec<_>>(), ["Paris"]);

    // The selected case goes to Paris with the next export.
    keys(&mut app, &["s"]);
    assert!(message(&app).starts_with(&format!("Shared {case} with Paris")), "{}", message(&app));
    assert_eq!(exchange(&app).offices[0].shared_cases, std::slice::from_ref(&case));
    keys(&mut app, &["u"]);
    assert!(message(&app).contains("no longer shared"), "{}", message(&app));
    assert!(exchange(&app).offices[0].shared_cases.is_empty());

    // Revoking asks first.
    keys(&mut app, &["R"]);
    assert!(shot(&mut app, 100, 30).contains("Revoke Paris?"));
    keys(&mut app, &["n"]);
    assert!(!exchange(&app).offices[0].revoked, "n keeps trusting it");
    keys(&mut app, &["R", "y"]);
    assert!(message(&app).starts_with("Revoked Paris"), "{}", message(&app));
    assert!(exchange(&app).offices[0].revoked);
    keys(&mut app, &["esc"]);
    drop(app);
    let offices = demo_json(&l, &["office", "list", "--no-pending"]);
    assert_eq!(offices[0]["revoked"], true, "{offices}");
}

#[test]
fn operations_tasks_and_arrests_are_recorded_in_the_selected_case() {
    use liaison::tui::testing::type_text;
    let (l, mut app) = demo_app();
    let case = app.state.cases.rows[0].reference.clone();
    let palette = |app: &mut App, what: &str| {
        keys(app, &[":"]);
        type_text(app, what);
        keys(app, &["enter"]);
    };
    palette(&mut app, "joint operation of the selected case");
    type_text(&mut app, "Harbour");
    keys(&mut app, &["tab", "ctrl-u"]);
    type_text(&mut app, "finished");
    keys(&mut app, &["enter"]);
    // The store refuses a status outside its list; the form stays with what was typed.
    let Some(liaison::tui::state::Popup::CaseRecord(form)) = &app.state.popup else {
        panic!("the form stays open: {}", message(&app))
    };
    assert!(form.error.as_deref().is_some_and(|e| e.contains("finished")), "{:?}", form.error);
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "planned");
    keys(&mut app, &["tab"]);
    type_text(&mut app, "2025-07-14");
    keys(&mut app, &["enter"]);
    assert!(app.state.popup.is_none());
    assert_eq!(message(&app), format!("Joint operation recorded in {case}."));

    palette(&mut app, "record arrests");
    type_text(&mut app, "4");
    keys(&mut app, &["tab"]);
    type_text(&mut app, "Dawn raid");
    keys(&mut app, &["enter"]);
    assert_eq!(message(&app), format!("Arrests recorded in {case}."));

    palette(&mut app, "task of the selected case");
    type_text(&mut app, "Call Lyon about the courier");
    keys(&mut app, &["enter"]);
    assert_eq!(message(&app), format!("Task recorded in {case}."));
    drop(app);

    let shown = demo_json(&l, &["case", "show", &case]);
    let records = |key: &str| shown[key].as_array().cloned().unwrap_or_default();
    let field = |r: &serde_json::Value, k: &str| r["fields"][k].to_string();
    let harbour = records("operations").into_iter().find(|r| field(r, "name").contains("Harbour"));
    assert!(harbour.is_some_and(|r| field(&r, "plannedDate").contains("2025-07-14")), "{shown}");
    let raid = records("operations").into_iter().find(|r| field(r, "name").contains("Dawn raid"));
    let raid = raid.unwrap_or_else(|| panic!("{shown}"));
    assert!(field(&raid, "arrests").contains('4') && field(&raid, "status").contains("executed"), "{raid}");
    assert!(records("tasks").iter().any(|r| field(r, "title").contains("Call Lyon")), "{shown}");
}
