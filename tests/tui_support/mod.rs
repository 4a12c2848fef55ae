//! The workbench in-process on the demo store: made once per test by the real binary with
//! cheap key derivation (the library reads the cost from the environment, which a test may
//! not change), then opened through the library.
#![allow(dead_code)]

use age::secrecy::SecretString;
use liaison::store::Store;
use liaison::tui::App;
use liaison::tui::testing;

use crate::common::Liaison;

/// A demo store in a temporary folder, and the workbench open on it.
pub fn demo_app() -> (Liaison, App) {
    let l = Liaison::empty();
    let out = l.command().args(["demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = Store::open(&l.store, &SecretString::from("demo".to_owned())).unwrap();
    (l, testing::app(store))
}

/// The screen with what changes from run to run replaced: the store's folder and record ids.
pub fn stable(app: &App, screen: &str) -> String {
    let mut s = screen.to_owned();
    let label = liaison::tui::ui::cut(&app.state.store_label, 28);
    s = s.replace(&label, "[store]");
    if let Some(v) = &app.state.detail.view {
        s = s.replace(&v.id.to_string()[..8], "[id]    ");
    }
    s
}

/// Searches for `query` and opens the hit captioned `caption`.
pub fn open_by_search(app: &mut App, query: &str, caption: &str) {
    testing::keys(app, &["/"]);
    testing::type_text(app, query);
    let Some(liaison::tui::state::Popup::Search(s)) = &app.state.popup else { panic!("search open") };
    let at = s
        .hits
        .iter()
        .position(|h| h.caption == caption)
        .unwrap_or_else(|| panic!("{caption} found by {query:?}"));
    for _ in 0..at {
        testing::keys(app, &["down"]);
    }
    testing::keys(app, &["enter"]);
}

/// Searches for `query` and opens the record `id` among the hits.
pub fn open_hit(app: &mut App, query: &str, id: uuid::Uuid) {
    testing::keys(app, &["/"]);
    testing::type_text(app, query);
    let Some(liaison::tui::state::Popup::Search(s)) = &app.state.popup else { panic!("search open") };
    let at = s.hits.iter().position(|h| h.id == id).unwrap_or_else(|| panic!("{id} found by {query:?}"));
    for _ in 0..at {
        testing::keys(app, &["down"]);
    }
    testing::keys(app, &["enter"]);
}

/// Presses Tab until the open form's focused field is `name` (forms open on their first
/// property, with source, grade and marking above it).
pub fn focus_field(app: &mut App, name: &str) {
    for _ in 0..64 {
        let Some(liaison::tui::state::Popup::Form(f)) = &app.state.popup else { panic!("a form is open") };
        if f.fields[f.focus].name == name {
            return;
        }
        testing::keys(app, &["tab"]);
    }
    panic!("no field {name} in the form");
}
