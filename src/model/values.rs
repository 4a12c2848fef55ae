//! Validation and normalisation of property values by type.
//!
//! Normalised values are what the store keeps and what observable ids are derived from, so
//! that `+33 6 12 34 56 78` and `0033612345678` are one phone everywhere. Every function here
//! takes outside input: it never panics and bounds what it accepts.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use iban::IbanLike;
use isocountry::CountryCode;
use uuid::Uuid;

use super::schema::PropType;

/// Longest value accepted for any property (a long note fits; a pasted file does not).
pub const MAX_VALUE_LEN: usize = 16 * 1024;

/// Why a value was refused, phrased so that the message can name the input and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("is empty")]
    Empty,
    #[error("is longer than {MAX_VALUE_LEN} characters")]
    TooLong,
    #[error("is not a date: use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]")]
    Date,
    #[error("is {0}: a placeholder, not a date (leave it empty if the date is unknown)")]
    PlaceholderDate(&'static str),
    #[error("is not a {0}: it must be between -{1} and {1} degrees")]
    Coordinate(&'static str, u8),
    #[error("is not a phone number: give it in international form, e.g. +33 6 12 34 56 78{0}")]
    Phone(String),
    #[error("is not a valid IBAN ({0})")]
    Iban(String),
    #[error("is not an ISO 3166 country code: use two letters, e.g. FR, NL, EC")]
    Country,
    #[error("is not a number")]
    Number,
    #[error("is not an e-mail address")]
    Email,
    #[error("is not a vehicle plate: letters, digits, spaces and dashes only")]
    Plate,
    #[error("is not an entity id (a UUID)")]
    EntityRef,
    #[error("is not one of: {0}")]
    Choice(String),
    #[error("contains control characters")]
    Control,
}

/// What normalisation may assume about the user's surroundings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Locale {
    /// ISO country used for phone numbers written without an international prefix.
    pub default_country: Option<CountryCode>,
}

/// Checks and normalises one value of a property of type `kind`.
pub fn normalise(kind: PropType, raw: &str, locale: Locale) -> Result<String, ValueError> {
    if raw.len() > MAX_VALUE_LEN {
        return Err(ValueError::TooLong);
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValueError::Empty);
    }
    let allows_newlines = matches!(kind, PropType::Text);
    if trimmed.chars().any(|c| c.is_control() && !(allows_newlines && (c == '\n' || c == '\t'))) {
        return Err(ValueError::Control);
    }
    match kind {
        PropType::Name | PropType::Identifier | PropType::Crypto => Ok(collapse_spaces(trimmed)),
        PropType::Text | PropType::Url => Ok(trimmed.to_owned()),
        PropType::Date => normalise_date(trimmed),
        PropType::Phone => normalise_phone(trimmed, locale),
        PropType::Iban => normalise_iban(trimmed),
        PropType::Country => normalise_country(trimmed),
        PropType::Number => normalise_number(trimmed),
        PropType::Email => normalise_email(trimmed),
        PropType::Plate => normalise_plate(trimmed),
        PropType::Entity => {
            Uuid::parse_str(trimmed).map(|u| u.to_string()).map_err(|_| ValueError::EntityRef)
        }
    }
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the period from `from` to `to` (normalised dates) ends before it starts, compared on
/// the precision both have: from 2019-04-30 to 2019-04 is a valid period, from 2019-05 to
/// 2019-04-30 is not.
pub fn period_backwards(from: Option<&str>, to: Option<&str>) -> bool {
    let (Some(from), Some(to)) = (from, to) else { return false };
    let common = from.len().min(to.len());
    from.get(..common) > to.get(..common)
}

/// Dates keep their precision: "1984", "1984-03", "1984-03-07", or a time. A time with an
/// offset is converted to UTC; one without stays as written (the source's local time).
pub fn normalise_date(s: &str) -> Result<String, ValueError> {
    let date = normalise_date_form(s)?;
    plausible_date(&date)?;
    Ok(date)
}

/// Dates that are placeholders, not dates: after 2100 (5138-11-16 in a partner's feed), before
/// 1800, or the Unix epoch to the second (1970-01-01T00:00:00, what a zero timestamp prints
/// as). Refused on every
/// path in, so that no export carries them.
fn plausible_date(date: &str) -> Result<(), ValueError> {
    let year: i32 = date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    if year > 2100 {
        return Err(ValueError::PlaceholderDate("after 2100"));
    }
    if year < 1800 {
        return Err(ValueError::PlaceholderDate("before 1800"));
    }
    // The zero timestamp only: a day alone may be a real one (people are born on 1 January 1970).
    let epoch = date.strip_prefix("1970-01-01T").is_some_and(|t| t.trim_end_matches('Z') == "00:00:00");
    if epoch {
        return Err(ValueError::PlaceholderDate("1970-01-01, the Unix epoch"));
    }
    Ok(())
}

