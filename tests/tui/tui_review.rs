//! Judgements in the workbench (issue 13) and answer attachments (issue 15), on the demo
//! store made by the real binary: the review queue shows the planted duplicates best first,
//! side by side with `=` and `≠`, and `s` writes the judgement through the store; the
//! entities list marks records with open candidates; the detail pane shows the merged profile
//! of records judged the same and the plain view again after `not-same`; a file import says
//! how many of its records match records already held; an RFI answer carries the records
//! attached to it.

use crate::exchange_support;
use crate::tui_support;

use liaison::tui::App;
use liaison::tui::state::Popup;
use liaison::tui::testing::{keys, screen, terminal, type_text};

use tui_support::{demo_app, open_by_search, stable};

/// The screen at `w`×`h`, with the store's folder and the ids shown replaced.
fn shot(app: &mut App, w: u16, h: u16) -> String {
    let mut t = terminal(w, h);
    let drawn = screen(app, &mut t);
    let mut s = stable(app, &drawn);
    if let Some(Popup::Review(r)) = &app.state.popup {
        if let Some((a, b)) = &r.pair {
            s = s.replace(&a.id.to_string()[..8], "[id a]  ").replace(&b.id.to_string()[..8], "[id b]  ");
        }
    }
    s
}

/// The detail pane's text at 120×40.
fn detail_pane(app: &mut App) -> String {
    let text = shot(app, 120, 40);
    let r = liaison::tui::ui::layout::regions((120, 40)).pane(liaison::tui::state::Pane::Detail);
    text.lines()
        .skip(r.y as usize)
        .take(r.height as usize)
        .map(|l| l.chars().skip(r.x as usize).take(r.width as usize).collect::<String>() + "\n")
        .collect()
}

/// Selects the case `reference` in the cases pane.
fn select_case(app: &mut App, reference: &str) {
    keys(app, &["1", "g"]);
    let at = app.state.cases.rows.iter().position(|c| c.reference == reference).expect("the case is listed");
    for _ in 0..at {
        keys(app, &["j"]);
    }
    assert_eq!(app.state.current_case().map(|c| c.reference.as_str()), Some(reference));
}

fn review(app: &App) -> &liaison::tui::screens::review::ReviewScreen {
    match &app.state.popup {
        Some(Popup::Review(r)) => r,
        other => panic!("the review queue is not open: {other:?}"),
    }
}

#[test]
fn the_review_queue_shows_the_planted_pair_side_by_side_and_s_judges_it_the_same() {
    let (l, mut app) = demo_app();
    std::fs::write(&l.pass_file, "demo\n").unwrap();
    select_case(&mut app, "DGSE-2024-EXT-007");
    keys(&mut app, &["D"]);
    let r = review(&app);
    let first = r.current().expect("a candidate").clone();
    let pair = [first.a.caption.as_str(), first.b.caption.as_str()];
    assert!(pair.contains(&"Karim Benali") && pair.contains(&"Карим Бенали"), "{pair:?}");
    assert!(r.pair.is_some(), "both records are read");
    let small = shot(&mut app, 80, 24);
    insta::assert_snapshot!("review_80x24", small);
    assert!(small.contains("names match after transliteration"), "{small}");
    assert!(small.contains("Name        Karim Benali"), "{small}");
    assert!(small.contains(" = Карим Бенали"), "agreeing values are signed, not only coloured:\n{small}");
    assert!(
        small.contains("AMBER · A1 · Informant MR-22"),
        "each value's marking, grade and source:\n{small}"
    );

    // `?` the keys; space skips without writing.
    keys(&mut app, &["?"]);
    assert!(shot(&mut app, 80, 24).contains("Review keys"));
    keys(&mut app, &["esc", "space"]);
    assert_eq!((review(&app).at, review(&app).skipped), (1, 1));
    assert_eq!(l.json(&["judgements", "--json"]), serde_json::json!([]), "a skip writes nothing");
    assert!(shot(&mut app, 120, 40).contains("Candidate 2 of 7"));

    // Back to the first pair and judge it the same: the store records it, the queue moves on.
    keys(&mut app, &["ctrl-r"]);
    assert_eq!(review(&app).current().map(|c| (c.a.id, c.b.id)), Some((first.a.id, first.b.id)));
    keys(&mut app, &["s"]);
    let r = review(&app);
    assert_eq!(r.judged, 1);
    assert_ne!(r.current().map(|c| (c.a.id, c.b.id)), Some((first.a.id, first.b.id)), "the queue moved on");
    assert!(shot(&mut app, 80, 24).contains("Candidate 1 of 6"));
    keys(&mut app, &["esc"]);
    let judged = l.json(&["judgements", "--entity", &first.a.id.to_string(), "--json"]);
    assert_eq!(judged[0]["verdict"], "same", "{judged}");
}

