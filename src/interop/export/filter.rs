//! Who a format export is for, and which values that reader may have (DESIGN §5b).
//!
//! A file written for another tool leaves Liaison's control: once written, nothing stops it
//! from travelling. So a format export releases values as a bundle would, one statement at a
//! time: to a named office (`--for`, the very rules a bundle to it applies), up to a maximum
//! marking (`--max-marking`), or by default only what this office wrote itself, up to
//! TLP:AMBER and without Europol H2/H3 codes. Whatever the reader, another office's TLP:RED,
//! TLP:AMBER+STRICT and H2/H3 values are written only when that office is named with
//! `--include-from`. `--case` keeps out what was recorded under another case.
//!
//! This module decides per statement; [`super::Dataset`] applies the existence rules (a
//! record only with one of its values, a link only with both its ends).

use std::collections::{BTreeSet, HashMap};

use uuid::Uuid;

use super::super::ImportError;
use crate::exchange::release::{Destination, ReleaseContext};
use crate::model::ids::DeviceId;
use crate::model::marking::{Marking, Vocabulary};
use crate::store::{Store, StoreError};

/// The TLP rank a default export stops at (TLP:AMBER).
const DEFAULT_MAX_TLP: u8 = 2;
/// TLP ranks another office must be named for: AMBER+STRICT and RED.
const NAMED_ONLY_TLP: u8 = 3;
/// Europol codes that never leave without their originator's consent.
const ORIGINATOR_CODES: [&str; 2] = ["H2", "H3"];

/// Who the file is for, as the analyst said it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reader {
    /// Release as to this office (`--for OFFICE`).
    pub office: Option<String>,
    /// Values marked at most this (`--max-marking M`).
    pub max_marking: Option<Marking>,
    /// Offices whose TLP:RED, AMBER+STRICT and H2/H3 values may be written (`--include-from`).
    pub include_from: Vec<String>,
}

impl Reader {
    /// A short description for reports: "office Lyon", "up to TLP:GREEN", "this office's own".
    pub fn describe(&self) -> String {
        match (&self.office, &self.max_marking) {
            (Some(o), _) => format!("as released to office {o}"),
            (None, Some(m)) => format!("values marked at most {m}"),
            (None, None) => "this office's own values up to TLP:AMBER".into(),
        }
    }
}

/// One live statement, as the rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Stmt<'a> {
    pub marking: &'a str,
    /// The case it was recorded under (local number), else the case its record belongs to.
    pub case: Option<i64>,
    pub origin: DeviceId,
}

enum Mode {
    For(Destination),
    Max(Marking),
    Own,
}

/// Decides, statement by statement, what a format export may write.
pub struct Filter {
    mode: Mode,
    context: ReleaseContext,
    own_office: String,
    include_from: BTreeSet<String>,
    /// The exported case (`--case`), by local number.
    case: Option<i64>,
    /// Case numbers → ids, for the release rules.
    case_ids: HashMap<i64, Uuid>,
}

impl Filter {
    /// The filter for `reader`, exporting `case` (or everything). An unknown or revoked
    /// `--for` office is an error: writing "for" an office nobody can check is a guess.
    pub fn new(store: &Store, reader: &Reader, case: Option<i64>) -> Result<Filter, ImportError> {
        let context = ReleaseContext::load(store)?;
        let mode = match (&reader.office, &reader.max_marking) {
            (Some(_), Some(_)) => {
                return Err(ImportError::Usage(
                    "--for and --max-marking choose the reader two ways: give one".into(),
                ));
            }
            (Some(office), None) => Mode::For(Destination::of_office(store, office)?.ok_or_else(|| {
                let known = store.devices().map(|d| d.iter().any(|d| !d.is_self && &d.office == office));
                if known.unwrap_or(false) {
                    ImportError::Usage(format!("office {office:?} is revoked: nothing is released to it"))
                } else {
                    ImportError::Usage(format!(
                        "no office {office:?}: `liaison office list` shows the trusted offices"
                    ))
                }
            })?),
            (None, Some(m)) => Mode::Max(m.clone()),
            (None, None) => Mode::Own,
        };
        let mut case_ids = HashMap::new();
        let mut q = store
            .conn()
            .prepare("SELECT n, uid FROM object WHERE schema = 'Case'")
            .map_err(StoreError::from)?;
        let rows = q
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
            .map_err(StoreError::from)?;
        for row in rows {
            let (n, uid) = row.map_err(StoreError::from)?;
            case_ids.insert(n, Uuid::from_slice(&uid).unwrap_or_default());
        }
        Ok(Filter {
            mode,
            context,
            own_office: store.office().name.clone(),
            include_from: reader.include_from.iter().cloned().collect(),
            case,
            case_ids,
        })
    }

