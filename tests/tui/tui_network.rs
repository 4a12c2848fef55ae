//! The network screen on the demo store: opened on a case and on a person, moved about with
//! the arrows and Tab, left with Enter (the node opened in the panes) or Esc, and the path
//! between two marked entities drawn and listed; its snapshots at 80×24 and 200×50, and the
//! time a frame takes.

use crate::common;
use crate::tui_support;

use std::time::{Duration, Instant};

use liaison::tui::App;
use liaison::tui::message::NetworkOf;
use liaison::tui::screens::network::NetworkScreen;
use liaison::tui::state::{EntitiesView, Mode, Popup};
use liaison::tui::testing::{keys, screen, terminal};
use tui_support::{demo_app, open_by_search, stable};

fn net(app: &App) -> &NetworkScreen {
    match &app.state.popup {
        Some(Popup::Network(n)) => n,
        other => panic!("the network screen is not open: {other:?}"),
    }
}

fn shot(app: &mut App, width: u16, height: u16) -> String {
    let mut t = terminal(width, height);
    let text = screen(app, &mut t);
    stable(app, &text)
}

/// The demo's first case open on the network screen, drawn once at 80×24.
fn case_network() -> (common::Liaison, App) {
    let (l, mut app) = demo_app();
    keys(&mut app, &["w"]);
    shot(&mut app, 80, 24);
    (l, app)
}

#[test]
fn w_opens_the_selected_cases_network_with_its_brokers_after_a_loading_line() {
    let (_l, mut app) = demo_app();
    assert_eq!(app.state.cases.rows[0].reference, "DGSE-2024-EXT-007");
    app.press("w");
    let loading = shot(&mut app, 80, 24);
    assert!(loading.contains("Loading the network…"), "{loading}");
    assert!(app.settle(liaison::tui::testing::SETTLE));
    let text = shot(&mut app, 80, 24);
    let n = net(&app);
    assert!(matches!(&n.of, NetworkOf::Case { reference, .. } if reference == "DGSE-2024-EXT-007"));
    let p = n.picture.as_ref().expect("the network arrived");
    // As `liaison network --case DGSE-2024-EXT-007` says: 70 entities, 154 linked pairs,
    // the address at 52 Rue de la République the top broker.
    assert_eq!((p.total_nodes, p.total_edges, p.nodes.len()), (70, 154, 70));
    assert_eq!(p.components, vec![68, 1, 1]);
    assert!(p.nodes[0].caption.starts_with("52 Rue de la République"), "{:?}", p.nodes[0]);
    assert_eq!(n.selected, 0, "the top broker selected first");
    assert_eq!(app.state.mode(), Mode::Network);
    assert!(text.contains("Network of case DGSE-2024-EXT-007 · 70 entities · 154 linked pairs"), "{text}");
    assert!(
        text.contains("Brokers") && text.contains(" 1 52 Rue de") && text.contains("Kevin Jan"),
        "{text}"
    );
    assert!(text.contains("68 entities"), "components with their counts: {text}");
    assert!(text.contains('◉'), "the selected node is marked: {text}");
    assert!(text.chars().any(|c| ('\u{2801}'..='\u{28FF}').contains(&c)), "edges in braille: {text}");
}

#[test]
fn arrows_move_to_the_nearest_node_that_way_and_tab_by_rank() {
    let (_l, mut app) = case_network();
    keys(&mut app, &["tab", "tab"]);
    assert_eq!(net(&app).selected, 2, "Tab: next by rank");
    keys(&mut app, &["backtab"]);
    assert_eq!(net(&app).selected, 1);
    let mut moved = 0;
    for (key, dx, dy) in
        [("left", -1, 0), ("right", 1, 0), ("up", 0, -1), ("down", 0, 1), ("h", -1, 0), ("j", 0, 1)]
    {
        let before = net(&app).selected;
        let (c0, r0) = net(&app).placement.cells[before];
        keys(&mut app, &[key]);
        let after = net(&app).selected;
        if after == before {
            continue;
        }
        moved += 1;
        let (c1, r1) = net(&app).placement.cells[after];
        let (ddx, ddy) = (i32::from(c1) - i32::from(c0), i32::from(r1) - i32::from(r0));
        assert!(ddx * dx + ddy * dy > 0, "{key} went from {:?} to {:?}", (c0, r0), (c1, r1));
    }
    assert!(moved >= 4, "the arrows move the selection");
    let text = shot(&mut app, 80, 24);
    let sel = net(&app).selected;
    let caption = &net(&app).picture.as_ref().unwrap().nodes[sel].caption;
    let label = liaison::tui::screens::network::place::short(caption, 20);
    assert!(text.contains(&label), "the selected node's label always shows ({label}): {text}");
}