/// Values out of their property's range: a latitude beyond ±90, a longitude beyond ±180.
/// Checked by [`crate::model::validate`] for every path in (imports, the command line, the
/// workbench).
pub fn in_range(prop: &str, value: &str) -> Result<(), ValueError> {
    let limit = match prop {
        "latitude" => ("latitude", 90u8),
        "longitude" => ("longitude", 180u8),
        _ => return Ok(()),
    };
    match value.parse::<f64>() {
        Ok(n) if n.abs() <= f64::from(limit.1) => Ok(()),
        _ => Err(ValueError::Coordinate(limit.0, limit.1)),
    }
}

fn normalise_date_form(s: &str) -> Result<String, ValueError> {
    let s = s.replace(' ', "T");
    let valid = |d: Option<NaiveDate>| d.is_some_and(|d| (1000..=9999).contains(&d.year_ce().1));
    use chrono::Datelike;
    match s.len() {
        4 if s.bytes().all(|b| b.is_ascii_digit()) => {
            if valid(NaiveDate::from_ymd_opt(s.parse().map_err(|_| ValueError::Date)?, 1, 1)) {
                return Ok(s);
            }
        }
        7 => {
            if valid(NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()) {
                return Ok(s);
            }
        }
        10 => {
            if valid(NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()) {
                return Ok(s);
            }
        }
        _ => {
            if let Ok(dt) = DateTime::parse_from_rfc3339(&s) {
                let utc = dt.with_timezone(&Utc);
                if valid(Some(utc.date_naive())) {
                    return Ok(utc.to_rfc3339_opts(SecondsFormat::Secs, true));
                }
            }
            for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
                if let Ok(dt) = NaiveDateTime::parse_from_str(&s, fmt) {
                    if valid(Some(dt.date())) {
                        return Ok(dt.format("%Y-%m-%dT%H:%M:%S").to_string());
                    }
                }
            }
        }
    }
    Err(ValueError::Date)
}

fn normalise_phone(s: &str, locale: Locale) -> Result<String, ValueError> {
    // Writers often keep the national trunk zero after the country code: "+33 (0)6…".
    let cleaned = s.replace("(0)", "");
    let cleaned = cleaned.trim();
    let international =
        if let Some(rest) = cleaned.strip_prefix("00") { format!("+{rest}") } else { cleaned.to_owned() };
    let country = if international.starts_with('+') {
        None
    } else {
        let c = locale.default_country.ok_or_else(|| ValueError::Phone(String::new()))?;
        Some(c.alpha2().parse::<phonenumber::country::Id>().map_err(|_| ValueError::Phone(String::new()))?)
    };
    let number = phonenumber::parse(country, &international).map_err(|_| ValueError::Phone(String::new()))?;
    if !number.is_valid() {
        return Err(ValueError::Phone(" (no such number in its country's plan)".into()));
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

fn normalise_iban(s: &str) -> Result<String, ValueError> {
    match s.to_ascii_uppercase().parse::<iban::Iban>() {
        Ok(i) => Ok(i.electronic_str().to_owned()),
        Err(iban::ParseIbanError::InvalidBaseIban { source }) => Err(ValueError::Iban(match source {
            iban::ParseBaseIbanError::InvalidChecksum => "checksum does not match".into(),
            iban::ParseBaseIbanError::InvalidFormat => {
                "two letters, two check digits, then up to 30 letters or digits".into()
            }
        })),
        Err(_) => Err(ValueError::Iban("wrong length or layout for its country".into())),
    }
}

fn normalise_country(s: &str) -> Result<String, ValueError> {
    let code = match s.len() {
        2 => CountryCode::for_alpha2_caseless(s),
        3 => CountryCode::for_alpha3_caseless(s),
        _ => return Err(ValueError::Country),
    };
    code.map(|c| c.alpha2().to_ascii_lowercase()).map_err(|_| ValueError::Country)
}

fn normalise_number(s: &str) -> Result<String, ValueError> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace() && *c != '_').collect();
    let n: f64 = compact.parse().map_err(|_| ValueError::Number)?;
    if !n.is_finite() {
        return Err(ValueError::Number);
    }
    // Integers print without a fraction; other numbers in Rust's shortest round-trip form.
    if n.fract() == 0.0 && n.abs() < 1e15 { Ok(format!("{}", n as i64)) } else { Ok(format!("{n}")) }
}

fn normalise_email(s: &str) -> Result<String, ValueError> {
    let lower = s.to_lowercase();
    let (local, domain) = lower.split_once('@').ok_or(ValueError::Email)?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !lower.chars().any(char::is_whitespace)
        && !domain.contains('@');
    if ok { Ok(lower) } else { Err(ValueError::Email) }
}

fn normalise_plate(s: &str) -> Result<String, ValueError> {
    if !s.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '.') {
        return Err(ValueError::Plate);
    }
    let plate: String = s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect();
    if plate.is_empty() || plate.chars().count() > 16 {
        return Err(ValueError::Plate);
    }
    Ok(plate)
}

