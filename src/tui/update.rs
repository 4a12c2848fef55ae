//! `update(&mut State, Action) -> Vec<Effect>`: the only writer of the workbench's state.
//! It never touches the store or the terminal; it says what should happen as effects.
//!
//! This file holds the dispatch and the main screen; popups and the unlock screen are in
//! `update_popup.rs`, answers from the store in `update_loaded.rs`.

use uuid::Uuid;

use super::action::Action;
use super::form::{Form, Picker};
use super::keymap::Mode;
use super::message::{Effect, ExchangeJob, Loaded, Outcome, Query, Write};
use super::screens::search::{self, SearchPopup};
use super::screens::{confirm, conflicts, exchange, import, measures, palette};
use super::state::{EntitiesView, Pane, Popup, State};
use super::theme::ThemeName;
use super::ui::layout;
use super::update_nav::{back, click, filter, focus, move_selection, open, page};
use super::widgets::Move;
use super::{update_loaded, update_popup};
use crate::model::schema::{Category, Schema};
use crate::store::query::TimelineScope;

/// Case statuses the status filter cycles through (None = all).
const STATUSES: [Option<&str>; 5] = [None, Some("open"), Some("active"), Some("suspended"), Some("closed")];
/// Entities a generate job makes.
pub const GENERATE_ENTITIES: u64 = 10_000;
/// Rows from the end of a list at which the next page is asked for.
pub(super) const PREFETCH: usize = 20;

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Resize(w, h) => {
            state.size = (w, h);
            return Vec::new();
        }
        Action::Loaded(ticket, loaded) => {
            return match *loaded {
                Loaded::Conflicts(list) => conflicts::loaded(state, ticket, list),
                Loaded::Search { text, hits } => search::loaded(state, ticket, text, hits),
                l @ Loaded::Offices { .. } => exchange::loaded(state, ticket, l),
                Loaded::Measures(m) => measures::loaded(state, ticket, m),
                l => update_loaded::loaded(state, ticket, l),
            };
        }
        Action::Saved(message, id) => {
            let mut effects = update_loaded::saved(state, message, id);
            effects.extend(conflicts::saved(state));
            return effects;
        }
        Action::Failed(message) => {
            conflicts::failed(state);
            exchange::failed(state);
            update_loaded::failed(state, message);
            return Vec::new();
        }
        Action::Exchanged(outcome) => {
            return match *outcome {
                o @ (Outcome::FilePreview(..) | Outcome::FileImported(_)) => import::outcome(state, o),
                o => exchange::outcome(state, o),
            };
        }
        Action::JobProgress(done, total) => {
            if let Some(job) = &mut state.job {
                job.done = done;
                job.total = total;
            }
            return Vec::new();
        }
        Action::JobDone(message) => {
            state.job = None;
            state.info(message);
            let mut effects = reload(state);
            effects.push(query(state, Query::Stats));
            return effects;
        }
        Action::Unlocked(label, office, country) => return unlocked(state, &label, &office, &country),
        Action::Lock if state.mode() != Mode::Unlock => return lock(state),
        _ => {}
    }
    // The exchange screens take every key while open, whatever mode their step is in.
    match state.popup {
        Some(Popup::Conflicts(_)) => return conflicts::update(state, &action),
        Some(Popup::Measures(_)) => return measures::update(state, &action),
        Some(Popup::Exchange(_)) => return exchange::update(state, &action),
        Some(Popup::Import(_)) => return import::import(state, &action),
        _ => {}
    }
    match state.mode() {
        Mode::Unlock => update_popup::unlock(state, action),
        Mode::Main => main(state, &action),
        Mode::Search => search::update(state, &action),
        Mode::Palette => palette::update(state, &action),
        Mode::Form => update_popup::form(state, &action),
        Mode::Picker => update_popup::picker(state, &action),
        Mode::Confirm => confirm::update(state, &action),
        Mode::Help => update_popup::help(state, &action),
        // Only the exchange screens use these modes; they were handled above.
        Mode::Conflicts | Mode::Exchange | Mode::Input => Vec::new(),
    }
}

/// Starts a job on the worker, unless one is running.
pub fn start_job(state: &mut State, label: String, job: ExchangeJob) -> Vec<Effect> {
    if state.job.is_some() {
        state.error("A job is already running.");
        return Vec::new();
    }
    state.job = Some(super::state::Job { label, done: 0, total: 0 });
    vec![Effect::Exchange(job)]
}