#[test]
fn enter_opens_the_node_in_the_panes_and_esc_closes() {
    let (_l, mut app) = case_network();
    keys(&mut app, &["tab", "tab", "tab"]);
    let node = net(&app).picture.as_ref().unwrap().nodes[3].clone();
    keys(&mut app, &["enter"]);
    assert!(app.state.popup.is_none(), "back in the panes");
    assert!(
        matches!(&app.state.entities.view, Some(EntitiesView::Neighbourhood { center, .. }) if *center == node.id),
        "{:?}",
        app.state.entities.view
    );
    assert_eq!(app.state.detail.view.as_ref().map(|v| v.id), Some(node.id), "its detail shown");
    // From there, w opens the entity's own (ego) network; Esc goes back to the panes.
    keys(&mut app, &["w"]);
    assert!(matches!(&net(&app).of, NetworkOf::Entity { id, .. } if *id == node.id));
    keys(&mut app, &["esc"]);
    assert!(app.state.popup.is_none());
    assert_eq!(app.state.mode(), Mode::Main);
}

#[test]
fn a_persons_ego_network_holds_his_neighbours_within_two_hops() {
    let (_l, mut app) = demo_app();
    open_by_search(&mut app, "Karim Benali", "Karim Benali");
    let neighbours: std::collections::HashSet<uuid::Uuid> =
        app.state.entities.rows.iter().map(|r| r.entity().0).collect();
    assert!(!neighbours.is_empty());
    keys(&mut app, &["w"]);
    let text = shot(&mut app, 80, 24);
    let n = net(&app);
    assert!(matches!(&n.of, NetworkOf::Entity { caption, hops: 2, .. } if caption == "Karim Benali"));
    let p = n.picture.as_ref().expect("loaded");
    let me = p.center.expect("the person is a node");
    assert_eq!(p.nodes[me].caption, "Karim Benali");
    assert_eq!(n.selected, me, "opens on the person");
    for id in &neighbours {
        assert!(p.nodes.iter().any(|x| x.id == *id), "a neighbour of the panes is drawn");
    }
    assert!(p.nodes.len() > neighbours.len() + 1, "two hops reach further than one");
    assert!(p.nodes.len() <= 60, "capped");
    assert!(text.contains("Ego network of Karim Benali · 2 hops"), "{text}");
    // H: one hop, his direct neighbours only.
    keys(&mut app, &["H"]);
    let p = net(&app).picture.as_ref().expect("loaded again");
    assert_eq!(p.nodes.len(), neighbours.len() + 1, "one hop: him and his neighbours");
}

#[test]
fn a_hubs_ego_network_is_capped_and_says_how_many_links_it_left_out() {
    use liaison::store::change::{Change, Face};
    use liaison::store::{Office, Provenance, Store};
    let dir = tempfile::tempdir().unwrap();
    let pass = age::secrecy::SecretString::from("correct horse battery".to_owned());
    let office = Office { name: "Paris".into(), agency: "DGSI".into(), country: "FR".into() };
    let mut store = Store::create(dir.path(), &pass, &office).unwrap();
    let person = |store: &mut Store, name: String| {
        let props = vec![("name".to_owned(), name)];
        let change = Change::NewEntity { schema: "Person".into(), props, prov: Provenance::default() };
        store.apply(change, Face::Workbench).unwrap().id.unwrap()
    };
    let link = |store: &mut Store, from, to| {
        let change = Change::NewLink {
            schema: "Associate".into(),
            from,
            to,
            props: vec![],
            prov: Provenance::default(),
        };
        store.apply(change, Face::Workbench).unwrap();
    };
    // A hub with 45 associates, each with two of their own: 136 people within two hops.
    let hub = person(&mut store, "Hub Zentral".into());
    for i in 0..45 {
        let a = person(&mut store, format!("Associate {i:02}"));
        link(&mut store, hub, a);
        for j in 0..2 {
            let b = person(&mut store, format!("Contact {i:02}-{j}"));
            link(&mut store, a, b);
        }
    }
    let mut app = liaison::tui::testing::app(store);
    open_by_search(&mut app, "Hub Zentral", "Hub Zentral");
    keys(&mut app, &["w"]);
    let text = shot(&mut app, 80, 24);
    let p = net(&app).picture.clone().expect("loaded");
    // 30 of the hub's 45 links are read (15 left), then the ring grows to 60 people: 29 of
    // the 60 contacts kept, 31 left.
    assert_eq!(p.nodes.len(), 60, "capped at 60 records");
    assert_eq!(p.hidden_links, 15 + 31);
    assert!(text.contains("+46 links not followed"), "{text}");
}

