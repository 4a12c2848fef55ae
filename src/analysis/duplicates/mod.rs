//! Duplicate candidates: which records of people, companies and other entities are probably
//! the same, with a score in [0, 1] and the reasons in words ("same birth month; names match
//! after transliteration; share phone +33612345678"), contradicting evidence listed and
//! lowering the score. Records are read by streaming queries (`load.rs`), compared only within
//! blocks (`blocking.rs`: near-linear, block sizes capped), scored field by field (`score.rs`)
//! after names, dates and identifiers are normalised (`normalise.rs`).
//!
//! Nothing here writes: whether two records *are* the same is the analyst's judgement
//! (issue #13), recorded elsewhere; `drop_judged` is where those judgements will filter the
//! pairs already decided.

pub mod blocking;
pub mod load;
pub mod normalise;
pub mod score;

use std::collections::HashSet;

use rayon::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::store::{Result, Store};
use normalise::{Name, PartialDate};

pub use blocking::BlockStats;
pub use load::load;

/// Candidates below this score are not listed unless asked for.
pub const DEFAULT_MIN_SCORE: f64 = 0.5;

/// An identifier of a record, typed as a value or reached through a link (its phone, its
/// account): `kind` says which ("phone", "passport number"), `value` is normalised for
/// comparison, `shown` is what the reasons print.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub kind: &'static str,
    pub value: String,
    pub shown: String,
}

/// One record as the comparison sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// The store's local number (0 outside a store).
    pub n: i64,
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
    pub names: Vec<Name>,
    /// Birth or incorporation dates, at their precision.
    pub dates: Vec<PartialDate>,
    /// Nationalities or jurisdictions, lowercase codes.
    pub countries: Vec<String>,
    pub idents: Vec<Ident>,
    /// Addresses as lowercase ASCII tokens.
    pub addresses: Vec<Vec<String>>,
    /// Other records it is linked to (people, companies), sorted: shared ones are evidence.
    pub neighbours: Vec<i64>,
}

/// Which properties say what, by their FtM names.
fn ident_kind(prop: &str) -> Option<&'static str> {
    Some(match prop {
        "passportNumber" => "passport number",
        "idNumber" => "ID number",
        "taxNumber" | "vatCode" => "tax number",
        "registrationNumber" | "ogrnCode" | "innCode" | "leiCode" => "registration number",
        "phone" | "number" => "phone",
        "email" => "e-mail",
        "iban" => "IBAN",
        "imoNumber" => "IMO number",
        "mmsi" => "MMSI",
        "vin" => "VIN",
        _ => return None,
    })
}

impl Record {
    /// Which records may be the same: people with people, companies with organisations and
    /// other legal entities, anything else with its own kind.
    pub fn group(&self) -> &str {
        group_of(&self.schema)
    }

    /// A record from its properties as (FtM property name, value) pairs.
    pub fn from_values(n: i64, id: Uuid, schema: &str, caption: &str, values: &[(String, String)]) -> Record {
        let org = group_of(schema) == "org";
        let mut r =
            Record { n, id, schema: schema.to_owned(), caption: caption.to_owned(), ..Record::default() };
        let (mut first, mut last) = (Vec::new(), Vec::new());
        for (prop, value) in values {
            let v = value.trim();
            if v.is_empty() {
                continue;
            }
            match prop.as_str() {
                "name" => r.names.push(normalise::name(v, org)),
                "firstName" | "middleName" => first.push(v),
                "lastName" => last.push(v),
                "birthDate" | "incorporationDate" => r.dates.extend(PartialDate::parse(v)),
                "nationality" | "citizenship" | "jurisdiction" => r.countries.push(v.to_ascii_lowercase()),
                "address" => {
                    r.addresses.push(normalise::fold(v).split_whitespace().map(str::to_owned).collect());
                }
                p => {
                    if let Some(kind) = ident_kind(p) {
                        r.add_ident(kind, v);
                    }
                }
            }
        }
        if r.names.is_empty() && !(first.is_empty() && last.is_empty()) {
            let joined = first.iter().chain(&last).copied().collect::<Vec<_>>().join(" ");
            r.names.push(normalise::name(&joined, org));
        }
        if r.names.is_empty() && !caption.is_empty() {
            r.names.push(normalise::name(caption, org));
        }
        r.countries.sort();
        r.countries.dedup();
        r.dates.sort_by_key(|d| (d.year, d.month, d.day));
        r.dates.dedup();
        r
    }

    /// Adds an identifier (`kind` as `ident_kind` names them).
    pub fn add_ident(&mut self, kind: &'static str, value: &str) {
        let norm = match kind {
            "phone" => normalise::phone(value),
            "e-mail" => value.trim().to_lowercase(),
            _ => normalise::identifier(value),
        };
        if norm.len() < 3 || self.idents.iter().any(|i| i.kind == kind && i.value == norm) {
            return;
        }
        self.idents.push(Ident { kind, value: norm, shown: value.trim().to_owned() });
    }
}

/// See `Record::group`.
pub fn group_of(schema: &str) -> &str {
    match schema {
        "Person" => "person",
        "Company" | "Organization" | "LegalEntity" | "PublicBody" => "org",
        other => other,
    }
}

