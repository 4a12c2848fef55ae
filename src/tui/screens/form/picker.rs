//! The picker: a short list to choose from (an entity's or a link's kind), filtered by typing;
//! choosing opens the form for that kind.

use uuid::Uuid;

use super::Form;
use crate::model::schema::{Category, Schema};
use crate::tui::action::Action;
use crate::tui::message::Effect;
use crate::tui::state::{Popup, State};
use crate::tui::widgets::text_input::MAX_QUERY_CHARS;
use crate::tui::widgets::{ListCursor, Move, TextInput};

/// What a picker chooses.
#[derive(Debug, Clone, PartialEq)]
pub enum PickPurpose {
    /// The kind of a new entity (in the case, if any: id, reference, marking).
    EntityKind { case: Option<(Uuid, String, String)> },
    /// The kind of a new link between two entities, and the case its ends go into (id,
    /// reference, marking).
    LinkKind { from: (Uuid, String), to: (Uuid, String), case: Option<(Uuid, String, String)> },
}

/// A short list to choose from, filtered by typing.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub title: String,
    pub purpose: PickPurpose,
    /// (value, label)
    pub items: Vec<(String, String)>,
    pub filter: String,
    pub selected: usize,
}

impl Picker {
    pub fn entity_kinds(case: Option<(Uuid, String, String)>) -> Picker {
        let items = Schema::builtin()
            .user_kinds()
            .filter(|k| k.category == Category::Entity)
            .map(|k| (k.name.clone(), k.label.clone()))
            .collect();
        Picker {
            title: "Kind of entity".into(),
            purpose: PickPurpose::EntityKind { case },
            items,
            filter: String::new(),
            selected: 0,
        }
    }

    pub fn link_kinds(
        from: (Uuid, String),
        to: (Uuid, String),
        case: Option<(Uuid, String, String)>,
    ) -> Picker {
        let items = Schema::builtin()
            .user_kinds()
            .filter(|k| k.is_link())
            .map(|k| {
                let ends = format!(
                    "{} → {}",
                    k.source.as_deref().unwrap_or("?"),
                    k.target.as_deref().unwrap_or("?")
                );
                (k.name.clone(), format!("{} ({ends})", k.label))
            })
            .collect();
        Picker {
            title: format!("Link {} → {}", from.1, to.1),
            purpose: PickPurpose::LinkKind { from, to, case },
            items,
            filter: String::new(),
            selected: 0,
        }
    }

    /// The items matching the filter (by value or label, case-insensitive).
    pub fn visible(&self) -> Vec<&(String, String)> {
        let f = self.filter.to_lowercase();
        self.items
            .iter()
            .filter(|(v, l)| v.to_lowercase().contains(&f) || l.to_lowercase().contains(&f))
            .collect()
    }

    pub fn chosen(&self) -> Option<String> {
        self.visible().get(self.selected).map(|(v, _)| v.clone())
    }
}

/// `update` while a picker is open.
pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Picker(p)) = &mut state.popup else { return Vec::new() };
    if action.edit(TextInput::new(&mut p.filter, MAX_QUERY_CHARS)) {
        p.selected = 0;
        return Vec::new();
    }
    match action {
        Action::SelectNext => p.selected = ListCursor::new(p.selected, p.visible().len()).moved(Move::NEXT),
        Action::SelectPrev => p.selected = ListCursor::new(p.selected, p.visible().len()).moved(Move::PREV),
        Action::Cancel => state.popup = None,
        Action::Submit | Action::Open => {
            let Some(chosen) = p.chosen() else { return Vec::new() };
            let Ok(kind) = Schema::builtin().kind(&chosen) else { return Vec::new() };
            let purpose = p.purpose.clone();
            let form = match purpose {
                PickPurpose::EntityKind { case: Some((id, reference, marking)) } => {
                    Form::new_entity(kind, Some((id, &reference)), &marking)
                }
                PickPurpose::EntityKind { case: None } => {
                    Form::new_entity(kind, None, &state.default_marking)
                }
                PickPurpose::LinkKind { from, to, case } => {
                    let marking =
                        case.as_ref().map_or_else(|| state.default_marking.clone(), |c| c.2.clone());
                    let case = case.as_ref().map(|(id, reference, _)| (*id, reference.as_str()));
                    Form::new_link(kind, (from.0, &from.1), (to.0, &to.1), case, &marking)
                }
            };
            state.popup = Some(Popup::Form(Box::new(form)));
        }
        _ => {}
    }
    Vec::new()
}
