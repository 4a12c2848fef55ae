//! The release rules written from DESIGN §5b and issue 9, independently of
//! `src/exchange/release.rs`: which statements, records, links and memberships an office may
//! receive from a relaying office, and the leaks a hop produced.
//!
//! A value of author A with marking m (as A stored it), recorded under case k (or, with no
//! case, under its record's case), reaches office C via relay R only if:
//! - A has not revoked C (R's own revocations stop the export itself);
//! - TLP:CLEAR and GREEN: always;
//! - TLP:AMBER: k shared with C by R and, if A is not R, by A (A named C on k); a value of
//!   no case travels with its record;
//! - TLP:AMBER+STRICT: as AMBER, and C belongs to A's agency;
//! - TLP:RED: as AMBER, and never when k is "no case";
//! - H2, H3: only from A itself (back to A is A's own);
//! - a national code that does not go abroad (FR-DR): only to offices of its country.
//!
//! A source's own statements (its name) reach C with any value citing it that C received:
//! whoever may have a value may know who vouches for it.
//!
//! A record (note, case, source…) reaches C only if at least one of its statements does; a
//! link only with both its ends; a membership only with both ends and its case shared with
//! C by R; and nothing created only by offices that revoked C, unless another office's own
//! statement about it reached C.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::holdings::{Facts, Holdings};
use super::scenario::Office;

/// Offices that keep FR-DR within France, and the like (`foreign = false`).
const NATIONAL: [(&str, &str); 3] = [("FR-DR", "FR"), ("FR-SD", "FR"), ("NL-DEP", "NL")];

fn reference(facts: &[Facts; 3], case: Uuid) -> String {
    facts.iter().find_map(|f| f.references.get(&case).cloned()).unwrap_or_else(|| case.to_string())
}

/// Ok if a value of `author` with `marking`, recorded under `case`, may reach `to` from
/// `relay`; else the rule that forbids it.
pub fn entitled(
    facts: &[Facts; 3],
    author: Office,
    relay: Office,
    to: Office,
    marking: &str,
    case: Option<Uuid>,
) -> Result<(), String> {
    if author == to {
        return Ok(());
    }
    let (a, r) = (&facts[author.index()], &facts[relay.index()]);
    if a.revoked(to) {
        return Err(format!("{} revoked {}", author.name(), to.name()));
    }
    let named = |label: &str| -> Result<(), String> {
        let Some(k) = case else { return Ok(()) };
        if !r.shares_with(k, to) {
            return Err(format!(
                "{label}: {} does not share case {} with {}",
                relay.name(),
                reference(facts, k),
                to.name()
            ));
        }
        if author != relay && !a.shares_with(k, to) {
            return Err(format!(
                "{label}: {} (the originator) never named {} on case {}",
                author.name(),
                to.name(),
                reference(facts, k)
            ));
        }
        Ok(())
    };
    for token in marking.split_whitespace() {
        match token {
            "TLP:CLEAR" | "TLP:GREEN" | "H0" | "H1" => {}
            "TLP:AMBER" => named(token)?,
            "TLP:AMBER+STRICT" => {
                named(token)?;
                if author.agency() != to.agency() {
                    return Err(format!(
                        "{token}: only within {} ({} is {})",
                        author.agency(),
                        to.name(),
                        to.agency()
                    ));
                }
            }
            "TLP:RED" => {
                if case.is_none() {
                    return Err(format!("{token} recorded under no case goes to no one"));
                }
                named(token)?;
            }
            "H2" | "H3" => {
                if relay != author {
                    return Err(format!(
                        "{token}: no onward dissemination by {} without {}'s consent",
                        relay.name(),
                        author.name()
                    ));
                }
            }
            code => match NATIONAL.iter().find(|(c, _)| *c == code) {
                Some((_, country)) if *country != to.country() => {
                    return Err(format!("{code} stays in {country}; {} is {}", to.name(), to.country()));
                }
                Some(_) => {}
                None => {
                    return Err(format!("unknown marking part {code:?}: nothing may assume it releasable"));
                }
            },
        }
    }
    Ok(())
}

