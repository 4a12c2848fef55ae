//! Enter on a call, a payment or a trip in the timeline: which party to pivot to. A small
//! choice shown in the timeline pane ("1 caller · 2 receiver"); Enter on anything else
//! shows it in the detail pane as before.

use crate::model::schema::Schema;
use crate::tui::action::Action;
use crate::tui::message::Effect;
use crate::tui::requests::pivot;
use crate::tui::state::{EntitiesView, Pane, PivotChoice, State};
use crate::tui::widgets::ListCursor;

/// Offers the parties of the selected timeline item, if it is a link with two ends.
/// False when it is not (a birth, a note): the caller does what Enter did before.
pub(super) fn offer(state: &mut State) -> bool {
    let Some(item) = state.timeline.items.get(state.timeline.selected) else { return false };
    let Ok(kind) = Schema::builtin().kind(&item.schema) else { return false };
    let (Some(a), Some(b)) = (&item.a, &item.b) else { return false };
    if !kind.is_link() {
        return false;
    }
    let part = |p: Option<&String>, fallback: &str| {
        p.and_then(|p| kind.properties.get(p)).map_or_else(|| fallback.to_owned(), |p| p.label.to_lowercase())
    };
    let date: String = item.at.chars().take(10).collect();
    state.timeline.choice = Some(PivotChoice {
        title: format!("{} {date}", kind.label),
        parties: vec![
            (a.clone(), part(kind.source.as_ref(), "source")),
            (b.clone(), part(kind.target.as_ref(), "target")),
        ],
        selected: 0,
    });
    true
}

/// A key while the choice is offered.
pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(choice) = &mut state.timeline.choice else { return Vec::new() };
    let len = choice.parties.len();
    if let Some(m) = action.list_move(1) {
        choice.selected = ListCursor::new(choice.selected, len).moved(m);
        return Vec::new();
    }
    let chosen = match action {
        Action::ChooseFirst => 0,
        Action::ChooseSecond => 1,
        Action::Submit => choice.selected,
        Action::Cancel => {
            state.timeline.choice = None;
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    let Some((party, _)) = state.timeline.choice.take().and_then(|c| c.parties.into_iter().nth(chosen))
    else {
        return Vec::new();
    };
    state.focus = Pane::Entities;
    let hops = 1;
    pivot(state, EntitiesView::Neighbourhood { center: party.id, caption: party.caption, hops })
}
