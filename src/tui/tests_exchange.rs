//! `update` for the conflicts inbox, the exchange and import screens and the whole-store
//! timeline, behaviour by behaviour, without a store: feed actions, look at the state and
//! at the effects asked for.

use std::path::PathBuf;

use uuid::Uuid;

use super::action::Action;
use super::keymap::Mode;
use super::message::{Effect, ExchangeJob, Loaded, Outcome, Query, Write};
use super::screens::{ExchangeStep, ImportStep};
use super::state::{Pane, Popup, State};
use super::update::update;
use crate::exchange::{ConflictView, ImportReport, OfficeStatus};
use crate::interop::ImportFormat;
use crate::model::op::Assertion;
use crate::store::conflicts::HeadView;
use crate::store::query::{TimelineItem, TimelineScope};

fn state() -> State {
    State::unlocked("store", "Paris", "FR")
}

fn ticket_of(effects: &[Effect], pred: impl Fn(&Query) -> bool) -> u64 {
    effects
        .iter()
        .find_map(|e| if let Effect::Query(t, q) = e { pred(q).then_some(*t) } else { None })
        .unwrap_or_else(|| panic!("query asked: {effects:?}"))
}

fn asks(effects: &[Effect], pred: impl Fn(&Query) -> bool) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Query(_, q) if pred(q)))
}

fn job(effects: &[Effect]) -> Option<&ExchangeJob> {
    effects.iter().find_map(|e| if let Effect::Exchange(j) = e { Some(j) } else { None })
}

/// Tab on a path field: the worker lists its folder (here nothing matches), and the focus
/// moves on.
fn tab_past_path(s: &mut State, typed: &str) {
    let effects = update(s, Action::NextField);
    let t = ticket_of(&effects, |q| *q == Query::Folder { typed: typed.into() });
    update(
        s,
        Action::Loaded(t, Box::new(Loaded::Folder { typed: typed.into(), names: Vec::new(), more: false })),
    );
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Action::TypeChar(c));
    }
}

fn head(value: &str, office: &str) -> HeadView {
    HeadView {
        value: value.into(),
        office: office.into(),
        recorded_at: "2026-11-29T10:00:00Z".into(),
        grade: Some("B2".into()),
        marking: "TLP:AMBER".into(),
        hlc: 0,
        assertion: Assertion {
            prop: "status".into(),
            value: value.into(),
            source: None,
            grade: None,
            marking: "TLP:AMBER".into(),
            valid_from: None,
            valid_to: None,
            case: None,
        },
    }
}

fn conflict(id: &str, caption: &str, values: &[(&str, &str)]) -> ConflictView {
    ConflictView {
        id: id.into(),
        record: Uuid::now_v7(),
        schema: "Case".into(),
        caption: caption.into(),
        prop: "status".into(),
        kind: "edits",
        values: values.iter().map(|(v, o)| head(v, o)).collect(),
    }
}

fn office(name: &str) -> OfficeStatus {
    OfficeStatus {
        office: name.into(),
        agency: "PJ".into(),
        country: "FR".into(),
        revoked: false,
        devices: Vec::new(),
        shared_cases: vec!["OP-2".into()],
        traffic: crate::store::offices::OfficeTraffic::default(),
        pending_ops: None,
        audit_entries: None,
        audit_warning: None,
    }
}

#[test]
fn the_inbox_resolves_the_selected_value_and_lists_again_after_saving() {
    let mut s = state();
    let effects = update(&mut s, Action::Conflicts);
    assert_eq!(s.mode(), Mode::Conflicts);
    let t = ticket_of(&effects, |q| *q == Query::Conflicts);
    let list = vec![
        conflict("aaaa000001", "OP-1", &[("active", "Paris"), ("closed", "Lyon")]),
        conflict("bbbb000002", "OP-2", &[("active", "Paris"), ("suspended", "Marseille")]),
    ];
    update(&mut s, Action::Loaded(t, Box::new(Loaded::Conflicts(list))));
    for _ in 0..3 {
        update(&mut s, Action::SelectNext);
    }
    let effects = update(&mut s, Action::Submit);
    let write = effects.iter().find_map(|e| if let Effect::Write(w) = e { Some(w) } else { None });
    assert!(
        matches!(write, Some(Write::ResolveConflict { id, keep }) if id == "bbbb000002" && keep == "suspended"),
        "{effects:?}"
    );
    assert!(update(&mut s, Action::Submit).is_empty(), "no second resolution while one is saving");
    let effects = update(&mut s, Action::Saved("Kept \"suspended\"".into(), None));
    assert!(asks(&effects, |q| *q == Query::Conflicts), "the inbox lists again");
    assert!(s.message.as_ref().is_some_and(|m| m.text.contains("suspended")));
    update(&mut s, Action::Cancel);
    assert!(s.popup.is_none());
}

