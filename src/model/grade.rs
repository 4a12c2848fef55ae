//! Grades: how reliable a source is and how credible one piece of information is.
//!
//! Three scales are in use across the task force (DESIGN §6): Admiralty/NATO (the default,
//! written "B2"), Europol 4x4 ("EU:A1") and the UK 3x5x2 ("UK:1A"). Their vocabularies live in
//! `assets/grading.toml`. Translating between scales is lossy and says so.

use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

use super::ModelError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scale {
    Admiralty,
    Europol,
    Uk,
}

impl Scale {
    fn prefix(self) -> &'static str {
        match self {
            Scale::Admiralty => "",
            Scale::Europol => "EU:",
            Scale::Uk => "UK:",
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Level {
    pub symbol: String,
    pub label: String,
    pub score: u8,
}

#[derive(Debug, Deserialize)]
pub struct ScaleDef {
    pub name: String,
    pub reliability: Vec<Level>,
    pub credibility: Vec<Level>,
}

#[derive(Debug, Deserialize)]
pub struct Grading {
    pub admiralty: ScaleDef,
    pub europol: ScaleDef,
    pub uk: ScaleDef,
}

impl Grading {
    pub fn builtin() -> &'static Grading {
        static G: OnceLock<Grading> = OnceLock::new();
        G.get_or_init(|| {
            toml::from_str(include_str!("../../assets/grading.toml"))
                .expect("assets/grading.toml is valid (checked by tests)")
        })
    }

    pub fn scale(&self, s: Scale) -> &ScaleDef {
        match s {
            Scale::Admiralty => &self.admiralty,
            Scale::Europol => &self.europol,
            Scale::Uk => &self.uk,
        }
    }
}

/// A grade on one scale: source reliability and information credibility.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grade {
    pub scale: Scale,
    pub reliability: char,
    pub credibility: char,
}

impl Grade {
    /// Parses "B2", "EU:A1" or "UK:1A" (case-insensitive).
    pub fn parse(s: &str) -> Result<Grade, ModelError> {
        let bad = || ModelError::BadGrade(s.to_owned());
        let upper = s.trim().to_ascii_uppercase();
        let (scale, rest) = if let Some(r) = upper.strip_prefix("EU:") {
            (Scale::Europol, r)
        } else if let Some(r) = upper.strip_prefix("UK:") {
            (Scale::Uk, r)
        } else {
            (Scale::Admiralty, upper.strip_prefix("NATO:").unwrap_or(&upper))
        };
        let mut chars = rest.chars();
        let (Some(reliability), Some(credibility), None) = (chars.next(), chars.next(), chars.next()) else {
            return Err(bad());
        };
        let def = Grading::builtin().scale(scale);
        let has = |levels: &[Level], c: char| levels.iter().any(|l| l.symbol.starts_with(c));
        if !has(&def.reliability, reliability) || !has(&def.credibility, credibility) {
            return Err(bad());
        }
        Ok(Grade { scale, reliability, credibility })
    }

    fn levels(&self) -> (&'static Level, &'static Level) {
        let def = Grading::builtin().scale(self.scale);
        let find = |levels: &'static [Level], c: char| {
            levels.iter().find(|l| l.symbol.starts_with(c)).expect("validated at parse")
        };
        (find(&def.reliability, self.reliability), find(&def.credibility, self.credibility))
    }

    /// Orders grades across scales: higher is stronger (0..=10).
    pub fn score(&self) -> u8 {
        let (r, c) = self.levels();
        r.score + c.score
    }

    /// "Usually reliable · Probably true".
    pub fn describe(&self) -> String {
        let (r, c) = self.levels();
        format!("{} · {}", r.label, c.label)
    }

    /// The nearest Admiralty grade, and whether the translation lost information.
    pub fn to_admiralty(&self) -> (Grade, bool) {
        let (r, c) = self.levels();
        let def = &Grading::builtin().admiralty;
        let nearest = |levels: &[Level], score: u8| {
            levels
                .iter()
                .min_by_key(|l| l.score.abs_diff(score))
                .and_then(|l| l.symbol.chars().next())
                .unwrap_or('F')
        };
        let g = Grade {
            scale: Scale::Admiralty,
            reliability: nearest(&def.reliability, r.score),
            credibility: nearest(&def.credibility, c.score),
        };
        let lossy = self.scale != Scale::Admiralty;
        (g, lossy)
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.scale.prefix(), self.reliability, self.credibility)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_scale_and_round_trips() {
        for s in ["B2", "F6", "EU:X4", "UK:1A", "UK:3E"] {
            assert_eq!(Grade::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Grade::parse("b2").unwrap().to_string(), "B2");
        assert_eq!(Grade::parse("NATO:A1").unwrap().to_string(), "A1");
    }

    #[test]
    fn refuses_symbols_outside_the_scale() {
        for s in ["G2", "A7", "EU:D1", "EU:A5", "UK:4A", "B", "B22", ""] {
            assert!(Grade::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn scores_order_grades_and_translation_admits_loss() {
        assert!(Grade::parse("A1").unwrap().score() > Grade::parse("C3").unwrap().score());
        assert!(Grade::parse("EU:A1").unwrap().score() > Grade::parse("E5").unwrap().score());
        let (g, lossy) = Grade::parse("EU:B2").unwrap().to_admiralty();
        assert_eq!(g.to_string(), "B2");
        assert!(lossy);
        assert!(Grade::parse("B2").unwrap().describe().contains("Usually reliable"));
    }
}
