//! The chart drawn as SVG: laid out by [`crate::analysis::layout`], one symbol and colour per
//! kind of entity with a legend, captions as labels (long ones shortened, the full text in a
//! tooltip `<title>`), link kinds and dates on the edges, weak links dashed, and the marking
//! in a banner at the top and the bottom, as a printed page carries it.
//!
//! Written with `quick-xml`'s writer so that every name and caption is escaped by the writer,
//! never pasted into markup by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

use quick_xml::Writer;
use quick_xml::events::BytesText;
use rustworkx_core::petgraph::visit::EdgeRef;

use super::{Chart, ChartLink};
use crate::analysis::layout::layout;
use crate::model::marking::Marking;

/// Longest label drawn under a symbol; longer captions end in "…".
const LABEL_CHARS: usize = 28;
/// Longest text drawn along an edge.
const EDGE_CHARS: usize = 44;
const BANNER: f64 = 30.0;
const LEGEND_WIDTH: f64 = 230.0;
const MARGIN: f64 = 60.0;

/// Symbol families: how a reader tells a person from a company from a phone at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    Circle,
    Square,
    Diamond,
    Triangle,
    Hexagon,
    Pentagon,
    Octagon,
}

/// The symbol and colour of a kind of entity. Colours come from a palette readable by the
/// colour-blind (Okabe–Ito) and the shape differs too, so a grey-scale print still tells them
/// apart.
fn style(schema: &str) -> (Shape, &'static str) {
    match schema {
        "Person" => (Shape::Circle, "#0072B2"),
        "Company" | "Organization" | "LegalEntity" | "PublicBody" => (Shape::Square, "#D55E00"),
        "Phone" | "Email" | "UserAccount" | "Domain" | "IpAddress" | "Url" => (Shape::Diamond, "#009E73"),
        "BankAccount" | "CryptoWallet" => (Shape::Hexagon, "#E69F00"),
        "Vehicle" | "Vessel" => (Shape::Triangle, "#CC79A7"),
        "Address" => (Shape::Pentagon, "#8C564B"),
        _ => (Shape::Octagon, "#999999"),
    }
}

/// TLP colours on black, as TLP 2.0 prints them.
fn tlp_colour(m: &Marking) -> &'static str {
    match m.tlp {
        0 => "#FFFFFF",
        1 => "#33FF00",
        2 | 3 => "#FFC000",
        _ => "#FF2B2B",
    }
}

/// Text as XML 1.0 may hold it: characters it forbids even escaped (most control characters)
/// become U+FFFD, so a hostile caption cannot make the file unreadable.
fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// At most `max` characters, the last one "…" when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The dates of a group of links, compactly: one date, two, or "first – last".
fn date_span(dates: &[&str]) -> String {
    let day = |d: &str| d.get(..10).unwrap_or(d).to_owned();
    match dates {
        [] => String::new(),
        [one] => day(one),
        [a, b] if day(a) == day(b) => day(a),
        [a, b] => format!("{}, {}", day(a), day(b)),
        [first, .., last] => format!("{} – {}", day(first), day(last)),
    }
}