#[test]
fn a_stale_list_of_conflicts_is_dropped_and_the_cursor_stays_inside_the_list() {
    let mut s = state();
    let effects = update(&mut s, Action::Conflicts);
    let t = ticket_of(&effects, |q| *q == Query::Conflicts);
    let one = vec![conflict("aaaa000001", "OP-1", &[("a", "Paris"), ("b", "Lyon")])];
    update(&mut s, Action::Loaded(t - 1, Box::new(Loaded::Conflicts(one.clone()))));
    let Some(Popup::Conflicts(c)) = &s.popup else { panic!("inbox open") };
    assert!(c.conflicts.is_empty() && c.loading);
    update(&mut s, Action::Loaded(t, Box::new(Loaded::Conflicts(one))));
    update(&mut s, Action::SelectLast);
    update(&mut s, Action::SelectNext);
    let Some(Popup::Conflicts(c)) = &s.popup else { panic!("inbox open") };
    assert_eq!(c.selected, 1, "two values, the cursor on the last");
    assert_eq!(c.current().map(|(_, v)| v.value.as_str()), Some("b"));
}

/// The exchange screen with the offices Lyon and Marseille listed.
fn exchange_with_offices() -> State {
    let mut s = state();
    let effects = update(&mut s, Action::Exchange);
    let t = ticket_of(&effects, |q| *q == Query::Offices { pending: false });
    let effects = update(
        &mut s,
        Action::Loaded(
            t,
            Box::new(Loaded::Offices { pending: false, offices: vec![office("Lyon"), office("Marseille")] }),
        ),
    );
    let t = ticket_of(&effects, |q| *q == Query::Offices { pending: true });
    let mut with_pending = vec![office("Lyon"), office("Marseille")];
    with_pending[1].pending_ops = Some(42);
    update(&mut s, Action::Loaded(t, Box::new(Loaded::Offices { pending: true, offices: with_pending })));
    s
}

fn exchange_step(s: &State) -> &ExchangeStep {
    let Some(Popup::Exchange(e)) = &s.popup else { panic!("exchange screen open") };
    &e.step
}

#[test]
fn offices_show_first_and_their_pending_deltas_follow() {
    let s = exchange_with_offices();
    let Some(Popup::Exchange(e)) = &s.popup else { panic!("exchange screen open") };
    assert_eq!(e.offices.len(), 2);
    assert_eq!(e.offices[1].pending_ops, Some(42));
    assert!(!e.loading && !e.pending_loading);
}

#[test]
fn export_asks_a_path_then_runs_on_the_worker_and_can_be_cancelled() {
    let mut s = exchange_with_offices();
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::ExportBundle);
    let ExchangeStep::ExportPath(default) = exchange_step(&s) else { panic!("path asked") };
    assert!(default.starts_with("Marseille-") && default.ends_with(".liaison"), "{default}");
    assert_eq!(s.mode(), Mode::Input);
    update(&mut s, Action::ClearInput);
    typed(&mut s, "/tmp/m.liaison");
    let effects = update(&mut s, Action::Submit);
    assert_eq!(
        job(&effects),
        Some(&ExchangeJob::Export { office: "Marseille".into(), path: PathBuf::from("/tmp/m.liaison") })
    );
    assert!(s.job.is_some() && *exchange_step(&s) == ExchangeStep::Working);
    let effects = update(&mut s, Action::Cancel);
    assert!(effects.iter().any(|e| matches!(e, Effect::CancelJob)), "{effects:?}");
    let effects = update(
        &mut s,
        Action::Exchanged(Box::new(Outcome::Exported(Err("cancelled; nothing was changed".into())))),
    );
    assert!(s.job.is_none());
    assert!(s.message.as_ref().is_some_and(|m| m.error && m.text.contains("cancelled")));
    assert!(matches!(exchange_step(&s), ExchangeStep::Done(Outcome::Exported(Err(_)))));
    assert!(asks(&effects, |q| matches!(q, Query::Offices { .. })), "the offices list again");
    update(&mut s, Action::Cancel);
    assert_eq!(*exchange_step(&s), ExchangeStep::List, "Esc goes back to the offices first");
}

