//! What a new analyst tripped over in the workbench (issue #10 §2), each as the key flow that
//! failed: the detail pane at 80×24, deleting a link, the status bar after a write.

use crate::common;
use crate::tui_support;

use liaison::tui::state::{EntitiesView, Pane, Popup};
use liaison::tui::testing::{keys, screen, terminal, type_text};
use tui_support::{demo_app, focus_field, open_by_search};

/// The detail pane's part of the screen at `size`.
fn detail_region(text: &str, size: (u16, u16)) -> String {
    let r = liaison::tui::ui::layout::regions(size).detail;
    text.lines()
        .skip(r.y as usize)
        .take(r.height as usize)
        .map(|l| l.chars().skip(r.x as usize).take(r.width as usize).collect::<String>() + "\n")
        .collect()
}

#[test]
fn at_80_by_24_the_detail_pane_scrolls_to_an_entitys_links_and_cases() {
    let (_l, mut app) = demo_app();
    open_by_search(&mut app, "Benal", "Karim Benali");
    let view = app.state.detail.view.as_ref().expect("Karim Benali in the detail pane");
    let case = view.cases.first().expect("he is in a case").reference.clone();
    let mut t = terminal(80, 24);
    let before = detail_region(&screen(&mut app, &mut t), (80, 24));
    assert!(!before.contains(&case), "the case is below the fold at first:\n{before}");
    assert!(before.contains("more ↓"), "the pane says it goes on:\n{before}");
    keys(&mut app, &["4"]);
    let mut seen_links = false;
    for _ in 0..80 {
        keys(&mut app, &["j"]);
        let text = detail_region(&screen(&mut app, &mut t), (80, 24));
        seen_links |= text.contains("Links (");
        if text.contains(&case) {
            assert!(seen_links, "the links come before the cases");
            return;
        }
    }
    panic!("the case {case} never came into view:\n{}", screen(&mut app, &mut t));
}

#[test]
fn enter_on_a_case_row_of_the_detail_pane_goes_to_the_case() {
    let (_l, mut app) = demo_app();
    open_by_search(&mut app, "Benal", "Karim Benali");
    let case = app.state.detail.view.as_ref().unwrap().cases.last().unwrap().reference.clone();
    keys(&mut app, &["4", "G", "enter"]);
    assert_eq!(app.state.focus, Pane::Cases);
    assert_eq!(app.state.current_case().map(|c| c.reference.clone()), Some(case));
}

