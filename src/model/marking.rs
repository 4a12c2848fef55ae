//! Handling markings: TLP 2.0, Europol handling codes and national protective markings.
//!
//! A marking is one TLP level plus sets of codes. Markings combine by "most restrictive
//! wins" (max TLP, union of codes), which is a join: combining in any order gives the same
//! result, as convergence between offices requires. The vocabulary is
//! `assets/markings.toml`; an installation may replace it with its own file.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

use super::ModelError;

/// To whom a bundle may carry a statement (see `assets/markings.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Release {
    Any,
    Community,
    Case,
    Agency,
    Named,
    Originator,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TlpDef {
    pub name: String,
    pub rank: u8,
    pub colour: String,
    pub release: Release,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HandlingDef {
    pub code: String,
    pub rank: u8,
    #[serde(default)]
    pub release: Option<Release>,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NationalDef {
    pub code: String,
    pub label: String,
    pub country: String,
    pub rank: u8,
    /// May a statement so marked go to an office of another country?
    pub foreign: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Vocabulary {
    pub tlp: Vec<TlpDef>,
    pub handling: Vec<HandlingDef>,
    #[serde(default)]
    pub national: Vec<NationalDef>,
}

impl Vocabulary {
    pub fn builtin() -> &'static Vocabulary {
        static V: OnceLock<Vocabulary> = OnceLock::new();
        V.get_or_init(|| {
            toml::from_str(include_str!("../../assets/markings.toml"))
                .expect("assets/markings.toml is valid (checked by tests)")
        })
    }

    pub fn tlp(&self, rank: u8) -> &TlpDef {
        self.tlp.iter().find(|t| t.rank == rank).unwrap_or(&self.tlp[0])
    }

    pub fn national(&self, code: &str) -> Option<&NationalDef> {
        self.national.iter().find(|n| n.code == code)
    }
}

/// A handling marking. The default is TLP:CLEAR with no codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Marking {
    /// Rank of the TLP level (0 = CLEAR … 4 = RED).
    pub tlp: u8,
    /// Europol handling codes (H0…H3) and national codes (e.g. FR-DR), sorted.
    pub codes: BTreeSet<String>,
}

impl Marking {
    /// Parses e.g. "TLP:AMBER", "amber", "TLP:RED H2", "TLP:GREEN,FR-DR".
    pub fn parse(s: &str) -> Result<Marking, ModelError> {
        let vocab = Vocabulary::builtin();
        let mut marking = Marking::default();
        let mut seen_tlp = false;
        for token in s.split([' ', ',', ';']).filter(|t| !t.is_empty()) {
            let upper = token.to_ascii_uppercase();
            let name = upper.strip_prefix("TLP:").unwrap_or(&upper);
            if let Some(t) = vocab.tlp.iter().find(|t| t.name == name) {
                if seen_tlp {
                    return Err(ModelError::BadMarking(s.to_owned(), "two TLP levels".into()));
                }
                seen_tlp = true;
                marking.tlp = t.rank;
            } else if vocab.handling.iter().any(|h| h.code == upper)
                || vocab.national.iter().any(|n| n.code == upper)
            {
                marking.codes.insert(upper);
            } else {
                let known: Vec<String> = vocab
                    .tlp
                    .iter()
                    .map(|t| format!("TLP:{}", t.name))
                    .chain(vocab.handling.iter().map(|h| h.code.clone()))
                    .chain(vocab.national.iter().map(|n| n.code.clone()))
                    .collect();
                return Err(ModelError::BadMarking(
                    s.to_owned(),
                    format!("unknown code {token}; known: {}", known.join(", ")),
                ));
            }
        }
        Ok(marking)
    }

    /// Whether `text` names a TLP level ("TLP:CLEAR FR-DR" does, "FR-DR" does not). A marking
    /// typed without one takes the TLP level of its context; only a TLP:CLEAR someone typed
    /// is ever written as CLEAR.
    pub fn names_tlp(text: &str) -> bool {
        let vocab = Vocabulary::builtin();
        text.split([' ', ',', ';']).filter(|t| !t.is_empty()).any(|token| {
            let upper = token.to_ascii_uppercase();
            let name = upper.strip_prefix("TLP:").unwrap_or(&upper);
            vocab.tlp.iter().any(|t| t.name == name)
        })
    }

    /// Whether this is TLP:CLEAR with no code: the marking that must never be written unless
    /// someone chose it.
    pub fn is_clear(&self) -> bool {
        self.tlp == 0 && self.codes.is_empty()
    }

    /// The marking of last resort when an office has chosen none: TLP:AMBER, as DESIGN §5b
    /// says. It is what a store made before default markings existed takes.
    pub fn office_fallback() -> Marking {
        Marking { tlp: 2, codes: BTreeSet::new() }
    }

    /// The most restrictive combination of two markings.
    #[must_use]
    pub fn join(&self, other: &Marking) -> Marking {
        Marking { tlp: self.tlp.max(other.tlp), codes: self.codes.union(&other.codes).cloned().collect() }
    }

    pub fn tlp_def(&self) -> &'static TlpDef {
        Vocabulary::builtin().tlp(self.tlp)
    }

    /// The national codes, with their definitions.
    pub fn national(&self) -> impl Iterator<Item = &'static NationalDef> + '_ {
        self.codes.iter().filter_map(|c| Vocabulary::builtin().national(c))
    }

    /// A rank for sorting and for "strongest marking" displays.
    pub fn severity(&self) -> u8 {
        let vocab = Vocabulary::builtin();
        let codes = self
            .codes
            .iter()
            .filter_map(|c| {
                vocab
                    .handling
                    .iter()
                    .find(|h| &h.code == c)
                    .map(|h| h.rank)
                    .or_else(|| vocab.national(c).map(|n| n.rank))
            })
            .max()
            .unwrap_or(0);
        self.tlp.max(codes)
    }
}