#[test]
fn m_on_one_node_then_on_another_draws_and_lists_the_path() {
    let (_l, mut app) = case_network();
    let p = net(&app).picture.clone().unwrap();
    // The top broker and an entity that is not its neighbour.
    let far = (1..p.nodes.len())
        .find(|&i| p.nodes[i].component == 0 && !p.edges.contains(&(0, i)))
        .expect("a node two links away or more");
    keys(&mut app, &["m"]);
    assert_eq!(app.state.marked.as_ref().map(|m| m.0), Some(p.nodes[0].id), "marked as in the panes");
    for _ in 0..far {
        keys(&mut app, &["tab"]);
    }
    keys(&mut app, &["m"]);
    let n = net(&app);
    let path = n.path.as_ref().expect("a path asked for");
    let steps = path.steps.clone().expect("answered").expect("a chain exists");
    assert!(steps.len() >= 2, "{steps:?}");
    assert_eq!(steps.last().unwrap().to.id, p.nodes[far].id);
    let drawn = n.path_edges();
    let both_drawn = path.nodes.windows(2).filter(|w| w[0].is_some() && w[1].is_some()).count();
    assert!(!drawn.is_empty() && drawn.len() == both_drawn, "hops drawn on the canvas: {drawn:?}");
    let said = app.state.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert_eq!(said, format!("Path of {} links, highlighted and listed beside.", steps.len()));
    let text = shot(&mut app, 200, 50);
    assert!(text.contains(&format!("Path {} → ", p.nodes[0].caption)), "{text}");
    assert!(text.contains(&format!("{} links", steps.len())), "{text}");
    for s in &steps {
        assert!(text.contains(&s.to.caption), "hop to {} listed: {text}", s.to.caption);
    }
    // The same chain as `p` finds from the panes: the same search.
    keys(&mut app, &["p"]);
    assert_eq!(net(&app).path.as_ref().unwrap().steps, Some(Some(steps)));
}

#[test]
fn question_mark_lists_the_screens_keys_from_the_keymap() {
    let (_l, mut app) = case_network();
    keys(&mut app, &["?"]);
    let text = shot(&mut app, 80, 24);
    assert!(text.contains("Network keys"), "{text}");
    for b in app.keymap().bindings(Mode::Network) {
        assert!(text.contains(&b.desc), "{} listed: {text}", b.desc);
    }
    keys(&mut app, &["esc"]);
    assert!(!net(&app).help, "Esc closes the list, not the screen");
    // The workbench's help lists them too.
    let help =
        liaison::tui::ui::help_text(&liaison::tui::ui::Look { theme: app.theme(), keymap: app.keymap() });
    assert!(help.contains("network keys") && help.contains("Next node by rank"), "{help}");
    assert!(help.contains("Network of the case / entity"), "the key that opens it: {help}");
}

#[test]
fn snapshots_case_network_80x24_and_200x50_and_ego_network_80x24() {
    let (_l, mut app) = case_network();
    insta::assert_snapshot!("network_case_80x24", shot(&mut app, 80, 24));
    insta::assert_snapshot!("network_case_200x50", shot(&mut app, 200, 50));
    keys(&mut app, &["esc"]);
    open_by_search(&mut app, "Karim Benali", "Karim Benali");
    keys(&mut app, &["w"]);
    insta::assert_snapshot!("network_ego_80x24", shot(&mut app, 80, 24));
}

#[test]
fn a_frame_of_the_network_screen_takes_under_16_ms() {
    let (_l, mut app) = case_network();
    for (w, h) in [(80, 24), (200, 50)] {
        let mut t = terminal(w, h);
        app.draw(&mut t).unwrap();
        let mut times: Vec<Duration> = (0..40)
            .map(|_| {
                let t0 = Instant::now();
                app.draw(&mut t).unwrap();
                t0.elapsed()
            })
            .collect();
        times.sort();
        let median = times[times.len() / 2];
        eprintln!("network screen {w}×{h}: median frame {:.2} ms", median.as_secs_f64() * 1e3);
        // Debug builds are several times slower than the release the analyst runs.
        let limit = if cfg!(debug_assertions) { 80 } else { 16 };
        assert!(median < Duration::from_millis(limit), "{w}×{h}: {median:?}");
    }
}
