//! The workbench drawn on a `TestBackend`, on the demo store: the 80×24 layout, a large
//! terminal, each pane in a state of its own, and every popup. Store folders and record ids
//! are replaced by placeholders; the demo's names, dates and grades are the same on every
//! machine.

use crate::tui_support;

use liaison::tui::App;
use liaison::tui::state::Pane;
use liaison::tui::testing::{keys, screen, terminal, type_text};
use liaison::tui::ui::layout;
use tui_support::{demo_app, open_by_search, stable};

fn shot(app: &mut App, width: u16, height: u16) -> String {
    let mut t = terminal(width, height);
    let text = screen(app, &mut t);
    stable(app, &text)
}

/// The rows and columns of one pane, cut out of an 80×24 screen.
fn pane(app: &mut App, which: Pane) -> String {
    let text = shot(app, 80, 24);
    let r = layout::regions((80, 24)).pane(which);
    text.lines()
        .skip(r.y as usize)
        .take(r.height as usize)
        .map(|l| l.chars().skip(r.x as usize).take(r.width as usize).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_80_by_24_layout() {
    let (_l, mut app) = demo_app();
    insta::assert_snapshot!("layout_80x24", shot(&mut app, 80, 24));
}

#[test]
fn a_large_terminal_puts_the_panes_side_by_side() {
    let (_l, mut app) = demo_app();
    insta::assert_snapshot!("layout_200x40", shot(&mut app, 200, 40));
}

#[test]
fn panes_each_in_a_state_of_their_own() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["s", "s"]);
    insta::assert_snapshot!("pane_cases_active_only", pane(&mut app, Pane::Cases));
    keys(&mut app, &["F"]);
    open_by_search(&mut app, "Karim Benali", "Karim Benali");
    insta::assert_snapshot!("pane_detail_person", pane(&mut app, Pane::Detail));
    keys(&mut app, &["H"]);
    insta::assert_snapshot!("pane_entities_two_hops", pane(&mut app, Pane::Entities));
    keys(&mut app, &["3", "-", "-", "o"]);
    insta::assert_snapshot!("pane_timeline_years_oldest_first", pane(&mut app, Pane::Timeline));
}

#[test]
fn popups() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["?"]);
    insta::assert_snapshot!("popup_help", shot(&mut app, 80, 24));
    keys(&mut app, &["esc", "/"]);
    type_text(&mut app, "Benal");
    insta::assert_snapshot!("popup_search", shot(&mut app, 80, 24));
    keys(&mut app, &["esc", ":"]);
    type_text(&mut app, "zoom");
    insta::assert_snapshot!("popup_palette", shot(&mut app, 80, 24));
    keys(&mut app, &["esc", "n"]);
    type_text(&mut app, "X-1");
    keys(&mut app, &["tab", "tab", "ctrl-u"]);
    type_text(&mut app, "sleeping");
    keys(&mut app, &["enter"]);
    insta::assert_snapshot!("popup_form_with_errors", shot(&mut app, 80, 24));
    keys(&mut app, &["esc", "e"]);
    insta::assert_snapshot!("popup_kind_picker", shot(&mut app, 80, 24));
    keys(&mut app, &["esc", "2", "d"]);
    insta::assert_snapshot!("popup_confirm_delete", shot(&mut app, 80, 24));
    keys(&mut app, &["n", "ctrl-l"]);
    insta::assert_snapshot!("unlock_screen", shot(&mut app, 80, 24));
}

#[test]
fn the_measures_screen_shows_the_task_force_numbers_by_month() {
    let (_l, mut app) = demo_app();
    // The demo's joint operations were executed in 2025; the screen ends on a fixed day.
    app.state.today = chrono::NaiveDate::from_ymd_opt(2025, 6, 30);
    keys(&mut app, &["M"]);
    let text = shot(&mut app, 100, 40);
    assert!(text.contains("Joint operations"), "{text}");
    insta::assert_snapshot!("popup_measures", text);
    keys(&mut app, &["esc"]);
    assert!(!shot(&mut app, 100, 40).contains("Task-force measures"));
}
