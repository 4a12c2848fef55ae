//! The exchange screens of the workbench, driven by keys on real stores of two offices
//! (made by the binary, opened in-process): a bundle exported from Paris in the TUI and
//! imported in Marseille through the preview and the confirm step; a conflict resolved in
//! the inbox; a CSV file imported through its preview; bundle arrivals on the whole-store
//! timeline. Snapshots of each screen, with dates and ids masked.

use crate::common;
use crate::exchange_support;

use std::path::Path;

use liaison::tui::App;
use liaison::tui::message::Outcome;
use liaison::tui::screens::{ExchangeStep, ImportStep};
use liaison::tui::state::Popup;
use liaison::tui::testing::{self, keys, screen, terminal, type_text};

use common::Liaison;
use exchange_support::{PASSPHRASE, office, open, trust_all};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `YYYY-MM-DD`, and a time after it, in place of every date: snapshots of any day.
fn mask_dates(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let digit = |i: usize| c.get(i).is_some_and(char::is_ascii_digit);
    let at = |i: usize, ch: char| c.get(i) == Some(&ch);
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        let date = (0..4).all(|k| digit(i + k))
            && at(i + 4, '-')
            && digit(i + 5)
            && digit(i + 6)
            && at(i + 7, '-')
            && digit(i + 8)
            && digit(i + 9);
        if !date {
            out.push(c[i]);
            i += 1;
            continue;
        }
        out.push_str("YYYY-MM-DD");
        i += 10;
        let time = (at(i, ' ') || at(i, 'T'))
            && digit(i + 1)
            && digit(i + 2)
            && at(i + 3, ':')
            && digit(i + 4)
            && digit(i + 5)
            && at(i + 6, ':')
            && digit(i + 7)
            && digit(i + 8);
        if time {
            out.push_str(" hh:mm:ss");
            i += 9;
        }
    }
    out
}

fn shot(app: &mut App) -> String {
    let mut t = terminal(100, 30);
    let text = screen(app, &mut t);
    let label = liaison::tui::ui::cut(&app.state.store_label, 28);
    let mut text = mask_dates(&text.replace(&label, "[store]"));
    if let Some(Popup::Conflicts(c)) = &app.state.popup {
        for cf in &c.conflicts {
            text = text.replace(&cf.id, "[conflict]");
        }
    }
    text
}

fn app_on(l: &Liaison) -> App {
    testing::app(open(&l.store))
}

fn message(app: &App) -> String {
    app.state.message.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

/// Paris and Marseille trust each other; Paris shares case OP-7, with a person in it.
fn two_offices() -> (Liaison, Liaison) {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["case", "new", "--ref", "OP-7", "--title", "Harbour"]);
    paris.ok(&["case", "share", "OP-7", "--with", "Marseille"]);
    (paris, marseille)
}

