//! Handling markings enforced per recipient (DESIGN §1, §5, §8): may this statement go to
//! that office, and if not, why not — in words an analyst can act on.
//!
//! Each part of a marking brings its own rule (`assets/markings.toml` `release`): the TLP
//! level, each Europol handling code, each national marking. A statement goes only if every
//! rule allows it:
//! - `any`, `community`: every trusted office;
//! - `case`: the case the value was recorded under (or the case its record belongs to) is
//!   shared with the office; a value recorded under no case travels with the shared case
//!   that reaches its record;
//! - `agency`: as `case`, and the office belongs to the agency of the office that recorded
//!   the value;
//! - `named`: the office is named (shared) on the case the value was recorded under. A value
//!   recorded under no case keeps its own rule: no office is named for it, so it goes to
//!   none (it never travels on the strength of a shared case reaching its record);
//! - `originator`: only back to the office that recorded the value; this office may send
//!   what it recorded itself (sending is its consent);
//! - national markings with `foreign = false`: only to offices of that country.
//!
//! A relay never widens what the originator allowed: a value recorded by another office A
//! goes from here to office C only where A's own marking admits C from A's point of view.
//! For `case`, `agency` and `named`, A must itself have named C on the value's case (A's
//! `sharedWith` statements on the case, which travel with A's commits); a value A recorded
//! under no case names nobody. Nothing of A's goes to an office A revoked (the `revoked`
//! statements of A's own `Office` record). What A never said counts as naming nobody.
//!
//! A marking this Liaison cannot read (from a newer vocabulary) is withheld, never guessed.

use std::collections::{BTreeSet, HashMap};

use uuid::Uuid;

use crate::model::ids::DeviceId;
use crate::model::marking::{Marking, Release, Vocabulary};
use crate::store::offices::office_record_id;
use crate::store::{Store, StoreError};

/// The office a bundle goes to, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub office: String,
    pub agency: String,
    pub country: String,
}

impl Destination {
    /// `office` as a recipient, from its trusted devices; None if no trusted, unrevoked
    /// device of that name is known.
    pub fn of_office(store: &Store, office: &str) -> Result<Option<Destination>, StoreError> {
        Ok(store.office_devices(office)?.first().map(|d| Destination {
            office: d.office.clone(),
            agency: d.agency.clone(),
            country: d.country.clone(),
        }))
    }
}

/// Who recorded a value: the office of the authoring device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub office: String,
    pub agency: String,
    pub is_self: bool,
}

/// What the rules consult besides the marking.
#[derive(Debug, Default)]
pub struct ReleaseContext {
    /// Offices each case is shared with.
    pub participants: HashMap<Uuid, BTreeSet<String>>,
    /// Case references, for messages.
    pub case_names: HashMap<Uuid, String>,
    /// Authoring devices.
    pub authors: HashMap<DeviceId, Author>,
    /// Per other office, per case, the offices it named on the case (its own `sharedWith`
    /// statements). This office's own list is `participants`.
    pub named_by: HashMap<String, HashMap<Uuid, BTreeSet<String>>>,
    /// Per office, the offices it revoked (the `revoked` statements of its `Office` record).
    pub revoked_by: HashMap<String, BTreeSet<String>>,
}

impl ReleaseContext {
    /// The rules' context as this store knows it: every known device's office and agency,
    /// every case share. Exports to offices (bundles) and to files (`--for OFFICE`) both
    /// decide with it, so the two can never disagree.
    pub fn load(store: &Store) -> Result<ReleaseContext, StoreError> {
        let mut context = ReleaseContext::default();
        for d in store.devices()? {
            context.authors.insert(
                d.id,
                Author { office: d.office.clone(), agency: d.agency.clone(), is_self: d.is_self },
            );
        }
        let mut cases = BTreeSet::new();
        for s in store.case_shares()? {
            context.participants.entry(s.case).or_default().insert(s.office.clone());
            cases.insert(s.case);
        }
        // Another office's word counts only when its own device wrote it, on its own behalf.
        for n in store.case_namings()? {
            let Some(a) = context.authors.get(&n.origin) else { continue };
            if a.is_self || office_record_id(&a.office) != n.on_behalf_of {
                continue;
            }
            context.named_by.entry(a.office.clone()).or_default().entry(n.case).or_default().insert(n.office);
            cases.insert(n.case);
        }
        for r in store.office_revocations()? {
            let Some(a) = context.authors.get(&r.origin) else { continue };
            if office_record_id(&a.office) == r.on_behalf_of {
                context.revoked_by.entry(a.office.clone()).or_default().insert(r.office);
            }
        }
        for case in cases {
            context.case_names.insert(case, store.case_reference(case)?.unwrap_or_else(|| case.to_string()));
        }
        Ok(context)
    }

