//! The timeline pane: a density strip (one column per day, week, month or year; `·` for an
//! empty one, so gaps show) above the dated items, newest or oldest first. The date range
//! in force leads the title, where it is seen at any width; the caret under the strip
//! names the selected bucket without writing over the axis's dates. Enter on a call, a
//! payment or a trip offers its two parties at the foot of the pane.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::{list_area, scroll_offset, strip_lines};
use super::{Look, cell, pane_block, row_style};
use crate::store::query::DensityBucket;
use crate::tui::state::{Pane, PivotChoice, State};

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn title(state: &State) -> String {
    let t = &state.timeline;
    let mut s = String::from("Timeline");
    // The range first: a title cut at 80 columns must still say what is filtered out.
    if t.from.is_some() || t.to.is_some() {
        let _ = write!(s, " {}…{}", t.from.as_deref().unwrap_or(""), t.to.as_deref().unwrap_or(""));
        if t.ranges.for_all {
            s.push_str(" (all)");
        }
    }
    if !t.label.is_empty() {
        let _ = write!(s, " · {}", super::cut(&t.label, 24));
    }
    let _ = write!(s, " · {} · {}", t.zoom.label(), if t.newest_first { "newest" } else { "oldest" });
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
    let n = window.len();
    let mut axis = Axis { chars: vec![' '; n], taken: vec![false; n] };
    // The caret comes first, with the date of its bucket; an end label it would collide
    // with is left out rather than written over.
    if let Some(s) = selected.filter(|s| *s >= start && *s < end).map(|s| s - start) {
        let label = &window[s].bucket;
        let len = label.chars().count() + 1;
        let placed = axis.put(s, &format!("^{label}"))
            || (s + 1 >= len && axis.put(s + 1 - len, &format!("{label}^")))
            || axis.put(s, "^");
        debug_assert!(placed);
    }
    axis.put(0, &window[0].bucket);
    let last = &window[n - 1].bucket;
    axis.put(n.saturating_sub(last.chars().count()), last);
    (bars, axis.chars.into_iter().collect())
}

/// The line of labels under the strip, each written whole or not at all.
struct Axis {
    chars: Vec<char>,
    taken: Vec<bool>,
}

impl Axis {
    /// Writes `text` at column `at` if it fits and keeps a space from every other label.
    fn put(&mut self, at: usize, text: &str) -> bool {
        let len = text.chars().count();
        if at + len > self.chars.len() {
            return false;
        }
        let around = at.saturating_sub(1)..(at + len + 1).min(self.chars.len());
        if self.taken[around].iter().any(|t| *t) {
            return false;
        }
        for (i, c) in text.chars().enumerate() {
            self.chars[at + i] = c;
            self.taken[at + i] = true;
        }
        true
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, look: &Look<'_>) {
    let t = &state.timeline;
    frame.render_widget(pane_block(state, Pane::Timeline, &title(state), area, look), area);
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
    if let Some(choice) = &t.choice {
        draw_choice(frame, list, choice, look);
    }
}

/// The parties of a call, payment or trip to pivot to, at the foot of the list.
fn draw_choice(frame: &mut Frame<'_>, list: Rect, choice: &PivotChoice, look: &Look<'_>) {
    let height = (choice.parties.len() as u16 + 1).min(list.height);
    let area = Rect { y: list.y + list.height - height, height, ..list };
    let width = area.width as usize;
    let mut lines =
        vec![Line::styled(cell(&format!("{} — pivot to:", choice.title), width), look.theme.header)];
    for (i, (party, part)) in choice.parties.iter().enumerate() {
        let style = row_style(i == choice.selected, true, look);
        let head = format!("{} {} ", i + 1, cell(part, 11));
        let rest = width.saturating_sub(head.chars().count());
        lines.push(Line::from(vec![
            Span::styled(head, look.theme.accent),
            Span::styled(cell(&party.caption, rest), style),
        ]));
    }
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::query::TimelineItem;

    fn month(i: usize) -> String {
        format!("{}-{:02}", 2022 + i / 12, i % 12 + 1)
    }

    /// A timeline of 40 months with the item of month `selected` selected.
    fn state(selected: usize) -> State {
        let mut s = State::unlocked("store", "Paris", "FR");
        let t = &mut s.timeline;
        t.density = (0..40).map(|i| DensityBucket { bucket: month(i), count: 1 + (i as i64 % 5) }).collect();
        t.items = vec![TimelineItem {
            at: format!("{}-15", month(selected)),
            id: uuid::Uuid::now_v7(),
            schema: "Call".into(),
            prop: "date".into(),
            summary: String::new(),
            a: None,
            b: None,
        }];
        s
    }

    #[test]
    fn the_caret_names_its_bucket_and_never_writes_over_a_date_of_the_axis() {
        for selected in [0, 1, 5, 20, 33, 38, 39] {
            let (bars, labels) = strip(&state(selected), 40);
            assert_eq!(bars.chars().count(), 40);
            let caret = labels.chars().position(|c| c == '^').expect("a caret");
            assert_eq!(caret, selected, "under the selected bucket: {labels:?}");
            // Every date on the line is whole: a bucket's label, not one cut by the caret.
            for word in labels.split([' ', '^']).filter(|w| !w.is_empty()) {
                assert!((0..40).any(|i| month(i) == word), "{word:?} in {labels:?}");
            }
            assert!(labels.contains(&month(selected)), "the selected bucket is named: {labels:?}");
        }
    }
}