#[test]
fn a_bundle_exported_in_the_workbench_is_previewed_and_imported_in_another() {
    let (paris, marseille) = two_offices();
    let bundle = paris.root.path().join("to-marseille.liaison");
    {
        let mut app = app_on(&paris);
        keys(&mut app, &["x"]);
        let Some(Popup::Exchange(e)) = &app.state.popup else { panic!("exchange screen") };
        assert_eq!(e.offices.len(), 1);
        assert_eq!(e.offices[0].office, "Marseille");
        assert!(e.offices[0].pending_ops.is_some_and(|p| p > 0), "{:?}", e.offices[0]);
        insta::assert_snapshot!("exchange_offices", shot(&mut app));
        keys(&mut app, &["e", "ctrl-u"]);
        type_text(&mut app, s(&bundle));
        keys(&mut app, &["enter"]);
        assert!(app.state.job.is_none(), "the export finished");
        let Some(Popup::Exchange(e)) = &app.state.popup else { panic!("exchange screen") };
        assert!(matches!(&e.step, ExchangeStep::Done(Outcome::Exported(Ok(r))) if r.ops > 0), "{:?}", e.step);
        assert_eq!(e.offices[0].traffic.bundles_sent, 1, "the office list shows the bundle sent");
        assert!(message(&app).starts_with("Wrote "), "{}", message(&app));
        assert!(bundle.exists());
    }

    let mut app = app_on(&marseille);
    assert!(app.state.cases.rows.is_empty(), "Marseille has no case yet");
    keys(&mut app, &["x", "i"]);
    type_text(&mut app, s(&bundle));
    keys(&mut app, &["enter"]);
    let Some(Popup::Exchange(e)) = &app.state.popup else { panic!("exchange screen") };
    let ExchangeStep::Preview { report, .. } = &e.step else { panic!("a preview: {:?}", e.step) };
    assert_eq!((report.status.as_str(), report.from.as_str()), ("preview", "Paris"));
    assert!(report.records_new > 0, "{report:?}");
    insta::assert_snapshot!("exchange_bundle_preview", shot(&mut app));
    assert_eq!(
        marseille.json(&["case", "list"]).as_array().map(Vec::len),
        Some(0),
        "a preview writes nothing"
    );

    keys(&mut app, &["y"]);
    let Some(Popup::Exchange(e)) = &app.state.popup else { panic!("exchange screen") };
    assert!(matches!(&e.step, ExchangeStep::Done(Outcome::BundleImported(Ok(r))) if r.status == "imported"));
    assert!(message(&app).contains("Imported bundle 1 from Paris"), "{}", message(&app));
    keys(&mut app, &["esc", "esc"]);
    assert!(app.state.popup.is_none());
    assert!(
        app.state.cases.rows.iter().any(|c| c.reference == "OP-7"),
        "the case is listed after the import"
    );
    assert_eq!(marseille.json(&["case", "show", "OP-7"])["title"], "Harbour");

    // The same bundle again: the preview says so, and there is nothing to confirm.
    keys(&mut app, &["x", "i"]);
    type_text(&mut app, s(&bundle));
    keys(&mut app, &["enter"]);
    assert!(message(&app).contains("already imported"), "{}", message(&app));
    assert_eq!(app.state.mode(), liaison::tui::keymap::Mode::Exchange, "no confirm step");
    keys(&mut app, &["esc", "esc"]);

    // The arrival is a dated item of the whole-store timeline.
    keys(&mut app, &["T"]);
    let arrivals: Vec<&str> =
        app.state.timeline.items.iter().filter(|i| i.id.is_nil()).map(|i| i.summary.as_str()).collect();
    assert_eq!(arrivals.len(), 1, "{:?}", app.state.timeline.items);
    assert!(arrivals[0].starts_with("Bundle from Paris: ") && arrivals[0].ends_with(" ops"), "{arrivals:?}");
    let mut t = terminal(100, 30);
    assert!(screen(&mut app, &mut t).contains("Bundle from Paris"));
}

#[test]
fn a_bad_bundle_is_refused_with_its_reason_and_nothing_changes() {
    let (_paris, marseille) = two_offices();
    let junk = marseille.root.path().join("junk.liaison");
    std::fs::write(&junk, b"not a bundle at all").unwrap();
    let mut app = app_on(&marseille);
    keys(&mut app, &["x", "i"]);
    type_text(&mut app, s(&junk));
    keys(&mut app, &["enter"]);
    let m = app.state.message.clone().expect("a message");
    assert!(m.error && m.text.contains("rejected"), "{m:?}");
    keys(&mut app, &["enter"]);
    let Some(Popup::Exchange(e)) = &app.state.popup else { panic!("exchange screen") };
    assert_eq!(e.step, ExchangeStep::List, "Enter goes back, it imports nothing");
    assert_eq!(marseille.json(&["case", "list"]).as_array().map(Vec::len), Some(0));
}

/// Paris and Marseille both change OP-2's status before exchanging; Paris holds the conflict.
fn conflicting_offices() -> (Liaison, Liaison) {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["case", "new", "--ref", "OP-2", "--title", "Port of Marseille"]);
    paris.ok(&["case", "share", "OP-2", "--with", "Marseille"]);
    let (b1, b2, c1) =
        (paris.root.path().join("b1"), paris.root.path().join("b2"), marseille.root.path().join("c1"));
    paris.ok(&["export", "--to", "Marseille", "-o", s(&b1)]);
    marseille.ok(&["import", s(&b1)]);
    paris.ok(&["case", "status", "OP-2", "active"]);
    marseille.ok(&["case", "status", "OP-2", "suspended"]);
    paris.ok(&["export", "--to", "Marseille", "-o", s(&b2)]);
    marseille.ok(&["export", "--to", "Paris", "-o", s(&c1)]);
    paris.ok(&["import", s(&c1)]);
    (paris, marseille)
}

