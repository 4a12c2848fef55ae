//! The linked-entities pane: a case's members, people first or in the order chosen, filtered
//! by name (role, link count, strongest grade), an entity's neighbourhood (link kind,
//! direction, dates, and for the second hop the neighbour it is reached through), or a path
//! (each link's own direction). The filter being typed is shown on the pane's first line.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::{list_area, scroll_offset};
use super::{Look, cell, kind_label, pane_block, row_style};
use crate::model::schema::Schema;
use crate::store::query::{LINK_COUNT_CAP, MemberOrder};
use crate::tui::state::{EntitiesView, EntityRow, Pane, State};

fn title(state: &State) -> String {
    let e = &state.entities;
    let mut t = match &e.view {
        None => "Entities".to_owned(),
        Some(EntitiesView::Members { reference, .. }) => {
            let kinds: Vec<String> = e
                .kinds
                .iter()
                .map(|k| {
                    let name = Schema::builtin().kind(&k.schema).map_or(k.schema.clone(), |x| {
                        if k.count == 1 { x.label.to_lowercase() } else { x.plural.to_lowercase() }
                    });
                    format!("{} {name}", k.count)
                })
                .collect();
            // What the analyst chose (filter, order) first: the kinds may be cut.
            let mut t = String::from("Entities");
            if let Some(text) = &e.filter.text {
                let _ = write!(t, " \"{}\"", super::cut(text, 16));
            }
            let _ = write!(t, " · {}", e.filter.order.label());
            if kinds.is_empty() {
                let _ = write!(t, " · {reference}");
            } else {
                let _ = write!(t, " · {}", kinds.join(", "));
            }
            t
        }
        Some(EntitiesView::Neighbourhood { caption, hops, .. }) => {
            format!("Links of {caption} · {hops} hop{}", if *hops == 1 { "" } else { "s" })
        }
        Some(EntitiesView::Path { caption, .. }) if e.path_filter_text.is_empty() => {
            format!("Path {caption}")
        }
        Some(EntitiesView::Path { caption, .. }) => {
            format!("Path \"{}\" · {caption}", super::cut(&e.path_filter_text, 24))
        }
    };
    if !e.history.is_empty() {
        let _ = write!(t, " · ⌫ back ({})", e.history.len());
    }
    if e.loading && e.rows.is_empty() {
        t.push_str(" · loading…");
    }
    t
}