/// A query with a fresh ticket.
pub fn query(state: &mut State, q: Query) -> Effect {
    Effect::Query(state.ticket(), q)
}

fn unlocked(state: &mut State, label: &str, office: &str, country: &str) -> Vec<Effect> {
    let (theme, size) = (state.theme, state.size);
    *state = State::unlocked(label, office, country);
    state.theme = theme;
    state.size = size;
    start(state)
}

/// The first questions after unlocking.
pub fn start(state: &mut State) -> Vec<Effect> {
    vec![load_cases(state), query(state, Query::Stats)]
}

fn lock(state: &mut State) -> Vec<Effect> {
    let (theme, size, label) = (state.theme, state.size, state.store_label.clone());
    // Everything shown is dropped with the old state, not just hidden.
    *state = State::locked(&label);
    state.theme = theme;
    state.size = size;
    if let super::state::Screen::Unlock(u) = &mut state.screen {
        u.message = Some("Locked. Type the passphrase to continue.".into());
    }
    vec![Effect::Lock]
}

pub fn load_cases(state: &mut State) -> Effect {
    state.cases.loading = true;
    let ticket = state.ticket();
    state.cases.ticket = ticket;
    let text = Some(state.cases.text.clone()).filter(|t| !t.is_empty());
    Effect::Query(ticket, Query::Cases { status: state.cases.status.clone(), text })
}

/// Asks for the entities pane's current view, from its first page.
pub fn load_entities(state: &mut State) -> Vec<Effect> {
    let Some(view) = state.entities.view.clone() else { return Vec::new() };
    let ticket = state.ticket();
    state.entities.ticket = ticket;
    state.entities.loading = true;
    state.entities.complete = false;
    let q = match view {
        EntitiesView::Members { case, .. } => Query::Members { case, offset: 0 },
        EntitiesView::Neighbourhood { center, hops, .. } => Query::Neighbourhood { entity: center, hops },
        EntitiesView::Path { from, to, .. } => Query::Path { from, to },
    };
    vec![Effect::Query(ticket, q)]
}

/// Asks for the timeline's first page and its density strip.
pub fn load_timeline(state: &mut State) -> Vec<Effect> {
    let Some(scope) = state.timeline.scope else { return Vec::new() };
    let t = &state.timeline;
    let (from, to, newest_first, zoom) = (t.from.clone(), t.to.clone(), t.newest_first, t.zoom);
    let ticket = state.ticket();
    let density_ticket = state.ticket();
    state.timeline.ticket = ticket;
    state.timeline.density_ticket = density_ticket;
    state.timeline.loading = true;
    state.timeline.complete = false;
    let mut effects = vec![Effect::Query(
        ticket,
        Query::Timeline { scope, from: from.clone(), to: to.clone(), newest_first, offset: 0 },
    )];
    // The whole store has no density strip (it would count every dated item).
    if scope != TimelineScope::All {
        effects.push(Effect::Query(density_ticket, Query::Density { scope, zoom, from, to }));
    }
    effects
}

fn load_density(state: &mut State) -> Vec<Effect> {
    let Some(scope) = state.timeline.scope.filter(|s| *s != TimelineScope::All) else { return Vec::new() };
    let ticket = state.ticket();
    state.timeline.density_ticket = ticket;
    let t = &state.timeline;
    vec![Effect::Query(
        ticket,
        Query::Density { scope, zoom: t.zoom, from: t.from.clone(), to: t.to.clone() },
    )]
}

/// Shows record `id` in the detail pane.
pub fn load_detail(state: &mut State, id: Uuid) -> Vec<Effect> {
    // A bundle arrival on the timeline is not a record: nothing to show.
    if id.is_nil() {
        return Vec::new();
    }
    if state.detail.subject == Some(id) && state.detail.view.is_some() {
        return Vec::new();
    }
    // Another record's statements must never stand under this one's title, even briefly.
    if state.detail.subject != Some(id) {
        state.detail.view = None;
    }
    state.detail.subject = Some(id);
    state.detail.selected = 0;
    state.detail.loading = true;
    let ticket = state.ticket();
    state.detail.ticket = ticket;
    vec![Effect::Query(ticket, Query::Detail { id })]
}

