//! The timeline pane: a density strip (one column per day, week, month or year; `·` for an
//! empty one, so gaps show) above the dated items, newest or oldest first.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::{list_area, scroll_offset, strip_lines};
use super::{Look, cell, pane_block, row_style};
use crate::store::query::DensityBucket;
use crate::tui::state::{Pane, State};

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn title(state: &State) -> String {
    let t = &state.timeline;
    let mut s = String::from("Timeline");
    if !t.label.is_empty() {
        let _ = write!(s, " · {}", super::cut(&t.label, 24));
    }
    let _ = write!(s, " · {} · {}", t.zoom.label(), if t.newest_first { "newest" } else { "oldest" });
    if t.from.is_some() || t.to.is_some() {
        let _ = write!(s, " · {}…{}", t.from.as_deref().unwrap_or(""), t.to.as_deref().unwrap_or(""));
    }
    s
}

/// The bucket label an item's date falls in, for the strip's zoom.
fn bucket_of(at: &str, density: &[DensityBucket]) -> Option<usize> {
    // Buckets are sorted; the item belongs to the last bucket starting at or before it.
    let i = density.partition_point(|b| b.bucket.as_str() <= at);
    i.checked_sub(1)
}

/// The strip: `width` buckets ending with the newest (or with the selected item's bucket
/// when that is further back), and a line of labels with a caret under the selection.
pub fn strip(state: &State, width: usize) -> (String, String) {
    let d = &state.timeline.density;
    if d.is_empty() || width < 4 {
        return (String::new(), String::new());
    }
    let selected = state.timeline.items.get(state.timeline.selected).and_then(|i| bucket_of(&i.at, d));
    let mut end = d.len();
    if let Some(s) = selected {
        if s + 1 < end.saturating_sub(width) + 1 {
            end = (s + width / 2).min(d.len());
        }
    }
    let start = end.saturating_sub(width);
    let window = &d[start..end];
    let max = window.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let bars: String = window
        .iter()
        .map(|b| if b.count == 0 { '·' } else { LEVELS[((b.count * 8 - 1) / max).clamp(0, 7) as usize] })
        .collect();
    let first = &window[0].bucket;
    let last = &window[window.len() - 1].bucket;
    let mut labels: Vec<char> = std::iter::repeat_n(' ', window.len()).collect();
    for (i, c) in first.chars().enumerate().take(window.len()) {
        labels[i] = c;
    }
    let last_start = window.len().saturating_sub(last.chars().count());
    if last_start > first.chars().count() + 1 {
        for (i, c) in last.chars().enumerate() {
            labels[last_start + i] = c;
        }
    }
    if let Some(s) = selected.filter(|s| *s >= start && *s < end) {
        labels[s - start] = '^';
    }
    (bars, labels.into_iter().collect())
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, look: &Look<'_>) {
    let t = &state.timeline;
    frame.render_widget(pane_block(state, Pane::Timeline, &title(state), look), area);
    let inner = area.inner(ratatui::layout::Margin { horizontal: 1, vertical: 1 });
    let strip_h = strip_lines(inner.height);
    if strip_h > 0 {
        let (bars, labels) = strip(state, inner.width as usize);
        let mut lines = vec![Line::styled(bars, look.theme.accent)];
        if strip_h > 1 {
            lines.push(Line::styled(labels, look.theme.dim));
        }
        frame.render_widget(Paragraph::new(lines), Rect { height: strip_h, ..inner });
    }
    let list = list_area(Pane::Timeline, area);
    if t.items.is_empty() {
        let text = match (t.scope, t.loading) {
            (_, true) => "",
            (None, _) => "Select a case or an entity.",
            (Some(_), _) => "No dated item.",
        };
        frame.render_widget(Paragraph::new(text).style(look.theme.dim), list);
        return;
    }
    let focused = state.focus == Pane::Timeline && state.popup.is_none();
    let width = list.width as usize;
    let date_w = if width >= 60 { 17 } else { 11 };
    let offset = scroll_offset(t.selected, t.items.len(), list.height as usize);
    let lines: Vec<Line> = t
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(list.height as usize)
        .map(|(i, item)| {
            let style = row_style(i == t.selected, focused, look);
            let at: String = item.at.replace('T', " ").chars().take(date_w - 1).collect();
            Line::from(vec![
                Span::styled(cell(&at, date_w), look.theme.dim),
                Span::styled(cell(&item.summary, width.saturating_sub(date_w)), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}
