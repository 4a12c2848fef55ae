//! The search popup, its state and its `update`: the store searched as the analyst types,
//! one hit opened where it belongs (a case in the cases pane, an entity as the centre of the
//! entities pane, anything else in the detail pane), and the search audited once.

use crate::store::query::{SearchHit, SearchPage};
use crate::tui::action::Action;
use crate::tui::message::{Effect, Query};
use crate::tui::requests::jump;
use crate::tui::state::{Popup, State};
use crate::tui::widgets::text_input::MAX_QUERY_CHARS;
use crate::tui::widgets::{ListCursor, Move, TextInput};

#[derive(Debug, Default)]
pub struct SearchPopup {
    pub query: String,
    pub hits: Vec<SearchHit>,
    /// Each hit's cases as shown ("PJ-1, PJ-2 +3"), in the order of `hits`.
    pub cases: Vec<String>,
    /// "3 found", "first 50 of 1,000+", once answered.
    pub total: String,
    /// Nothing matched as typed: the hits match these close spellings.
    pub spellings: Option<String>,
    pub selected: usize,
    pub ticket: u64,
    /// The text the shown hits answer.
    pub answered: String,
}

pub fn open(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::Search(SearchPopup::default()));
    Vec::new()
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Search(s)) = &mut state.popup else { return Vec::new() };
    if action.edit(TextInput::new(&mut s.query, MAX_QUERY_CHARS)) {
        s.selected = 0;
        if s.query.trim().is_empty() {
            s.hits.clear();
            s.answered.clear();
            return Vec::new();
        }
        let text = s.query.clone();
        let ticket = state.ticket();
        if let Some(Popup::Search(s)) = &mut state.popup {
            s.ticket = ticket;
        }
        return vec![Effect::Query(ticket, Query::Search { text })];
    }
    match action {
        Action::SelectNext => s.selected = ListCursor::new(s.selected, s.hits.len()).moved(Move::NEXT),
        Action::SelectPrev => s.selected = ListCursor::new(s.selected, s.hits.len()).moved(Move::PREV),
        Action::Cancel => {
            let audit = searched(s);
            state.popup = None;
            return audit.into_iter().collect();
        }
        Action::Open | Action::Submit => {
            let Some(hit) = s.hits.get(s.selected).cloned() else { return Vec::new() };
            let audit = searched(s);
            state.popup = None;
            let mut effects: Vec<Effect> = audit.into_iter().collect();
            effects.extend(jump(state, hit.id, &hit.schema, &hit.caption));
            return effects;
        }
        _ => {}
    }
    Vec::new()
}

/// Who looked for whom is what an auditor asks: the search as it stood when the analyst
/// opened a result or closed the search (not every keystroke on the way).
fn searched(s: &SearchPopup) -> Option<Effect> {
    let query = s.query.trim();
    (!query.is_empty()).then(|| {
        Effect::Audit(
            "search",
            serde_json::json!({ "query": query, "hits": s.hits.len(), "via": "workbench" }),
        )
    })
}

/// The hits for `text`, matched by ticket (a late answer to an older query is dropped).
pub fn loaded(state: &mut State, ticket: u64, text: String, page: SearchPage) -> Vec<Effect> {
    if let Some(Popup::Search(s)) = &mut state.popup {
        if ticket == s.ticket {
            s.total = page.total.describe(page.hits.len());
            s.spellings = page.fuzzy.then(|| page.spellings.join(" "));
            s.cases = page
                .hits
                .iter()
                .map(|h| {
                    let more = h.case_count.saturating_sub(h.cases.len() as u64);
                    let more = if more > 0 { format!(" +{more}") } else { String::new() };
                    format!("{}{more}", h.cases.join(", "))
                })
                .collect();
            s.hits = page.hits.into_iter().map(|h| h.hit).collect();
            s.answered = text;
            s.selected = ListCursor::new(s.selected, s.hits.len()).clamped();
        }
    }
    Vec::new()
}