#[test]
fn a_conflict_is_resolved_in_the_inbox() {
    let (paris, _marseille) = conflicting_offices();
    let mut app = app_on(&paris);
    keys(&mut app, &["c"]);
    let Some(Popup::Conflicts(c)) = &app.state.popup else { panic!("inbox open") };
    assert_eq!(c.conflicts.len(), 1);
    let values: Vec<&str> = c.conflicts[0].values.iter().map(|v| v.value.as_str()).collect();
    assert!(values.contains(&"active") && values.contains(&"suspended"), "{values:?}");
    let at = values.iter().position(|v| *v == "suspended").unwrap();
    insta::assert_snapshot!("conflicts_inbox", shot(&mut app));
    for _ in 0..at {
        keys(&mut app, &["j"]);
    }
    keys(&mut app, &["enter"]);
    assert!(message(&app).contains("Kept \"suspended\""), "{}", message(&app));
    let Some(Popup::Conflicts(c)) = &app.state.popup else { panic!("the inbox stays open") };
    assert!(c.conflicts.is_empty(), "the list refreshed: {:?}", c.conflicts);
    insta::assert_snapshot!("conflicts_empty", shot(&mut app));
    assert_eq!(paris.json(&["conflicts", "list"]), serde_json::json!([]));
    assert_eq!(paris.json(&["case", "show", "OP-2"])["status"], "suspended");
}

#[test]
fn a_csv_file_is_previewed_then_imported_into_a_case() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "CDR-1", "--title", "Call records"]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let csv = root.join("assets/mappings/call-records.example.csv");
    let mapping = root.join("assets/mappings/call-records.toml");
    let mut app = testing::app(
        liaison::store::Store::open(&l.store, &age::secrecy::SecretString::from(PASSPHRASE.to_owned()))
            .unwrap(),
    );
    keys(&mut app, &["i"]);
    let Some(Popup::Import(form)) = &app.state.popup else { panic!("import form") };
    assert_eq!(form.case, "CDR-1", "the selected case is filled in");
    type_text(&mut app, s(&csv));
    keys(&mut app, &["tab"]);
    type_text(&mut app, "c");
    keys(&mut app, &["enter"]);
    let Some(Popup::Import(form)) = &app.state.popup else { panic!("import form") };
    assert!(form.error.as_deref().is_some_and(|e| e.contains("mapping")), "{:?}", form.error);
    keys(&mut app, &["tab"]);
    type_text(&mut app, s(&mapping));
    keys(&mut app, &["enter"]);
    let Some(Popup::Import(form)) = &app.state.popup else { panic!("import form") };
    let ImportStep::Preview(_, report) = &form.step else { panic!("a preview: {:?}", form.step) };
    assert!(report.dry_run && report.created > 0, "{report:?}");
    insta::assert_snapshot!("import_csv_preview", shot(&mut app));
    assert_eq!(
        l.json(&["case", "show", "CDR-1"])["members"].as_array().map(Vec::len),
        Some(0),
        "nothing written"
    );
    keys(&mut app, &["y"]);
    let Some(Popup::Import(form)) = &app.state.popup else { panic!("import screen") };
    let ImportStep::Done(Ok(done)) = &form.step else { panic!("a report: {:?}", form.step) };
    assert!(done.changed && !done.dry_run && done.created > 0, "{done:?}");
    assert!(message(&app).contains("created"), "{}", message(&app));
    keys(&mut app, &["enter"]);
    assert!(app.state.popup.is_none());
    let members = l.json(&["case", "show", "CDR-1"])["members"].as_array().map_or(0, Vec::len);
    assert!(members > 0, "the phones are in the case");
    assert!(!app.state.entities.rows.is_empty(), "and in the entities pane");
}

