//! What a new analyst tripped over in the entities pane, the timeline and paths (issue 10
//! §2), as key flows on the demo store: each test failed on the workbench before the fix.

use crate::common;
use crate::tui_support;

use liaison::store::query::MemberOrder;
use liaison::tui::state::{EntitiesView, EntityRow, Mode};
use liaison::tui::testing::{keys, screen, terminal, type_text};
use tui_support::{demo_app, open_by_search};

fn shot(app: &mut liaison::tui::App) -> String {
    let mut t = terminal(80, 24);
    screen(app, &mut t)
}

fn members(app: &liaison::tui::App) -> Vec<liaison::store::query::MemberRow> {
    app.state
        .entities
        .rows
        .iter()
        .filter_map(|r| match r {
            EntityRow::Member(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn f_in_the_entities_pane_filters_the_entities_and_s_sorts_them_people_first_by_default() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["2"]);
    let all = members(&app);
    let kinds: Vec<&str> = all.iter().map(|m| m.schema.as_str()).collect();
    let others = kinds.iter().position(|k| *k != "Person").expect("other kinds");
    assert!(others > 0, "people come first: {kinds:?}");
    assert!(kinds[others..].iter().all(|k| *k != "Person"), "then the other kinds: {kinds:?}");

    keys(&mut app, &["f"]);
    assert!(app.state.popup.is_none(), "no cases filter: the entities are filtered in their pane");
    type_text(&mut app, "ma");
    assert!(shot(&mut app).contains("Name contains: ma"), "the filter is typed in the pane");
    keys(&mut app, &["enter"]);
    assert_eq!(app.state.cases.rows.len(), 5, "the cases are not filtered");
    let found = members(&app);
    assert!(!found.is_empty() && found.len() < all.len(), "{} of {}", found.len(), all.len());
    assert!(found.iter().all(|m| m.caption.to_lowercase().contains("ma")), "{found:?}");
    let text = shot(&mut app);
    assert!(text.contains("Entities \"ma\" · people first"), "{text}");

    keys(&mut app, &["S", "S"]);
    assert_eq!(app.state.entities.filter.order, MemberOrder::Name);
    let names: Vec<String> = members(&app).iter().map(|m| m.caption.to_ascii_lowercase()).collect();
    assert!(names.is_sorted(), "by name: {names:?}");
    keys(&mut app, &["S"]);
    let links: Vec<i64> = members(&app).iter().map(|m| m.links).collect();
    assert!(links.windows(2).all(|w| w[0] >= w[1]) && links[0] > links[links.len() - 1], "{links:?}");
    assert!(shot(&mut app).contains("by links"), "the order is in the pane title");
    assert_eq!(members(&app).len(), found.len(), "the filter stays while the order changes");

    // F clears the entities' filter (not the cases'), an empty filter too.
    keys(&mut app, &["F"]);
    assert_eq!(members(&app).len(), all.len());
    keys(&mut app, &["f"]);
    type_text(&mut app, "ma");
    keys(&mut app, &["enter", "f", "ctrl-u", "enter"]);
    assert_eq!(members(&app).len(), all.len());
}

#[test]
fn the_timeline_range_is_in_the_title_belongs_to_its_case_and_the_detail_follows_it() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["3", "f"]);
    type_text(&mut app, "2025-01");
    keys(&mut app, &["tab"]);
    type_text(&mut app, "2025-06");
    keys(&mut app, &["enter"]);
    let text = shot(&mut app);
    assert!(text.contains("Timeline 2025-01…2025-06"), "seen at 80 columns: {text}");
    let t = &app.state.timeline;
    assert!(
        !t.items.is_empty()
            && t.items.iter().all(|i| i.at.as_str() >= "2025-01" && i.at.as_str() < "2025-07")
    );
    let selected = t.items[t.selected].id;
    assert_eq!(app.state.detail.subject, Some(selected), "the detail shows the selection within the range");

    // Another case has its own range (none yet); coming back finds this one's again.
    keys(&mut app, &["1", "j"]);
    assert_eq!(app.state.timeline.from, None);
    assert!(!shot(&mut app).contains("2025-01…2025-06"));
    keys(&mut app, &["k"]);
    assert_eq!(app.state.timeline.from.as_deref(), Some("2025-01"));

    // Asked for: one range for every case.
    keys(&mut app, &[":"]);
    type_text(&mut app, "timeline_range_all");
    keys(&mut app, &["enter", "j"]);
    assert_eq!(app.state.timeline.to.as_deref(), Some("2025-06"), "the range follows to the next case");
    let text = shot(&mut app);
    assert!(text.contains("2025-01…2025-06 (all)"), "{text}");
}

#[test]
fn enter_on_a_call_in_the_timeline_offers_either_party_and_pivots_to_the_one_chosen() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["3"]);
    let at = app.state.timeline.items.iter().position(|i| i.schema == "Call").expect("a call");
    for _ in 0..at {
        keys(&mut app, &["j"]);
    }
    let call = app.state.timeline.items[at].clone();
    keys(&mut app, &["enter"]);
    assert_eq!(app.state.mode(), Mode::Choice);
    let text = shot(&mut app);
    assert!(text.contains("1 caller") && text.contains("2 receiver"), "{text}");
    keys(&mut app, &["2"]);
    let receiver = call.b.expect("a receiver");
    assert!(
        matches!(&app.state.entities.view, Some(EntitiesView::Neighbourhood { center, .. }) if *center == receiver.id),
        "{:?}",
        app.state.entities.view
    );
    assert_eq!(app.state.mode(), Mode::Main);
}