/// The country of an office, parsed for use as a [`Locale`].
pub fn country_code(s: &str) -> Option<CountryCode> {
    CountryCode::for_alpha2_caseless(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_backwards_only_on_the_precision_both_dates_have() {
        assert!(period_backwards(Some("2021-05"), Some("2021-04-30")));
        assert!(!period_backwards(Some("2021-04-30"), Some("2021-04")), "within the same month");
        assert!(!period_backwards(Some("2021"), Some("2021-12-31")));
        assert!(!period_backwards(None, Some("2021")));
    }

    fn fr() -> Locale {
        Locale { default_country: country_code("FR") }
    }

    #[test]
    fn phones_in_every_usual_spelling_normalise_to_one_e164_number() {
        for raw in ["+33 6 12 34 56 78", "0033612345678", "+33 (0)6 12 34 56 78", "06.12.34.56.78"] {
            assert_eq!(normalise(PropType::Phone, raw, fr()).unwrap(), "+33612345678", "{raw}");
        }
        assert_eq!(
            normalise(PropType::Phone, "+593 99 123 4567", Locale::default()).unwrap(),
            "+593991234567"
        );
    }

    #[test]
    fn national_phone_without_a_default_country_asks_for_the_international_form() {
        let err = normalise(PropType::Phone, "0612345678", Locale::default()).unwrap_err();
        assert!(err.to_string().contains("+33"), "{err}");
        assert!(normalise(PropType::Phone, "hello", fr()).is_err());
        assert!(normalise(PropType::Phone, "+33 1", fr()).is_err());
    }

    #[test]
    fn iban_checksum_is_verified() {
        assert_eq!(
            normalise(PropType::Iban, "fr76 3000 6000 0112 3456 7890 189", fr()).unwrap(),
            "FR7630006000011234567890189"
        );
        let err = normalise(PropType::Iban, "FR7630006000011234567890188", fr()).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
        assert!(normalise(PropType::Iban, "NL91ABNA0417164300", fr()).is_ok());
    }

    #[test]
    fn dates_keep_their_precision_and_reject_impossible_days() {
        let d = |s| normalise(PropType::Date, s, fr());
        assert_eq!(d("1984").unwrap(), "1984");
        assert_eq!(d("1984-03").unwrap(), "1984-03");
        assert_eq!(d("1984-03-07").unwrap(), "1984-03-07");
        assert_eq!(d("2024-05-01 14:03").unwrap(), "2024-05-01T14:03:00");
        assert_eq!(d("2024-05-01T14:03:00+02:00").unwrap(), "2024-05-01T12:03:00Z");
        for bad in ["2024-02-30", "31/02/2024", "1984-13", "yesterday", "0999", "2024-5-1"] {
            assert_eq!(d(bad), Err(ValueError::Date), "{bad}");
        }
    }

    #[test]
    fn placeholder_dates_and_coordinates_off_the_globe_are_refused_with_the_reason() {
        let d = |s| normalise(PropType::Date, s, fr());
        for (bad, why) in [
            ("5138-11-16", "after 2100"),
            ("1970-01-01T00:00:00Z", "Unix epoch"),
            ("1799-12-31", "before 1800"),
        ] {
            let err = d(bad).unwrap_err().to_string();
            assert!(err.contains(why) && err.contains("placeholder"), "{bad}: {err}");
        }
        assert_eq!(d("1970-01-01").unwrap(), "1970-01-01", "a day alone may be a birthday");
        assert_eq!(d("1970-01-01T00:00:01Z").unwrap(), "1970-01-01T00:00:01Z");
        assert_eq!(d("2100-12-31").unwrap(), "2100-12-31");
        assert!(in_range("latitude", "121").unwrap_err().to_string().contains("between -90 and 90"));
        assert!(in_range("longitude", "-180.5").is_err());
        assert!(in_range("latitude", "-90").is_ok() && in_range("longitude", "179.9").is_ok());
        assert!(in_range("name", "121").is_ok());
    }

    #[test]
    fn countries_plates_emails_numbers() {
        assert_eq!(normalise(PropType::Country, "ECU", fr()).unwrap(), "ec");
        assert_eq!(normalise(PropType::Country, "nl", fr()).unwrap(), "nl");
        assert!(normalise(PropType::Country, "XX", fr()).is_err());
        assert_eq!(normalise(PropType::Plate, "ab-123-cd", fr()).unwrap(), "AB123CD");
        assert!(normalise(PropType::Plate, "AB/123", fr()).is_err());
        assert_eq!(normalise(PropType::Email, "J.Doe@Example.ORG", fr()).unwrap(), "j.doe@example.org");
        assert!(normalise(PropType::Email, "nobody", fr()).is_err());
        assert_eq!(normalise(PropType::Number, "1 500", fr()).unwrap(), "1500");
        assert_eq!(normalise(PropType::Number, "12.50", fr()).unwrap(), "12.5");
        assert!(normalise(PropType::Number, "NaN", fr()).is_err());
    }

    #[test]
    fn hostile_values_are_refused_without_panicking() {
        assert_eq!(normalise(PropType::Name, &"x".repeat(MAX_VALUE_LEN + 1), fr()), Err(ValueError::TooLong));
        assert_eq!(normalise(PropType::Name, "   ", fr()), Err(ValueError::Empty));
        assert_eq!(normalise(PropType::Name, "a\u{1b}[2J", fr()), Err(ValueError::Control));
        assert_eq!(normalise(PropType::Name, "  Jean   Dupont ", fr()).unwrap(), "Jean Dupont");
    }
}
