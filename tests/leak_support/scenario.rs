//! Random small stores for the leak property test: what each office writes, shares and
//! revokes. A scenario is an intent: the runner skips what an office cannot do (a value on a
//! record it never received, a case it does not hold), so every shrunk scenario still runs.

use std::fmt;

use proptest::prelude::*;

/// The three offices of every scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Office {
    Paris,
    Lyon,
    DenHaag,
}

impl Office {
    pub const ALL: [Office; 3] = [Office::Paris, Office::Lyon, Office::DenHaag];

    pub fn name(self) -> &'static str {
        match self {
            Office::Paris => "Paris",
            Office::Lyon => "Lyon",
            Office::DenHaag => "Den Haag",
        }
    }

    pub fn agency(self) -> &'static str {
        match self {
            Office::Paris => "DGSI",
            Office::Lyon => "PJ",
            Office::DenHaag => "Europol",
        }
    }

    pub fn country(self) -> &'static str {
        match self {
            Office::Paris | Office::Lyon => "FR",
            Office::DenHaag => "NL",
        }
    }

    /// One letter for the values and references it writes ("Name P0003", case "P-1").
    pub fn tag(self) -> char {
        match self {
            Office::Paris => 'P',
            Office::Lyon => 'L',
            Office::DenHaag => 'D',
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn by_name(name: &str) -> Option<Office> {
        Office::ALL.into_iter().find(|o| o.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

/// A marking as an analyst types it: a TLP level, or only codes ("FR-DR"), or both.
#[derive(Clone, PartialEq, Eq)]
pub struct MarkingSpec {
    pub tlp: Option<Tlp>,
    pub h2: bool,
    pub fr_dr: bool,
}

impl MarkingSpec {
    pub fn text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if let Some(t) = self.tlp {
            parts.push(match t {
                Tlp::Clear => "TLP:CLEAR",
                Tlp::Green => "TLP:GREEN",
                Tlp::Amber => "TLP:AMBER",
                Tlp::AmberStrict => "TLP:AMBER+STRICT",
                Tlp::Red => "TLP:RED",
            });
        }
        if self.h2 {
            parts.push("H2");
        }
        if self.fr_dr {
            parts.push("FR-DR");
        }
        parts.join(" ")
    }
}

impl fmt::Debug for MarkingSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.text())
    }
}

#[derive(Debug, Clone)]
pub struct CaseSpec {
    pub author: Office,
    pub marking: MarkingSpec,
    /// Shares made once the case is held: Paris→Lyon, Paris→Den Haag, Lyon→Den Haag,
    /// Lyon→Paris.
    pub shares: [bool; 4],
}

/// Who shares with whom, in the order of [`CaseSpec::shares`].
pub const SHARES: [(Office, Office); 4] = [
    (Office::Paris, Office::Lyon),
    (Office::Paris, Office::DenHaag),
    (Office::Lyon, Office::DenHaag),
    (Office::Lyon, Office::Paris),
];

/// One value; `case` and entity indexes are taken modulo the number of cases/entities.
#[derive(Debug, Clone)]
pub struct ValueSpec {
    pub author: Office,
    pub marking: Option<MarkingSpec>,
    pub case: Option<u8>,
    pub sourced: bool,
}

#[derive(Debug, Clone)]
pub struct EntitySpec {
    pub author: Office,
    /// Cases its author puts it in.
    pub cases: Vec<u8>,
    /// The first is written by the entity's author when it creates the entity.
    pub values: Vec<ValueSpec>,
}

#[derive(Debug, Clone)]
pub struct LinkSpec {
    pub author: Office,
    pub from: u8,
    pub to: u8,
    pub case: Option<u8>,
    pub marking: Option<MarkingSpec>,
    /// With a summary value, or with no property at all.
    pub summary: bool,
}

#[derive(Debug, Clone)]
pub struct NoteSpec {
    pub author: Office,
    pub case: u8,
    pub marking: Option<MarkingSpec>,
}

/// An entity put in a case by an office (possibly not the entity's author).
#[derive(Debug, Clone)]
pub struct MemberSpec {
    pub author: Office,
    pub case: u8,
    pub entity: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    None,
    /// Before its first export: Lyon may still relay Paris's values to Den Haag.
    ParisRevokesDenHaag,
    ParisRevokesLyon,
    /// Before Lyon's exports.
    LyonRevokesDenHaag,
}

