//! Opening a form or a picker from the main screen: what each key asks the analyst to fill.

use uuid::Uuid;

use super::{Form, Picker};
use crate::tui::action::Action;
use crate::tui::message::Effect;
use crate::tui::state::{EntitiesView, Pane, Popup, State};

/// Opens the form (or the kind picker before it) that `action` asks for on the main screen;
/// `None` if `action` opens none.
pub fn open(state: &mut State, action: &Action) -> Option<Vec<Effect>> {
    let effects = match *action {
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
                Some(c) => {
                    state.popup = Some(Popup::Form(Box::new(Form::new_note(c.id, &c.reference, &c.marking))));
                }
                None => state.error("Select a case first."),
            }
            Vec::new()
        }
        Action::NewLink => {
            let (Some(from), Some(to)) = (state.marked.clone(), state.selected_entity()) else {
                state.error("Mark the first entity with m, select the second, then press L.");
                return Some(Vec::new());
            };
            if from.0 == to.0 {
                state.error("Select a different entity from the marked one.");
                return Some(Vec::new());
            }
            let case = link_case(state, to.0);
            state.popup = Some(Popup::Picker(Picker::link_kinds(from, to, case)));
            Vec::new()
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
        Action::AddToCase => {
            match (state.current_case(), state.selected_entity()) {
                (Some(c), Some((id, caption))) => {
                    state.popup =
                        Some(Popup::Form(Box::new(Form::add_to_case(c.id, &c.reference, id, &caption))));
                }
                _ => state.error("Select a case, then an entity (entities pane or detail)."),
            }
            Vec::new()
        }
        Action::Filter => {
            let form = match state.focus {
                Pane::Timeline => {
                    Form::timeline_range(state.timeline.from.as_deref(), state.timeline.to.as_deref())
                }
                _ => Form::case_filter(&state.cases.text),
            };
            state.popup = Some(Popup::Form(Box::new(form)));
            Vec::new()
        }
        _ => return None,
    };
    Some(effects)
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
