//! Which marking a value is written under. A marking never falls: a value written without one
//! takes its context's (the case it is written in; else the record's own strongest live
//! marking; else the office default), and a marking given is joined with the case's, so a
//! national code can only narrow who receives a value. TLP:CLEAR is written only when a person
//! typed it, and even then a case's stricter marking wins.

use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::{Result, Txn};
use crate::model::marking::Marking;

/// The markings around a value, as far as they are known.
#[derive(Debug, Clone, Default)]
pub struct MarkingContext {
    /// The marking of the case the value is written in.
    pub case: Option<Marking>,
    /// The record's own strongest live marking (for a new link: its ends').
    pub record: Option<Marking>,
    /// The office default (`Store::default_marking`).
    pub office: Marking,
}

impl MarkingContext {
    /// What the value inherits when nothing is given.
    pub fn inherited(&self) -> Marking {
        self.case.clone().or_else(|| self.record.clone()).unwrap_or_else(|| self.office.clone())
    }

    /// The marking a value is written under: `given` (if any) joined with the case's; a
    /// given marking with no TLP level (`FR-DR`) takes the context's level unless
    /// `clear_chosen` says the person typed TLP:CLEAR.
    pub fn resolve(&self, given: Option<&Marking>, clear_chosen: bool) -> Marking {
        let Some(given) = given else { return self.inherited() };
        let mut m = given.clone();
        if m.tlp == 0 && !clear_chosen {
            m.tlp = self.inherited().tlp;
        }
        match &self.case {
            Some(case) => m.join(case),
            None => m,
        }
    }
}

impl Txn<'_> {
    /// The office default marking, read inside the transaction.
    pub fn office_marking(&self) -> Result<Marking> {
        let text: Option<String> = self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'office.default_marking'", [], |r| r.get(0))
            .optional()?;
        Ok(text.and_then(|t| Marking::parse(&t).ok()).unwrap_or_else(Marking::office_fallback))
    }

    /// A case's current marking; the office default for a case that has none.
    pub fn case_marking(&self, case: Uuid) -> Result<Marking> {
        let text: Option<String> = self
            .conn()
            .prepare_cached(
                "SELECT s.value FROM stmt s JOIN object o ON o.n = s.obj
                 WHERE o.uid = ?1 AND s.prop = 'marking' AND s.live = 1 ORDER BY s.hlc DESC LIMIT 1",
            )?
            .query_row([case.as_bytes()], |r| r.get(0))
            .optional()?;
        match text.and_then(|t| Marking::parse(&t).ok()) {
            Some(m) => Ok(m),
            None => self.office_marking(),
        }
    }

    /// The join of a record's live markings; None for a record with no live value.
    pub fn record_marking(&self, uid: Uuid) -> Result<Option<Marking>> {
        let markings: Vec<String> = self
            .conn()
            .prepare_cached(
                "SELECT DISTINCT s.marking FROM stmt s JOIN object o ON o.n = s.obj
                 WHERE o.uid = ?1 AND s.live = 1",
            )?
            .query_map(params![uid.as_bytes()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out: Option<Marking> = None;
        for text in markings {
            // An unreadable marking is read as the strictest: it must not lower the join.
            let m =
                Marking::parse(&text).unwrap_or(Marking { tlp: 4, codes: std::collections::BTreeSet::new() });
            out = Some(out.map_or_else(|| m.clone(), |o| o.join(&m)));
        }
        Ok(out)
    }

    /// The context of a value of `uid` written under `case`. Only what decides is read: a
    /// case's marking outranks the record's, which outranks the office default.
    pub fn marking_context(&self, uid: Uuid, case: Option<Uuid>) -> Result<MarkingContext> {
        if let Some(case) = case {
            let case = self.case_marking(case)?;
            return Ok(MarkingContext { office: case.clone(), record: None, case: Some(case) });
        }
        let record = self.record_marking(uid)?;
        let office = match &record {
            Some(m) => m.clone(),
            None => self.office_marking()?,
        };
        Ok(MarkingContext { case: None, record, office })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Marking {
        Marking::parse(s).unwrap()
    }

    fn ctx(case: Option<&str>, record: Option<&str>, office: &str) -> MarkingContext {
        MarkingContext { case: case.map(m), record: record.map(m), office: m(office) }
    }

    #[test]
    fn nothing_given_takes_the_case_then_the_record_then_the_office() {
        assert_eq!(ctx(Some("TLP:AMBER"), Some("TLP:RED"), "TLP:GREEN").resolve(None, false), m("TLP:AMBER"));
        assert_eq!(ctx(None, Some("TLP:RED H2"), "TLP:GREEN").resolve(None, false), m("TLP:RED H2"));
        assert_eq!(ctx(None, None, "TLP:GREEN").resolve(None, false), m("TLP:GREEN"));
    }

    #[test]
    fn a_given_marking_is_joined_with_the_case() {
        let amber_case = ctx(Some("TLP:AMBER"), None, "TLP:GREEN");
        assert_eq!(amber_case.resolve(Some(&m("FR-DR")), false).to_string(), "TLP:AMBER FR-DR");
        assert_eq!(amber_case.resolve(Some(&m("TLP:RED")), false), m("TLP:RED"));
        assert_eq!(
            amber_case.resolve(Some(&m("TLP:CLEAR")), true),
            m("TLP:AMBER"),
            "the case's stricter marking wins"
        );
    }

    #[test]
    fn codes_without_a_level_take_the_context_level_and_clear_needs_a_person() {
        let outside = ctx(None, Some("TLP:RED"), "TLP:AMBER");
        assert_eq!(outside.resolve(Some(&m("FR-DR")), false).to_string(), "TLP:RED FR-DR");
        assert_eq!(ctx(None, None, "TLP:AMBER").resolve(Some(&m("H2")), false).to_string(), "TLP:AMBER H2");
        assert_eq!(outside.resolve(Some(&m("TLP:CLEAR")), true), m("TLP:CLEAR"), "typed by a person");
        assert_eq!(outside.resolve(Some(&Marking::default()), false), m("TLP:RED"), "not typed: inherited");
    }
}
