//! The measures screen: the three numbers the task force reports on, then month by month
//! with a bar for executed operations, so that gaps and progress are seen at a glance.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Look;
use super::layout::centered;
use super::popups::open;
use crate::store::query::{Measures, human_seconds};
use crate::tui::action::Action;
use crate::tui::screens::measures::MeasuresScreen;
use crate::tui::state::Mode;

fn headline(m: &Measures, look: &Look<'_>) -> Vec<Line<'static>> {
    let response = m.sharing.response_time.as_ref().map_or_else(
        || "not measured yet (no bundle acknowledged)".to_owned(),
        |r| {
            format!(
                "{} median · {} last · {} bundles",
                human_seconds(r.median_seconds),
                human_seconds(r.last_seconds),
                r.samples
            )
        },
    );
    let o = &m.outcomes;
    let row = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<26}"), look.theme.header),
            Span::styled(value, look.theme.text),
        ])
    };
    let r = &m.rfi;
    let rfi = match (r.overall.median_seconds, r.overall.p90_seconds) {
        (Some(median), Some(p90)) => format!(
            "{} median · {} p90 · {} answered · {} open (target {}, before {})",
            human_seconds(median),
            human_seconds(p90),
            r.overall.answered,
            r.open,
            human_seconds(r.target_seconds),
            human_seconds(r.before_seconds)
        ),
        _ => format!("no answer received yet · {} open (target {})", r.open, human_seconds(r.target_seconds)),
    };
    vec![
        row("Sharing response time", response),
        row("RFI turnaround", rfi),
        row(
            "Joint operations",
            format!(
                "{} with several agencies · {} executed · {} planned",
                m.joint_operations, o.operations_executed, o.operations_planned
            ),
        ),
        row("Networks disrupted", format!("{} · {} arrests", o.networks_disrupted, o.arrests)),
        row(
            "Exchange",
            format!(
                "{} offices · {} shared cases · {} bundles sent, {} received",
                m.sharing.offices, m.sharing.shared_cases, m.sharing.bundles_sent, m.sharing.bundles_received
            ),
        ),
    ]
}

fn months(m: &Measures, look: &Look<'_>) -> Vec<Line<'static>> {
    let most = m.monthly.iter().map(|x| x.operations_executed).max().unwrap_or(0).max(1);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{:<8} {:>10} {:>6} {:>9} {:>6} {:>8} {:>10} {:>10}  ",
            "Month", "Response", "Acked", "Executed", "Joint", "Arrests", "Disrupted", "RFI"
        ),
        look.theme.dim,
    ))];
    for x in m.monthly.iter().rev() {
        let bar = "█".repeat(((x.operations_executed * 12 + most - 1) / most) as usize);
        let quiet = x.operations_executed == 0 && x.acknowledged == 0 && x.rfi_answered == 0;
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{:<8} {:>10} {:>6} {:>9} {:>6} {:>8} {:>10} {:>10}  ",
                    x.month,
                    x.response_median_seconds.map_or_else(|| "–".to_owned(), human_seconds),
                    x.acknowledged,
                    x.operations_executed,
                    x.joint_operations,
                    x.arrests,
                    x.networks_disrupted,
                    x.rfi_median_seconds.map_or_else(|| "–".to_owned(), human_seconds)
                ),
                if quiet { look.theme.dim } else { look.theme.text },
            ),
            Span::styled(bar, look.theme.accent),
        ]));
    }
    lines
}

/// Where the data lies and which months are shown, with the keys that move in time.
fn window(screen: &MeasuresScreen, look: &Look<'_>) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(data) = screen.data_line() {
        lines.push(Line::styled(data, look.theme.warning));
    }
    if let Some((first, last)) = screen.shown() {
        let key = |a: &Action| look.keymap.key_for(Mode::Measures, a).unwrap_or_default();
        lines.push(Line::styled(
            format!(
                "Showing {first} to {last} · {} earlier · {} later",
                key(&Action::EarlierMonths),
                key(&Action::LaterMonths)
            ),
            look.theme.dim,
        ));
    }
    lines
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, screen: &MeasuresScreen, look: &Look<'_>) {
    let rect = centered(area, 90.min(area.width.saturating_sub(2)), area.height.saturating_sub(3));
    let inner = open(frame, rect, "Task-force measures — newest month first · Esc closes", look);
    let Some(m) = &screen.measures else {
        frame.render_widget(Paragraph::new("Loading…").style(look.theme.dim), inner);
        return;
    };
    let mut lines = headline(m, look);
    lines.push(Line::default());
    lines.extend(window(screen, look));
    lines.extend(months(m, look));
    frame.render_widget(Paragraph::new(lines).scroll((screen.scroll, 0)), inner);
}
