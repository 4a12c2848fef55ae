//! The status bar: mode, store, office and counts; below, the last message or key hints
//! generated from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Look, cut, thousands};
use crate::tui::action::Action;
use crate::tui::keymap::Mode;
use crate::tui::state::{Counts, State};

/// Actions whose keys the main screen's hint line shows, in order.
const MAIN_HINTS: [Action; 10] = [
    Action::Help,
    Action::Search,
    Action::Palette,
    Action::Open,
    Action::NewCase,
    Action::NewEntity,
    Action::Mark,
    Action::NewLink,
    Action::Lock,
    Action::Quit,
];

/// "key desc" pairs for the hint line of `mode`.
pub fn hints(mode: Mode, look: &Look<'_>) -> Vec<(String, String)> {
    if mode == Mode::Main {
        return MAIN_HINTS
            .iter()
            .filter_map(|a| {
                let b = look.keymap.bindings(mode).iter().find(|b| &b.run == a)?;
                Some((b.on.first()?.label(), b.desc.clone()))
            })
            .collect();
    }
    look.keymap.bindings(mode).iter().filter_map(|b| Some((b.on.first()?.label(), b.desc.clone()))).collect()
}

/// The counts, long ("319 entities · 870 links · 5 cases") or short ("319 ent. · 870 links
/// · 5 cases") for a narrow bar.
fn counts_text(counts: Counts, short: bool) -> String {
    match counts {
        Counts { records_bound: Some(bound), cases, .. } => {
            format!("≤{} records · {} cases", thousands(bound), thousands(cases))
        }
        c => format!(
            "{} {} · {} links · {} cases",
            thousands(c.entities),
            if short { "ent." } else { "entities" },
            thousands(c.links),
            thousands(c.cases)
        ),
    }
}

/// The first line's parts after the mode: the store, the office and the counts, dropping the
/// store's label and then shortening the counts rather than cutting a number in half.
fn info_parts(state: &State, room: usize) -> (Option<String>, String, Option<String>) {
    let store = cut(&state.store_label, 28);
    // Who is working, next to the office: the audit names them.
    let office = match &state.analyst {
        Some(a) => format!("{} · {}", super::safe(&state.office), super::safe(a)),
        None => super::safe(&state.office).into_owned(),
    };
    let (long, short) = match state.counts {
        Some(c) => (Some(counts_text(c, false)), Some(counts_text(c, true))),
        None => (None, None),
    };
    let len = |store: Option<&str>, counts: Option<&str>| {
        store.map_or(0, |s| s.chars().count() + 3)
            + office.chars().count()
            + counts.map_or(0, |c| c.chars().count() + 3)
    };
    for (with_store, counts) in [(true, &long), (false, &long), (false, &short)] {
        let store = with_store.then_some(store.as_str());
        if len(store, counts.as_deref()) <= room {
            return (store.map(str::to_owned), office, counts.clone());
        }
    }
    // Very narrow: the counts alone, whole, rather than a number cut in half.
    match short {
        Some(c) if c.chars().count() <= room => (None, String::new(), Some(c)),
        _ => (None, office, None),
    }
}

/// "⚑ 3 alerts" when watched selectors or records have appeared (`!` lists them).
fn alerts_badge(state: &State) -> Option<String> {
    let n = state.counts.map_or(0, |c| c.alerts);
    (n > 0).then(|| format!("⚑ {} alert{}", thousands(n as i64), if n == 1 { "" } else { "s" }))
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, look: &Look<'_>) {
    let width = area.width as usize;
    let mode = state.mode();
    let alerts = alerts_badge(state);
    let badge_len = alerts.as_ref().map_or(0, |b| b.chars().count() + 3);
    let room = width.saturating_sub(mode.label().chars().count() + 3 + badge_len);
    let (store, office, counts) = info_parts(state, room);
    let mut info = vec![Span::styled(format!(" {} ", mode.label()), look.theme.selected), Span::raw(" ")];
    // Next to the mode, where it is seen first; it makes room by shortening the rest.
    if let Some(badge) = alerts {
        info.push(Span::styled(badge, look.theme.warning));
        info.push(Span::styled(" · ", look.theme.text));
    }
    if let Some(store) = store {
        info.push(Span::styled(store, look.theme.accent));
        info.push(Span::styled(" · ", look.theme.text));
    }
    let sep = if office.is_empty() { "" } else { " · " };
    info.push(Span::styled(office, look.theme.text));
    if let Some(counts) = counts {
        info.push(Span::styled(format!("{sep}{counts}"), look.theme.dim));
    }
    if let Some((_, caption)) = &state.marked {
        info.push(Span::styled(format!(" · marked: {}", cut(caption, 20)), look.theme.warning));
    }
    let second = if let Some(job) = &state.job {
        Line::from(Span::styled(
            format!(
                " {} {} / {} — Esc cancels",
                job.label,
                thousands(job.done as i64),
                thousands(job.total as i64)
            ),
            look.theme.warning,
        ))
    } else if let Some(m) = &state.message {
        Line::from(Span::styled(
            cut(&format!(" {}", m.text), width),
            if m.error { look.theme.error } else { look.theme.ok },
        ))
    } else {
        let mut spans = Vec::new();
        let mut used = 0;
        for (key, desc) in hints(mode, look) {
            let len = key.chars().count() + desc.chars().count() + 3;
            if used + len > width {
                break;
            }
            used += len;
            spans.push(Span::styled(format!(" {key}"), look.theme.accent));
            spans.push(Span::styled(format!(" {desc} "), look.theme.dim));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(vec![Line::from(info), second]), area);
}
