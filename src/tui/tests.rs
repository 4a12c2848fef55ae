//! `update` behaviour by behaviour, without a store or a terminal: feed actions, look at the
//! state and at the effects asked for.

use std::time::Duration;

use uuid::Uuid;

use super::action::Action;
use super::message::{Effect, Loaded, Query, Write};
use super::screens::unlock::unlock_delay;
use super::state::{EntitiesView, Pane, Popup, Screen, State};
use super::update::update;
use crate::store::change::Change;
use crate::store::query::{
    CaseRow, MemberQuery, MemberRow, PageHit, SearchHit, SearchPage, SearchTotal, TimelineScope,
};

fn case(reference: &str) -> CaseRow {
    CaseRow {
        id: Uuid::now_v7(),
        reference: reference.into(),
        title: format!("Case {reference}"),
        status: "open".into(),
        lead_office: "PJ Marseille".into(),
        marking: "TLP:AMBER".into(),
        members: 0,
    }
}

fn member(caption: &str, schema: &str) -> MemberRow {
    MemberRow {
        id: Uuid::now_v7(),
        schema: schema.into(),
        caption: caption.into(),
        role: None,
        grade: Some("B2".into()),
        marking: "TLP:AMBER".into(),
        links: 3,
    }
}

fn queries(effects: &[Effect]) -> Vec<&Query> {
    effects.iter().filter_map(|e| if let Effect::Query(_, q) = e { Some(q) } else { None }).collect()
}

fn ticket_of(effects: &[Effect], pred: impl Fn(&Query) -> bool) -> u64 {
    effects
        .iter()
        .find_map(|e| if let Effect::Query(t, q) = e { pred(q).then_some(*t) } else { None })
        .expect("query asked")
}

/// A state with two cases loaded, the first selected and its two members loaded.
fn with_cases() -> (State, Vec<CaseRow>, Vec<MemberRow>) {
    let mut s = State::unlocked("store", "PJ Marseille", "FR");
    let start = super::requests::start(&mut s);
    let cases_ticket = ticket_of(&start, |q| matches!(q, Query::Cases { .. }));
    let cases = vec![case("A-1"), case("B-2")];
    let effects = update(&mut s, Action::Loaded(cases_ticket, Box::new(Loaded::Cases(cases.clone()))));
    let members = vec![member("Ana Ruiz", "Person"), member("+33612345678", "Phone")];
    let t = ticket_of(&effects, |q| matches!(q, Query::Members { .. }));
    update(
        &mut s,
        Action::Loaded(
            t,
            Box::new(Loaded::Members { case: cases[0].id, kinds: vec![], rows: members.clone(), offset: 0 }),
        ),
    );
    (s, cases, members)
}

#[test]
fn focus_moves_round_the_four_panes_both_ways() {
    let mut s = State::unlocked("store", "office", "FR");
    for expected in [Pane::Entities, Pane::Timeline, Pane::Detail, Pane::Cases] {
        update(&mut s, Action::FocusNext);
        assert_eq!(s.focus, expected);
    }
    update(&mut s, Action::FocusPrev);
    assert_eq!(s.focus, Pane::Detail);
    update(&mut s, Action::FocusTimeline);
    assert_eq!(s.focus, Pane::Timeline);
}

#[test]
fn the_first_case_is_selected_and_its_members_timeline_and_detail_are_asked_for() {
    let mut s = State::unlocked("store", "office", "FR");
    let start = super::requests::start(&mut s);
    assert!(queries(&start).iter().any(|q| matches!(q, Query::Cases { .. })));
    let t = ticket_of(&start, |q| matches!(q, Query::Cases { .. }));
    let cases = vec![case("A-1"), case("B-2")];
    let effects = update(&mut s, Action::Loaded(t, Box::new(Loaded::Cases(cases.clone()))));
    let q = queries(&effects);
    assert!(
        q.contains(&&Query::Members { case: cases[0].id, offset: 0, filter: MemberQuery::default() }),
        "{q:?}"
    );
    assert!(q.iter().any(
        |q| matches!(q, Query::Timeline { scope: TimelineScope::Case(c), offset: 0, .. } if *c == cases[0].id)
    ));
    assert!(q.iter().any(|q| matches!(q, Query::Density { .. })));
    assert!(q.contains(&&Query::Detail { id: cases[0].id }));
    assert_eq!(s.timeline.scope, Some(TimelineScope::Case(cases[0].id)));
}

