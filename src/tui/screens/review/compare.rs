//! The two records of a candidate pair side by side, property by property: which values agree
//! and which contradict, compared as the duplicates module compares them (names after
//! folding and transliteration, in any order; dates at their precision, so 1979-04 agrees
//! with 1979-04-12; phones and document numbers without their punctuation). Pure: the view
//! draws the rows, the tests check them.

use crate::analysis::duplicates::group_of;
use crate::analysis::duplicates::normalise::{self, PartialDate};
use crate::store::query::{EntityView, StatementView};

/// How the two sides of a property stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// A value of one side agrees with a value of the other.
    Agree,
    /// Both sides have values and none agree.
    Contradict,
    /// Only one side says anything.
    OneSide,
}

impl Sign {
    /// The sign drawn between the sides (not colour only).
    pub fn symbol(self) -> &'static str {
        match self {
            Sign::Agree => "=",
            Sign::Contradict => "≠",
            Sign::OneSide => "·",
        }
    }
}

/// One property of the pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    pub prop: &'a str,
    pub a: Vec<&'a StatementView>,
    pub b: Vec<&'a StatementView>,
    pub sign: Sign,
}

/// Properties first in the comparison: what identifies a person or a company.
const FIRST: [&str; 6] = ["name", "firstName", "lastName", "birthDate", "incorporationDate", "nationality"];

/// The rows: identifying properties first, then the others by name; contradictions, then
/// agreements, stand out by their sign.
pub fn rows<'a>(a: &'a EntityView, b: &'a EntityView) -> Vec<Row<'a>> {
    let mut props: Vec<&str> = a.statements.iter().chain(&b.statements).map(|s| s.prop.as_str()).collect();
    props.sort_by_key(|p| (FIRST.iter().position(|f| f == p).unwrap_or(FIRST.len()), *p));
    props.dedup();
    let org = group_of(&a.schema) == "org" || group_of(&b.schema) == "org";
    props
        .into_iter()
        .map(|prop| {
            let of = |v: &'a EntityView| v.statements.iter().filter(|s| s.prop == prop).collect::<Vec<_>>();
            let (xs, ys) = (of(a), of(b));
            let sign = if xs.is_empty() || ys.is_empty() {
                Sign::OneSide
            } else if xs.iter().any(|x| ys.iter().any(|y| agree(prop, &x.value, &y.value, org))) {
                Sign::Agree
            } else {
                Sign::Contradict
            };
            Row { prop, a: xs, b: ys, sign }
        })
        .collect()
}

/// Whether two values of `prop` say the same thing.
pub fn agree(prop: &str, one: &str, other: &str, org: bool) -> bool {
    match prop {
        "name" | "firstName" | "middleName" | "lastName" | "alias" | "weakAlias" | "previousName" => {
            let key = |v: &str| {
                let mut t = normalise::name(v, org).tokens;
                t.sort();
                t
            };
            key(one) == key(other)
        }
        "phone" | "number" => normalise::phone(one) == normalise::phone(other),
        p if p.ends_with("Date") => match (PartialDate::parse(one), PartialDate::parse(other)) {
            (Some(d), Some(e)) => same_date(d, e),
            _ => normalise::fold(one) == normalise::fold(other),
        },
        p if p.ends_with("Number") || p.ends_with("Code") || p == "iban" || p == "vin" => {
            normalise::identifier(one) == normalise::identifier(other)
        }
        _ => normalise::fold(one).trim() == normalise::fold(other).trim(),
    }
}

/// Dates agree at the precision both have (0 is an unknown month or day).
fn same_date(d: PartialDate, e: PartialDate) -> bool {
    d.year == e.year
        && (d.month == 0 || e.month == 0 || d.month == e.month)
        && (d.month == 0 || e.month == 0 || d.day == 0 || e.day == 0 || d.day == e.day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_dates_and_numbers_agree_as_the_duplicates_module_reads_them() {
        assert!(agree("name", "Karim Benali", "Карим Бенали", false));
        assert!(agree("name", "BENALI Karim", "Karim Benali", false));
        assert!(!agree("name", "Karim Benali", "Nadia Benali", false));
        assert!(agree("birthDate", "1979-04", "1979-04-12", false));
        assert!(!agree("birthDate", "1979-04-12", "1992-08-03", false));
        assert!(!agree("birthDate", "1979-04-12", "1979-04-13", false));
        assert!(agree("passportNumber", "FR 12-345", "fr12345", false));
        assert!(agree("nationality", "fr", "FR", false));
        assert!(!agree("nationality", "fr", "dz", false));
    }
}
