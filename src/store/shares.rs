//! Cases shared with other offices, and the `sharedWith` statements that say so inside the
//! case: a share is a local decision (the `case_share` table decides what an export
//! carries) and a statement that travels (relays learn whom this office named, DESIGN §5b).
//! Office records — one per office, the source of its `sharedWith` values and the holder of
//! its revocations — are made here.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::offices::now_text;
use super::query::{OFFICE_KIND, SHARED_WITH};
use super::write::Txn;
use super::{Result, Store, StoreError};
use crate::model::ids::observable_id;
use crate::model::marking::Marking;
use crate::model::op::Assertion;

/// The id of `office`'s own Office record (where its revocations are written, and the source
/// of its `sharedWith` statements): the same in every store.
pub fn office_record_id(office: &str) -> Uuid {
    observable_id(OFFICE_KIND, office)
}

/// Creates this office's Office record if the store has none yet.
pub(super) fn ensure_office_record(tx: &mut Txn<'_>, office: &str) -> Result<Uuid> {
    let uid = office_record_id(office);
    if tx.schema_of(uid)?.is_none_or(|s| s.is_empty()) {
        tx.create(uid, OFFICE_KIND, None, None)?;
        tx.set(uid, Assertion { marking: "TLP:GREEN".into(), ..Assertion::plain("name", office) })?;
    }
    Ok(uid)
}

/// Adds `office` to the `sharedWith` values `me` wrote on `case` (sourced to `me`'s Office
/// record, so two offices naming the same one keep a value each). False if it was there.
fn add_named(tx: &mut Txn<'_>, me: &str, case: Uuid, office: &str, marking: String) -> Result<bool> {
    let source = ensure_office_record(tx, me)?;
    let named = Assertion {
        source: Some(source),
        marking,
        case: Some(case),
        ..Assertion::plain(SHARED_WITH, office)
    };
    if tx.holds(case, &named)? {
        return Ok(false);
    }
    tx.add(case, named)?;
    Ok(true)
}

/// A case shared with an office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseShare {
    pub case: Uuid,
    pub office: String,
    pub shared_at: String,
    /// The office acknowledged a bundle carrying the case's whole history.
    pub full_sent: bool,
}

impl Store {
    /// The marking of the `sharedWith` statements of `case`: the case's own, never CLEAR.
    fn share_marking(&self, case: Uuid) -> Result<String> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT s.value FROM stmt s JOIN object o ON o.n = s.obj
                 WHERE o.uid = ?1 AND s.prop = 'marking' AND s.live = 1 ORDER BY s.hlc DESC LIMIT 1",
                [case.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        let marking = match text.and_then(|t| Marking::parse(&t).ok()) {
            Some(m) if m.tlp > 0 || !m.codes.is_empty() => m,
            _ => self.default_marking()?,
        };
        Ok(if marking.tlp == 0 {
            Marking::parse("TLP:GREEN").map_err(|e| StoreError::Corrupt(e.to_string()))?
        } else {
            marking
        }
        .to_string())
    }

    /// Shares `case` with `office`, and says so in the case itself (a `sharedWith` value,
    /// marked as the case): relays learn whom this office named. False if it already was.
    pub fn share_case(&mut self, case: Uuid, office: &str) -> Result<bool> {
        if self.office_devices(office)?.is_empty() {
            return Err(StoreError::NotFound(format!(
                "no trusted office {office:?}: `liaison office list` shows them, `liaison office trust CARD` adds one"
            )));
        }
        let marking = self.share_marking(case)?;
        let me = self.office.name.clone();
        let mut tx = self.write("case share")?;
        let added = tx.conn().execute(
            "INSERT OR IGNORE INTO case_share(case_uid, office, shared_at) VALUES(?1, ?2, ?3)",
            params![case.as_bytes(), office, now_text()],
        )? == 1;
        if !added {
            return Ok(false);
        }
        let detail = serde_json::json!({ "case": case.to_string(), "office": office });
        if !add_named(&mut tx, &me, case, office, marking)? {
            // Nothing to write in the case: the share itself is still audited.
            super::audit::append(tx.conn(), "case share", &detail)?;
        }
        tx.commit(&detail)?;
        Ok(true)
    }

    /// Names in their case the offices this one shares a case with but has not named there
    /// yet: shares made by an import (a case received from an office is shared back with it),
    /// or made before shares were written into cases. Relays then know whom this office
    /// named, as after `share_case`. Writes nothing (and no commit) when every share is named.
    pub fn name_shared_back_cases(&mut self) -> Result<()> {
        let me = self.office.name.clone();
        let mut unnamed = Vec::new();
        for share in self.case_shares()? {
            if !self.names_on_case(share.case, &me, &share.office)? {
                unnamed.push((share.case, share.office, self.share_marking(share.case)?));
            }
        }
        if unnamed.is_empty() {
            return Ok(());
        }
        let mut tx = self.write("case share back")?;
        for (case, office, marking) in &unnamed {
            if tx.schema_of(*case)?.is_some_and(|s| s == "Case") {
                add_named(&mut tx, &me, *case, office, marking.clone())?;
            }
        }
        let offices: Vec<&str> = unnamed.iter().map(|(_, o, _)| o.as_str()).collect();
        tx.commit(&serde_json::json!({ "named": offices }))?;
        Ok(())
    }

    /// Whether `case` holds a live `sharedWith` = `office` written by `me` (sourced to its
    /// Office record).
    fn names_on_case(&self, case: Uuid, me: &str, office: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM stmt s JOIN object o ON o.n = s.obj JOIN object src ON src.n = s.source
                 WHERE o.uid = ?1 AND s.prop = ?2 AND s.value = ?3 AND src.uid = ?4 AND s.live = 1",
            )?
            .query_row(params![case.as_bytes(), SHARED_WITH, office, office_record_id(me).as_bytes()], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }

    /// Stops sharing `case` with `office` (and withdraws the `sharedWith` value). False if it
    /// was not shared.
    pub fn unshare_case(&mut self, case: Uuid, office: &str) -> Result<bool> {
        let source = office_record_id(&self.office.name);
        let mut tx = self.write("case unshare")?;
        let removed = tx.conn().execute(
            "DELETE FROM case_share WHERE case_uid = ?1 AND office = ?2",
            params![case.as_bytes(), office],
        )? == 1;
        if !removed {
            return Ok(false);
        }
        let detail = serde_json::json!({ "case": case.to_string(), "office": office });
        if !tx.remove(case, SHARED_WITH, office, Some(source))? {
            // A share older than `sharedWith` values: the unshare itself is still audited.
            super::audit::append(tx.conn(), "case unshare", &detail)?;
        }
        tx.commit(&detail)?;
        Ok(true)
    }

    /// Every case share.
    pub fn case_shares(&self) -> Result<Vec<CaseShare>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT case_uid, office, shared_at, full_sent FROM case_share ORDER BY office",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CaseShare {
                case: super::query::uid_from_blob(&r.get::<_, Vec<u8>>(0)?),
                office: r.get(1)?,
                shared_at: r.get(2)?,
                full_sent: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