/// The foreground colour of the first cell showing `symbol` on row `y`.
fn colour_of(
    t: &ratatui::Terminal<ratatui::backend::TestBackend>,
    y: u16,
    symbol: &str,
) -> ratatui::style::Color {
    let b = t.backend().buffer();
    (0..b.area.width).map(|x| &b[(x, y)]).find(|c| c.symbol() == symbol).expect("the sign is drawn").fg
}

#[test]
fn contradicting_values_are_signed_and_coloured_apart_from_agreeing_ones() {
    let l = exchange_support::office("Paris", "DGSI", "FR");
    l.ok(&["case", "new", "--ref", "RIF", "--title", "Haddad"]);
    for (name, nationality, source) in
        [("Youssef Haddad", "fr", "PJ report"), ("HADDAD Youssef", "ma", "Partner report")]
    {
        l.ok(&[
            "entity",
            "new",
            "--schema",
            "Person",
            "--prop",
            &format!("name={name}"),
            "--prop",
            "birthDate=1980-01-17",
            "--prop",
            &format!("nationality={nationality}"),
            "--case",
            "RIF",
            "--source",
            source,
        ]);
    }
    let store = liaison::store::Store::open(
        &l.store,
        &age::secrecy::SecretString::from(exchange_support::PASSPHRASE.to_owned()),
    )
    .unwrap();
    let mut app = liaison::tui::testing::app(store);
    keys(&mut app, &["D"]);
    let c = review(&app).current().expect("the pair is a candidate").clone();
    assert!(c.contradictions.iter().any(|x| x.contains("nationalit")), "{c:?}");
    let large = shot(&mut app, 120, 40);
    insta::assert_snapshot!("review_120x40", large);
    let row = |what: &str| large.lines().position(|l| l.contains(what)).expect(what) as u16;
    assert!(large.lines().any(|l| l.contains("Nationality") && l.contains(" ≠ ")), "{large}");
    assert!(large.lines().any(|l| l.contains("Born") && l.contains(" = ")), "{large}");
    assert!(large.contains("against:"), "{large}");
    let mut t = terminal(120, 40);
    screen(&mut app, &mut t);
    let (agree, contradict) = (colour_of(&t, row("Born "), "="), colour_of(&t, row("Nationality"), "≠"));
    assert_ne!(agree, contradict, "agreeing and contradicting values in different colours");
}

#[test]
fn an_entity_with_open_candidates_is_marked_in_the_list() {
    let (_l, mut app) = demo_app();
    select_case(&mut app, "DGSE-2024-EXT-007");
    keys(&mut app, &["2", "g"]);
    let at = app.state.entities.rows.iter().position(|r| r.entity().2 == "Карим Бенали").expect("a member");
    for _ in 0..at {
        keys(&mut app, &["j"]);
    }
    let shown = shot(&mut app, 80, 24);
    let line = shown.lines().find(|l| l.contains("Карим Бенали")).expect("listed");
    assert!(line.contains("≈Карим Бенали"), "marked: {line}");
    // Judged, the pair is no longer open: the mark goes.
    keys(&mut app, &["D", "s", "esc"]);
    let shown = shot(&mut app, 80, 24);
    let line = shown.lines().find(|l| l.contains("Карим Бенали")).expect("listed");
    assert!(!line.contains('≈'), "no longer marked: {line}");
}

#[test]
fn records_judged_the_same_show_one_profile_and_not_same_restores_the_plain_view() {
    let (l, mut app) = demo_app();
    std::fs::write(&l.pass_file, "demo\n").unwrap();
    let dup = l.json(&["duplicates", "--case", "DGSE-2024-EXT-007", "--limit", "1"]);
    let c = &dup["candidates"][0];
    let (mut cyr, mut karim) = (c["a"]["id"].as_str().unwrap(), c["b"]["id"].as_str().unwrap());
    if c["a"]["caption"] != "Карим Бенали" {
        std::mem::swap(&mut cyr, &mut karim);
    }
    let (cyr, karim) = (cyr.to_owned(), karim.to_owned());
    open_by_search(&mut app, "Карим", "Карим Бенали");
    assert_eq!(app.state.detail.subject.map(|i| i.to_string()), Some(cyr.clone()));
    assert!(app.state.detail.profile.is_none(), "nothing judged: the plain view");
    let plain = detail_pane(&mut app);
    let out = l.ok(&["judge", &cyr, &karim, "same"]);
    assert!(out.contains("same"), "{out}");
    keys(&mut app, &["ctrl-r"]);
    let p = app.state.detail.profile.as_deref().expect("one profile");
    assert_eq!(p.records.len(), 2);
    let merged = shot(&mut app, 120, 40);
    assert!(merged.contains("Judged the same as 1 other record"), "{merged}");
    assert!(merged.contains("[2] Karim Benali") || merged.contains("[1] Karim Benali"), "{merged}");
    assert!(merged.contains("Partner service report"), "each statement keeps its source:\n{merged}");
    l.ok(&["judge", &cyr, &karim, "not-same"]);
    keys(&mut app, &["ctrl-r"]);
    assert!(app.state.detail.profile.is_none());
    assert_eq!(detail_pane(&mut app), plain, "not-same: the view it was");
}