    fn case_name(&self, case: Uuid) -> String {
        self.case_names.get(&case).cloned().unwrap_or_else(|| case.to_string())
    }

    fn shared_with(&self, case: Uuid, office: &str) -> bool {
        self.participants.get(&case).is_some_and(|p| p.contains(office))
    }

    /// Err if the office of `author` (another office) revoked `to`: nothing it recorded —
    /// value, membership — goes there.
    pub fn check_not_revoked(&self, author: DeviceId, to: &Destination) -> Result<(), String> {
        match self.authors.get(&author) {
            Some(a)
                if !a.is_self && self.revoked_by.get(&a.office).is_some_and(|r| r.contains(&to.office)) =>
            {
                Err(format!("{} revoked {}: nothing {} recorded goes to it", a.office, to.office, a.office))
            }
            _ => Ok(()),
        }
    }

    /// Ok if a value with `marking`, recorded under `case` by `author`, may go to `to`;
    /// otherwise the reason it is withheld.
    pub fn check(
        &self,
        marking: &str,
        case: Option<Uuid>,
        author: DeviceId,
        to: &Destination,
    ) -> Result<(), String> {
        let m = Marking::parse(marking)
            .map_err(|_| format!("marking {marking:?} is not in this installation's vocabulary"))?;
        self.check_not_revoked(author, to)?;
        let vocab = Vocabulary::builtin();
        let tlp = m.tlp_def();
        let tlp_label = format!("TLP:{}", tlp.name);
        self.rule(tlp.release, &tlp_label, case, author, to)?;
        for code in &m.codes {
            if let Some(h) = vocab.handling.iter().find(|h| &h.code == code) {
                if let Some(release) = h.release {
                    self.rule(release, code, case, author, to)?;
                }
            } else if let Some(n) = vocab.national(code) {
                if !n.foreign && !n.country.eq_ignore_ascii_case(&to.country) {
                    let theirs =
                        if to.country.is_empty() { "no country".to_owned() } else { to.country.clone() };
                    return Err(format!(
                        "{code} ({}) stays within {}: {} is {theirs}",
                        n.label, n.country, to.office
                    ));
                }
            }
        }
        Ok(())
    }

    fn rule(
        &self,
        release: Release,
        label: &str,
        case: Option<Uuid>,
        author: DeviceId,
        to: &Destination,
    ) -> Result<(), String> {
        let case_rule = || match case {
            Some(c) if !self.shared_with(c, &to.office) => {
                Err(format!("{label}: case {} is not shared with {}", self.case_name(c), to.office))
            }
            _ => Ok(()),
        };
        match release {
            Release::Any | Release::Community => Ok(()),
            Release::Case => {
                case_rule()?;
                self.originator_named(label, case, author, to)
            }
            Release::Agency => {
                case_rule()?;
                self.originator_named(label, case, author, to)?;
                let agency = self.authors.get(&author).map(|a| a.agency.as_str()).unwrap_or_default();
                if agency.is_empty() || !agency.eq_ignore_ascii_case(&to.agency) {
                    let theirs = if to.agency.is_empty() { "no agency" } else { to.agency.as_str() };
                    let ours = if agency.is_empty() { "an unknown agency" } else { agency };
                    return Err(format!("{label}: only for {ours}; {} is {theirs}", to.office));
                }
                Ok(())
            }
            Release::Named => match case {
                None => Err(format!("{label} recorded under no case: no office is named for it")),
                Some(c) if !self.shared_with(c, &to.office) => {
                    Err(format!("{label}: {} is not named on case {}", to.office, self.case_name(c)))
                }
                Some(_) => self.originator_named(label, case, author, to),
            },
            Release::Originator => match self.authors.get(&author) {
                Some(a) if a.is_self || a.office == to.office => Ok(()),
                Some(a) => Err(format!(
                    "{label}: no onward dissemination without the consent of {} (the originator)",
                    a.office
                )),
                None => Err(format!("{label}: the originator is unknown, so its consent cannot be assumed")),
            },
        }
    }
}

