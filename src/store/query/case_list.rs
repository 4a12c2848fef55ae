//! The cases list as the workbench shows it: reference, title, status, lead office and
//! marking, filtered and paged, without counting members (at 500 cases of 2,000 members,
//! counting them costs more than a keypress allows; `cases()` still does for the CLI).

use rusqlite::params;
use serde::Serialize;
use uuid::Uuid;

use super::uid_from_blob;
use crate::store::{Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CaseRow {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub status: String,
    pub lead_office: String,
    pub marking: String,
}

impl Store {
    /// Live cases by reference; only those of `status` and whose reference or title
    /// contains `text` (case-insensitive); at most `limit` from `offset`.
    pub fn case_rows(
        &self,
        status: Option<&str>,
        text: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<CaseRow>> {
        // The reference comes with the other fields: joining `case_ref` on the record would
        // scan it once per case (it is keyed by reference).
        let cases: Vec<(i64, Vec<u8>, String)> = self
            .conn
            .prepare_cached("SELECT n, uid, caption FROM object WHERE schema = 'Case' AND deleted = 0")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut fields = self.conn.prepare_cached(
            "SELECT prop, value FROM stmt WHERE obj = ?1 AND live = 1
               AND prop IN ('reference', 'title', 'status', 'leadOffice', 'marking') ORDER BY hlc, n",
        )?;
        let mut rows: Vec<(String, i64, CaseRow)> = Vec::with_capacity(cases.len());
        for (n, uid, caption) in cases {
            let mut row = CaseRow {
                id: uid_from_blob(&uid),
                reference: String::new(),
                title: String::new(),
                status: String::new(),
                lead_office: String::new(),
                marking: "TLP:CLEAR".into(),
            };
            // The latest value of each (single-valued) property wins, as in `cases()`.
            for field in
                fields.query_map(params![n], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            {
                let (prop, value) = field?;
                match prop.as_str() {
                    "reference" => row.reference = value,
                    "title" => row.title = value,
                    "status" => row.status = value,
                    "leadOffice" => row.lead_office = value,
                    "marking" => row.marking = value,
                    _ => {}
                }
            }
            let key = if row.reference.is_empty() { caption } else { row.reference.clone() };
            rows.push((key, n, row));
        }
        rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let needle = text.map(str::to_lowercase).filter(|t| !t.is_empty());
        let out = rows
            .into_iter()
            .map(|(_, _, row)| row)
            .filter(|row| status.is_none_or(|s| row.status.eq_ignore_ascii_case(s)))
            .filter(|row| {
                needle.as_ref().is_none_or(|t| {
                    row.reference.to_lowercase().contains(t) || row.title.to_lowercase().contains(t)
                })
            })
            .skip(offset as usize)
            .take(if limit == 0 { usize::MAX } else { limit as usize })
            .collect();
        Ok(out)
    }

    /// An upper bound of the records in the store, answered at once from the primary key
    /// (exact counts scan every record: seconds on a large store).
    pub fn record_count_bound(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(n), 0) FROM object", [], |r| r.get(0))?)
    }
}
