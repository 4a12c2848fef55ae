//! Close spellings of a word that the index does not hold ("benalli" → "benali"), for the
//! fallback when a search finds nothing.
//!
//! The index's own vocabulary (fts5vocab) is read from the terms sharing the word's first two
//! letters, at most [`SCAN_CAP`] of them, so the work is bounded at a million records whatever
//! the names are: a typo in the first two letters is not corrected, which keeps the answer
//! quick and the candidates few. Each term is scored with Jaro-Winkler (typos near the end of
//! a name cost less than at its start, as analysts mostly misspell the end of foreign names).

use rusqlite::{Connection, OptionalExtension};

use crate::store::Result;

/// At most this many index terms are compared per word.
pub(super) const SCAN_CAP: u32 = 20_000;
/// At most this many close spellings are tried per word.
const PER_WORD: usize = 5;
/// Similarity a spelling needs (Jaro-Winkler, 0 to 1). 0.88 keeps "benalli"/"benali" (0.97),
/// "delacrois"/"delacroix" (0.96), and leaves out "benoit" for "benali" (0.78).
const MIN_SIMILARITY: f64 = 0.88;
/// Shorter words are not corrected: two letters off in four is another word.
const MIN_CHARS: usize = 4;

/// The index's terms, one row per term (created once per connection, in its temp schema, so
/// nothing is written to the store).
fn ensure_vocab(conn: &Connection) -> Result<()> {
    conn.execute_batch("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, fts, row)")?;
    Ok(())
}

/// For each word (lower-cased, unquoted): itself if the index holds it as a term or a term's
/// beginning, else up to [`PER_WORD`] close spellings, best first. None if a word has neither:
/// no fallback can then find every word.
pub(super) fn close_spellings(conn: &Connection, words: &[String]) -> Result<Option<Vec<Vec<String>>>> {
    ensure_vocab(conn)?;
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        if known(conn, word)? {
            out.push(vec![word.clone()]);
            continue;
        }
        let close = close_to(conn, word)?;
        if close.is_empty() {
            return Ok(None);
        }
        out.push(close);
    }
    Ok(Some(out))
}

fn known(conn: &Connection, word: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM temp.fts_terms WHERE term >= ?1 AND term < ?1 || char(1114111) LIMIT 1",
        )?
        .query_row([word], |_| Ok(()))
        .optional()?
        .is_some())
}

fn close_to(conn: &Connection, word: &str) -> Result<Vec<String>> {
    if word.chars().count() < MIN_CHARS {
        return Ok(Vec::new());
    }
    let start: String = word.chars().take(2).collect();
    let mut stmt = conn.prepare_cached(
        "SELECT term, doc FROM temp.fts_terms WHERE term >= ?1 AND term < ?1 || char(1114111) LIMIT ?2",
    )?;
    let mut scored: Vec<(f64, i64, String)> = Vec::new();
    let rows =
        stmt.query_map(rusqlite::params![start, SCAN_CAP], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
    for row in rows {
        let (term, docs): (String, i64) = row?;
        let score = strsim::jaro_winkler(word, &term);
        if score >= MIN_SIMILARITY {
            scored.push((score, docs, term));
        }
    }
    // Best first; among equals the spelling more records use.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    Ok(scored.into_iter().take(PER_WORD).map(|(_, _, t)| t).collect())
}

#[cfg(test)]
mod tests {
    use super::MIN_SIMILARITY;

    #[test]
    fn the_threshold_keeps_typos_and_leaves_other_names_out() {
        assert!(strsim::jaro_winkler("benalli", "benali") >= MIN_SIMILARITY);
        assert!(strsim::jaro_winkler("delacrois", "delacroix") >= MIN_SIMILARITY);
        assert!(strsim::jaro_winkler("benali", "benoit") < MIN_SIMILARITY);
        assert!(strsim::jaro_winkler("marin", "martin") >= MIN_SIMILARITY);
    }
}