impl ReleaseContext {
    /// A relay never widens: a value another office recorded goes to `to` only if that
    /// office itself named `to` on the value's case.
    fn originator_named(
        &self,
        label: &str,
        case: Option<Uuid>,
        author: DeviceId,
        to: &Destination,
    ) -> Result<(), String> {
        let Some(a) = self.authors.get(&author) else {
            return Err(format!(
                "{label}: recorded by an unknown device, so no office is known to be named for it"
            ));
        };
        if a.is_self || a.office == to.office {
            return Ok(());
        }
        let Some(c) = case else {
            return Err(format!(
                "{label}: {} recorded it under no case, so it named no office for it",
                a.office
            ));
        };
        let named =
            self.named_by.get(&a.office).and_then(|m| m.get(&c)).is_some_and(|n| n.contains(&to.office));
        if named {
            Ok(())
        } else {
            Err(format!("{label}: {} did not name {} on {}", a.office, to.office, self.case_name(c)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARIS: DeviceId = DeviceId([1; 16]);
    const LYON: DeviceId = DeviceId([2; 16]);

    fn context(case: Uuid) -> ReleaseContext {
        let mut c = ReleaseContext::default();
        c.participants.insert(case, ["Marseille".to_owned()].into());
        c.case_names.insert(case, "OP-7".into());
        c.authors.insert(PARIS, Author { office: "Paris".into(), agency: "DGSI".into(), is_self: true });
        c.authors.insert(LYON, Author { office: "Lyon".into(), agency: "PJ".into(), is_self: false });
        c
    }

    fn to(office: &str, agency: &str, country: &str) -> Destination {
        Destination { office: office.into(), agency: agency.into(), country: country.into() }
    }

    #[test]
    fn red_goes_only_to_offices_named_on_its_case() {
        let case = Uuid::from_u128(7);
        let c = context(case);
        assert!(c.check("TLP:RED", Some(case), PARIS, &to("Marseille", "PJ", "FR")).is_ok());
        let why = c.check("TLP:RED", Some(case), PARIS, &to("Lille", "PJ", "FR")).unwrap_err();
        assert!(why.contains("TLP:RED") && why.contains("Lille") && why.contains("OP-7"), "{why}");
        assert!(c.check("TLP:AMBER", None, PARIS, &to("Lille", "PJ", "FR")).is_ok());
        assert!(c.check("TLP:AMBER", Some(case), PARIS, &to("Lille", "PJ", "FR")).is_err());
        assert!(c.check("TLP:CLEAR", Some(case), PARIS, &to("Lille", "PJ", "FR")).is_ok());
    }

    #[test]
    fn h2_goes_back_to_its_originator_only_and_strict_amber_stays_in_the_agency() {
        let case = Uuid::from_u128(7);
        let c = context(case);
        assert!(c.check("TLP:GREEN H2", None, PARIS, &to("Marseille", "PJ", "FR")).is_ok());
        let why = c.check("TLP:GREEN H2", None, LYON, &to("Marseille", "PJ", "FR")).unwrap_err();
        assert!(why.contains("consent of Lyon"), "{why}");
        assert!(c.check("TLP:GREEN H2", None, LYON, &to("Lyon", "PJ", "FR")).is_ok());
        assert!(c.check("TLP:AMBER+STRICT", Some(case), PARIS, &to("Marseille", "PJ", "FR")).is_err());
        assert!(c.check("TLP:AMBER+STRICT", Some(case), PARIS, &to("Marseille", "dgsi", "FR")).is_ok());
    }

    #[test]
    fn national_markings_stay_in_their_country_and_unknown_markings_stay_home() {
        let c = context(Uuid::from_u128(7));
        assert!(c.check("TLP:CLEAR FR-DR", None, PARIS, &to("Marseille", "PJ", "FR")).is_ok());
        let why = c.check("TLP:CLEAR FR-DR", None, PARIS, &to("Europol", "Europol", "NL")).unwrap_err();
        assert!(why.contains("FR-DR") && why.contains("NL"), "{why}");
        assert!(c.check("TLP:PURPLE", None, PARIS, &to("Marseille", "PJ", "FR")).is_err());
    }

    const NICE: DeviceId = DeviceId([3; 16]);

    /// This office (Paris) holds values Lyon wrote on OP-7 and relays them.
    fn relaying(case: Uuid) -> ReleaseContext {
        let mut c = context(case);
        c.participants.insert(case, ["Marseille".to_owned(), "Nice".to_owned()].into());
        c.authors.insert(NICE, Author { office: "Nice".into(), agency: "PJ".into(), is_self: false });
        c.named_by
            .entry("Lyon".into())
            .or_default()
            .insert(case, ["Paris".to_owned(), "Marseille".to_owned()].into());
        c
    }

    #[test]
    fn red_recorded_under_no_case_goes_to_no_office() {
        let c = context(Uuid::from_u128(7));
        let why = c.check("TLP:RED", None, PARIS, &to("Marseille", "PJ", "FR")).unwrap_err();
        assert_eq!(why, "TLP:RED recorded under no case: no office is named for it");
        assert!(c.check("TLP:AMBER", None, PARIS, &to("Marseille", "PJ", "FR")).is_ok());
    }

    #[test]
    fn a_relay_passes_red_and_amber_only_to_offices_the_originator_named() {
        let case = Uuid::from_u128(7);
        let c = relaying(case);
        for marking in ["TLP:RED", "TLP:AMBER", "TLP:AMBER FR-DR"] {
            assert!(c.check(marking, Some(case), LYON, &to("Marseille", "PJ", "FR")).is_ok(), "{marking}");
            let why = c.check(marking, Some(case), LYON, &to("Nice", "PJ", "FR")).unwrap_err();
            assert!(why.contains("Lyon did not name Nice on OP-7"), "{marking}: {why}");
        }
        // What the relay itself wrote, and what is not restricted to named offices, still goes.
        assert!(c.check("TLP:RED", Some(case), PARIS, &to("Nice", "PJ", "FR")).is_ok());
        assert!(c.check("TLP:GREEN", Some(case), LYON, &to("Nice", "PJ", "FR")).is_ok());
        // Another office's AMBER recorded under no case named nobody.
        let why = c.check("TLP:AMBER", None, LYON, &to("Marseille", "PJ", "FR")).unwrap_err();
        assert!(why.contains("Lyon recorded it under no case"), "{why}");
        // An originator that never said whom it named named nobody.
        let why = c.check("TLP:AMBER", Some(case), NICE, &to("Marseille", "PJ", "FR")).unwrap_err();
        assert!(why.contains("Nice did not name Marseille"), "{why}");
        // Markings combine: the national rule still applies to a named office.
        let why = c.check("TLP:AMBER FR-DR", Some(case), LYON, &to("Marseille", "PJ", "BE")).unwrap_err();
        assert!(why.contains("FR-DR"), "{why}");
    }

    #[test]
    fn a_relay_passes_strict_amber_only_inside_the_originators_agency_and_named() {
        let case = Uuid::from_u128(7);
        let mut c = relaying(case);
        c.participants.entry(case).or_default().insert("Lille".into());
        assert!(c.check("TLP:AMBER+STRICT", Some(case), LYON, &to("Marseille", "PJ", "FR")).is_ok());
        assert!(c.check("TLP:AMBER+STRICT", Some(case), LYON, &to("Marseille", "DGSI", "FR")).is_err());
        let why = c.check("TLP:AMBER+STRICT", Some(case), LYON, &to("Lille", "PJ", "FR")).unwrap_err();
        assert!(why.contains("Lyon did not name Lille"), "{why}");
    }

    #[test]
    fn nothing_of_an_originator_goes_to_an_office_it_revoked() {
        let case = Uuid::from_u128(7);
        let mut c = relaying(case);
        c.revoked_by.entry("Lyon".into()).or_default().insert("Marseille".into());
        for marking in ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER"] {
            let why = c.check(marking, Some(case), LYON, &to("Marseille", "PJ", "FR")).unwrap_err();
            assert!(why.starts_with("Lyon revoked Marseille"), "{marking}: {why}");
        }
        // Only the revoking office's values: this office's own still go.
        assert!(c.check("TLP:AMBER", Some(case), PARIS, &to("Marseille", "PJ", "FR")).is_ok());
    }
}
