//! The cases list, as both faces show it: reference, title, status, lead office and marking,
//! filtered and paged. The workbench skips counting members (at 500 cases of 2,000 members,
//! counting them costs more than a keypress allows); the command line counts them.

use rusqlite::params;
use uuid::Uuid;

use super::case::{CaseFilter, CaseSummary};
use super::uid_from_blob;
use crate::model::marking::Marking;
use crate::store::{Result, Store};

/// A row of the cases list: the workbench's pane and `liaison case list` read the same rows.
pub type CaseRow = CaseSummary;

impl Store {
    /// Live cases by reference, filtered and paged: the one query behind both faces' case
    /// lists (and `case show`'s summary), so that during a conflict they show the same value.
    pub fn cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>> {
        let cases: Vec<(i64, Vec<u8>, String)> = self
            .conn
            .prepare_cached("SELECT n, uid, caption FROM object WHERE schema = 'Case' AND deleted = 0")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut rows: Vec<(String, i64, CaseSummary)> = Vec::with_capacity(cases.len());
        for (n, uid, caption) in cases {
            let row = self.case_fields(n, uid_from_blob(&uid))?;
            let key = if row.reference.is_empty() { caption } else { row.reference.clone() };
            rows.push((key, n, row));
        }
        rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let needle = filter.text.as_deref().map(str::to_lowercase).filter(|t| !t.is_empty());
        let mut out: Vec<(i64, CaseSummary)> = rows
            .into_iter()
            .map(|(_, n, row)| (n, row))
            .filter(|(_, row)| filter.status.as_deref().is_none_or(|s| row.status.eq_ignore_ascii_case(s)))
            .filter(|(_, row)| {
                needle.as_ref().is_none_or(|t| {
                    row.reference.to_lowercase().contains(t) || row.title.to_lowercase().contains(t)
                })
            })
            .skip(filter.offset as usize)
            .take(if filter.limit == 0 { usize::MAX } else { filter.limit as usize })
            .collect();
        if !filter.skip_member_count {
            for (n, row) in &mut out {
                row.members = self.member_count(*n)?;
            }
        }
        Ok(out.into_iter().map(|(_, row)| row).collect())
    }

    /// A case's current fields: of each (single-valued) property, the latest live value.
    pub(crate) fn case_fields(&self, n: i64, id: Uuid) -> Result<CaseSummary> {
        let mut fields = self.conn.prepare_cached(
            "SELECT prop, value, marking FROM stmt WHERE obj = ?1 AND live = 1
               AND prop IN ('reference', 'title', 'status', 'leadOffice', 'marking') ORDER BY hlc, n",
        )?;
        let mut row = CaseSummary {
            id,
            reference: String::new(),
            title: String::new(),
            status: String::new(),
            lead_office: String::new(),
            marking: String::new(),
            members: 0,
        };
        // A case with no marking statement (a partner's case whose marking was withheld) is
        // shown under the strongest marking its own values carry, never as CLEAR: a list
        // must not tell the analyst a case is free to share when nobody chose that.
        let mut carried: Option<Marking> = None;
        for field in fields.query_map(params![n], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })? {
            let (prop, value, marking) = field?;
            if let Ok(m) = Marking::parse(&marking) {
                carried = Some(carried.map_or_else(|| m.clone(), |c| c.join(&m)));
            }
            match prop.as_str() {
                "reference" => row.reference = value,
                "title" => row.title = value,
                "status" => row.status = value,
                "leadOffice" => row.lead_office = value,
                "marking" => row.marking = value,
                _ => {}
            }
        }
        if row.marking.is_empty() {
            row.marking = carried.map_or_else(|| self.default_marking(), Ok)?.to_string();
        }
        Ok(row)
    }

    pub(crate) fn member_count(&self, n: i64) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM object WHERE src = ?1 AND schema = 'CaseMember' AND deleted = 0",
            )?
            .query_row([n], |r| r.get(0))?)
    }

    /// An upper bound of the records in the store, answered at once from the primary key
    /// (exact counts scan every record: seconds on a large store).
    pub fn record_count_bound(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(n), 0) FROM object", [], |r| r.get(0))?)
    }
}