fn reload_detail(state: &mut State) -> Vec<Effect> {
    let Some(id) = state.detail.subject else { return Vec::new() };
    state.detail.view = None;
    load_detail(state, id)
}

/// Asks again for everything shown, keeping the selections.
pub fn reload(state: &mut State) -> Vec<Effect> {
    let mut effects = vec![load_cases(state)];
    effects.extend(load_entities(state));
    effects.extend(load_timeline(state));
    effects.extend(reload_detail(state));
    effects
}

/// The selected case changed: its members, timeline and detail follow.
pub fn select_case(state: &mut State) -> Vec<Effect> {
    let Some(case) = state.cases.current().cloned() else {
        state.entities = super::state::EntitiesPane::default();
        state.timeline.scope = None;
        state.timeline.items.clear();
        state.timeline.density.clear();
        return Vec::new();
    };
    state.entities.view = Some(EntitiesView::Members { case: case.id, reference: case.reference.clone() });
    state.entities.history.clear();
    state.entities.rows.clear();
    state.entities.kinds.clear();
    state.entities.selected = 0;
    state.timeline.scope = Some(TimelineScope::Case(case.id));
    state.timeline.label.clone_from(&case.reference);
    state.timeline.items.clear();
    state.timeline.density.clear();
    state.timeline.selected = 0;
    // Cheap answers first: the members and the case's statements show before the timeline,
    // which reads every dated item of every member.
    let mut effects = load_entities(state);
    effects.extend(load_detail(state, case.id));
    effects.extend(load_timeline(state));
    effects
}

/// Pivots the entities pane (and the timeline) to `view`, remembering where it was.
pub fn pivot(state: &mut State, view: EntitiesView) -> Vec<Effect> {
    if let Some(old) = state.entities.view.take() {
        if old != view {
            state.entities.history.push(old);
        }
    }
    show_view(state, view)
}

pub(super) fn show_view(state: &mut State, view: EntitiesView) -> Vec<Effect> {
    let mut effects = Vec::new();
    match &view {
        EntitiesView::Members { case, reference } => {
            state.timeline.scope = Some(TimelineScope::Case(*case));
            state.timeline.label.clone_from(reference);
            effects.extend(load_detail(state, *case));
        }
        EntitiesView::Neighbourhood { center, caption, .. } => {
            state.timeline.scope = Some(TimelineScope::Entity(*center));
            state.timeline.label.clone_from(caption);
            effects.extend(load_detail(state, *center));
        }
        EntitiesView::Path { .. } => {}
    }
    state.entities.view = Some(view);
    state.entities.rows.clear();
    state.entities.kinds.clear();
    state.entities.selected = 0;
    state.timeline.items.clear();
    state.timeline.density.clear();
    state.timeline.selected = 0;
    effects.extend(load_entities(state));
    effects.extend(load_timeline(state));
    effects
}

/// The entity the analyst points at: the row of the entities pane when it has focus, else
/// the record in the detail pane if it is an entity.
pub fn selected_entity(state: &State) -> Option<(Uuid, String)> {
    if state.focus == Pane::Entities {
        if let Some(row) = state.entities.current() {
            let (id, _, caption) = row.entity();
            return Some((id, caption.to_owned()));
        }
    }
    let view = state.detail.view.as_ref()?;
    let kind = Schema::builtin().kind(&view.schema).ok()?;
    (kind.category == Category::Entity && !view.deleted).then(|| (view.id, view.caption.clone()))
}

/// The case a new link to `entity` goes into (id, reference, marking): the highlighted case
/// if the entity is in it, else the one case it is in, else none. Case membership decides
/// what is shared, so a link never lands in the highlighted case just because it is
/// highlighted.
fn link_case(state: &State, entity: Uuid) -> Option<(Uuid, String, String)> {
    let cases: Vec<(Uuid, String)> = match state.detail.view.as_deref() {
        Some(v) if v.id == entity => v.cases.iter().map(|c| (c.id, c.reference.clone())).collect(),
        _ => match &state.entities.view {
            Some(EntitiesView::Members { case, reference })
                if state.entities.rows.iter().any(|r| r.entity().0 == entity) =>
            {
                vec![(*case, reference.clone())]
            }
            _ => Vec::new(),
        },
    };
    let marking = |id: Uuid| {
        state
            .cases
            .rows
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| state.default_marking.clone(), |c| c.marking.clone())
    };
    if let Some(h) = state.current_case().filter(|h| cases.iter().any(|(id, _)| *id == h.id)) {
        return Some((h.id, h.reference.clone(), h.marking.clone()));
    }
    match cases.as_slice() {
        [(id, reference)] => Some((*id, reference.clone(), marking(*id))),
        _ => None,
    }
}

