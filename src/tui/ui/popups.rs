//! Popups over the panes: help, search, command palette, forms, pickers, confirmation, and
//! the gauge of a running job.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Gauge, Paragraph, Wrap};

use super::layout::{centered, scroll_offset};
use super::{Look, badge, cell, cut, kind_label};
use crate::tui::keymap::Mode;
use crate::tui::screens::confirm::Confirm;
use crate::tui::screens::form::Picker;
use crate::tui::screens::palette::PalettePopup;
use crate::tui::screens::search::SearchPopup;
use crate::tui::state::{Popup, State};
use crate::tui::widgets::text_input::CURSOR;

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, look: &Look<'_>) {
    if let Some(job) = &state.job {
        gauge(frame, area, job, look);
    }
    match &state.popup {
        None => {}
        Some(Popup::Help { scroll }) => help(frame, area, *scroll, look),
        Some(Popup::Search(s)) => search(frame, area, s, look),
        Some(Popup::Palette(p)) => palette(frame, area, p, look),
        Some(Popup::Form(f)) => super::form::draw(frame, area, f, look),
        Some(Popup::Analyst(a)) => super::unlock::draw_analyst_choice(frame, area, a, look),
        Some(Popup::Picker(p)) => picker(frame, area, p, look),
        Some(Popup::Confirm(c)) => confirm(frame, area, c, look),
        Some(Popup::Conflicts(c)) => super::conflicts::draw(frame, area, c, look),
        Some(Popup::Measures(m)) => super::measures::draw(frame, area, m, look),
        Some(Popup::Network(n)) => super::network::draw(frame, area, state, n, look),
        Some(Popup::CaseRecord(r)) => super::case_records::draw(frame, area, r, look),
        Some(Popup::Rfi(r)) => super::rfi::draw(frame, area, r, look),
        Some(Popup::RfiAsk(f)) => super::rfi::draw_ask(frame, area, f, look),
        Some(Popup::Alerts(a)) => super::alerts::draw(frame, area, a, look),
        Some(Popup::Review(r)) => super::review::draw(frame, area, r, look),
        Some(Popup::Exchange(e)) => super::exchange::draw(frame, area, e, state.job.as_ref(), look),
        Some(Popup::Import(i)) => super::import::draw(frame, area, i, state.job.as_ref(), look),
    }
}

fn popup_block<'a>(title: &str, look: &Look<'_>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(look.theme.focus)
        .title(Span::styled(format!(" {title} "), look.theme.focus))
}

/// Clears `rect`, draws the frame, and returns the inside.
pub(super) fn open(frame: &mut Frame<'_>, rect: Rect, title: &str, look: &Look<'_>) -> Rect {
    frame.render_widget(Clear, rect);
    let block = popup_block(title, look);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

fn gauge(frame: &mut Frame<'_>, area: Rect, job: &crate::tui::state::Job, look: &Look<'_>) {
    let rect = Rect {
        x: area.x + 2,
        y: area.height.saturating_sub(5),
        width: area.width.saturating_sub(4),
        height: 3,
    };
    let inner = open(frame, rect, &format!("{} — Esc cancels", job.label), look);
    let ratio = if job.total == 0 { 0.0 } else { (job.done as f64 / job.total as f64).clamp(0.0, 1.0) };
    let g = Gauge::default().gauge_style(look.theme.accent).ratio(ratio).label(format!(
        "{} / {}",
        super::thousands(job.done as i64),
        super::thousands(job.total as i64)
    ));
    frame.render_widget(g, inner);
}

/// The help text: every mode's bindings, from the keymap.
pub fn help_lines(look: &Look<'_>) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for mode in Mode::ALL {
        lines.push(Line::from(Span::styled(
            format!("{} keys", mode.label().to_lowercase()),
            look.theme.header,
        )));
        for b in look.keymap.bindings(mode) {
            let keys: Vec<String> = b.on.iter().map(crate::tui::keymap::Key::label).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {}", cell(&keys.join(" "), 18)), look.theme.accent),
                Span::styled(b.desc.clone(), look.theme.text),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines
}

fn help(frame: &mut Frame<'_>, area: Rect, scroll: u16, look: &Look<'_>) {
    let rect = centered(area, 64.min(area.width.saturating_sub(2)), area.height.saturating_sub(2));
    let inner = open(frame, rect, "Help — keys (from keymap.toml; Esc closes)", look);
    let lines = help_lines(look);
    let max = (lines.len() as u16).saturating_sub(inner.height);
    frame.render_widget(Paragraph::new(lines).scroll((scroll.min(max), 0)), inner);
}

pub(super) fn input_line<'a>(prompt: &str, text: &str, look: &Look<'_>) -> Line<'a> {
    Line::from(vec![
        Span::styled(prompt.to_owned(), look.theme.accent),
        Span::styled(text.to_owned(), look.theme.text),
        Span::styled(CURSOR, look.theme.focus),
    ])
}

