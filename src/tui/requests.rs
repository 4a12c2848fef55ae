//! The request helpers every screen shares: each asks the worker for something (with a fresh
//! ticket, so a late answer for a place the analyst has left is dropped) and marks the part
//! of the state that waits for it. They change only the waiting marks and the selections a
//! request implies; the answers are taken in by the screens' `loaded`.

use uuid::Uuid;

use super::message::{Effect, ExchangeJob, Query};
use super::state::{EntitiesPane, EntitiesView, Job, KeptCase, Pane, State};
use crate::model::schema::{Category, Schema};
use crate::store::query::{MemberQuery, TimelineScope, Zoom};

/// Entities a generate job makes.
pub const GENERATE_ENTITIES: u64 = 10_000;
/// Rows from the end of a list at which the next page is asked for.
pub const PREFETCH: usize = 20;

/// Starts a job on the worker, unless one is running.
pub fn start_job(state: &mut State, label: String, job: ExchangeJob) -> Vec<Effect> {
    if state.job.is_some() {
        state.error("A job is already running.");
        return Vec::new();
    }
    state.job = Some(Job { label, done: 0, total: 0 });
    vec![Effect::Exchange(job)]
}

/// A query with a fresh ticket.
pub fn query(state: &mut State, q: Query) -> Effect {
    Effect::Query(state.ticket(), q)
}

/// The first questions after unlocking.
pub fn start(state: &mut State) -> Vec<Effect> {
    vec![load_cases(state), query(state, Query::Stats)]
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
        EntitiesView::Members { case, .. } => {
            Query::Members { case, offset: 0, filter: state.entities.filter.clone() }
        }
        EntitiesView::Neighbourhood { center, hops, .. } => Query::Neighbourhood { entity: center, hops },
        EntitiesView::Path { from, to, .. } => {
            Query::Path { from, to, filter: state.entities.path_filter.clone() }
        }
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
    // The whole store's strip is bounded by the store (the newest buckets, capped counts).
    vec![
        Effect::Query(
            ticket,
            Query::Timeline { scope, from: from.clone(), to: to.clone(), newest_first, offset: 0 },
        ),
        Effect::Query(density_ticket, Query::Density { scope, zoom, from, to }),
    ]
}

/// The timeline's date range follows the case shown: each case keeps its own (unless the
/// analyst asked for one range for all), `None` being the whole-store timeline's.
pub fn switch_range(state: &mut State, owner: Option<Uuid>) {
    let t = &mut state.timeline;
    if t.ranges.for_all || t.ranges.owner == owner {
        t.ranges.owner = owner;
        return;
    }
    let old = (t.from.take(), t.to.take());
    t.ranges.saved.insert(t.ranges.owner, old);
    (t.from, t.to) = t.ranges.saved.get(&owner).cloned().unwrap_or_default();
    t.ranges.owner = owner;
}

pub fn load_density(state: &mut State) -> Vec<Effect> {
    let Some(scope) = state.timeline.scope else { return Vec::new() };
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
        state.detail.notes.clear();
        state.detail.profile = None;
    }
    state.detail.subject = Some(id);
    state.detail.selected = 0;
    state.detail.scroll = 0;
    state.detail.loading = true;
    let ticket = state.ticket();
    state.detail.ticket = ticket;
    // With the record, its resolved profile when judgements join it to others (issue 13):
    // one index seek when none does.
    vec![Effect::Query(ticket, Query::Detail { id }), Effect::Query(ticket, Query::Profile { id })]
}

pub fn reload_detail(state: &mut State) -> Vec<Effect> {
    let Some(id) = state.detail.subject else { return Vec::new() };
    state.detail.view = None;
    state.detail.profile = None;
    load_detail(state, id)
}

/// Asks again for everything shown, keeping the selections.
pub fn reload(state: &mut State) -> Vec<Effect> {
    // Something was written: pages kept from before may be stale.
    state.entities.kept = None;
    let mut effects = vec![load_cases(state)];
    effects.extend(load_entities(state));
    effects.extend(load_timeline(state));
    effects.extend(reload_detail(state));
    effects
}

