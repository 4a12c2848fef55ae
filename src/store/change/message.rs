//! The sentence [`super::Applied`] carries: what a change did, in the analyst's words. Kinds
//! and properties are named by the schema's labels ("Other link saved.", "phone"), never by
//! their internal names (`UnknownLink`, `birthDate`), and records by their captions.

use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::model::schema::{Category, Kind, Schema};
use crate::model::validate;
use crate::model::values::Locale;
use crate::store::{Result, Txn};

/// Longest value quoted in a message: a note or a summary is named, not recited.
const QUOTED_CHARS: usize = 40;

/// "Person saved.", "Associate link saved.", "Other link saved.", "Joint operation saved.".
pub fn saved(schema: &str) -> String {
    match Schema::builtin().kind(schema) {
        Ok(kind) => saved_kind(kind),
        // A kind this Liaison does not know cannot be written; said generically all the same.
        Err(_) => "Record saved.".to_owned(),
    }
}

fn saved_kind(kind: &Kind) -> String {
    let label = &kind.label;
    let says_link = label.rsplit(' ').next().is_some_and(|w| w.eq_ignore_ascii_case("link"));
    if kind.category == Category::Link && !says_link {
        format!("{label} link saved.")
    } else {
        format!("{label} saved.")
    }
}

/// A property's label as it reads inside a sentence: "birth date", but "IBAN" kept.
pub fn prop_label(kind: &Kind, prop: &str) -> String {
    let Some(p) = kind.properties.get(prop) else { return prop.to_owned() };
    let mut chars = p.label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(p.label.chars().skip(1)).collect()
        }
        _ => p.label.clone(),
    }
}

/// A value cut to a length a one-line message can carry.
fn quoted(value: &str) -> String {
    let one_line = value.lines().next().unwrap_or_default();
    if one_line.chars().count() > QUOTED_CHARS || one_line.len() < value.trim_end().len() {
        let cut: String = one_line.chars().take(QUOTED_CHARS).collect();
        format!("{}…", cut.trim_end())
    } else {
        one_line.to_owned()
    }
}

/// What a record is called now: its caption, else its kind's label.
pub fn caption(tx: &Txn<'_>, id: Uuid) -> Result<String> {
    let row: Option<(String, String)> = tx
        .conn()
        .prepare_cached("SELECT caption, schema FROM object WHERE uid = ?1")?
        .query_row([id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        Some((caption, _)) if !caption.trim().is_empty() => caption,
        Some((_, schema)) => Schema::builtin().kind(&schema).map_or(schema, |k| k.label.clone()),
        None => id.to_string(),
    })
}

/// One live value of `prop` on `id` (before a change replaces it).
pub fn current(tx: &Txn<'_>, id: Uuid, prop: &str) -> Result<Option<String>> {
    Ok(tx
        .conn()
        .prepare_cached(
            "SELECT s.value FROM stmt s JOIN object o ON o.n = s.obj
             WHERE o.uid = ?1 AND s.prop = ?2 AND s.live = 1 ORDER BY s.hlc DESC LIMIT 1",
        )?
        .query_row(rusqlite::params![id.as_bytes(), prop], |r| r.get(0))
        .optional()?)
}

/// "Karim BENALI: phone +33611000000 added, birth date set to 1985-03-02." `name` is the
/// record's caption before the change; a single-valued property is "set", others "added".
pub fn values_set(name: &str, kind: Option<&Kind>, props: &[(String, String)], locale: Locale) -> String {
    let parts: Vec<String> = props
        .iter()
        .map(|(prop, raw)| {
            let Some(kind) = kind else { return format!("{prop} {} added", quoted(raw)) };
            // Shown as stored (a phone in international form), the way `entity show` lists it.
            let value = validate(kind, prop, raw, locale).unwrap_or_else(|_| raw.clone());
            let label = prop_label(kind, prop);
            if kind.properties.get(prop).is_some_and(|p| p.single) {
                format!("{label} set to {}", quoted(&value))
            } else {
                format!("{label} {} added", quoted(&value))
            }
        })
        .collect();
    if parts.is_empty() {
        format!("{name}: nothing to change.")
    } else {
        format!("{name}: {}.", parts.join(", "))
    }
}

/// "Case OP-12 is now closed (was open)."
pub fn status_changed(reference: &str, was: Option<&str>, now: &str) -> String {
    match was {
        Some(was) if was.eq_ignore_ascii_case(now) => format!("Case {reference} is {now} (it already was)."),
        Some(was) => format!("Case {reference} is now {now} (was {was})."),
        None => format!("Case {reference} is now {now}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No kind's internal name reaches the analyst where its label differs, and every link is
    /// said to be a link exactly once.
    #[test]
    fn every_kind_is_saved_under_its_label() {
        for kind in Schema::builtin().kinds().filter(|k| k.category != Category::Abstract) {
            let message = saved(&kind.name);
            assert!(message.starts_with(&kind.label), "{}: {message}", kind.name);
            if kind.name != kind.label {
                assert!(!message.contains(&kind.name), "{}: {message}", kind.name);
            }
            if kind.category == Category::Link {
                assert_eq!(message.matches("link").count() + message.matches("Link").count(), 1, "{message}");
            }
        }
        assert_eq!(saved("UnknownLink"), "Other link saved.");
        assert_eq!(saved("Associate"), "Associate link saved.");
        assert_eq!(saved("Operation"), "Joint operation saved.");
    }

    #[test]
    fn long_values_are_named_not_recited() {
        assert_eq!(quoted("+33611000000"), "+33611000000");
        assert_eq!(quoted("first line\nsecond"), "first line…");
        assert_eq!(quoted(&"x".repeat(50)), format!("{}…", "x".repeat(40)));
    }
}
