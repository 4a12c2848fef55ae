//! Filtering and sorting the entities pane: `f` types a filter in the pane itself (a case's
//! members by name; a path's links by kind, grade and dates), `S` cycles the members' order.
//! The store does the filtering and the sorting, page by page.

use crate::analysis::path::PathFilter;
use crate::model::grade::Grade;
use crate::model::schema::Schema;
use crate::model::values::normalise_date;
use crate::store::query::{LINK_SORT_MAX, MemberOrder};
use crate::tui::action::Action;
use crate::tui::message::Effect;
use crate::tui::requests::load_entities;
use crate::tui::state::{EntitiesView, State};
use crate::tui::widgets::TextInput;

/// Longest filter typed (characters).
const MAX_FILTER_CHARS: usize = 200;

/// `f` in the entities pane: start typing its filter, from the one in force.
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    let e = &mut state.entities;
    e.filter_input = match e.view {
        Some(EntitiesView::Members { .. }) => Some(e.filter.text.clone().unwrap_or_default()),
        Some(EntitiesView::Path { .. }) => Some(e.path_filter_text.clone()),
        _ => None,
    };
    match e.view {
        Some(EntitiesView::Members { .. }) => {
            state.info("Filter the entities by name: Enter applies, Esc cancels.");
        }
        Some(EntitiesView::Path { .. }) => state.info(
            "Path through: link kinds, a least grade, dates (e.g. \"call payment B2 2024-01..2024-06\").",
        ),
        Some(EntitiesView::Neighbourhood { .. }) => {
            state.error(
                "f filters a case's entities or a path: go back (⌫) to the case, or press p for a path.",
            );
        }
        None => state.error("Select a case first."),
    }
    Vec::new()
}

/// `S`: the members' next order (people first, kind, name, links, grade).
pub(super) fn cycle_sort(state: &mut State) -> Vec<Effect> {
    if !matches!(state.entities.view, Some(EntitiesView::Members { .. })) {
        state.error("S sorts a case's entities: select a case first.");
        return Vec::new();
    }
    let mut order = state.entities.filter.order.next();
    // The members listed now (the kinds counted with the filter in force).
    let listed: i64 = state.entities.kinds.iter().map(|k| k.count).sum();
    if order == MemberOrder::Links && listed > LINK_SORT_MAX {
        order = order.next();
        state.entities.filter.order = order;
        state.info(format!(
            "Entities {} (by links sorts at most {LINK_SORT_MAX} entities, {listed} listed: filter with f first).",
            order.label()
        ));
    } else {
        state.entities.filter.order = order;
        state.info(format!("Entities {}.", order.label()));
    }
    reload_members(state)
}

/// `F` in the entities pane: every member again, or a path through any link.
pub(super) fn clear(state: &mut State) -> Vec<Effect> {
    apply(state, "")
}

/// A key while the filter is typed.
pub fn input(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(text) = &mut state.entities.filter_input else { return Vec::new() };
    if action.edit(TextInput::new(text, MAX_FILTER_CHARS)) {
        return Vec::new();
    }
    match action {
        Action::Cancel => {
            state.entities.filter_input = None;
            state.message = None;
            Vec::new()
        }
        Action::Submit => {
            let text = state.entities.filter_input.take().unwrap_or_default();
            apply(state, text.trim())
        }
        _ => Vec::new(),
    }
}

fn apply(state: &mut State, text: &str) -> Vec<Effect> {
    match state.entities.view {
        Some(EntitiesView::Members { .. }) => {
            state.entities.filter.text = Some(text.to_owned()).filter(|t| !t.is_empty());
            state.message = None;
            reload_members(state)
        }
        Some(EntitiesView::Path { .. }) => match parse_path_filter(text) {
            Ok(filter) => {
                state.entities.path_filter = filter;
                text.clone_into(&mut state.entities.path_filter_text);
                state.message = None;
                state.entities.rows.clear();
                state.entities.selected = 0;
                load_entities(state)
            }
            Err(e) => {
                // Keep what was typed in view so it can be corrected.
                state.entities.filter_input = Some(text.to_owned());
                state.error(e);
                Vec::new()
            }
        },
        _ => Vec::new(),
    }
}

