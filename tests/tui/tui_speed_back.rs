//! Going back from a pivot to the case it started from (issue 12): the case's members and
//! timeline, unchanged since, are shown again at once rather than asked of the store again.

use crate::tui_support;

use liaison::tui::state::EntitiesView;
use liaison::tui::testing::{SETTLE, keys, screen, terminal};
use tui_support::demo_app;

#[test]
fn going_back_to_a_case_shows_its_members_and_timeline_at_once() {
    let (_l, mut app) = demo_app();
    // The first case's members, the third one selected, then its neighbourhood.
    keys(&mut app, &["enter", "j", "j"]);
    let members = app.state.entities.rows.clone();
    let items = app.state.timeline.items.clone();
    let third = app.state.entities.current().map(|r| r.entity().2.to_owned()).unwrap();
    keys(&mut app, &["enter"]);
    assert!(
        matches!(&app.state.entities.view, Some(EntitiesView::Neighbourhood { caption, .. }) if *caption == third)
    );
    assert_ne!(app.state.timeline.items, items, "the entity's own timeline");

    // Before the store has answered anything.
    app.press("backspace");
    assert!(matches!(app.state.entities.view, Some(EntitiesView::Members { .. })));
    assert_eq!(app.state.entities.rows, members, "the case's members at once");
    assert_eq!(app.state.entities.selected, 2, "where the analyst left them");
    assert_eq!(app.state.timeline.items, items, "the case's timeline at once");
    let mut t = terminal(120, 40);
    let text = screen(&mut app, &mut t);
    assert!(text.contains(&third), "{text}");

    // The late answers for the neighbourhood change nothing.
    assert!(app.settle(SETTLE));
    assert_eq!(app.state.entities.rows, members);
    assert_eq!(app.state.timeline.items, items);
}

#[test]
fn after_a_write_going_back_asks_the_store_again() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["enter", "enter"]);
    assert!(matches!(app.state.entities.view, Some(EntitiesView::Neighbourhood { .. })));
    // Any write reloads what is shown (here a generate job's end, as after any change).
    app.dispatch(liaison::tui::action::Action::JobDone("done".into()));
    assert!(app.settle(SETTLE));
    app.press("backspace");
    assert!(app.state.entities.rows.is_empty(), "asked again, not shown from before the write");
    assert!(app.settle(SETTLE));
    assert!(!app.state.entities.rows.is_empty());
}

#[test]
fn while_the_store_owes_answers_the_loop_looks_for_them_every_few_milliseconds() {
    let (_l, mut app) = demo_app();
    let idle = liaison::tui::poll_wait(&app);
    // Another case: its members, timeline and detail are asked of the store.
    app.press("j");
    assert!(app.busy());
    assert_eq!(liaison::tui::poll_wait(&app), liaison::tui::BUSY_POLL);
    assert!(liaison::tui::BUSY_POLL <= std::time::Duration::from_millis(5));
    assert!(app.settle(SETTLE));
    assert_eq!(liaison::tui::poll_wait(&app), idle, "idle again: no busy loop");
    assert!(idle > liaison::tui::BUSY_POLL);
}