/// The selected case changed: its members, timeline and detail follow.
pub fn select_case(state: &mut State) -> Vec<Effect> {
    let Some(case) = state.cases.current().cloned() else {
        state.entities = EntitiesPane::default();
        state.timeline.scope = None;
        state.timeline.items.clear();
        state.timeline.density.clear();
        return Vec::new();
    };
    state.entities.view = Some(EntitiesView::Members { case: case.id, reference: case.reference.clone() });
    // Another case's members are filtered afresh; the order chosen stays.
    state.entities.filter.text = None;
    state.entities.filter_input = None;
    switch_range(state, Some(case.id));
    state.entities.history.clear();
    state.entities.kept = None;
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
            keep_case(state, &old);
            state.entities.history.push(old);
        }
    }
    show_view(state, view)
}

/// What the timeline shows a case's items for: its filter and range, order and zoom.
fn case_key(state: &State) -> (MemberQuery, Option<String>, Option<String>, bool, Zoom) {
    let t = &state.timeline;
    (state.entities.filter.clone(), t.from.clone(), t.to.clone(), t.newest_first, t.zoom)
}

/// Leaving a case's members for a pivot: its pages, fully arrived, are kept so that going back
/// shows them at once instead of asking the store for the same pages again.
fn keep_case(state: &mut State, old: &EntitiesView) {
    // A pivot from a pivot keeps the case's pages for the way back.
    if !matches!(old, EntitiesView::Members { .. }) {
        return;
    }
    let (e, t) = (&mut state.entities, &mut state.timeline);
    e.kept = None;
    if e.loading || t.loading {
        return;
    }
    let key = case_key(state);
    let (e, t) = (&mut state.entities, &mut state.timeline);
    let entities = (std::mem::take(&mut e.kinds), std::mem::take(&mut e.rows), e.selected, e.complete);
    let timeline =
        (std::mem::take(&mut t.items), std::mem::take(&mut t.density), t.selected, t.complete, t.arrivals);
    e.kept = Some(Box::new(KeptCase { view: old.clone(), key, entities, timeline }));
}

/// Shows the kept pages of `view` if they are its pages as they would be read now; fresh
/// tickets drop any answer still on its way for the view left.
fn restore_case(state: &mut State, view: &EntitiesView) -> bool {
    let kept = match state.entities.kept.take() {
        Some(k) if k.view == *view && k.key == case_key(state) => k,
        _ => return false,
    };
    let KeptCase { entities: (kinds, rows, selected, complete), timeline, .. } = *kept;
    let (entities, density) = (state.ticket(), state.ticket());
    let e = &mut state.entities;
    (e.kinds, e.rows, e.selected, e.complete, e.loading, e.ticket) =
        (kinds, rows, selected, complete, false, entities);
    let timeline_ticket = state.ticket();
    let t = &mut state.timeline;
    (t.items, t.density, t.selected, t.complete, t.arrivals) = timeline;
    (t.loading, t.ticket, t.density_ticket) = (false, timeline_ticket, density);
    true
}

pub fn show_view(state: &mut State, view: EntitiesView) -> Vec<Effect> {
    let mut effects = Vec::new();
    match &view {
        EntitiesView::Members { case, reference } => {
            switch_range(state, Some(*case));
            state.timeline.scope = Some(TimelineScope::Case(*case));
            state.timeline.label.clone_from(reference);
            effects.extend(load_detail(state, *case));
            if restore_case(state, &view) {
                state.entities.view = Some(view);
                return effects;
            }
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

/// Goes to a record (a search hit, an alert): a case is selected in the cases pane; an entity
/// becomes the centre of the entities pane; anything else is shown in the detail pane.
pub fn jump(state: &mut State, id: Uuid, schema: &str, caption: &str) -> Vec<Effect> {
    let kind = Schema::builtin().kind(schema).ok();
    if schema == "Case" {
        state.cases.text.clear();
        state.cases.status = None;
        state.cases.want = Some(id);
        state.focus = Pane::Cases;
        return vec![load_cases(state)];
    }
    if kind.is_some_and(|k| k.category == Category::Entity) {
        state.focus = Pane::Detail;
        let view = EntitiesView::Neighbourhood { center: id, caption: caption.to_owned(), hops: 1 };
        return pivot(state, view);
    }
    state.focus = Pane::Detail;
    load_detail(state, id)
}