#[test]
fn an_answer_to_an_older_question_is_dropped() {
    let (mut s, cases, _) = with_cases();
    let stale = s.cases.ticket - 1;
    update(&mut s, Action::Loaded(stale, Box::new(Loaded::Cases(vec![case("Z-9")]))));
    assert_eq!(s.cases.rows.len(), cases.len(), "the stale list did not replace the current one");
}

#[test]
fn moving_down_the_cases_follows_with_the_next_case() {
    let (mut s, cases, _) = with_cases();
    let effects = update(&mut s, Action::SelectNext);
    assert_eq!(s.cases.selected, 1);
    assert!(queries(&effects).contains(&&Query::Members {
        case: cases[1].id,
        offset: 0,
        filter: MemberQuery::default()
    }));
    let effects = update(&mut s, Action::SelectNext);
    assert_eq!(s.cases.selected, 1, "stops at the last case");
    assert!(effects.is_empty(), "nothing to ask when nothing moved");
    update(&mut s, Action::SelectFirst);
    assert_eq!(s.cases.selected, 0);
}

#[test]
fn enter_pivots_to_an_entity_and_backspace_comes_back() {
    let (mut s, cases, members) = with_cases();
    update(&mut s, Action::FocusEntities);
    let effects = update(&mut s, Action::Open);
    assert!(
        matches!(&s.entities.view, Some(EntitiesView::Neighbourhood { center, hops: 1, .. }) if *center == members[0].id)
    );
    assert!(queries(&effects).contains(&&Query::Neighbourhood { entity: members[0].id, hops: 1 }));
    assert_eq!(
        s.timeline.scope,
        Some(TimelineScope::Entity(members[0].id)),
        "the timeline follows the pivot"
    );
    assert_eq!(s.entities.history.len(), 1);
    update(&mut s, Action::ToggleHops);
    assert!(matches!(&s.entities.view, Some(EntitiesView::Neighbourhood { hops: 2, .. })));
    let effects = update(&mut s, Action::Back);
    assert!(matches!(&s.entities.view, Some(EntitiesView::Members { case, .. }) if *case == cases[0].id));
    assert!(queries(&effects).contains(&&Query::Members {
        case: cases[0].id,
        offset: 0,
        filter: MemberQuery::default()
    }));
    assert!(s.entities.history.is_empty());
    update(&mut s, Action::Back);
    assert!(s.message.as_ref().is_some_and(|m| m.text.contains("Nothing to go back")));
}

#[test]
fn search_asks_as_you_type_and_enter_jumps_to_a_person() {
    let (mut s, ..) = with_cases();
    update(&mut s, Action::Search);
    assert!(matches!(s.popup, Some(Popup::Search(_))));
    let mut last = 0;
    for c in "Bena".chars() {
        let effects = update(&mut s, Action::TypeChar(c));
        last = ticket_of(&effects, |q| matches!(q, Query::Search { .. }));
    }
    let person = SearchHit {
        id: Uuid::now_v7(),
        schema: "Person".into(),
        caption: "Karim Benali".into(),
        grade: None,
        marking: "TLP:AMBER".into(),
    };
    let page = |hits: Vec<SearchHit>| {
        let total = SearchTotal::Exact(hits.len() as u64);
        let hits = hits.into_iter().map(|hit| PageHit { hit, cases: Vec::new(), case_count: 0 }).collect();
        Box::new(SearchPage { hits, total, fuzzy: false, spellings: Vec::new() })
    };
    update(
        &mut s,
        Action::Loaded(last - 1, Box::new(Loaded::Search { text: "Ben".into(), page: page(vec![]) })),
    );
    update(
        &mut s,
        Action::Loaded(
            last,
            Box::new(Loaded::Search { text: "Bena".into(), page: page(vec![person.clone()]) }),
        ),
    );
    let Some(Popup::Search(p)) = &s.popup else { panic!("search open") };
    assert_eq!(p.hits.len(), 1, "the newest answer is shown, the older one dropped");
    let effects = update(&mut s, Action::Open);
    assert!(s.popup.is_none());
    assert_eq!(s.focus, Pane::Detail);
    assert!(queries(&effects).contains(&&Query::Detail { id: person.id }), "its statements");
    assert!(queries(&effects).contains(&&Query::Neighbourhood { entity: person.id, hops: 1 }), "its links");
}

#[test]
fn the_palette_runs_an_action_by_name() {
    let mut s = State::unlocked("store", "office", "FR");
    update(&mut s, Action::Palette);
    for c in "toggle_th".chars() {
        update(&mut s, Action::TypeChar(c));
    }
    update(&mut s, Action::Submit);
    assert!(s.popup.is_none());
    assert_eq!(s.theme, super::theme::ThemeName::Light);
}