fn preview_report() -> ImportReport {
    ImportReport {
        status: "preview".into(),
        from: "Lyon".into(),
        sequence: 3,
        records_new: 5,
        records_updated: 2,
        conflicts_new: 1,
        ..ImportReport::default()
    }
}

#[test]
fn a_bundle_is_previewed_then_imported_only_when_confirmed() {
    let mut s = exchange_with_offices();
    update(&mut s, Action::ImportBundle);
    typed(&mut s, "in.liaison");
    let effects = update(&mut s, Action::Submit);
    let path = PathBuf::from("in.liaison");
    assert_eq!(job(&effects), Some(&ExchangeJob::PreviewBundle { path: path.clone() }));
    update(&mut s, Action::Exchanged(Box::new(Outcome::BundlePreview(path.clone(), Ok(preview_report())))));
    assert!(matches!(exchange_step(&s), ExchangeStep::Preview { .. }));
    assert_eq!(s.mode(), Mode::Confirm, "y / Enter / Esc");
    let effects = update(&mut s, Action::Cancel);
    assert!(effects.is_empty() && *exchange_step(&s) == ExchangeStep::List, "Esc imports nothing");
    assert!(s.message.as_ref().is_some_and(|m| m.text.contains("Nothing was imported")));
    update(&mut s, Action::ImportBundle);
    typed(&mut s, "in.liaison");
    update(&mut s, Action::Submit);
    update(&mut s, Action::Exchanged(Box::new(Outcome::BundlePreview(path.clone(), Ok(preview_report())))));
    let effects = update(&mut s, Action::Submit);
    assert_eq!(job(&effects), Some(&ExchangeJob::ImportBundle { path }));
    let imported = ImportReport { status: "imported".into(), ..preview_report() };
    let effects = update(&mut s, Action::Exchanged(Box::new(Outcome::BundleImported(Ok(imported)))));
    assert!(s.message.as_ref().is_some_and(|m| m.text.contains("5 new, 2 updated") && !m.error));
    assert!(asks(&effects, |q| *q == Query::Stats), "the panes and counts reload");
}

#[test]
fn a_rejected_bundle_shows_its_reason_and_offers_no_confirm() {
    let mut s = exchange_with_offices();
    update(&mut s, Action::ImportBundle);
    typed(&mut s, "bad.liaison");
    update(&mut s, Action::Submit);
    let reason = "Bundle rejected: damaged or tampered: bad tar; nothing was changed.".to_owned();
    update(
        &mut s,
        Action::Exchanged(Box::new(Outcome::BundlePreview("bad.liaison".into(), Err(reason.clone())))),
    );
    assert!(matches!(exchange_step(&s), ExchangeStep::Done(_)));
    assert_eq!(s.mode(), Mode::Exchange);
    assert_eq!(s.message.as_ref().map(|m| (m.text.clone(), m.error)), Some((reason, true)));
    assert!(job(&update(&mut s, Action::Submit)).is_none(), "Enter goes back, never imports");
}