fn search(frame: &mut Frame<'_>, area: Rect, s: &SearchPopup, look: &Look<'_>) {
    let rect = centered(area, 72.min(area.width.saturating_sub(2)), 18.min(area.height.saturating_sub(2)));
    let inner = open(frame, rect, "Search names, identifiers, notes", look);
    let width = inner.width as usize;
    let mut lines = vec![input_line("/ ", &s.query, look)];
    let status = if s.query.trim().is_empty() {
        "Type part of a name, a number, a plate…".to_owned()
    } else if s.answered != s.query {
        "…".to_owned()
    } else if s.hits.is_empty() {
        "Nothing found.".to_owned()
    } else if let Some(spellings) = &s.spellings {
        format!("No exact match; close spellings ({spellings}): {} · Enter goes to it", s.total)
    } else {
        format!("{} · Enter goes to it", s.total)
    };
    lines.push(Line::from(Span::styled(cut(&status, width), look.theme.dim)));
    let height = inner.height.saturating_sub(2) as usize;
    let offset = scroll_offset(s.selected, s.hits.len(), height);
    // Each hit with its cases: "which case is he in?" answered before opening it.
    let cases_w = (width / 4 + 3).clamp(8, 26);
    for (i, h) in s.hits.iter().enumerate().skip(offset).take(height) {
        let style = if i == s.selected { look.theme.selected } else { look.theme.text };
        let cases = s.cases.get(i).map_or("", String::as_str);
        lines.push(Line::from(vec![
            Span::styled(cell(&kind_label(&h.schema), 13), look.theme.accent),
            Span::styled(cell(&h.caption, width.saturating_sub(13 + 5 + 9 + cases_w + 1)), style),
            Span::styled(
                format!(
                    " {}",
                    cell(if cases.is_empty() && h.schema != "Case" { "no case" } else { cases }, cases_w)
                ),
                look.theme.dim,
            ),
            Span::styled(format!(" {} ", cell(h.grade.as_deref().unwrap_or("–"), 3)), look.theme.dim),
            badge(&h.marking, 8, look),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn palette(frame: &mut Frame<'_>, area: Rect, p: &PalettePopup, look: &Look<'_>) {
    let rect = centered(area, 72.min(area.width.saturating_sub(2)), 18.min(area.height.saturating_sub(2)));
    let inner = open(frame, rect, "Commands", look);
    let width = inner.width as usize;
    let mut lines = vec![input_line(": ", &p.query, look)];
    let entries = p.entries();
    let height = inner.height.saturating_sub(1) as usize;
    let offset = scroll_offset(p.selected, entries.len(), height);
    for (i, (action, desc)) in entries.iter().enumerate().skip(offset).take(height) {
        let style = if i == p.selected { look.theme.selected } else { look.theme.text };
        let key = look.keymap.key_for(Mode::Main, action).unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(cell(&action.name().unwrap_or_default(), 16), style),
            Span::styled(cell(&format!(" {desc}"), width.saturating_sub(16 + 8)), look.theme.text),
            Span::styled(format!("{key:>8}"), look.theme.accent),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn picker(frame: &mut Frame<'_>, area: Rect, p: &Picker, look: &Look<'_>) {
    let rect = centered(area, 60.min(area.width.saturating_sub(2)), 20.min(area.height.saturating_sub(2)));
    let inner = open(frame, rect, &p.title, look);
    let mut lines = vec![input_line("filter: ", &p.filter, look)];
    let visible = p.visible();
    let height = inner.height.saturating_sub(1) as usize;
    let offset = scroll_offset(p.selected, visible.len(), height);
    for (i, (_, label)) in visible.iter().enumerate().skip(offset).take(height) {
        let style = if i == p.selected { look.theme.selected } else { look.theme.text };
        lines.push(Line::from(Span::styled(cell(label, inner.width as usize), style)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn confirm(frame: &mut Frame<'_>, area: Rect, c: &Confirm, look: &Look<'_>) {
    let rect = centered(area, 56.min(area.width.saturating_sub(2)), 7);
    let inner = open(frame, rect, "Confirm", look);
    let lines = vec![
        Line::from(Span::styled(c.question.clone(), look.theme.warning)),
        Line::from(""),
        Line::from(vec![
            Span::styled(" y ", look.theme.selected),
            Span::raw(" yes    "),
            Span::styled(" n ", look.theme.selected),
            Span::raw(" no"),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// A screen's own keys, from the keymap, boxed over `rect` (the `?` of a full screen such as
/// the network or the review queue): one place, so every screen's key help looks the same.
pub fn screen_keys(
    frame: &mut Frame<'_>,
    rect: Rect,
    look: &Look<'_>,
    mode: Mode,
    title: &str,
    key_width: usize,
) {
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(look.theme.focus)
        .title(Span::styled(format!(" {title} keys (keymap.toml) "), look.theme.focus));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lines: Vec<Line<'static>> = look
        .keymap
        .bindings(mode)
        .iter()
        .map(|b| {
            let keys: Vec<String> = b.on.iter().map(crate::tui::keymap::Key::label).collect();
            Line::from(vec![
                Span::styled(format!(" {}", cell(&keys.join(" "), key_width)), look.theme.accent),
                Span::styled(b.desc.clone(), look.theme.text),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