#[test]
fn a_new_case_form_refuses_missing_values_then_saves() {
    let mut s = State::unlocked("store", "PJ Marseille", "FR");
    update(&mut s, Action::NewCase);
    let effects = update(&mut s, Action::Submit);
    assert!(effects.is_empty());
    let Some(Popup::Form(f)) = &s.popup else { panic!("form stays open") };
    assert_eq!(f.fields[0].name, "marking", "the marking comes first");
    assert_eq!(f.fields[1].error.as_deref(), Some("required"));
    assert_eq!(f.focus, 1, "on the first field in error");
    for c in "X-1".chars() {
        update(&mut s, Action::TypeChar(c));
    }
    update(&mut s, Action::NextField);
    for c in "A title".chars() {
        update(&mut s, Action::TypeChar(c));
    }
    let effects = update(&mut s, Action::Submit);
    assert!(s.popup.is_none());
    let Some(Effect::Write(Write::Change(Change::NewCase { props, marking }))) = effects.first() else {
        panic!("{effects:?}")
    };
    assert!(props.contains(&("reference".into(), "X-1".into())));
    assert_eq!(marking.as_deref(), Some("TLP:AMBER"), "the office default, as the form showed it");
    assert!(props.contains(&("leadOffice".into(), "PJ Marseille".into())), "lead office defaults to ours");
}

#[test]
fn the_unlock_screen_masks_sends_and_slows_down_after_failures() {
    let mut s = State::locked("store");
    for c in "secret".chars() {
        update(&mut s, Action::TypeChar(c));
    }
    update(&mut s, Action::DeleteChar);
    let effects = update(&mut s, Action::Submit);
    let Some(Effect::Unlock(pass)) = effects.first() else { panic!("{effects:?}") };
    assert_eq!(pass.as_str(), "secre");
    let Screen::Unlock(u) = &s.screen else { panic!() };
    assert!(u.input.is_empty(), "the typed passphrase is not kept");
    update(&mut s, Action::UnlockFailed("wrong passphrase".into()));
    for c in "again".chars() {
        update(&mut s, Action::TypeChar(c));
    }
    assert!(update(&mut s, Action::Submit).is_empty(), "refused during the delay");
    let Screen::Unlock(u) = &s.screen else { panic!() };
    assert!(u.message.as_deref().unwrap().contains("Wait"));
    assert_eq!(unlock_delay(1), Duration::from_secs(1));
    assert_eq!(unlock_delay(3), Duration::from_secs(4));
    assert_eq!(unlock_delay(40), Duration::from_secs(30));
}

#[test]
fn locking_forgets_everything_shown() {
    let (mut s, ..) = with_cases();
    let effects = update(&mut s, Action::Lock);
    assert!(matches!(effects.as_slice(), [Effect::Lock]));
    assert!(matches!(s.screen, Screen::Unlock(_)));
    assert!(s.cases.rows.is_empty() && s.entities.rows.is_empty() && s.detail.view.is_none());
    assert_eq!(s.store_label, "store");
}

#[test]
fn delete_asks_first_and_no_means_nothing_happens() {
    let (mut s, ..) = with_cases();
    assert!(update(&mut s, Action::Delete).is_empty(), "nothing in the detail pane yet");
    let view = crate::store::query::EntityView {
        id: Uuid::now_v7(),
        schema: "Person".into(),
        caption: "Ana Ruiz".into(),
        deleted: false,
        grade: None,
        marking: "TLP:CLEAR".into(),
        source: None,
        target: None,
        statements: vec![],
        links: vec![],
        link_count: 0,
        cases: vec![],
    };
    let id = view.id;
    let t = super::requests::load_detail(&mut s, id);
    let ticket = ticket_of(&t, |q| matches!(q, Query::Detail { .. }));
    update(&mut s, Action::Loaded(ticket, Box::new(Loaded::Detail(Box::new(view)))));
    update(&mut s, Action::Delete);
    assert!(matches!(s.popup, Some(Popup::Confirm(_))));
    assert!(update(&mut s, Action::Cancel).is_empty());
    assert!(s.popup.is_none());
    update(&mut s, Action::Delete);
    let effects = update(&mut s, Action::Submit);
    assert!(matches!(effects.as_slice(), [Effect::Write(Write::Delete { id: d, .. })] if *d == id));
}

