//! Key flows through the workbench's analyst tools on the demo store: the measures screen
//! moving in time, paths completed with Tab on the export and import screens, the import
//! screen reading the format from the file, office operations and case records.

mod common;
mod tui_support;

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
