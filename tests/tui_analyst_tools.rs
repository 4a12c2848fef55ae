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