#[test]
fn linking_needs_a_mark_and_then_offers_the_link_kinds() {
    let (mut s, _, members) = with_cases();
    update(&mut s, Action::FocusEntities);
    update(&mut s, Action::NewLink);
    assert!(s.message.as_ref().is_some_and(|m| m.error), "no mark yet");
    update(&mut s, Action::Mark);
    assert_eq!(s.marked.as_ref().map(|m| m.0), Some(members[0].id));
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::NewLink);
    let Some(Popup::Picker(p)) = &s.popup else { panic!("link kinds offered") };
    assert!(p.items.iter().any(|(k, _)| k == "Ownership") && !p.items.iter().any(|(k, _)| k == "CaseMember"));
}

#[test]
fn timeline_order_zoom_and_dates_ask_again_and_bad_dates_are_refused() {
    let (mut s, ..) = with_cases();
    let effects = update(&mut s, Action::ToggleOrder);
    assert!(queries(&effects).iter().any(|q| matches!(q, Query::Timeline { newest_first: false, .. })));
    let effects = update(&mut s, Action::ZoomOut);
    assert!(
        queries(&effects)
            .iter()
            .any(|q| matches!(q, Query::Density { zoom: crate::store::query::Zoom::Year, .. }))
    );
    update(&mut s, Action::FocusTimeline);
    update(&mut s, Action::Filter);
    for c in "2024-13".chars() {
        update(&mut s, Action::TypeChar(c));
    }
    assert!(update(&mut s, Action::Submit).is_empty());
    assert!(matches!(s.popup, Some(Popup::Form(_))), "the bad date stays on screen with its error");
    update(&mut s, Action::ClearInput);
    for c in "2024-03".chars() {
        update(&mut s, Action::TypeChar(c));
    }
    let effects = update(&mut s, Action::Submit);
    assert_eq!(s.timeline.from.as_deref(), Some("2024-03"));
    assert!(
        queries(&effects)
            .iter()
            .any(|q| matches!(q, Query::Timeline { from: Some(f), .. } if f == "2024-03"))
    );
}

#[test]
fn the_status_filter_cycles_and_asks_for_the_cases_again() {
    let (mut s, ..) = with_cases();
    let effects = update(&mut s, Action::CycleStatus);
    assert!(
        queries(&effects).iter().any(|q| matches!(q, Query::Cases { status: Some(st), .. } if st == "open"))
    );
    for _ in 0..4 {
        update(&mut s, Action::CycleStatus);
    }
    assert_eq!(s.cases.status, None, "back to all");
}

#[test]
fn a_click_focuses_the_pane_and_selects_the_row_under_it() {
    let (mut s, ..) = with_cases();
    s.size = (80, 24);
    let r = super::ui::layout::regions(s.size);
    let area = super::ui::layout::list_area(Pane::Entities, r.entities);
    let effects = update(&mut s, Action::Click(area.x + 3, area.y + 1));
    assert_eq!(s.focus, Pane::Entities);
    assert_eq!(s.entities.selected, 1);
    assert!(queries(&effects).iter().any(|q| matches!(q, Query::Detail { .. })));
    update(&mut s, Action::ScrollUp(area.x + 3, area.y));
    assert_eq!(s.entities.selected, 0);
}

#[test]
fn nearing_the_end_of_a_page_asks_for_the_next_one() {
    let (mut s, cases, _) = with_cases();
    let page: Vec<MemberRow> =
        (0..super::worker::PAGE).map(|i| member(&format!("Person {i:03}"), "Person")).collect();
    let t = s.entities.ticket;
    update(
        &mut s,
        Action::Loaded(
            t,
            Box::new(Loaded::Members { case: cases[0].id, kinds: vec![], rows: page, offset: 0 }),
        ),
    );
    assert!(!s.entities.complete);
    update(&mut s, Action::FocusEntities);
    let effects = update(&mut s, Action::SelectLast);
    let offset = super::worker::PAGE;
    assert!(
        queries(&effects).contains(&&Query::Members {
            case: cases[0].id,
            offset,
            filter: MemberQuery::default()
        }),
        "{:?}",
        queries(&effects)
    );
    let more = vec![member("Zed", "Vehicle")];
    update(
        &mut s,
        Action::Loaded(t, Box::new(Loaded::Members { case: cases[0].id, kinds: vec![], rows: more, offset })),
    );
    assert_eq!(s.entities.rows.len(), offset as usize + 1, "appended");
    assert!(s.entities.complete, "a short page is the last");
}