#[test]
fn the_help_lists_the_new_keys() {
    let l = Liaison::init();
    let mut app = testing::app(
        liaison::store::Store::open(&l.store, &age::secrecy::SecretString::from(PASSPHRASE.to_owned()))
            .unwrap(),
    );
    let look = liaison::tui::ui::Look { theme: app.theme(), keymap: app.keymap() };
    let text: String = liaison::tui::ui::help_text(&look);
    for expected in [
        "Conflicts inbox",
        "Exchange: offices, export, import",
        "Import STIX/MISP/FtM/CSV",
        "Whole-store timeline",
        "conflicts keys",
        "Keep this value",
        "exchange keys",
        "Export to the office",
        "Import a bundle",
        "input keys",
    ] {
        assert!(text.contains(expected), "{expected:?} in the help:\n{text}");
    }
    keys(&mut app, &["?"]);
    assert!(matches!(app.state.popup, Some(Popup::Help { .. })));
    // The palette runs the screens by name too.
    keys(&mut app, &["esc", ":"]);
    type_text(&mut app, "conflicts");
    keys(&mut app, &["enter"]);
    assert!(matches!(app.state.popup, Some(Popup::Conflicts(_))), "{:?}", app.state.popup);
    let mut t = terminal(80, 24);
    assert!(screen(&mut app, &mut t).contains("No conflicts"));
    keys(&mut app, &["esc", ":"]);
    type_text(&mut app, "import_file");
    keys(&mut app, &["enter"]);
    assert!(matches!(app.state.popup, Some(Popup::Import(_))), "{:?}", app.state.popup);
}

/// Every page of the whole-store timeline, as the workbench asks for them, with the
/// arrivals the worker merges in.
fn all_pages(store: &liaison::store::Store, limit: u32, newest_first: bool) -> Vec<(String, bool)> {
    use liaison::store::query::{TimelineQuery, TimelineScope};
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let q = TimelineQuery {
            scope: TimelineScope::All,
            newest_first,
            limit,
            offset,
            ..TimelineQuery::default()
        };
        let mut items = store.timeline(&q).unwrap();
        let rows = items.len() as u32;
        liaison::tui::worker::merge_arrivals(store, &q, &mut items).unwrap();
        out.extend(items.into_iter().map(|i| (i.at, i.id.is_nil())));
        if rows < limit {
            return out;
        }
        offset += rows;
    }
}

#[test]
fn each_bundle_arrival_lands_on_exactly_one_page_in_date_order() {
    let (paris, marseille) = two_offices();
    let (b1, b2) = (paris.root.path().join("b1"), paris.root.path().join("b2"));
    paris.ok(&["export", "--to", "Marseille", "-o", s(&b1)]);
    marseille.ok(&["import", s(&b1)]);
    marseille.ok(&["case", "note", "OP-7", "after the first bundle"]);
    paris.ok(&["case", "note", "OP-7", "from Paris"]);
    paris.ok(&["export", "--to", "Marseille", "-o", s(&b2)]);
    marseille.ok(&["import", s(&b2)]);
    marseille.ok(&["case", "note", "OP-7", "after the second bundle"]);
    let store = open(&marseille.store);
    let everything = all_pages(&store, 10_000, true);
    let rows = everything.iter().filter(|(_, arrival)| !arrival).count();
    assert!(rows >= 3, "the notes are dated items: {everything:?}");
    for limit in 1..=4 {
        for newest_first in [true, false] {
            let items = all_pages(&store, limit, newest_first);
            assert_eq!(items.iter().filter(|(_, a)| *a).count(), 2, "limit {limit}: {items:?}");
            assert_eq!(items.len(), rows + 2, "limit {limit}: every row once");
            let ats: Vec<&String> = items.iter().map(|(at, _)| at).collect();
            let mut sorted = ats.clone();
            sorted.sort();
            if newest_first {
                sorted.reverse();
            }
            assert_eq!(ats, sorted, "limit {limit}, newest first {newest_first}");
        }
    }
}