fn main(state: &mut State, action: &Action) -> Vec<Effect> {
    if action.name().is_some() {
        state.message = None;
    }
    match *action {
        Action::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Action::Help => {
            state.popup = Some(Popup::Help { scroll: 0 });
            Vec::new()
        }
        Action::Search => {
            state.popup = Some(Popup::Search(SearchPopup::default()));
            Vec::new()
        }
        Action::Palette => {
            state.popup = Some(Popup::Palette(palette::PalettePopup::default()));
            Vec::new()
        }
        Action::FocusNext => focus(state, state.focus.next()),
        Action::FocusPrev => focus(state, state.focus.prev()),
        Action::FocusCases => focus(state, Pane::Cases),
        Action::FocusEntities => focus(state, Pane::Entities),
        Action::FocusTimeline => focus(state, Pane::Timeline),
        Action::FocusDetail => focus(state, Pane::Detail),
        Action::SelectNext => move_selection(state, Move::NEXT),
        Action::SelectPrev => move_selection(state, Move::PREV),
        Action::PageDown => move_selection(state, Move::By(page(state))),
        Action::PageUp => move_selection(state, Move::By(-page(state))),
        Action::SelectFirst => move_selection(state, Move::First),
        Action::SelectLast => move_selection(state, Move::Last),
        Action::Open => open(state),
        Action::Back => back(state),
        Action::Filter => filter(state),
        Action::CycleStatus => {
            let i = STATUSES.iter().position(|s| s.map(str::to_owned) == state.cases.status).unwrap_or(0);
            state.cases.status = STATUSES[(i + 1) % STATUSES.len()].map(str::to_owned);
            state.info(format!("Cases: {}", state.cases.status.as_deref().unwrap_or("all statuses")));
            vec![load_cases(state)]
        }
        Action::ClearFilter => {
            if state.focus == Pane::Timeline {
                state.timeline.from = None;
                state.timeline.to = None;
                load_timeline(state)
            } else {
                state.cases.text.clear();
                state.cases.status = None;
                vec![load_cases(state)]
            }
        }
        Action::ToggleOrder => {
            state.timeline.newest_first = !state.timeline.newest_first;
            state.timeline.items.clear();
            state.timeline.selected = 0;
            load_timeline(state)
        }
        Action::ZoomIn | Action::ZoomOut => {
            let z = state.timeline.zoom;
            state.timeline.zoom = if *action == Action::ZoomIn { z.finer() } else { z.coarser() };
            load_density(state)
        }
        Action::ToggleHops => {
            if let Some(EntitiesView::Neighbourhood { hops, .. }) = &mut state.entities.view {
                *hops = if *hops == 1 { 2 } else { 1 };
                return load_entities(state);
            }
            state.info("Hops apply to an entity's neighbourhood: pivot to one with Enter first.");
            Vec::new()
        }
        Action::NewCase => {
            state.popup = Some(Popup::Form(Box::new(Form::new_case(&state.office, &state.default_marking))));
            Vec::new()
        }
        Action::NewEntity => {
            let case = state.current_case().map(|c| (c.id, c.reference.clone(), c.marking.clone()));
            state.popup = Some(Popup::Picker(Picker::entity_kinds(case)));
            Vec::new()
        }
        Action::NewNote => {
            match state.current_case() {
                Some(c) => state.popup = Some(Popup::Form(Box::new(Form::new_note(c.id, &c.reference)))),
                None => state.error("Select a case first."),
            }
            Vec::new()
        }
        Action::Mark => {
            match selected_entity(state) {
                Some((id, caption)) => {
                    state.info(format!(
                        "Marked {caption}: select another entity, then L to link or p for a path."
                    ));
                    state.marked = Some((id, caption));
                }
                None => state.error("Select an entity to mark (entities pane or detail)."),
            }
            Vec::new()
        }
        Action::NewLink => {
            let (Some(from), Some(to)) = (state.marked.clone(), selected_entity(state)) else {
                state.error("Mark the first entity with m, select the second, then press L.");
                return Vec::new();
            };
            if from.0 == to.0 {
                state.error("Select a different entity from the marked one.");
                return Vec::new();
            }
            let case = link_case(state, to.0);
            state.popup = Some(Popup::Picker(Picker::link_kinds(from, to, case)));
            Vec::new()
        }
        Action::ShowPath => {
            let (Some(from), Some(to)) = (state.marked.clone(), selected_entity(state)) else {
                state.error("Mark the first entity with m, select the second, then press p.");
                return Vec::new();
            };
            let caption = format!("{} → {}", from.1, to.1);
            pivot(state, EntitiesView::Path { from: from.0, to: to.0, caption })
        }
        Action::Edit => {
            let form = state.detail.view.as_deref().filter(|v| !v.deleted).and_then(Form::edit_entity);
            match form {
                Some(f) => state.popup = Some(Popup::Form(Box::new(f))),
                None => state.error("Select a case or an entity to edit."),
            }
            Vec::new()
        }
        Action::Regrade => {
            let form = state.detail.view.as_deref().and_then(|v| {
                v.statements.get(state.detail.selected).map(|s| Form::regrade(v.id, &v.schema, s))
            });
            match form {
                Some(f) if state.focus == Pane::Detail => state.popup = Some(Popup::Form(Box::new(f))),
                _ => state.error("Focus the detail pane (4) and select a statement first."),
            }
            Vec::new()
        }
        Action::Delete => {
            match state.detail.view.as_deref().filter(|v| !v.deleted) {
                Some(v) => {
                    let label = format!("{} {}", v.schema, v.caption);
                    state.popup = Some(Popup::Confirm(confirm::Confirm {
                        question: format!("Delete {label}? Other offices receive the deletion too."),
                        write: Write::Delete { id: v.id, label },
                    }));
                }
                None => state.error("Select something to delete."),
            }
            Vec::new()
        }
        Action::AddToCase => {
            match (state.current_case(), selected_entity(state)) {
                (Some(c), Some((id, caption))) => {
                    state.popup =
                        Some(Popup::Form(Box::new(Form::add_to_case(c.id, &c.reference, id, &caption))));
                }
                _ => state.error("Select a case, then an entity (entities pane or detail)."),
            }
            Vec::new()
        }
        Action::ToggleTheme => {
            state.theme = match state.theme {
                ThemeName::Dark => ThemeName::Light,
                ThemeName::Light => ThemeName::Dark,
            };
            Vec::new()
        }
        Action::Refresh => {
            state.detail.view = None;
            let mut e = reload(state);
            e.push(query(state, Query::Stats));
            e
        }
        Action::Generate => {
            if state.job.is_some() {
                state.error("A job is already running.");
                return Vec::new();
            }
            state.job =
                Some(super::state::Job { label: "Generating".into(), done: 0, total: GENERATE_ENTITIES });
            vec![Effect::Generate(GENERATE_ENTITIES)]
        }
        Action::CancelJob => {
            if state.job.is_some() {
                state.info("Cancelling…");
                vec![Effect::CancelJob]
            } else {
                Vec::new()
            }
        }
        Action::Cancel => {
            if state.job.is_some() {
                state.info("Cancelling…");
                return vec![Effect::CancelJob];
            }
            state.message = None;
            state.marked = None;
            Vec::new()
        }
        Action::Conflicts => conflicts::open(state),
        Action::Measures => measures::open(state),
        Action::Exchange | Action::ExportBundle => exchange::open(state, exchange::ExchangeStep::List),
        Action::ImportBundle => exchange::open(state, exchange::ExchangeStep::ImportPath(String::new())),
        Action::ImportFile => import::open(state),
        Action::TimelineAll => {
            state.timeline.scope = Some(TimelineScope::All);
            state.timeline.label = "whole store".into();
            state.timeline.items.clear();
            state.timeline.density.clear();
            state.timeline.selected = 0;
            state.focus = Pane::Timeline;
            load_timeline(state)
        }
        Action::Click(x, y) => click(state, x, y),
        Action::ScrollDown(x, y) | Action::ScrollUp(x, y) => {
            let down = matches!(action, Action::ScrollDown(..));
            let mut effects = Vec::new();
            if let Some(pane) = layout::pane_at(state.size, x, y) {
                effects.extend(focus(state, pane));
                effects.extend(move_selection(state, Move::By(if down { 3 } else { -3 })));
            }
            effects
        }
        _ => Vec::new(),
    }
}