fn count(n: i64) -> String {
    if n > LINK_COUNT_CAP { format!("{LINK_COUNT_CAP}+") } else { n.to_string() }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, look: &Look<'_>) {
    let e = &state.entities;
    frame.render_widget(pane_block(state, Pane::Entities, &title(state), area, look), area);
    let mut list = list_area(Pane::Entities, area);
    let width = list.width as usize;
    if let Some(text) = &e.filter_input {
        let prompt = match e.view {
            Some(EntitiesView::Path { .. }) => "Path through: ",
            _ => "Name contains: ",
        };
        let line = Line::from(vec![
            Span::styled(prompt, look.theme.header),
            Span::styled(
                super::cut(&format!("{text}▏"), width.saturating_sub(prompt.chars().count())),
                look.theme.accent,
            ),
        ]);
        frame.render_widget(Paragraph::new(line), Rect { height: 1.min(list.height), ..list });
        list.y += 1;
        list.height = list.height.saturating_sub(1);
    }
    if e.rows.is_empty() {
        let text = match (&e.view, e.loading) {
            (_, true) => "",
            (None, _) => "Select a case.",
            (Some(EntitiesView::Members { .. }), _) if e.filter.text.is_some() => {
                "No entity of this case has that in its name: F or f to change the filter."
            }
            (Some(EntitiesView::Members { .. }), _) => "No entity in this case yet: e creates one.",
            (Some(EntitiesView::Path { .. }), _) => "No path: f filters the links a path may use.",
            (Some(_), _) => "No links.",
        };
        frame.render_widget(Paragraph::new(text).style(look.theme.dim), list);
        return;
    }
    let focused = state.focus == Pane::Entities && state.popup.is_none();
    let offset = scroll_offset(e.selected, e.rows.len(), list.height as usize);
    let marked = state.marked.as_ref().map(|m| m.0);
    let lines: Vec<Line> = e
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(list.height as usize)
        .map(|(i, row)| {
            let style = row_style(i == e.selected, focused, look);
            // "*" the entity marked for a link or path; "≈" open duplicate candidates (issue 13).
            let id = row.entity().0;
            let mark = if marked == Some(id) {
                "*"
            } else if state.duplicates.open(id) {
                "≈"
            } else {
                " "
            };
            match row {
                EntityRow::Member(m) => {
                    // The kind is written once per group when rows are grouped by kind.
                    let grouped = matches!(e.filter.order, MemberOrder::PeopleFirst | MemberOrder::Kind);
                    let first =
                        !grouped || i == offset || e.rows.get(i - 1).is_none_or(|p| p.entity().1 != m.schema);
                    let kind = if first { kind_label(&m.schema) } else { String::new() };
                    let role_w = if width >= 60 { 22 } else { 0 };
                    let fixed = 11 + 1 + 5 + 5 + role_w;
                    let mut spans = vec![
                        Span::styled(cell(&kind, 11), look.theme.header),
                        Span::styled(mark.to_owned(), look.theme.warning),
                        Span::styled(cell(&m.caption, width.saturating_sub(fixed)), style),
                    ];
                    if role_w > 0 {
                        spans.push(Span::styled(
                            " ".to_owned() + &cell(m.role.as_deref().unwrap_or(""), role_w - 1),
                            look.theme.dim,
                        ));
                    }
                    spans.push(Span::styled(format!("{:>4} ", count(m.links)), style));
                    spans.push(Span::styled(cell(m.grade.as_deref().unwrap_or("–"), 5), look.theme.accent));
                    Line::from(spans)
                }
                EntityRow::Neighbour(n) => {
                    let arrow = if n.via.direction == "out" { "→" } else { "←" };
                    let indent = if n.depth > 1 { "  " } else { "" };
                    let date = n
                        .via
                        .dates
                        .last()
                        .map(|d| d.chars().take(10).collect::<String>())
                        .unwrap_or_default();
                    let date_w = if width >= 50 { 11 } else { 0 };
                    let head = format!("{indent}{arrow} {} ", cell(&kind_label(&n.via.schema), 11));
                    let fixed = head.chars().count() + 1 + date_w + 4;
                    let rest = width.saturating_sub(fixed);
                    // The second hop names the neighbour it is reached through.
                    let via = n.through.as_ref().map(|t| format!(" via {}", t.caption));
                    let via_w = via.as_ref().map_or(0, |v| v.chars().count().min(rest / 2));
                    let mut spans = vec![
                        Span::styled(head, look.theme.accent),
                        Span::styled(mark.to_owned(), look.theme.warning),
                        Span::styled(cell(&n.via.other.caption, rest - via_w), style),
                    ];
                    if let Some(via) = via {
                        spans.push(Span::styled(cell(&via, via_w), look.theme.dim));
                    }
                    if date_w > 0 {
                        spans.push(Span::styled(" ".to_owned() + &cell(&date, date_w - 1), look.theme.dim));
                    }
                    spans.push(Span::styled(
                        " ".to_owned() + &cell(n.via.grade.as_deref().unwrap_or("–"), 3),
                        look.theme.accent,
                    ));
                    Line::from(spans)
                }
                EntityRow::Step(s) => {
                    // The link's own direction: → the step's record is its target, ← its source.
                    let arrow = if s.forward { "→" } else { "←" };
                    let head = format!("{:>2}. {arrow} {} ", i + 1, cell(&kind_label(&s.schema), 11));
                    let used = head.chars().count();
                    Line::from(vec![
                        Span::styled(head, look.theme.accent),
                        Span::styled(
                            cut_rest(
                                &format!("{} ({})", s.to.caption, kind_label(&s.to.schema)),
                                width,
                                used,
                            ),
                            style,
                        ),
                    ])
                }
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}

fn cut_rest(s: &str, width: usize, used: usize) -> String {
    super::cut(s, width.saturating_sub(used))
}