    /// The office that wrote a statement, and whether it is this office.
    fn author(&self, origin: DeviceId) -> (String, bool) {
        match self.context.authors.get(&origin) {
            Some(a) => (a.office.clone(), a.is_self || a.office == self.own_office),
            None => ("an unknown office".into(), false),
        }
    }

    /// Ok if the reader may have this statement; otherwise the rule that keeps it out, in
    /// words that group well in a report.
    pub fn admit(&self, s: Stmt<'_>) -> Result<(), String> {
        if let (Some(exported), Some(recorded)) = (self.case, s.case) {
            if exported != recorded {
                return Err("recorded under another case than the one exported".into());
            }
        }
        let Ok(marking) = Marking::parse(s.marking) else {
            return Err("a marking this Liaison cannot read".into());
        };
        let (author, own) = self.author(s.origin);
        let guarded =
            marking.tlp >= NAMED_ONLY_TLP || ORIGINATOR_CODES.iter().any(|c| marking.codes.contains(*c));
        let destination_is_author = matches!(&self.mode, Mode::For(d) if d.office == author);
        if guarded && !own && !destination_is_author && !self.include_from.contains(&author) {
            return Err(format!(
                "another office's TLP:RED, AMBER+STRICT or H2/H3 value (written only with --include-from {author})"
            ));
        }
        match &self.mode {
            Mode::For(dest) => {
                let case = s.case.and_then(|n| self.case_ids.get(&n).copied());
                self.context
                    .check(s.marking, case, s.origin, dest)
                    .map_err(|why| format!("for {}: {why}", dest.office))
            }
            Mode::Max(max) => {
                if marking.tlp > max.tlp || !marking.codes.is_subset(&max.codes) {
                    Err(format!("marked above --max-marking {max}"))
                } else {
                    Ok(())
                }
            }
            Mode::Own => {
                if !own {
                    Err("written by another office (a default export holds this office's own values; see --for)"
                        .into())
                } else if marking.tlp > DEFAULT_MAX_TLP {
                    Err("marked above TLP:AMBER (the default limit; see --max-marking)".into())
                } else if ORIGINATOR_CODES.iter().any(|c| marking.codes.contains(*c)) {
                    Err("Europol H2/H3 (not written by default; see --max-marking)".into())
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// Values whose writing to a file needs someone to confirm it: TLP:RED, and national
/// markings that stay within their country (`foreign = false`, e.g. FR-DR).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sensitive {
    pub red: u64,
    pub national: u64,
}

impl Sensitive {
    pub fn count(&mut self, marking: &str) {
        let Ok(m) = Marking::parse(marking) else { return };
        if m.tlp >= 4 {
            self.red += 1;
        }
        let vocab = Vocabulary::builtin();
        if m.codes.iter().any(|c| vocab.national(c).is_some_and(|n| !n.foreign)) {
            self.national += 1;
        }
    }

    pub fn any(&self) -> bool {
        self.red > 0 || self.national > 0
    }

    /// "This file will hold 3 TLP:RED values and 2 values under a national marking".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.red > 0 {
            parts.push(format!("{} TLP:RED value{}", self.red, if self.red == 1 { "" } else { "s" }));
        }
        if self.national > 0 {
            parts.push(format!(
                "{} value{} under a national marking that stays in its country",
                self.national,
                if self.national == 1 { "" } else { "s" }
            ));
        }
        format!("This file will hold {}", parts.join(" and "))
    }
}