/// The kinds compared: those with names that two offices may spell differently.
pub const KINDS: &[&str] =
    &["Person", "Company", "Organization", "LegalEntity", "PublicBody", "Vehicle", "Vessel"];

/// One side of a candidate pair.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Side {
    pub id: Uuid,
    pub kind: String,
    pub caption: String,
}

/// Two records that may be the same. The JSON of `liaison duplicates --json` is a list of
/// these (fields documented in README.md, "Duplicate candidates").
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Candidate {
    pub a: Side,
    pub b: Side,
    /// In [0, 1]; 0.5 is even odds.
    pub score: f64,
    /// Evidence for, in words, strongest first.
    pub reasons: Vec<String>,
    /// Evidence against, in words (it lowered the score).
    pub contradictions: Vec<String>,
}

/// What to look at.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Only records of this kind (FtM name: "Person").
    pub kind: Option<String>,
    /// Only pairs with at least one member of this case.
    pub case: Option<Uuid>,
    /// Only pairs with at least one of these records…
    pub focus: Option<HashSet<Uuid>>,
    /// …and the other side outside them (cross-referencing one set against the rest).
    pub cross: bool,
    /// Lowest score listed (`DEFAULT_MIN_SCORE` when `None`).
    pub min_score: Option<f64>,
    /// Most candidates returned, best first.
    pub limit: Option<usize>,
}

/// Candidates and how they were found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub candidates: Vec<Candidate>,
    pub blocking: BlockStats,
}

/// Candidate pairs among `records`, best first (the pure part: no store).
pub fn candidates_among(records: &[Record], focus: Option<&[bool]>, cross: bool, min_score: f64) -> Report {
    let (pairs, blocking) = blocking::pairs(records, focus, cross);
    // Scoring is independent pair by pair: spread over the cores (two on a field laptop).
    let mut candidates: Vec<Candidate> = pairs
        .into_par_iter()
        .filter_map(|(i, j)| {
            let (a, b) = (&records[i as usize], &records[j as usize]);
            let e = score::compare(a, b);
            (e.score >= min_score).then(|| Candidate {
                a: side(a),
                b: side(b),
                score: (e.score * 1000.0).round() / 1000.0,
                reasons: e.reasons,
                contradictions: e.contradictions,
            })
        })
        .collect();
    candidates.par_sort_by(|x, y| {
        y.score.total_cmp(&x.score).then_with(|| x.a.id.cmp(&y.a.id)).then_with(|| x.b.id.cmp(&y.b.id))
    });
    Report { candidates, blocking }
}

fn side(r: &Record) -> Side {
    Side { id: r.id, kind: r.schema.clone(), caption: r.caption.clone() }
}

/// Candidate pairs in the store within `scope`, best first.
pub fn candidates(store: &Store, scope: &Scope) -> Result<Report> {
    let kinds: Vec<&str> = match &scope.kind {
        Some(k) => {
            // A kind compares with its group ("Company" meets "Organization" records too).
            let g = group_of(k).to_owned();
            KINDS.iter().copied().filter(|s| group_of(s) == g || *s == k).collect()
        }
        None => KINDS.to_vec(),
    };
    let mut focus_ids: Option<HashSet<Uuid>> = scope.focus.clone();
    if let Some(case) = scope.case {
        let members = load::case_members(store, case)?;
        focus_ids = Some(match focus_ids {
            Some(f) => f.intersection(&members).copied().collect(),
            None => members,
        });
    }
    let records = load(store, &kinds)?;
    let focus: Option<Vec<bool>> =
        focus_ids.as_ref().map(|f| records.iter().map(|r| f.contains(&r.id)).collect());
    let min = scope.min_score.unwrap_or(DEFAULT_MIN_SCORE);
    let mut report = candidates_among(&records, focus.as_deref(), scope.cross, min);
    if let Some(k) = &scope.kind {
        report.candidates.retain(|c| c.a.kind == *k || c.b.kind == *k);
    }
    drop_judged(store, &mut report.candidates)?;
    if let Some(limit) = scope.limit {
        report.candidates.truncate(limit);
    }
    Ok(report)
}

/// Candidates that may be the same as one record, best first.
pub fn candidates_for(store: &Store, entity: Uuid) -> Result<Vec<Candidate>> {
    let scope = Scope { focus: Some(HashSet::from([entity])), ..Scope::default() };
    Ok(candidates(store, &scope)?.candidates)
}

/// Where pairs already judged `same`, `not-same` or `unsure` by an analyst (`liaison judge`)
/// leave the list: a judgement's id is fixed by its pair, so each candidate costs one index
/// lookup. Keep this the one place that filters, so the workbench's review queue and
/// `liaison duplicates` agree.
fn drop_judged(store: &Store, candidates: &mut Vec<Candidate>) -> Result<()> {
    let mut q = store.conn().prepare_cached("SELECT 1 FROM object WHERE uid = ?1 AND deleted = 0")?;
    let mut keep = Vec::with_capacity(candidates.len());
    for c in candidates.drain(..) {
        let id = crate::store::judgements::judgement_id(c.a.id, c.b.id);
        if !q.exists([id.as_bytes().as_slice()])? {
            keep.push(c);
        }
    }
    *candidates = keep;
    Ok(())
}