#[test]
fn the_import_form_checks_its_fields_then_previews_and_imports() {
    let mut s = state();
    update(&mut s, Action::ImportFile);
    assert_eq!(s.mode(), Mode::Input);
    assert!(update(&mut s, Action::Submit).is_empty(), "no path: nothing runs");
    let Some(Popup::Import(form)) = &s.popup else { panic!("import form") };
    assert!(form.error.as_deref().is_some_and(|e| e.contains("path")));
    typed(&mut s, "calls.csv");
    tab_past_path(&mut s, "calls.csv");
    update(&mut s, Action::TypeChar('c'));
    assert!(update(&mut s, Action::Submit).is_empty(), "csv needs a mapping");
    update(&mut s, Action::NextField);
    typed(&mut s, "calls.toml");
    tab_past_path(&mut s, "calls.toml");
    typed(&mut s, "OP-1");
    let effects = update(&mut s, Action::Submit);
    let Some(ExchangeJob::PreviewFile(file)) = job(&effects) else { panic!("preview asked: {effects:?}") };
    assert_eq!(file.format, ImportFormat::Csv);
    assert_eq!(file.mapping.as_deref(), Some(std::path::Path::new("calls.toml")));
    assert_eq!(file.case.as_deref(), Some("OP-1"));
    let file = file.clone();
    let report =
        crate::interop::ImportReport { file: "calls.csv".into(), read: 10, created: 4, ..Default::default() };
    update(&mut s, Action::Exchanged(Box::new(Outcome::FilePreview(file.clone(), Ok(report.clone())))));
    assert_eq!(s.mode(), Mode::Confirm);
    let effects = update(&mut s, Action::Submit);
    assert_eq!(job(&effects), Some(&ExchangeJob::ImportFile(file)));
    let done = crate::interop::ImportReport { changed: true, ..report };
    let effects = update(&mut s, Action::Exchanged(Box::new(Outcome::FileImported(Ok(done)))));
    assert!(s.message.as_ref().is_some_and(|m| m.text.contains("10 read, 4 created")));
    assert!(asks(&effects, |q| *q == Query::Stats));
    let Some(Popup::Import(form)) = &s.popup else { panic!("report shown") };
    assert!(matches!(form.step, ImportStep::Done(Ok(_))));
    update(&mut s, Action::Submit);
    assert!(s.popup.is_none());
}

#[test]
fn the_whole_store_timeline_counts_bundle_arrivals_apart_from_its_pages() {
    let mut s = state();
    let effects = update(&mut s, Action::TimelineAll);
    assert_eq!(s.focus, Pane::Timeline);
    let t =
        ticket_of(&effects, |q| matches!(q, Query::Timeline { scope: TimelineScope::All, offset: 0, .. }));
    assert!(
        asks(&effects, |q| matches!(q, Query::Density { scope: TimelineScope::All, .. })),
        "the whole store's density strip is asked for (the store bounds it)"
    );
    let item = |at: &str, id: Uuid| TimelineItem {
        at: at.into(),
        id,
        schema: if id.is_nil() { "Bundle".into() } else { "Call".into() },
        prop: "date".into(),
        summary: String::new(),
        a: None,
        b: None,
    };
    let mut items: Vec<TimelineItem> =
        (0..super::worker::PAGE).map(|i| item(&format!("2024-01-{i:03}"), Uuid::now_v7())).collect();
    items.insert(3, item("2024-01-002T10", Uuid::nil()));
    update(&mut s, Action::Loaded(t, Box::new(Loaded::Timeline { items, offset: 0 })));
    assert_eq!(s.timeline.arrivals, 1);
    assert!(!s.timeline.complete, "a full page of the store's rows: more may follow");
    update(&mut s, Action::SelectNext);
    let effects = update(&mut s, Action::SelectNext);
    assert!(asks(&effects, |q| matches!(q, Query::Detail { .. })), "a record's detail is asked for");
    let effects = update(&mut s, Action::SelectNext);
    assert!(s.timeline.items[s.timeline.selected].id.is_nil());
    assert!(!asks(&effects, |q| matches!(q, Query::Detail { .. })), "an arrival is no record: {effects:?}");
    let effects = update(&mut s, Action::SelectLast);
    let next = effects.iter().find_map(|e| match e {
        Effect::Query(_, Query::Timeline { offset, .. }) => Some(*offset),
        _ => None,
    });
    assert_eq!(next, Some(super::worker::PAGE), "the next page starts after the store's rows only");
}

#[test]
fn selecting_a_bundle_arrival_asks_no_detail() {
    let mut s = state();
    assert!(super::requests::load_detail(&mut s, Uuid::nil()).is_empty());
    assert_eq!(s.detail.subject, None);
}

#[test]
fn office_actions_run_from_the_palette_open_the_exchange_screen() {
    let mut s = state();
    update(&mut s, Action::TrustOffice);
    assert!(matches!(exchange_step(&s), ExchangeStep::CardPath(p) if p.is_empty()));
    assert_eq!(s.mode(), Mode::Input);
    s.popup = None;
    update(&mut s, Action::ShareCase);
    assert!(matches!(exchange_step(&s), ExchangeStep::List));
    assert!(s.message.as_ref().is_some_and(|m| m.text.contains("s shares the selected case")));
}