fn office_of(facts: &[Facts; 3], device: liaison::model::ids::DeviceId) -> Option<Office> {
    facts.iter().find(|f| f.device == device).map(|f| f.office)
}

/// Whether `record` reached `to`, as `after` shows: created there, with a statement.
fn reached(after: &Holdings, counts: &std::collections::HashMap<Uuid, usize>, record: Option<Uuid>) -> bool {
    record.is_some_and(|r| after.has(r) && counts.get(&r).copied().unwrap_or(0) > 0)
}

/// Every leak of one hop: `relay` exported a bundle that `to` imported, turning `before`
/// into `after`. `facts` are the three offices as they stood when the bundle was made.
pub fn leaks_of_hop(
    facts: &[Facts; 3],
    relay: Office,
    to: Office,
    before: &Holdings,
    after: &Holdings,
) -> Vec<String> {
    let hop = format!("{} received from {}", to.name(), relay.name());
    let mut leaks = Vec::new();
    for (key, row) in &after.stmts {
        if before.stmts.contains_key(key) {
            continue;
        }
        let Some(author) = office_of(facts, row.origin) else {
            leaks.push(format!(
                "{hop}: {} · {} = {:?} from an unknown device",
                describe(facts, after, key.record),
                key.prop,
                key.value
            ));
            continue;
        };
        if author == to {
            continue;
        }
        let a = &facts[author.index()];
        let Some(at_author) = a.holdings.stmts.get(key) else {
            leaks.push(format!(
                "{hop}: {} · {} = {:?}, which {} (its author) does not hold",
                describe(facts, after, key.record),
                key.prop,
                key.value,
                author.name()
            ));
            continue;
        };
        let is_source = after.records.get(&key.record).is_some_and(|r| r.schema == "Source");
        if is_source && after.stmts.keys().any(|k| k.source == Some(key.record) && k.record != key.record) {
            continue;
        }
        let case = at_author.case.or_else(|| a.holdings.record_case(key.record));
        if let Err(why) = entitled(facts, author, relay, to, &at_author.marking, case) {
            leaks.push(format!(
                "{hop}{}: value {} · {} = {:?} [{}, case {}]: {why}",
                if author == relay { String::new() } else { format!(" (written by {})", author.name()) },
                describe(facts, after, key.record),
                key.prop,
                key.value,
                at_author.marking,
                case.map_or("none".to_owned(), |k| reference(facts, k))
            ));
        }
    }
    let counts = after.stmt_counts();
    for (uid, rec) in &after.records {
        if rec.schema.is_empty() || before.has(*uid) {
            continue;
        }
        let what = describe(facts, after, *uid);
        let creators: BTreeSet<Office> =
            facts.iter().filter(|f| f.office != to && f.created.contains(uid)).map(|f| f.office).collect();
        // Another office's own statement about the record may go (each statement is checked
        // above): it tells of the record's existence in that office's name.
        let vouched_by_another = after.stmts.iter().any(|(k, row)| {
            k.record == *uid
                && !before.stmts.contains_key(k)
                && office_of(facts, row.origin).is_some_and(|o| !creators.contains(&o))
        });
        if !creators.is_empty()
            && !vouched_by_another
            && creators.iter().all(|c| facts[c.index()].revoked(to))
        {
            leaks.push(format!("{hop}: {what}, created by {creators:?}, which revoked {}", to.name()));
        }
        if rec.schema == "CaseMember" {
            if !reached(after, &counts, rec.src) || !reached(after, &counts, rec.dst) {
                leaks.push(format!(
                    "{hop}: membership of {} in {} without both of them",
                    rec.dst.map_or_else(String::new, |r| describe(facts, after, r)),
                    rec.src.map_or_else(String::new, |r| describe(facts, after, r))
                ));
            } else if !rec.src.is_some_and(|k| facts[relay.index()].shares_with(k, to)) {
                leaks.push(format!(
                    "{hop}: membership of {} in case {}, which {} does not share with it",
                    rec.dst.map_or_else(String::new, |r| describe(facts, after, r)),
                    rec.src.map_or(String::new(), |k| reference(facts, k)),
                    relay.name()
                ));
            }
            continue;
        }
        if counts.get(uid).copied().unwrap_or(0) == 0 {
            leaks.push(format!("{hop}: bare {what}, with no statement it may receive"));
        }
        let is_link = rec.src.is_some() && rec.dst.is_some();
        if is_link && (!reached(after, &counts, rec.src) || !reached(after, &counts, rec.dst)) {
            leaks.push(format!(
                "{hop}: {what} between {} and {}, without both ends",
                rec.src.map_or_else(String::new, |r| describe(facts, after, r)),
                rec.dst.map_or_else(String::new, |r| describe(facts, after, r))
            ));
        }
    }
    leaks
}

