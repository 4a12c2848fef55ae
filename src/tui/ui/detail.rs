//! The detail pane: every live statement of the selected record with its source, grade and
//! marking, conflicts flagged in words; then its links and its cases.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Look, badge, cut, kind_label, pane_block, prop_label, safe};
use crate::tui::state::{Pane, State};

/// Lines of the header above the statements.
const HEADER_LINES: usize = 3;

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, look: &Look<'_>) {
    let d = &state.detail;
    let title = match &d.view {
        Some(v) => format!("Detail · {}", kind_label(&v.schema)),
        None => "Detail".to_owned(),
    };
    frame.render_widget(pane_block(state, Pane::Detail, &title, look), area);
    let inner = area.inner(ratatui::layout::Margin { horizontal: 1, vertical: 1 });
    let Some(v) = &d.view else {
        let text = if d.loading { "" } else { "Nothing selected." };
        frame.render_widget(Paragraph::new(text).style(look.theme.dim), inner);
        return;
    };
    let width = inner.width as usize;
    let focused = state.focus == Pane::Detail && state.popup.is_none();
    let mut lines: Vec<Line> = Vec::new();
    let deleted = if v.deleted { "  [DELETED]" } else { "" };
    lines.push(Line::from(Span::styled(cut(&format!("{}{deleted}", v.caption), width), look.theme.header)));
    lines.push(Line::from(vec![
        Span::styled(format!("grade {} · ", safe(v.grade.as_deref().unwrap_or("none"))), look.theme.dim),
        badge(&v.marking, super::super::theme::short_marking(&v.marking).chars().count(), look),
        Span::styled(format!(" · {}", &v.id.to_string()[..8]), look.theme.dim),
    ]));
    match (&v.source, &v.target) {
        (Some(s), Some(t)) => lines.push(Line::from(Span::styled(
            cut(&format!("{} → {}", s.caption, t.caption), width),
            look.theme.accent,
        ))),
        _ => lines.push(Line::from("")),
    }
    for (i, s) in v.statements.iter().enumerate() {
        let selected = focused && i == d.selected;
        let style = if selected { look.theme.selected } else { look.theme.text };
        let mut first = vec![Span::styled(
            cut(&format!("{}: {}", prop_label(&v.schema, &s.prop), s.value), width),
            style,
        )];
        if s.conflict {
            first.push(Span::styled(" ⚠ CONFLICT", look.theme.error));
        }
        lines.push(Line::from(first));
        let source = s.source.as_ref().map_or("no source", |x| x.name.as_str());
        let office = s.office.as_deref().unwrap_or("");
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {} · {} · ", cut(source, 24), safe(s.grade.as_deref().unwrap_or("–"))),
                look.theme.dim,
            ),
            badge(&s.marking, super::super::theme::short_marking(&s.marking).chars().count(), look),
            Span::styled(format!(" · {}", safe(office)), look.theme.dim),
        ]));
    }
    if !v.links.is_empty() {
        lines.push(Line::from(Span::styled(format!("Links ({})", v.link_count), look.theme.header)));
        for l in &v.links {
            let arrow = if l.direction == "out" { "→" } else { "←" };
            let date = l
                .dates
                .last()
                .map(|d| format!(" {}", d.chars().take(10).collect::<String>()))
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                cut(&format!("{arrow} {} {}{date}", kind_label(&l.schema), l.other.caption), width),
                look.theme.text,
            )));
        }
    }
    if !v.cases.is_empty() {
        lines.push(Line::from(Span::styled("Cases", look.theme.header)));
        for c in &v.cases {
            let role = c.role.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            lines.push(Line::from(cut(&format!("{}{role}", c.reference), width)));
        }
    }
    // Keep the selected statement in view.
    let height = inner.height as usize;
    let sel_line = HEADER_LINES + 2 * d.selected + 1;
    let scroll = if focused && sel_line >= height { sel_line + 1 - height } else { 0 };
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}
