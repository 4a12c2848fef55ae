//! Colours from `assets/theme.toml` (dark and light), or none at all when `NO_COLOR` is set.
//! Markings are coloured by their TLP level as `assets/markings.toml` says and are always
//! written out too, so nothing depends on telling colours apart.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::model::marking::Marking;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPalette {
    text: String,
    dim: String,
    accent: String,
    border: String,
    focus: String,
    selected_fg: String,
    selected_bg: String,
    header: String,
    error: String,
    warning: String,
    ok: String,
    badge_fg: String,
}

#[derive(Debug, Deserialize)]
struct RawThemes {
    dark: RawPalette,
    light: RawPalette,
}

/// Resolved styles for drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: ThemeName,
    /// No colours: `NO_COLOR` is set.
    pub mono: bool,
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub border: Style,
    pub focus: Style,
    pub selected: Style,
    pub header: Style,
    pub error: Style,
    pub warning: Style,
    pub ok: Style,
    badge_fg: Color,
}

fn colour(name: &str) -> Color {
    Color::from_str(name).unwrap_or(Color::Reset)
}

impl Theme {
    /// The named theme, without colours if `mono`.
    pub fn new(name: ThemeName, mono: bool) -> Theme {
        if mono {
            return Theme::monochrome(name);
        }
        let raw: RawThemes = toml::from_str(include_str!("../../assets/theme.toml"))
            .expect("assets/theme.toml is valid (tested)");
        let p = match name {
            ThemeName::Dark => raw.dark,
            ThemeName::Light => raw.light,
        };
        let fg = |c: &str| Style::default().fg(colour(c));
        Theme {
            name,
            mono,
            text: fg(&p.text),
            dim: fg(&p.dim),
            accent: fg(&p.accent),
            border: fg(&p.border),
            focus: fg(&p.focus).add_modifier(Modifier::BOLD),
            selected: Style::default().fg(colour(&p.selected_fg)).bg(colour(&p.selected_bg)),
            header: fg(&p.header).add_modifier(Modifier::BOLD),
            error: fg(&p.error).add_modifier(Modifier::BOLD),
            warning: fg(&p.warning),
            ok: fg(&p.ok),
            badge_fg: colour(&p.badge_fg),
        }
    }

    /// Whether the environment asks for no colour (https://no-color.org).
    pub fn no_color_requested() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    fn monochrome(name: ThemeName) -> Theme {
        let plain = Style::default();
        Theme {
            name,
            mono: true,
            text: plain,
            dim: plain.add_modifier(Modifier::DIM),
            accent: plain.add_modifier(Modifier::BOLD),
            border: plain,
            focus: plain.add_modifier(Modifier::BOLD),
            selected: plain.add_modifier(Modifier::REVERSED),
            header: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            error: plain.add_modifier(Modifier::BOLD),
            warning: plain.add_modifier(Modifier::BOLD),
            ok: plain,
            badge_fg: Color::Reset,
        }
    }

    /// The style of a marking's badge: its TLP colour behind the text.
    pub fn marking(&self, marking: &str) -> Style {
        if self.mono {
            return Style::default().add_modifier(Modifier::BOLD);
        }
        let tlp = Marking::parse(marking).map(|m| m.tlp_def().colour.clone()).unwrap_or_default();
        Style::default().fg(self.badge_fg).bg(colour(&tlp))
    }
}

/// A marking as short text for narrow columns: "AMBER+S H2" rather than "TLP:AMBER+STRICT H2".
pub fn short_marking(marking: &str) -> String {
    marking.strip_prefix("TLP:").unwrap_or(marking).replace("AMBER+STRICT", "AMBER+S")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_themes_load_and_no_color_uses_none() {
        for name in [ThemeName::Dark, ThemeName::Light] {
            let t = Theme::new(name, false);
            assert_ne!(t.selected.bg, None);
            assert_eq!(t.marking("TLP:RED").bg, Some(Color::Red));
            let m = Theme::new(name, true);
            for s in [m.text, m.selected, m.error, m.marking("TLP:RED")] {
                assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
            }
        }
    }

    #[test]
    fn markings_shorten_for_narrow_columns() {
        assert_eq!(short_marking("TLP:AMBER+STRICT FR-DR"), "AMBER+S FR-DR");
        assert_eq!(short_marking("TLP:CLEAR"), "CLEAR");
    }
}