#[test]
fn d_on_a_link_row_of_the_pivot_list_deletes_the_link_and_keeps_both_entities() {
    let (l, mut app) = demo_app();
    open_by_search(&mut app, "Benal", "Karim Benali");
    assert!(matches!(app.state.entities.view, Some(EntitiesView::Neighbourhood { .. })));
    keys(&mut app, &["2", "g"]);
    let row = app.state.entities.current().cloned().expect("a neighbour");
    let (neighbour, _, neighbour_caption) = row.entity();
    let neighbour_caption = neighbour_caption.to_owned();
    let liaison::tui::state::EntityRow::Neighbour(n) = &row else { panic!("a link row") };
    let link = n.via.id;
    keys(&mut app, &["d"]);
    let Some(Popup::Confirm(c)) = &app.state.popup else { panic!("a question first") };
    assert!(c.question.contains("link") && c.question.contains(&neighbour_caption), "{}", c.question);
    assert!(c.question.contains("Karim Benali"), "the question names both ends: {}", c.question);
    keys(&mut app, &["y"]);
    let show = |id: String| {
        let out = l.with_passphrase("demo").args(["--json", "entity", "show", &id]).output().unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(show(link.to_string())["deleted"], true, "the link is deleted");
    assert_eq!(show(neighbour.to_string())["deleted"], false, "the neighbour is not");
    let karim = app.state.entities.view.as_ref().map(|v| match v {
        EntitiesView::Neighbourhood { caption, .. } => caption.clone(),
        _ => String::new(),
    });
    assert_eq!(karim.as_deref(), Some("Karim Benali"), "still on his neighbourhood");
    assert!(
        app.state
            .entities
            .rows
            .iter()
            .all(|r| !matches!(r, liaison::tui::state::EntityRow::Neighbour(x) if x.via.id == link)),
        "the link's row is gone"
    );
}

#[test]
fn the_status_bar_counts_follow_a_write() {
    let (_l, mut app) = demo_app();
    let before = app.state.counts.expect("counts").entities;
    keys(&mut app, &["e"]);
    type_text(&mut app, "Person");
    keys(&mut app, &["enter"]);
    type_text(&mut app, "Ines Varga");
    keys(&mut app, &["enter"]);
    assert_eq!(app.state.counts.expect("counts").entities, before + 1);
    let mut t = terminal(80, 24);
    let text = screen(&mut app, &mut t);
    assert!(text.contains(&format!("{} entities", before + 1)), "{text}");
    assert!(
        text.contains(" cases\n") || text.contains(" cases "),
        "the counts are not cut at 80 columns:\n{text}"
    );
}

#[test]
fn with_several_analysts_the_workbench_asks_who_is_working_and_the_audit_names_them() {
    let (l, mut app) = demo_app();
    let added = l.with_passphrase("demo").args(["analyst", "add", "Karl Weber"]).output().unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    keys(&mut app, &["ctrl-l"]);
    type_text(&mut app, "demo");
    app.press("enter");
    assert!(app.settle(liaison::tui::testing::SETTLE));
    let Some(Popup::Analyst(choice)) = &app.state.popup else { panic!("who is working? is asked first") };
    let karl = choice.names.iter().position(|n| n == "Karl Weber").expect("Karl Weber offered");
    keys(&mut app, &["esc"]);
    assert!(matches!(app.state.popup, Some(Popup::Analyst(_))), "the question cannot be skipped");
    for _ in 0..karl {
        keys(&mut app, &["down"]);
    }
    keys(&mut app, &["enter"]);
    assert_eq!(app.state.analyst.as_deref(), Some("Karl Weber"));
    let mut t = terminal(80, 24);
    assert!(screen(&mut app, &mut t).contains("Karl Weber"), "the status bar says who is working");
    keys(&mut app, &["e"]);
    type_text(&mut app, "Person");
    keys(&mut app, &["enter"]);
    type_text(&mut app, "Ines Varga");
    keys(&mut app, &["enter"]);
    let log = l
        .with_passphrase("demo")
        .args(["--analyst", "Karl Weber", "--json", "audit", "log"])
        .output()
        .unwrap();
    assert!(log.status.success(), "{}", String::from_utf8_lossy(&log.stderr));
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).unwrap();
    let entry = log.as_array().unwrap().iter().rev().find(|e| e["action"] == "entity new").expect("audited");
    assert_eq!(entry["analyst"], "Karl Weber", "{entry}");
    open_by_search(&mut app, "Varga", "Ines Varga");
    let view = app.state.detail.view.as_ref().expect("the new person shown");
    assert!(
        view.statements.iter().all(|s| s.analyst.as_deref() == Some("Karl Weber")),
        "{:?}",
        view.statements
    );
    let text = screen(&mut app, &mut t);
    assert!(
        text.contains("by Karl Weber") || text.contains("· Karl Weber"),
        "the detail names the writer:\n{text}"
    );
}

