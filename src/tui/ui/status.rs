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

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, look: &Look<'_>) {
    let width = area.width as usize;
    let mode = state.mode();
    let mut info = vec![
        Span::styled(format!(" {} ", mode.label()), look.theme.selected),
        Span::raw(" "),
        Span::styled(cut(&state.store_label, 28), look.theme.accent),
        Span::styled(format!(" · {}", super::safe(&state.office)), look.theme.text),
    ];
    match state.counts {
        Some(Counts { records_bound: Some(bound), cases, .. }) => info.push(Span::styled(
            format!(" · ≤{} records · {} cases", thousands(bound), thousands(cases)),
            look.theme.dim,
        )),
        Some(c) => info.push(Span::styled(
            format!(
                " · {} entities · {} links · {} cases",
                thousands(c.entities),
                thousands(c.links),
                thousands(c.cases)
            ),
            look.theme.dim,
        )),
        None => {}
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