/// A record as its creator shows it (the recipient may hold it without the values that
/// make its caption).
fn describe(facts: &[Facts; 3], after: &Holdings, record: Uuid) -> String {
    facts
        .iter()
        .find(|f| f.created.contains(&record))
        .map_or_else(|| after.label(record), |f| f.holdings.label(record))
}

/// What a file written by `from` for `to` must not contain: every value text `from` holds
/// that `to` may not receive, and the ids of records none of whose statements it may.
pub fn forbidden_in_file(facts: &[Facts; 3], from: Office, to: Office) -> Vec<(String, String)> {
    let f = &facts[from.index()];
    let mut allowed_records = BTreeSet::new();
    let mut forbidden = Vec::new();
    for (key, row) in &f.holdings.stmts {
        let Some(author) = office_of(facts, row.origin) else { continue };
        let a = &facts[author.index()];
        let stored = a.holdings.stmts.get(key).unwrap_or(row);
        let case = stored.case.or_else(|| a.holdings.record_case(key.record));
        match entitled(facts, author, from, to, &stored.marking, case) {
            Ok(()) => {
                allowed_records.insert(key.record);
            }
            // A link's end statement holds its end's id: the id may be in the file because the
            // end itself is written; whether the end may be is the record rule below.
            Err(_) if Uuid::parse_str(&key.value).is_ok_and(|u| f.holdings.records.contains_key(&u)) => {}
            Err(why) => forbidden
                .push((key.value.clone(), format!("{} · {}: {why}", f.holdings.label(key.record), key.prop))),
        }
    }
    for (uid, rec) in &f.holdings.records {
        if !rec.schema.is_empty() && rec.schema != "CaseMember" && !allowed_records.contains(uid) {
            forbidden.push((
                uid.to_string(),
                format!("{}: no statement {} may receive", f.holdings.label(*uid), to.name()),
            ));
        }
    }
    forbidden
}

/// The leaks in a file exported by `from` "for `to`" (the hook for format exports): each
/// forbidden value text or record id found in it.
pub fn leaks_in_file(facts: &[Facts; 3], from: Office, to: Office, format: &str, text: &str) -> Vec<String> {
    forbidden_in_file(facts, from, to)
        .into_iter()
        .filter(|(needle, _)| is_distinctive(needle) && text.contains(needle.as_str()))
        .map(|(needle, why)| {
            format!(
                "export --format {format} --for {} by {} wrote {needle:?} ({why})",
                to.name(),
                from.name()
            )
        })
        .collect()
}

/// Values the scenarios write ("Name P0003") and record ids: texts no format writes by
/// chance (a marking or a status value would be found in any file).
fn is_distinctive(needle: &str) -> bool {
    Uuid::parse_str(needle).is_ok()
        || needle.split_whitespace().any(|w| {
            w.len() == 5 && w.starts_with(['P', 'L', 'D']) && w[1..].chars().all(|c| c.is_ascii_digit())
        })
}