#[test]
fn a_file_import_says_how_many_of_its_records_match_records_already_held() {
    let (l, mut app) = demo_app();
    let file = l.root.path().join("partner.ftm.json");
    std::fs::write(
        &file,
        r#"{"id": "p-1", "schema": "Person", "properties": {"name": ["BENALI Karim"], "birthDate": ["1979-04-12"], "nationality": ["fr"]}}"#,
    )
    .unwrap();
    keys(&mut app, &["i"]);
    type_text(&mut app, file.to_str().unwrap());
    keys(&mut app, &["enter"]);
    let preview = shot(&mut app, 100, 30);
    assert!(preview.contains("Preview — nothing written yet"), "{preview}");
    assert!(preview.contains("≈ 1 record would match a record already held"), "{preview}");
    keys(&mut app, &["y"]);
    let done = shot(&mut app, 100, 30);
    let at = done.find("1 record matches a record already held: liaison xref --import ").expect(&done);
    let entry: String =
        done[at..].split("--import ").nth(1).unwrap().chars().take_while(char::is_ascii_digit).collect();
    // The number the command line gives for the same import.
    std::fs::write(&l.pass_file, "demo\n").unwrap();
    assert_eq!(l.json(&["xref", "--import", &entry])["matched_records"], 1);
}

#[test]
fn an_answer_carries_the_records_attached_from_the_case() {
    use exchange_support::{office, path, trust_all};
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    trust_all(&[&a, &b]);
    a.ok(&["case", "new", "--ref", "CALANQUE", "--title", "Banana reefers", "--marking", "TLP:AMBER"]);
    let id = |out: String| out.lines().last().unwrap().trim().to_owned();
    let karim = id(a.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Karim Benali",
        "--case",
        "CALANQUE",
    ]));
    let phone = id(a.ok(&[
        "entity",
        "new",
        "--schema",
        "Phone",
        "--prop",
        "number=+33612345678",
        "--case",
        "CALANQUE",
    ]));
    a.ok(&["case", "share", "CALANQUE", "--with", "Rotterdam"]);
    let rfi = id(a.ok(&[
        "rfi",
        "new",
        "--to",
        "Rotterdam",
        "--case",
        "CALANQUE",
        "--question",
        "Do you know him?",
        "--about",
        &karim,
    ]));
    let ab = path(&a, "ab.bundle");
    a.ok(&["export", "--to", "Rotterdam", "-o", ab.to_str().unwrap()]);
    b.ok(&["import", ab.to_str().unwrap()]);

    let store = liaison::store::Store::open(
        &b.store,
        &age::secrecy::SecretString::from(exchange_support::PASSPHRASE.to_owned()),
    )
    .unwrap();
    let mut app = liaison::tui::testing::app(store);
    keys(&mut app, &["R", "tab", "a"]);
    type_text(&mut app, "Yes: his phone is ours too.");
    keys(&mut app, &["ctrl-t"]);
    let picking = shot(&mut app, 80, 24);
    assert!(picking.contains("[ ] Karim Benali"), "{picking}");
    // Typing narrows; Enter attaches; Esc back to the text.
    type_text(&mut app, "Karim");
    keys(&mut app, &["enter"]);
    keys(&mut app, &["backspace"; 5]);
    type_text(&mut app, "+33");
    keys(&mut app, &["enter", "esc"]);
    let typed = shot(&mut app, 80, 24);
    assert!(typed.contains("Attached (2): Karim Benali, +33"), "{typed}");
    keys(&mut app, &["ctrl-s"]);
    drop(app);
    let shown = b.json(&["rfi", "show", &rfi]);
    let attached: Vec<&str> =
        shown["answers"][0]["attachments"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(attached, vec![karim.as_str(), phone.as_str()], "{shown}");
}