#[test]
fn u_undoes_the_sessions_last_write_after_naming_it() {
    let (l, mut app) = demo_app();
    keys(&mut app, &["u"]);
    assert!(app.state.popup.is_none(), "nothing of this session to undo yet");
    assert!(
        app.state.message.as_ref().is_some_and(|m| m.text.contains("Nothing")),
        "{:?}",
        app.state.message
    );
    keys(&mut app, &["e"]);
    type_text(&mut app, "Person");
    keys(&mut app, &["enter"]);
    type_text(&mut app, "Ines Varga");
    keys(&mut app, &["enter"]);
    keys(&mut app, &["u"]);
    let Some(Popup::Confirm(c)) = &app.state.popup else { panic!("what is undone is named first") };
    assert!(c.question.contains("Ines Varga"), "{}", c.question);
    keys(&mut app, &["n"]);
    assert!(app.state.message.as_ref().is_some_and(|m| m.text == "Nothing was undone."));
    keys(&mut app, &["u", "y"]);
    let found = l.with_passphrase("demo").args(["--json", "search", "Ines Varga"]).output().unwrap();
    let hits: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert!(
        hits.as_array().unwrap().iter().all(|h| h["caption"] != "Ines Varga"),
        "the person is gone (deleted by new ops): {hits}"
    );
    let log = l.with_passphrase("demo").args(["--json", "audit", "log"]).output().unwrap();
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).unwrap();
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "undo"), "the undo is audited");
    keys(&mut app, &["u"]);
    assert!(app.state.popup.is_none(), "an undo is not undone by u, and nothing else is left");
}

#[test]
fn the_idle_lock_keeps_a_half_typed_form_and_the_view_and_drops_the_records() {
    let l = common::Liaison::empty();
    let out = l.command().args(["demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success());
    let store =
        liaison::store::Store::open(&l.store, &age::secrecy::SecretString::from("demo".to_owned())).unwrap();
    let options = liaison::tui::Options {
        idle_lock: std::time::Duration::from_millis(1500),
        ..liaison::tui::Options::plain()
    };
    let mut app = liaison::tui::App::with_store(store, options);
    assert!(app.settle(liaison::tui::testing::SETTLE));
    open_by_search(&mut app, "Benal", "Karim Benali");
    let karim = app.state.detail.subject.expect("Karim in the detail pane");
    keys(&mut app, &["4", "j", "j"]);
    let selected = app.state.detail.selected;
    keys(&mut app, &["e"]);
    type_text(&mut app, "Person");
    keys(&mut app, &["enter"]);
    type_text(&mut app, "Half typ");
    // The analyst steps away.
    std::thread::sleep(std::time::Duration::from_millis(1600));
    app.tick();
    assert!(matches!(app.state.screen, liaison::tui::state::Screen::Unlock(_)));
    assert!(app.state.cases.rows.is_empty() && app.state.entities.rows.is_empty(), "no record kept");
    assert!(app.state.detail.view.is_none() && app.state.popup.is_none(), "nothing shown while locked");
    let mut t = terminal(80, 24);
    assert!(!screen(&mut app, &mut t).contains("Half typ"), "the form is not on the lock screen");
    type_text(&mut app, "demo");
    app.press("enter");
    assert!(app.settle(liaison::tui::testing::SETTLE));
    let Some(Popup::Form(f)) = &app.state.popup else { panic!("the half-typed form is back") };
    assert_eq!(f.fields[f.focus].value, "Half typ");
    assert!(
        matches!(&app.state.entities.view, Some(EntitiesView::Neighbourhood { center, .. }) if *center == karim),
        "the pivot is back: {:?}",
        app.state.entities.view
    );
    assert!(!app.state.entities.rows.is_empty(), "its rows asked again");
    assert_eq!(app.state.detail.subject, Some(karim));
    assert_eq!(app.state.detail.selected, selected, "the detail's selection is back");
    assert_eq!(app.state.focus, Pane::Detail);
    keys(&mut app, &["esc"]);
    assert_eq!(app.state.cases.rows.len(), 5);
}

#[test]
fn at_50_columns_markings_are_written_out_and_titles_drop_whole_parts() {
    let (_l, mut app) = demo_app();
    let mut t = terminal(50, 24);
    let text = screen(&mut app, &mut t);
    let cases = liaison::tui::ui::layout::regions((50, 24)).cases;
    let pane: String = text
        .lines()
        .skip(cases.y as usize)
        .take(cases.height as usize)
        .map(|l| l.chars().skip(cases.x as usize).take(cases.width as usize).collect::<String>() + "\n")
        .collect();
    for (reference, marking) in
        [("DGSI-2024-ORG-041", "AMBER+S FR-DR"), ("JIT-2025-MAAS", "AMBER H2"), ("DGSE-2024-EXT-007", "RED")]
    {
        assert!(pane.contains(reference), "{reference} in:\n{pane}");
        assert!(pane.contains(marking), "{marking} written out in:\n{pane}");
    }
    let status = text.lines().nth(22).unwrap_or_default();
    assert!(status.trim_end().ends_with("cases"), "the counts are whole: {status:?}");
    assert!(text.lines().next().unwrap().contains("Entities …"), "a title drops whole parts:\n{text}");
}

#[test]
fn search_says_how_many_each_hits_cases_and_close_spellings() {
    let (_l, mut app) = demo_app();
    let mut t = terminal(80, 24);
    keys(&mut app, &["/"]);
    type_text(&mut app, "zzqxw");
    let text = screen(&mut app, &mut t);
    assert!(text.contains("Nothing found.") && !text.contains("Enter goes to it"), "{text}");
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "benalli");
    let text = screen(&mut app, &mut t);
    assert!(text.contains("close spellings"), "a typo still finds Benali:\n{text}");
    assert!(text.contains("Karim Benali"), "{text}");
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "06 11 00 00 00");
    let Some(Popup::Search(s)) = &app.state.popup else { panic!("search open") };
    assert!(s.hits.iter().any(|h| h.caption == "+33611000000"), "a phone typed as in a report: {:?}", s.hits);
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "Benali");
    let text = screen(&mut app, &mut t);
    assert!(text.contains("DGSI-2024-ORG-041"), "each hit shows its cases:\n{text}");
}