impl fmt::Display for Marking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLP:{}", self.tlp_def().name)?;
        for c in &self.codes {
            write!(f, " {c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_display_round_trip() {
        for s in ["TLP:CLEAR", "TLP:AMBER+STRICT", "TLP:RED H2", "TLP:GREEN FR-DR H0"] {
            let m = Marking::parse(s).unwrap();
            assert_eq!(Marking::parse(&m.to_string()).unwrap(), m);
        }
        assert_eq!(Marking::parse("amber").unwrap().to_string(), "TLP:AMBER");
        assert_eq!(Marking::parse("h2").unwrap().to_string(), "TLP:CLEAR H2");
    }

    #[test]
    fn unknown_codes_are_named_with_the_known_list() {
        let err = Marking::parse("TLP:PURPLE").unwrap_err().to_string();
        assert!(err.contains("PURPLE") && err.contains("TLP:RED"), "{err}");
        assert!(Marking::parse("TLP:RED TLP:GREEN").is_err());
    }

    #[test]
    fn join_keeps_the_most_restrictive_and_is_order_free() {
        let a = Marking::parse("TLP:GREEN H2").unwrap();
        let b = Marking::parse("TLP:RED FR-DR").unwrap();
        assert_eq!(a.join(&b), b.join(&a));
        assert_eq!(a.join(&b).to_string(), "TLP:RED FR-DR H2");
        assert_eq!(a.join(&Marking::default()), a);
    }

    #[test]
    fn a_marking_without_a_tlp_level_is_told_apart() {
        assert!(!Marking::names_tlp("FR-DR"));
        assert!(!Marking::names_tlp("h2, FR-DR"));
        assert!(Marking::names_tlp("TLP:CLEAR FR-DR"));
        assert!(Marking::names_tlp("clear"));
        assert!(Marking::parse("FR-DR").unwrap().tlp == 0 && !Marking::parse("FR-DR").unwrap().is_clear());
    }
}