#[test]
fn the_whole_store_timeline_has_its_density_strip() {
    let (_l, mut app) = demo_app();
    keys(&mut app, &["T"]);
    let d = &app.state.timeline.density;
    assert!(d.len() > 12 && d.iter().any(|b| b.count > 0), "{d:?}");
    let bars = shot(&mut app);
    assert!(bars.lines().any(|l| l.contains('▁') || l.contains('█')), "{bars}");
}

#[test]
fn paths_show_each_links_own_direction_filter_by_kind_and_two_hops_say_via_whom() {
    let (_l, mut app) = demo_app();
    open_by_search(&mut app, "Karim Benali", "Karim Benali");
    keys(&mut app, &["m", "2", "H"]);
    let far: Vec<_> = app
        .state
        .entities
        .rows
        .iter()
        .filter_map(|r| match r {
            EntityRow::Neighbour(n) if n.depth == 2 => Some(n.clone()),
            _ => None,
        })
        .collect();
    assert!(!far.is_empty() && far.iter().all(|n| n.through.is_some()), "{far:?}");
    assert!(shot(&mut app).contains(" via "), "the second hop names who it is reached through");

    // The last second-hop neighbour: a path to it ends with the link read from its first hop.
    let last = far.last().unwrap().clone();
    keys(&mut app, &["G", "p"]);
    let steps: Vec<_> = app
        .state
        .entities
        .rows
        .iter()
        .filter_map(|r| match r {
            EntityRow::Step(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let end = steps.last().expect("a path");
    assert_eq!(end.link, last.via.id);
    // "out": the first hop is the link's source, so the path runs along it (→).
    assert_eq!(end.forward, last.via.direction == "out", "{end:?} {last:?}");
    let arrow = if end.forward { "→" } else { "←" };
    let label = liaison::model::schema::Schema::builtin().kind(&end.schema).unwrap().label.clone();
    let text = shot(&mut app);
    assert!(text.contains(&format!("{}. {arrow} {label}", steps.len())), "{text}");

    // Only links of a kind the path does not use: no path, and the title says why.
    let unused = if steps.iter().any(|s| s.schema == "Payment") { "Family" } else { "Payment" };
    keys(&mut app, &["f"]);
    type_text(&mut app, unused);
    keys(&mut app, &["enter"]);
    assert!(app.state.entities.rows.is_empty(), "{:?}", app.state.entities.rows);
    assert!(shot(&mut app).contains(&format!("Path \"{unused}\"")));
    // The kinds the path used find it again.
    let kinds: Vec<&str> = steps.iter().map(|s| s.schema.as_str()).collect();
    keys(&mut app, &["f", "ctrl-u"]);
    type_text(&mut app, &kinds.join(" "));
    keys(&mut app, &["enter"]);
    assert_eq!(app.state.entities.rows.len(), steps.len());
    // A word that is no kind, grade or date is refused and changes nothing.
    keys(&mut app, &["f", "ctrl-u"]);
    type_text(&mut app, "sometimes");
    keys(&mut app, &["enter"]);
    let message = app.state.message.clone().expect("an error");
    assert!(message.error && message.text.contains("\"sometimes\" is not a link kind"), "{message:?}");
    assert_eq!(app.state.entities.rows.len(), steps.len());
}

/// The demo store opened a second time, for the library's own answers.
fn demo_store(l: &common::Liaison) -> liaison::store::Store {
    liaison::store::Store::open(&l.store, &age::secrecy::SecretString::from("demo".to_owned())).unwrap()
}

#[test]
fn the_whole_store_strip_counts_each_month_from_the_index() {
    use liaison::store::query::{TimelineQuery, TimelineScope, Zoom};
    let (l, _app) = demo_app();
    let store = demo_store(&l);
    let strip = store.timeline_density(TimelineScope::All, Zoom::Month, None, None).unwrap();
    assert!(strip.len() > 12, "{strip:?}");
    for b in strip.iter().rev().take(3) {
        let q = TimelineQuery {
            scope: TimelineScope::All,
            from: Some(b.bucket.clone()),
            to: Some(b.bucket.clone()),
            limit: 100_000,
            ..TimelineQuery::default()
        };
        let items = store.timeline(&q).unwrap();
        let dated = items.iter().filter(|i| i.at.len() >= 7).count() as i64;
        assert_eq!(b.count, dated, "{}", b.bucket);
    }
    let range = store.timeline_density(TimelineScope::All, Zoom::Year, Some("2024"), Some("2024")).unwrap();
    assert_eq!(range.iter().map(|b| b.bucket.as_str()).collect::<Vec<_>>(), ["2024"]);
}

#[test]
fn a_path_filter_by_grade_or_dates_leaves_out_the_links_it_does_not_keep() {
    use liaison::analysis::path::{PathFilter, PathLimits, shortest_path_where};
    let (l, mut app) = demo_app();
    open_by_search(&mut app, "Karim Benali", "Karim Benali");
    keys(&mut app, &["m", "2", "G", "p"]);
    let Some(EntitiesView::Path { from, to, .. }) = app.state.entities.view.clone() else { panic!("a path") };
    let store = demo_store(&l);
    let path = |f: PathFilter| shortest_path_where(&store, from, to, PathLimits::default(), &f).unwrap();
    assert!(path(PathFilter::default()).is_some());
    assert!(
        path(PathFilter { min_grade: Some(11), ..PathFilter::default() }).is_none(),
        "no grade is above A1"
    );
    let future = PathFilter { from: Some("2999".into()), ..PathFilter::default() };
    assert!(path(future).is_none(), "no link is dated then");
}
