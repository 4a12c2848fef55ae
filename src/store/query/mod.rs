//! Read-side queries. Each answers from indexes and returns one page: none loads a whole
//! table. The view types are the stable `--json` output of the command line.

mod case;
mod case_list;
mod density;
mod entity;
pub(crate) use entity::CASE_RECORDS;
mod measures;
mod members;
mod release;
mod search;
mod stats;
mod timeline;

pub use case::{CaseFilter, CaseSummary, CaseView, MemberProfile, MemberView, RecordView};
pub(crate) use case::{SHARED_REFERENCES, reference_holders};
pub use case_list::CaseRow;
pub use density::{DensityBucket, MAX_BUCKETS, Zoom};
pub use entity::{CaseMembership, EntityView, LinkView, Neighbour, StatementView};
pub use measures::{Measures, MonthMeasures, human_seconds, month_start};
pub use members::{KindCount, LINK_COUNT_CAP, LINK_SORT_MAX, MemberOrder, MemberQuery, MemberRow};
pub use release::{CaseNaming, OFFICE_KIND, REVOKED, Revocation, SHARED_WITH, ScopeEnds};
pub use search::{
    CASES_PER_HIT, COUNT_CAP, HitProfile, PageHit, ProfileRecord, ResolvedHit, ResolvedSearchPage, SearchHit,
    SearchPage, SearchTotal,
};
pub use stats::{Outcomes, Stats, TableSpace};
pub use timeline::{ProfileName, ResolvedTimelineItem, TimelineItem, TimelineQuery, TimelineScope};

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

use super::{Result, Store, StoreError};

/// A record as other views refer to it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RecordRef {
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
}

pub(crate) fn uid_from_blob(blob: &[u8]) -> Uuid {
    Uuid::from_slice(blob).unwrap_or_default()
}

/// The record `n` as a reference, if it exists.
pub(crate) fn record_ref(conn: &Connection, n: i64) -> Result<Option<RecordRef>> {
    Ok(conn
        .prepare_cached("SELECT uid, schema, caption FROM object WHERE n = ?1")?
        .query_row([n], |r| {
            Ok(RecordRef {
                id: uid_from_blob(&r.get::<_, Vec<u8>>(0)?),
                schema: r.get(1)?,
                caption: r.get(2)?,
            })
        })
        .optional()?)
}

impl Store {
    /// The local number of a created record.
    pub fn object_n(&self, uid: Uuid) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT n FROM object WHERE uid = ?1 AND schema <> ''")?
            .query_row([uid.as_bytes()], |r| r.get(0))
            .optional()?)
    }

    /// Resolves an id typed by a user: a full UUID, or an unambiguous prefix of at least
    /// 8 hex digits (as shown in lists).
    pub fn resolve_id(&self, text: &str) -> Result<Uuid> {
        let t = text.trim();
        if let Ok(u) = Uuid::parse_str(t) {
            if self.object_n(u)?.is_some() {
                return Ok(u);
            }
            return Err(StoreError::NotFound(format!("no record with id {u}")));
        }
        let hex: String = t.chars().filter(|c| *c != '-').collect();
        if hex.len() < 8 || hex.len() > 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(StoreError::Input(format!(
                "{t:?} is not an id: give the UUID printed when the record was made (or its first 8+ digits)"
            )));
        }
        let lo_hex = format!("{hex:0<32}");
        let hi_hex = format!("{hex:f<32}");
        let lo = crate::model::ids::hex_decode(&lo_hex).unwrap_or_default();
        let hi = crate::model::ids::hex_decode(&hi_hex).unwrap_or_default();
        let found: Vec<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT uid FROM object WHERE uid >= ?1 AND uid <= ?2 AND schema <> '' LIMIT 2")?
            .query_map([lo, hi], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match found.as_slice() {
            [one] => Ok(uid_from_blob(one)),
            [] => Err(StoreError::NotFound(format!("no record with id {t}"))),
            _ => Err(StoreError::Input(format!("id prefix {t} matches several records: give more digits"))),
        }
    }
}
