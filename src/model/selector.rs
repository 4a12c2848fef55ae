//! Selectors: the values by which offices find the same target — phones, IBANs, plates,
//! e-mails, document numbers, wallets and person keys — normalised with the store's own rules
//! so the same phone typed two ways is one selector. Deconfliction compares them blind
//! (`exchange::psi`); watchlists match them against what is written.

use serde::{Deserialize, Serialize};

use super::schema::PropType;
use super::values::{Locale, ValueError, normalise};

/// What a selector is: two offices compare like with like only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SelectorKind {
    Phone,
    Iban,
    Plate,
    Email,
    /// Passport, identity card or other document number.
    Document,
    /// A crypto-currency address.
    Wallet,
    /// A person key: name folded and sorted + date of birth.
    Person,
}

impl SelectorKind {
    /// The byte that stands for the kind in what is hashed (`docs/deconfliction.md` §2).
    pub fn tag(self) -> u8 {
        match self {
            SelectorKind::Phone => 1,
            SelectorKind::Iban => 2,
            SelectorKind::Plate => 3,
            SelectorKind::Email => 4,
            SelectorKind::Document => 5,
            SelectorKind::Wallet => 6,
            SelectorKind::Person => 7,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SelectorKind::Phone => "phone",
            SelectorKind::Iban => "IBAN",
            SelectorKind::Plate => "plate",
            SelectorKind::Email => "e-mail",
            SelectorKind::Document => "document number",
            SelectorKind::Wallet => "wallet",
            SelectorKind::Person => "person",
        }
    }
}

/// One normalised selector: the same phone typed two ways by two offices is one selector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Selector {
    pub kind: SelectorKind,
    pub value: String,
}

impl Selector {
    /// Normalises `raw` as a selector of `kind` with the store's own value rules, so a
    /// selector matches what the store holds. Person keys are built by [`Selector::person`].
    pub fn new(kind: SelectorKind, raw: &str, locale: Locale) -> Result<Selector, ValueError> {
        let value = match kind {
            SelectorKind::Phone => normalise(PropType::Phone, raw, locale)?,
            SelectorKind::Iban => normalise(PropType::Iban, raw, locale)?,
            SelectorKind::Plate => normalise(PropType::Plate, raw, locale)?,
            SelectorKind::Email => normalise(PropType::Email, raw, locale)?,
            // Document numbers and wallets are compared without spaces, dashes or case:
            // "AB 123-456" on a scan and "ab123456" in a database are one passport.
            SelectorKind::Document | SelectorKind::Wallet => {
                let compact = normalise(PropType::Identifier, raw, locale)?;
                let compact: String =
                    compact.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect();
                if compact.is_empty() {
                    return Err(ValueError::Empty);
                }
                compact
            }
            SelectorKind::Person => return Err(ValueError::Empty),
        };
        Ok(Selector { kind, value })
    }

    /// A person key: the name's words folded to lower case and sorted (so "BENALI Karim" is
    /// "Karim Benali"), then the date of birth as the store holds it.
    pub fn person(name: &str, birth_date: &str) -> Result<Selector, ValueError> {
        let name = normalise(PropType::Name, name, Locale::default())?;
        let birth = crate::model::values::normalise_date(birth_date)?;
        let mut words: Vec<String> = name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        if words.is_empty() {
            return Err(ValueError::Empty);
        }
        words.sort();
        Ok(Selector { kind: SelectorKind::Person, value: format!("{}|{birth}", words.join(" ")) })
    }
}

/// The selector kind of a property's values, if its values are selectors: by type, and for
/// identifiers by name (a company registration number is not a target's document).
pub fn kind_of_property(kind: &str, prop: &str, prop_type: PropType) -> Option<SelectorKind> {
    match prop_type {
        PropType::Phone => Some(SelectorKind::Phone),
        PropType::Iban => Some(SelectorKind::Iban),
        PropType::Plate => Some(SelectorKind::Plate),
        PropType::Email => Some(SelectorKind::Email),
        PropType::Crypto => Some(SelectorKind::Wallet),
        PropType::Identifier
            if matches!(prop, "passportNumber" | "idNumber" | "taxNumber")
                || (kind == "Passport" && prop == "number") =>
        {
            Some(SelectorKind::Document)
        }
        _ => None,
    }
}

impl SelectorKind {
    pub const ALL: [SelectorKind; 7] = [
        SelectorKind::Phone,
        SelectorKind::Iban,
        SelectorKind::Plate,
        SelectorKind::Email,
        SelectorKind::Document,
        SelectorKind::Wallet,
        SelectorKind::Person,
    ];

    /// The kind's name in JSON and on the command line (`phone`, `iban`…).
    pub fn name(self) -> &'static str {
        match self {
            SelectorKind::Phone => "phone",
            SelectorKind::Iban => "iban",
            SelectorKind::Plate => "plate",
            SelectorKind::Email => "email",
            SelectorKind::Document => "document",
            SelectorKind::Wallet => "wallet",
            SelectorKind::Person => "person",
        }
    }

    pub fn from_name(name: &str) -> Option<SelectorKind> {
        SelectorKind::ALL.into_iter().find(|k| k.name() == name)
    }
}