/// The members from their first page, in the order and with the filter now in force.
fn reload_members(state: &mut State) -> Vec<Effect> {
    state.entities.rows.clear();
    state.entities.selected = 0;
    load_entities(state)
}

/// Reads a path filter: link kinds by name ("call", "Payment"), a least grade ("B2",
/// "EU:A1"), dates ("2024-01..2024-06", "2024..", "..2024-06"). Empty: every link.
pub fn parse_path_filter(text: &str) -> Result<PathFilter, String> {
    let schema = Schema::builtin();
    let mut filter = PathFilter::default();
    for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
        if let Some((from, to)) = word.split_once("..") {
            for (slot, value) in [(&mut filter.from, from), (&mut filter.to, to)] {
                if !value.is_empty() {
                    *slot = Some(normalise_date(value).map_err(|e| format!("{value:?}: {e}"))?);
                }
            }
            continue;
        }
        let kind = schema.kinds().find(|k| {
            k.is_link() && (k.name.eq_ignore_ascii_case(word) || k.label.eq_ignore_ascii_case(word))
        });
        if let Some(k) = kind {
            filter.kinds.push(k.name.clone());
        } else if let Ok(g) = Grade::parse(word) {
            filter.min_grade = Some(g.score());
        } else if let Ok(d) = normalise_date(word) {
            // One date alone: that day, month or year.
            filter.from = Some(d.clone());
            filter.to = Some(d);
        } else {
            return Err(format!(
                "{word:?} is not a link kind, a grade (B2) or dates (2024-01..2024-06) — path filter not changed"
            ));
        }
    }
    if crate::model::values::period_backwards(filter.from.as_deref(), filter.to.as_deref()) {
        return Err("the period is backwards: its start is after its end".into());
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::query::KindCount;

    #[test]
    fn s_skips_sorting_by_links_when_the_case_lists_too_many_to_count() {
        let mut s = State::unlocked("store", "Paris", "FR");
        let case = uuid::Uuid::now_v7();
        s.entities.view = Some(EntitiesView::Members { case, reference: "BIG-1".into() });
        s.entities.filter.order = MemberOrder::Name;
        s.entities.kinds = vec![KindCount { schema: "Person".into(), count: LINK_SORT_MAX + 1 }];
        let effects = cycle_sort(&mut s);
        assert_eq!(s.entities.filter.order, MemberOrder::Grade);
        let m = s.message.clone().unwrap().text;
        assert!(m.contains("by grade") && m.contains("filter with f first"), "{m}");
        assert_eq!(effects.len(), 1, "the members asked for again");
        // A case small enough sorts by links.
        s.entities.filter.order = MemberOrder::Name;
        s.entities.kinds[0].count = 40;
        cycle_sort(&mut s);
        assert_eq!(s.entities.filter.order, MemberOrder::Links);
    }

    #[test]
    fn a_path_filter_reads_kinds_grades_and_dates_and_refuses_the_rest() {
        let f = parse_path_filter("call Payment B2 2024-01..2024-06").unwrap();
        assert_eq!(f.kinds, ["Call", "Payment"]);
        assert_eq!(f.min_grade, Some(Grade::parse("B2").unwrap().score()));
        assert_eq!((f.from.as_deref(), f.to.as_deref()), (Some("2024-01"), Some("2024-06")));
        assert!(parse_path_filter("").unwrap().is_empty());
        assert!(parse_path_filter("2024..").unwrap().to.is_none());
        let e = parse_path_filter("calls-ish").unwrap_err();
        assert!(e.contains("calls-ish") && e.contains("not a link kind"), "{e}");
        assert!(parse_path_filter("2024-06..2024-01").is_err());
    }
}