impl Revocation {
    /// (who revokes, whom)
    pub fn pair(self) -> Option<(Office, Office)> {
        match self {
            Revocation::None => None,
            Revocation::ParisRevokesDenHaag => Some((Office::Paris, Office::DenHaag)),
            Revocation::ParisRevokesLyon => Some((Office::Paris, Office::Lyon)),
            Revocation::LyonRevokesDenHaag => Some((Office::Lyon, Office::DenHaag)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub cases: Vec<CaseSpec>,
    pub entities: Vec<EntitySpec>,
    pub links: Vec<LinkSpec>,
    pub notes: Vec<NoteSpec>,
    pub members: Vec<MemberSpec>,
    /// Paris also sends to Den Haag directly (before Lyon relays).
    pub paris_to_den_haag: bool,
    pub revocation: Revocation,
}

fn author() -> impl Strategy<Value = Office> {
    prop_oneof![3 => Just(Office::Paris), 2 => Just(Office::Lyon)]
}

fn tlp() -> impl Strategy<Value = Tlp> {
    prop_oneof![
        1 => Just(Tlp::Clear),
        1 => Just(Tlp::Green),
        2 => Just(Tlp::Amber),
        1 => Just(Tlp::AmberStrict),
        2 => Just(Tlp::Red),
    ]
}

pub fn marking() -> impl Strategy<Value = MarkingSpec> {
    (proptest::option::weighted(0.85, tlp()), proptest::bool::weighted(0.2), proptest::bool::weighted(0.2))
        .prop_map(|(tlp, h2, fr_dr)| MarkingSpec { tlp, h2, fr_dr: fr_dr || (tlp.is_none() && !h2) })
}

fn explicit_marking() -> impl Strategy<Value = Option<MarkingSpec>> {
    proptest::option::weighted(0.6, marking())
}

fn index() -> impl Strategy<Value = u8> {
    0u8..4
}

fn value() -> impl Strategy<Value = ValueSpec> {
    (author(), explicit_marking(), proptest::option::weighted(0.6, index()), proptest::bool::weighted(0.3))
        .prop_map(|(author, marking, case, sourced)| ValueSpec { author, marking, case, sourced })
}

pub fn scenario() -> impl Strategy<Value = Scenario> {
    let case = (author(), marking(), proptest::array::uniform4(proptest::bool::weighted(0.6)))
        .prop_map(|(author, marking, shares)| CaseSpec { author, marking, shares });
    let entity =
        (author(), proptest::collection::vec(index(), 0..3), proptest::collection::vec(value(), 1..4))
            .prop_map(|(author, cases, values)| EntitySpec { author, cases, values });
    let link = (
        author(),
        index(),
        index(),
        proptest::option::weighted(0.6, index()),
        explicit_marking(),
        any::<bool>(),
    )
        .prop_map(|(author, from, to, case, marking, summary)| LinkSpec {
            author,
            from,
            to,
            case,
            marking,
            summary,
        });
    let note = (author(), index(), explicit_marking()).prop_map(|(author, case, marking)| NoteSpec {
        author,
        case,
        marking,
    });
    let member =
        (author(), index(), index()).prop_map(|(author, case, entity)| MemberSpec { author, case, entity });
    let revocation = prop_oneof![
        3 => Just(Revocation::None),
        2 => Just(Revocation::ParisRevokesDenHaag),
        1 => Just(Revocation::ParisRevokesLyon),
        1 => Just(Revocation::LyonRevokesDenHaag),
    ];
    (
        proptest::collection::vec(case, 1..4),
        proptest::collection::vec(entity, 1..5),
        proptest::collection::vec(link, 0..3),
        proptest::collection::vec(note, 0..2),
        proptest::collection::vec(member, 0..3),
        any::<bool>(),
        revocation,
    )
        .prop_map(|(cases, entities, links, notes, members, paris_to_den_haag, revocation)| Scenario {
            cases,
            entities,
            links,
            notes,
            members,
            paris_to_den_haag,
            revocation,
        })
}
