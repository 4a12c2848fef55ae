//! Full-text search over names, identifiers and notes (FTS5).
//!
//! Whole-word matches come first, ranked by BM25 among the first thousand; prefix matches
//! ("Dela" for "Delacroix") fill the rest of the page in index order. Ranking every match of
//! a common name or a short prefix on a million records would cost far more than a keypress
//! allows, so the work per query is bounded whatever the store's size.

use rusqlite::params;
use serde::Serialize;
use uuid::Uuid;

use super::uid_from_blob;
use crate::store::{Result, Store};

/// Longest query accepted (characters); longer input is cut.
const MAX_QUERY_CHARS: usize = 200;
/// At most this many words are matched.
const MAX_TERMS: usize = 8;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SearchHit {
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
    pub grade: Option<String>,
    pub marking: String,
}

/// The words of a query, each quoted for FTS5 (so no user text is FTS syntax).
fn terms(query: &str) -> Vec<String> {
    let cut: String = query.chars().take(MAX_QUERY_CHARS).collect();
    cut.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(|t| format!("\"{}\"", t.to_lowercase()))
        .collect()
}

impl Store {
    /// Records matching every word of `query` (as a word or a word's beginning).
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let words = terms(query);
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let exact = words.join(" AND ");
        let prefix = words.iter().map(|w| format!("{w}*")).collect::<Vec<_>>().join(" AND ");
        let mut hits: Vec<SearchHit> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (sql, q) in [
            (
                "SELECT o.uid, o.schema, o.caption, o.grade, o.marking FROM
                   (SELECT rowid FROM (SELECT rowid, rank FROM fts WHERE fts MATCH ?1 LIMIT 1000)
                    ORDER BY rank LIMIT ?2) f
                 JOIN object o ON o.n = f.rowid WHERE o.deleted = 0",
                &exact,
            ),
            (
                "SELECT o.uid, o.schema, o.caption, o.grade, o.marking FROM
                   (SELECT rowid FROM fts WHERE fts MATCH ?1 LIMIT ?2) f
                 JOIN object o ON o.n = f.rowid WHERE o.deleted = 0",
                &prefix,
            ),
        ] {
            let want = limit.saturating_sub(hits.len() as u32);
            if want == 0 {
                break;
            }
            let mut stmt = self.conn.prepare_cached(sql)?;
            let rows = stmt.query_map(params![q, want + seen.len() as u32], |r| {
                Ok(SearchHit {
                    id: uid_from_blob(&r.get::<_, Vec<u8>>(0)?),
                    schema: r.get(1)?,
                    caption: r.get(2)?,
                    grade: r.get(3)?,
                    marking: r.get(4)?,
                })
            })?;
            for hit in rows {
                let hit = hit?;
                if seen.insert(hit.id) && (hits.len() as u32) < limit {
                    hits.push(hit);
                }
            }
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::terms;

    #[test]
    fn user_text_never_reaches_fts_as_syntax() {
        assert_eq!(terms("Dela\"croix OR x*"), vec!["\"dela\"", "\"croix\"", "\"or\"", "\"x\""]);
        assert!(terms("  ** ()").is_empty());
        assert_eq!(terms(&"a ".repeat(100)).len(), 8);
    }
}
