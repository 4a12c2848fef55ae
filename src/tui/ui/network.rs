//! The network screen: edges as braille lines on a canvas, nodes as marks with the labels
//! placed by the screen's update (never computed here), the path between two marked entities
//! drawn over the rest; beside it (below it on a narrow terminal) the selection, the path hop by
//! hop, the brokers and the components, each with its counts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Line as Segment};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Look, cell, cut, kind_label, thousands};
use crate::tui::keymap::Mode;
use crate::tui::message::NetworkPicture;
use crate::tui::screens::network::{NetworkScreen, areas, place};
use crate::tui::state::State;

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, n: &NetworkScreen, look: &Look<'_>) {
    let a = areas((area.width, area.height));
    frame.render_widget(Clear, a.frame);
    let title = match &n.picture {
        Some(p) => format!(
            "{} · {} entities · {} linked pairs",
            n.title(),
            thousands(p.total_nodes as i64),
            thousands(p.total_edges as i64)
        ),
        None => n.title(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(ratatui::widgets::BorderType::Double)
        .border_style(look.theme.focus)
        .title(Span::styled(
            format!(" {} ", cut(&title, a.frame.width.saturating_sub(4) as usize)),
            look.theme.focus,
        ))
        .title_bottom(Span::styled(" ? keys · Esc closes ", look.theme.dim));
    frame.render_widget(block, a.frame);
    let Some(p) = &n.picture else {
        let (text, style) = match &n.error {
            Some(e) => (format!("The network could not be shown: {e}"), look.theme.error),
            None => ("Loading the network… (on the store's thread)".to_owned(), look.theme.dim),
        };
        let inner = Rect { x: a.canvas.x, y: a.canvas.y, width: a.frame.width.saturating_sub(2), height: 1 };
        frame.render_widget(Paragraph::new(cut(&text, inner.width as usize)).style(style), inner);
        return;
    };
    if p.nodes.is_empty() {
        let text = "No entities to draw: the case has no members yet, or the entity no links.";
        frame.render_widget(Paragraph::new(text).style(look.theme.dim), a.canvas);
    } else {
        canvas(frame, a.canvas, p, n, state, look);
    }
    side(frame, a.side, p, n, look);
    if n.help {
        help(frame, a.canvas, look);
    }
}

fn color(style: Style, fallback: Color) -> Color {
    style.fg.unwrap_or(fallback)
}

fn canvas(
    frame: &mut Frame<'_>,
    area: Rect,
    p: &NetworkPicture,
    n: &NetworkScreen,
    state: &State,
    look: &Look<'_>,
) {
    let path = n.path_edges();
    let edge = |a: usize, b: usize, c: Color| Segment {
        x1: p.nodes[a].pos.0,
        y1: p.nodes[a].pos.1,
        x2: p.nodes[b].pos.0,
        y2: p.nodes[b].pos.1,
        color: c,
    };
    let (dim, accent, warning) = (
        color(look.theme.dim, Color::DarkGray),
        color(look.theme.accent, Color::Cyan),
        color(look.theme.warning, Color::Yellow),
    );
    let sel = n.selected;
    let drawing =
        Canvas::default().marker(Marker::Braille).x_bounds([0.0, 1.0]).y_bounds([0.0, 1.0]).paint(|ctx| {
            for &(a, b) in &p.edges {
                ctx.draw(&edge(a, b, dim));
            }
            // The selection's own links, then the path, over the rest.
            ctx.layer();
            for &(a, b) in p.edges.iter().filter(|(a, b)| *a == sel || *b == sel) {
                ctx.draw(&edge(a, b, accent));
            }
            ctx.layer();
            for &(a, b) in &path {
                ctx.draw(&edge(a, b, warning));
            }
        });
    frame.render_widget(drawing, area);
    let placed = &n.placement;
    let fresh = placed.size == (area.width, area.height) && placed.cells.len() == p.nodes.len();
    let on_path: Vec<usize> = n.path.iter().flat_map(|x| x.nodes.iter().flatten().copied()).collect();
    let marked = state.marked.as_ref().and_then(|(id, _)| n.node_of(*id));
    let buf = frame.buffer_mut();
    for i in 0..p.nodes.len() {
        let (c, r) =
            if fresh { placed.cells[i] } else { place::cell_of(p.nodes[i].pos, (area.width, area.height)) };
        let (mark, style) = if i == sel {
            ("◉", look.theme.selected)
        } else if on_path.contains(&i) || marked == Some(i) {
            ("●", look.theme.warning.add_modifier(Modifier::BOLD))
        } else if p.center == Some(i) {
            ("◎", look.theme.accent)
        } else {
            ("•", look.theme.accent)
        };
        if c < area.width && r < area.height {
            buf.set_string(area.x + c, area.y + r, mark, style);
        }
    }
    if !fresh {
        return;
    }
    for l in &placed.labels {
        let style = if l.node == sel {
            look.theme.selected
        } else if on_path.contains(&l.node) || marked == Some(l.node) {
            look.theme.warning
        } else {
            look.theme.text
        };
        let room = area.width.saturating_sub(l.col) as usize;
        buf.set_stringn(area.x + l.col, area.y + l.row, &l.text, room, style);
    }
}

/// `0.1904` → ".190": betweenness is below 1.
fn share(x: f64) -> String {
    let s = format!("{x:.3}");
    s.strip_prefix('0').map_or(s.clone(), str::to_owned)
}

fn side(frame: &mut Frame<'_>, area: Rect, p: &NetworkPicture, n: &NetworkScreen, look: &Look<'_>) {
    let beside = area.height > area.width / 2 || area.x > 1;
    let (rule, inner) = if beside {
        (Borders::LEFT, Rect { x: area.x + 1, width: area.width.saturating_sub(1), ..area })
    } else {
        (Borders::TOP, Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area })
    };
    frame.render_widget(Block::default().borders(rule).border_style(look.theme.border), area);
    let w = inner.width as usize;
    let head = |t: &str| Line::styled(cut(t, w), look.theme.header);
    let mut top: Vec<Line<'static>> = Vec::new();
    if let Some(s) = p.nodes.get(n.selected) {
        top.push(Line::styled(cut(&format!("◉ {}", s.caption), w), look.theme.selected));
        // The betweenness is in the brokers' list too: dropped whole rather than cut.
        let long = format!(
            "  {} · {} links · betweenness {}",
            kind_label(&s.schema),
            s.degree,
            share(s.betweenness)
        );
        let short = format!("  {} · {} links", kind_label(&s.schema), s.degree);
        top.push(Line::styled(
            cut(if long.chars().count() <= w { &long } else { &short }, w),
            look.theme.dim,
        ));
    }
    if let Some(path) = &n.path {
        top.push(head(&format!("Path {} → {}", path.from.1, path.to.1)));
        match &path.steps {
            None => top.push(Line::styled("  searching…", look.theme.dim)),
            Some(None) => {
                top.push(Line::styled(cut("  no chain within the search's bounds", w), look.theme.warning));
            }
            Some(Some(steps)) => {
                top.push(Line::styled(cut(&format!("  {} links", steps.len()), w), look.theme.dim));
                for (i, s) in steps.iter().enumerate() {
                    let arrow = if s.forward { "→" } else { "←" };
                    let drawn = path.nodes.get(i + 1).copied().flatten().is_some();
                    let text = format!(
                        "{arrow} {} {}{}",
                        kind_label(&s.schema),
                        s.to.caption,
                        if drawn { "" } else { " (not drawn)" }
                    );
                    top.push(Line::styled(cut(&text, w), look.theme.warning));
                }
            }
        }
    }
    let mut bottom = vec![head("Components")];
    for (c, size) in p.components.iter().enumerate().take(3) {
        let who =
            p.nodes.iter().find(|x| x.component == c).map_or(String::new(), |x| format!(" · {}", x.caption));
        let noun = if *size == 1 { "entity" } else { "entities" };
        bottom.push(Line::styled(cut(&format!("  {size} {noun}{who}"), w), look.theme.text));
    }
    if p.components.len() > 3 {
        let alone = p.components.iter().skip(3).filter(|s| **s == 1).count();
        bottom.push(Line::styled(
            cut(&format!("  +{} more ({alone} alone)", p.components.len() - 3), w),
            look.theme.dim,
        ));
    }
    if p.hidden_nodes > 0 {
        bottom.push(Line::styled(
            cut(&format!("+{} entities not drawn", thousands(p.hidden_nodes as i64)), w),
            look.theme.warning,
        ));
    }
    if p.hidden_links > 0 {
        let plus = if p.hidden_bound { "+" } else { "" };
        bottom.push(Line::styled(
            cut(&format!("+{}{plus} links not followed", thousands(p.hidden_links as i64)), w),
            look.theme.warning,
        ));
    }
    // The brokers take the room left, at least three of them.
    let room = (inner.height as usize).saturating_sub(top.len() + bottom.len() + 1).clamp(3, 15);
    let mut lines = top;
    lines.push(head(if w >= 30 { "Brokers (betweenness · links)" } else { "Brokers · betw · links" }));
    let name_w = w.saturating_sub(13);
    for (i, b) in p.nodes.iter().enumerate().take(room) {
        let style = if i == n.selected { look.theme.selected } else { look.theme.text };
        lines.push(Line::from(vec![
            Span::styled(format!("{:>2} ", i + 1), look.theme.dim),
            Span::styled(cell(&b.caption, name_w), style),
            Span::styled(format!(" {:>4} {:>3}", share(b.betweenness), b.degree), look.theme.dim),
        ]));
    }
    lines.extend(bottom);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The screen's own keys, from the keymap, over the canvas.
fn help(frame: &mut Frame<'_>, area: Rect, look: &Look<'_>) {
    let height = (look.keymap.bindings(Mode::Network).len() as u16 + 2).min(area.height);
    let width = 56.min(area.width);
    let rect =
        Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    super::popups::screen_keys(frame, rect, look, Mode::Network, "Network", 16);
}