#[test]
fn a_long_form_says_more_fields_follow_and_the_cursor_moves_inside_a_field() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["e"]);
    type_text(&mut app, "Person");
    keys(&mut app, &["enter"]);
    let mut t = terminal(80, 24);
    let text = screen(&mut app, &mut t);
    assert!(text.contains("more fields below"), "{text}");
    type_text(&mut app, "Ines Vrga");
    keys(&mut app, &["left", "left", "left"]);
    type_text(&mut app, "a");
    let Some(Popup::Form(f)) = &app.state.popup else { panic!("form") };
    assert_eq!(f.fields[f.focus].value, "Ines Varga", "typed at the cursor");
}

#[test]
fn a_cases_journal_notes_are_shown_whole_under_it_with_their_provenance() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["N"]);
    let Some(Popup::Form(f)) = &app.state.popup else { panic!("note form") };
    assert!(f.fields.iter().any(|x| x.name == "@source") && f.fields.iter().any(|x| x.name == "@marking"));
    type_text(&mut app, "Seen at the port with a courier");
    keys(&mut app, &["enter"]);
    type_text(&mut app, "who left by the night ferry to Tangier, carrying two bags");
    assert!(app.state.popup.is_some(), "Enter in a note starts a new line, it does not save");
    focus_field(&mut app, "@source");
    type_text(&mut app, "Surveillance S-12");
    keys(&mut app, &["ctrl-s"]);
    assert!(app.state.popup.is_none(), "saved: {:?}", app.state.message);
    keys(&mut app, &["1", "4"]);
    let mut t = terminal(80, 24);
    let mut seen = String::new();
    for _ in 0..120 {
        seen.push_str(&detail_region(&screen(&mut app, &mut t), (80, 24)));
        keys(&mut app, &["j"]);
    }
    assert!(seen.contains("Journal ("), "the case lists its journal:\n{seen}");
    // Words from the start, the middle and the end of both lines, wherever the wrap falls.
    for part in ["Seen", "courier", "ferry", "Tangier,", "bags", "Surveillance"] {
        assert!(seen.contains(part), "{part:?} shown whole:\n{seen}");
    }
}