/// What is written along an edge: "Call ×3 2024-01-02 – 2024-03-05 · Payment 2024-02-01",
/// kinds in order of first appearance; and the full text for its tooltip, one link a line.
fn edge_text(links: &[ChartLink]) -> (String, String) {
    let mut kinds: Vec<(&str, Vec<&str>, usize)> = Vec::new();
    for l in links {
        let i = kinds.iter().position(|k| k.0 == l.kind).unwrap_or_else(|| {
            kinds.push((&l.kind, Vec::new(), 0));
            kinds.len() - 1
        });
        kinds[i].1.extend(l.dates.iter().map(String::as_str));
        kinds[i].2 += 1;
    }
    let short = kinds
        .iter_mut()
        .map(|(kind, dates, count)| {
            dates.sort_unstable();
            let mut s = (*kind).to_owned();
            if *count > 1 {
                let _ = write!(s, " ×{count}");
            }
            let span = date_span(dates);
            if !span.is_empty() {
                s.push(' ');
                s.push_str(&span);
            }
            s
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let full = links
        .iter()
        .map(|l| {
            let mut s = l.kind.clone();
            if !l.dates.is_empty() {
                s.push(' ');
                s.push_str(&l.dates.join(", "));
            }
            let _ = write!(s, " — grade {}", l.grade.as_deref().unwrap_or("none"));
            if l.weak {
                s.push_str(" (weak)");
            }
            s
        })
        .collect::<Vec<_>>()
        .join("\n");
    (short, full)
}

fn f(x: f64) -> String {
    format!("{x:.1}")
}

/// The points of a symbol of radius `r` centred on (x, y), for `<polygon>`.
fn polygon(shape: Shape, x: f64, y: f64, r: f64) -> String {
    let (sides, turn) = match shape {
        Shape::Diamond => (4, 0.0),
        Shape::Triangle => (3, -90.0),
        Shape::Hexagon => (6, 0.0),
        Shape::Octagon => (8, 22.5),
        _ => (5, -90.0),
    };
    (0..sides)
        .map(|i| {
            let a = (turn + 360.0 * f64::from(i) / f64::from(sides)).to_radians();
            format!("{},{}", f(x + r * a.cos()), f(y + r * a.sin()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The chart as an SVG document.
pub fn render(chart: &Chart) -> Vec<u8> {
    // Writing into memory cannot fail; the io::Result is the writer's signature.
    write(chart).unwrap_or_default()
}

fn write(chart: &Chart) -> io::Result<Vec<u8>> {
    let graph = &chart.graph;
    let n = graph.node_count();
    let pos = layout(graph);
    // Room grows with the number of symbols so labels stay apart (~100 px a node at 100).
    let side = (300.0 + 190.0 * (n as f64).sqrt()).min(9000.0);
    // Banner, title and legend grow with a large chart so they stay readable when the whole
    // page is printed or shown at once.
    let ui = (side / 1400.0).max(1.0);
    let banner_height = BANNER * ui;
    let width = side + 2.0 * MARGIN + LEGEND_WIDTH * ui;
    let height = side + 2.0 * MARGIN + 2.0 * banner_height + 24.0 * ui;
    let top = banner_height + 24.0 * ui + MARGIN;
    let at = |i: usize| (MARGIN + pos[i].0 * side, top + pos[i].1 * side);
    let radius = 9.0;
    let marking = xml_safe(&chart.marking.to_string());
    let title = xml_safe(&chart.title);

    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.get_mut().extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let (wt, ht) = (f(width), f(height));
    let view = format!("0 0 {wt} {ht}");
    w.create_element("svg")
        .with_attributes([
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("width", wt.as_str()),
            ("height", ht.as_str()),
            ("viewBox", view.as_str()),
            ("font-family", "DejaVu Sans, Arial, sans-serif"),
        ])
        .write_inner_content(|w| {
            w.create_element("title").write_text_content(BytesText::new(&format!("{marking} — {title}")))?;
            w.create_element("rect")
                .with_attributes([("width", wt.as_str()), ("height", ht.as_str()), ("fill", "#FFFFFF")])
                .write_empty()?;
            banner(w, &chart.marking, &marking, (0.0, width, banner_height), "marking-top")?;
            banner(
                w,
                &chart.marking,
                &marking,
                (height - banner_height, width, banner_height),
                "marking-bottom",
            )?;
            let y = f(banner_height + 20.0 * ui);
            let title_size = f(15.0 * ui);
            w.create_element("text")
                .with_attributes([
                    ("x", "12"),
                    ("y", y.as_str()),
                    ("font-size", title_size.as_str()),
                    ("font-weight", "bold"),
                ])
                .write_text_content(BytesText::new(&format!(
                    "{title} — {n} entities, {} links",
                    chart.link_count()
                )))?;

            // Edges under the symbols.
            w.create_element("g").with_attribute(("class", "links")).write_inner_content(|w| {
                for e in graph.edge_references() {
                    let ((x1, y1), (x2, y2)) = (at(e.source().index()), at(e.target().index()));
                    let links = e.weight();
                    // Dashed when every link behind the line is weak: the connection rests
                    // only on low-grade reporting.
                    let weak = !links.is_empty() && links.iter().all(|l| l.weak);
                    let (short, full) = edge_text(links);
                    let tip = xml_safe(&format!(
                        "{} — {}\n{full}",
                        graph[e.source()].caption,
                        graph[e.target()].caption
                    ));
                    let class = if weak { "link weak" } else { "link" };
                    w.create_element("g").with_attribute(("class", class)).write_inner_content(|w| {
                        w.create_element("title").write_text_content(BytesText::new(&tip))?;
                        let mut line = w.create_element("line").with_attributes([
                            ("x1", f(x1).as_str()),
                            ("y1", f(y1).as_str()),
                            ("x2", f(x2).as_str()),
                            ("y2", f(y2).as_str()),
                            ("stroke", if weak { "#888888" } else { "#444444" }),
                            ("stroke-width", if links.len() > 1 { "2.2" } else { "1.3" }),
                        ]);
                        if weak {
                            line = line.with_attribute(("stroke-dasharray", "6 4"));
                        }
                        line.write_empty()?;
                        let (mx, my) = (f64::midpoint(x1, x2), f64::midpoint(y1, y2) - 3.0);
                        w.create_element("text")
                            .with_attributes([
                                ("x", f(mx).as_str()),
                                ("y", f(my).as_str()),
                                ("font-size", "9"),
                                ("fill", "#555555"),
                                ("text-anchor", "middle"),
                            ])
                            .write_text_content(BytesText::new(&xml_safe(&shorten(&short, EDGE_CHARS))))?;
                        Ok(())
                    })?;
                }
                Ok(())
            })?;

            // Symbols and labels.
            w.create_element("g").with_attribute(("class", "entities")).write_inner_content(|w| {
                for i in graph.node_indices() {
                    let node = &graph[i];
                    let (x, y) = at(i.index());
                    let (shape, colour) = style(&node.schema);
                    let tip = xml_safe(&format!("{}\n{} · {}", node.caption, node.schema, node.id));
                    let id = format!("e-{}", node.id);
                    w.create_element("g")
                        .with_attributes([("class", "entity"), ("id", id.as_str())])
                        .write_inner_content(|w| {
                            w.create_element("title").write_text_content(BytesText::new(&tip))?;
                            let stroke = if node.centre { "#000000" } else { "#FFFFFF" };
                            let sw = if node.centre { "3" } else { "1.5" };
                            symbol(w, shape, colour, x, y, radius, stroke, sw)?;
                            w.create_element("text")
                                .with_attributes([
                                    ("x", f(x).as_str()),
                                    ("y", f(y + radius + 12.0).as_str()),
                                    ("font-size", "11"),
                                    ("text-anchor", "middle"),
                                    ("fill", "#111111"),
                                ])
                                .write_text_content(BytesText::new(&xml_safe(&shorten(
                                    &node.caption,
                                    LABEL_CHARS,
                                ))))?;
                            Ok(())
                        })?;
                }
                Ok(())
            })?;

            legend(w, chart, side + 2.0 * MARGIN, top, ui)?;
            Ok(())
        })?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

fn symbol(
    w: &mut Writer<Vec<u8>>,
    shape: Shape,
    colour: &str,
    x: f64,
    y: f64,
    radius: f64,
    stroke: &str,
    stroke_width: &str,
) -> io::Result<()> {
    let paint = [("fill", colour), ("stroke", stroke), ("stroke-width", stroke_width)];
    match shape {
        Shape::Circle => {
            w.create_element("circle")
                .with_attributes([("cx", f(x).as_str()), ("cy", f(y).as_str()), ("r", f(radius).as_str())])
                .with_attributes(paint)
                .write_empty()?;
        }
        Shape::Square => {
            let size = radius * 1.7;
            w.create_element("rect")
                .with_attributes([
                    ("x", f(x - size / 2.0).as_str()),
                    ("y", f(y - size / 2.0).as_str()),
                    ("width", f(size).as_str()),
                    ("height", f(size).as_str()),
                ])
                .with_attributes(paint)
                .write_empty()?;
        }
        _ => {
            w.create_element("polygon")
                .with_attribute(("points", polygon(shape, x, y, radius * 1.2).as_str()))
                .with_attributes(paint)
                .write_empty()?;
        }
    }
    Ok(())
}

fn banner(
    w: &mut Writer<Vec<u8>>,
    m: &Marking,
    text: &str,
    (y, width, height): (f64, f64, f64),
    class: &str,
) -> io::Result<()> {
    w.create_element("g").with_attribute(("class", class)).write_inner_content(|w| {
        w.create_element("rect")
            .with_attributes([
                ("x", "0"),
                ("y", f(y).as_str()),
                ("width", f(width).as_str()),
                ("height", f(height).as_str()),
                ("fill", "#000000"),
            ])
            .write_empty()?;
        w.create_element("text")
            .with_attributes([
                ("x", f(width / 2.0).as_str()),
                ("y", f(y + height * 0.7).as_str()),
                ("font-size", f(height * 0.57).as_str()),
                ("font-weight", "bold"),
                ("text-anchor", "middle"),
                ("fill", tlp_colour(m)),
            ])
            .write_text_content(BytesText::new(text))?;
        Ok(())
    })?;
    Ok(())
}

/// One row per kind drawn (symbol, colour, count), then the two line styles.
fn legend(w: &mut Writer<Vec<u8>>, chart: &Chart, left: f64, upper: f64, scale: f64) -> io::Result<()> {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for node in chart.graph.node_weights() {
        *kinds.entry(node.schema.as_str()).or_default() += 1;
    }
    // Drawn at the origin, moved and scaled as a whole.
    let (x, top) = (0.0, 12.0);
    let place = format!("translate({} {}) scale({scale:.3})", f(left), f(upper - 12.0));
    w.create_element("g")
        .with_attributes([("class", "legend"), ("transform", place.as_str())])
        .write_inner_content(|w| {
            w.create_element("text")
                .with_attributes([
                    ("x", f(x).as_str()),
                    ("y", f(top).as_str()),
                    ("font-size", "13"),
                    ("font-weight", "bold"),
                ])
                .write_text_content(BytesText::new("Legend"))?;
            let mut y = top + 24.0;
            for (kind, count) in &kinds {
                let (shape, colour) = style(kind);
                symbol(w, shape, colour, x + 10.0, y - 4.0, 7.0, "#FFFFFF", "1")?;
                w.create_element("text")
                    .with_attributes([("x", f(x + 26.0).as_str()), ("y", f(y).as_str()), ("font-size", "12")])
                    .write_text_content(BytesText::new(&xml_safe(&format!("{kind} ({count})"))))?;
                y += 20.0;
            }
            y += 8.0;
            for (label, dash) in [("link", None), ("weak link (graded E/F or 5/6)", Some("6 4"))] {
                let mut line = w.create_element("line").with_attributes([
                    ("x1", f(x).as_str()),
                    ("y1", f(y - 4.0).as_str()),
                    ("x2", f(x + 20.0).as_str()),
                    ("y2", f(y - 4.0).as_str()),
                    ("stroke", "#444444"),
                    ("stroke-width", "1.5"),
                ]);
                if let Some(d) = dash {
                    line = line.with_attribute(("stroke-dasharray", d));
                }
                line.write_empty()?;
                w.create_element("text")
                    .with_attributes([("x", f(x + 26.0).as_str()), ("y", f(y).as_str()), ("font-size", "12")])
                    .write_text_content(BytesText::new(label))?;
                y += 20.0;
            }
            Ok(())
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_shortened_with_an_ellipsis() {
        assert_eq!(shorten("Karim", 28), "Karim");
        let s = shorten(&"x".repeat(40), 28);
        assert_eq!(s.chars().count(), 28);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn several_links_between_two_ends_are_listed_compactly() {
        let link = |kind: &str, date: &str| ChartLink {
            id: uuid::Uuid::nil(),
            kind: kind.into(),
            dates: vec![date.into()],
            grade: None,
            weak: false,
        };
        let links = [
            link("Call", "2024-03-05"),
            link("Call", "2024-01-02"),
            link("Payment", "2024-02-01"),
            link("Call", "2024-02-02"),
        ];
        let (short, full) = edge_text(&links);
        assert_eq!(short, "Call ×3 2024-01-02 – 2024-03-05 · Payment 2024-02-01");
        assert_eq!(full.lines().count(), 4);
    }

    #[test]
    fn characters_xml_forbids_are_replaced() {
        assert_eq!(xml_safe("a\u{1}b\tc\u{FFFF}"), "a\u{FFFD}b\tc\u{FFFD}");
    }
}
