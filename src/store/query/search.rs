//! Full-text search over names, identifiers and notes (FTS5).
//!
//! Whole-word matches come first, ranked by BM25 among the first thousand; prefix matches
//! ("Dela" for "Delacroix") fill the rest of the page in index order. Ranking every match of
//! a common name or a short prefix on a million records would cost far more than a keypress
//! allows, so the work per query is bounded whatever the store's size.
//!
//! Identifiers are typed as reports print them — "06 11 00 00 00", "GH-123-AB", an IBAN in
//! groups of four — while the index holds them in one piece: the query's letters and digits
//! joined are tried as one word too. When nothing matches, close spellings of the words
//! (see [`fuzzy`]) are tried, and the page says so.

mod fuzzy;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::uid_from_blob;
use crate::store::{Result, Store};

/// Longest query accepted (characters); longer input is cut.
const MAX_QUERY_CHARS: usize = 200;
/// At most this many words are matched.
const MAX_TERMS: usize = 8;
/// Matches are counted up to this many; beyond, the total is "1,000+".
pub const COUNT_CAP: u64 = 1000;
/// Case references given with each hit; the rest are counted.
pub const CASES_PER_HIT: usize = 3;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SearchHit {
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
    pub grade: Option<String>,
    pub marking: String,
}

/// How many records match: all of them counted, or at least this many (counting stopped).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", content = "count", rename_all = "snake_case")]
pub enum SearchTotal {
    Exact(u64),
    AtLeast(u64),
}

impl SearchTotal {
    /// "3 found", "first 50 of 1,234", "first 50 of 1,000+", for a page of `shown` hits.
    pub fn describe(&self, shown: usize) -> String {
        let shown = shown as u64;
        match *self {
            SearchTotal::Exact(n) if n <= shown => format!("{} found", thousands(n)),
            SearchTotal::Exact(n) => format!("first {} of {}", thousands(shown), thousands(n)),
            SearchTotal::AtLeast(n) => format!("first {} of {}+", thousands(shown), thousands(n)),
        }
    }

    /// Whether the page holds every match.
    pub fn complete(&self, shown: usize) -> bool {
        matches!(*self, SearchTotal::Exact(n) if n <= shown as u64)
    }
}

/// 1234 → "1,234".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A hit with the cases it is in (what an analyst asks next: "which case is this?").
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PageHit {
    #[serde(flatten)]
    pub hit: SearchHit,
    /// References of up to [`CASES_PER_HIT`] cases, in order.
    pub cases: Vec<String>,
    /// How many cases in all.
    pub case_count: u64,
}

/// A hit of a page where records judged the same are one result.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ResolvedHit {
    #[serde(flatten)]
    pub hit: PageHit,
    /// Present when the hit is judged the same as other records: the one profile they are
    /// shown as, with every record it came from and each one's cases. Absent otherwise, so a
    /// page with no judged record reads exactly as [`SearchPage`] does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<HitProfile>,
}

/// [`SearchPage`] with records judged the same folded into one result each.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ResolvedSearchPage {
    pub hits: Vec<ResolvedHit>,
    /// Each record counted once: the records folded into a profile on this page leave it.
    pub total: SearchTotal,
    pub fuzzy: bool,
    pub spellings: Vec<String>,
}

/// The profile a hit belongs to (see [`crate::store::judgements::Profile`]).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HitProfile {
    /// The representative record's id.
    pub id: Uuid,
    /// "Karim Benali = Карим Бенали".
    pub caption: String,
    pub records: Vec<ProfileRecord>,
}

/// One record of a hit's profile, with its cases.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProfileRecord {
    #[serde(flatten)]
    pub record: super::RecordRef,
    pub cases: Vec<String>,
    pub case_count: u64,
}

/// One page of answers, saying whether it is complete and whether it came from close spellings.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SearchPage {
    pub hits: Vec<PageHit>,
    pub total: SearchTotal,
    /// Nothing matched as typed: these hits match close spellings of the words.
    pub fuzzy: bool,
    /// With `fuzzy`: the spellings searched for, word by word.
    pub spellings: Vec<String>,
}

/// The words of a query, lower-cased (not yet quoted).
fn words(query: &str) -> Vec<String> {
    let cut: String = query.chars().take(MAX_QUERY_CHARS).collect();
    cut.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(str::to_lowercase)
        .collect()
}

/// A word quoted for FTS5 (so no user text is FTS syntax).
fn quote(word: &str) -> String {
    format!("\"{}\"", word.replace('"', ""))
}

/// The words of a query, each quoted for FTS5.
#[cfg(test)]
fn terms(query: &str) -> Vec<String> {
    words(query).iter().map(|w| quote(w)).collect()
}

/// The query as one identifier ("06 11 00 00 00" → "0611000000", "GH-123-AB" → "gh123ab"):
/// only for a query of several parts with a digit and nothing but separators between them.
fn identifier_form(query: &str, words: &[String]) -> Option<String> {
    let separators = |c: char| c.is_whitespace() || matches!(c, '-' | '.' | '/' | '+' | '(' | ')');
    let plain = query.trim().chars().all(|c| c.is_alphanumeric() || separators(c));
    let joined: String = words.concat();
    (words.len() > 1 && plain && joined.chars().any(|c| c.is_ascii_digit())).then_some(joined)
}

/// The FTS expressions for whole words and for word beginnings.
fn expressions(words: &[Vec<String>], identifier: Option<&str>) -> (String, String) {
    let group = |suffix: &str| {
        words
            .iter()
            .map(|alts| {
                let alts: Vec<String> = alts.iter().map(|w| format!("{}{suffix}", quote(w))).collect();
                if alts.len() == 1 { alts[0].clone() } else { format!("({})", alts.join(" OR ")) }
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let (mut exact, mut prefix) = (group(""), group("*"));
    if let Some(id) = identifier {
        exact = format!("({exact}) OR {}", quote(id));
        prefix = format!("({prefix}) OR {}*", quote(id));
    }
    (exact, prefix)
}

/// Hits with their object numbers (to find their cases).
type Found = Vec<(i64, SearchHit)>;

/// Most hits read beyond a page to fill what folding profiles emptied.
const MAX_FOLD_READ: u32 = 100;

/// Hits of `found` that fold into an earlier hit's profile.
fn fold_count(found: &Found, profiles: &crate::store::judgements::Profiles) -> usize {
    if profiles.is_empty() {
        return 0;
    }
    let mut seen = std::collections::HashSet::new();
    found.iter().filter(|(n, _)| profiles.of(*n).is_some_and(|p| !seen.insert(p.id))).count()
}

impl Store {
    /// Records matching every word of `query` (as a word or a word's beginning); as
    /// [`Store::search_page`] without the count and the cases.
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
        Ok(self.find(query, limit)?.0.into_iter().map(|(_, h)| h).collect())
    }

    /// A page of at most `limit` records matching `query`, with the total (counted up to
    /// [`COUNT_CAP`]), each hit's cases, and whether close spellings were used.
    pub fn search_page(&self, query: &str, limit: u32) -> Result<SearchPage> {
        let (found, count_expr, spellings) = self.find(query, limit)?;
        let total = match count_expr {
            Some(expr) if found.len() as u32 >= limit => self.count_matches(&expr)?,
            _ => SearchTotal::Exact(found.len() as u64),
        };
        let hits = found
            .into_iter()
            .map(|(n, hit)| {
                let (cases, case_count) = self.cases_of_hit(n, &hit.schema)?;
                Ok(PageHit { hit, cases, case_count })
            })
            .collect::<Result<_>>()?;
        Ok(SearchPage { hits, total, fuzzy: !spellings.is_empty(), spellings })
    }

    /// As [`Store::search_page`], with records judged the same shown as one result: the
    /// first-ranked hit of a profile carries it (its caption, every record it came from and
    /// each one's cases), the others fold into it and leave the count. The CLI's `search`
    /// and the workbench's search list call this.
    pub fn search_resolved(&self, query: &str, limit: u32) -> Result<ResolvedSearchPage> {
        let (mut found, mut count_expr, mut spellings) = self.find(query, limit)?;
        // Records judged the same are one result: fold them (one `judged` look-up per page),
        // and read further while folding left the page short.
        let mut want = limit;
        let mut profiles = self.profiles_of_ns(&found.iter().map(|(n, _)| *n).collect::<Vec<_>>())?;
        let mut folded = fold_count(&found, &profiles);
        while folded > 0 && found.len() as u32 >= want && want < limit.saturating_add(MAX_FOLD_READ) {
            want = limit.saturating_add(folded as u32).min(limit.saturating_add(MAX_FOLD_READ));
            (found, count_expr, spellings) = self.find(query, want)?;
            profiles = self.profiles_of_ns(&found.iter().map(|(n, _)| *n).collect::<Vec<_>>())?;
            let again = fold_count(&found, &profiles);
            if again == folded {
                break;
            }
            folded = again;
        }
        let total = match count_expr {
            Some(expr) if found.len() as u32 >= want => self.count_matches(&expr)?,
            _ => SearchTotal::Exact(found.len() as u64),
        };
        // Each record counts once: records folded on this page leave the total.
        let total = match total {
            SearchTotal::Exact(n) => SearchTotal::Exact(n.saturating_sub(folded as u64)),
            t @ SearchTotal::AtLeast(_) => t,
        };
        let mut hits: Vec<ResolvedHit> = Vec::new();
        let mut shown: Vec<Uuid> = Vec::new();
        for (n, hit) in found {
            if hits.len() as u32 >= limit {
                break;
            }
            let profile = match profiles.of(n) {
                Some(p) if shown.contains(&p.id) => continue,
                Some(p) => {
                    shown.push(p.id);
                    let mut records = Vec::with_capacity(p.records.len());
                    for (r, rn) in p.records.iter().zip(&p.ns) {
                        let (cases, case_count) = self.cases_of_hit(*rn, &r.schema)?;
                        records.push(ProfileRecord { record: r.clone(), cases, case_count });
                    }
                    Some(HitProfile { id: p.id, caption: p.caption.clone(), records })
                }
                None => None,
            };
            let mut hit = hit;
            if let Some(p) = profiles.of(n) {
                // The row shows every record's name: it carries the strictest of their
                // markings, never the first-ranked record's alone.
                hit.marking = self.joined_marking(&p.ns, &hit.marking)?;
            }
            let (cases, case_count) = self.cases_of_hit(n, &hit.schema)?;
            hits.push(ResolvedHit { hit: PageHit { hit, cases, case_count }, profile });
        }
        Ok(ResolvedSearchPage { hits, total, fuzzy: !spellings.is_empty(), spellings })
    }

    /// The strictest of `first` and the markings of the records `ns` (as the object table
    /// sums them up); one that does not read is kept as written rather than dropped.
    fn joined_marking(&self, ns: &[i64], first: &str) -> Result<String> {
        use crate::model::marking::Marking;
        let mut q = self.conn.prepare_cached("SELECT marking FROM object WHERE n = ?1")?;
        let mut joined = first.to_owned();
        for n in ns {
            let Some(text) = q.query_row([n], |r| r.get::<_, String>(0)).optional()? else { continue };
            match (Marking::parse(&joined), Marking::parse(&text)) {
                (Ok(a), Ok(b)) => joined = a.join(&b).to_string(),
                // Shown as written rather than replaced by a marking that reads but may be laxer.
                (Ok(_), Err(_)) => joined = text,
                (Err(_), _) => {}
            }
        }
        Ok(joined)
    }

    /// The hits, the expression that counts all matches, and the close spellings used (empty
    /// when the words matched as typed).
    fn find(&self, query: &str, limit: u32) -> Result<(Found, Option<String>, Vec<String>)> {
        let words = words(query);
        if words.is_empty() || limit == 0 {
            return Ok((Vec::new(), None, Vec::new()));
        }
        let identifier = identifier_form(query, &words);
        let as_typed: Vec<Vec<String>> = words.iter().map(|w| vec![w.clone()]).collect();
        let (exact, prefix) = expressions(&as_typed, identifier.as_deref());
        let hits = self.run(&exact, &prefix, limit)?;
        if !hits.is_empty() {
            return Ok((hits, Some(prefix), Vec::new()));
        }
        let Some(close) = fuzzy::close_spellings(&self.conn, &words)? else {
            return Ok((hits, None, Vec::new()));
        };
        if close == as_typed {
            return Ok((hits, None, Vec::new()));
        }
        // Close spellings match as whole words only: a prefix of a guess is a guess too far.
        let (exact, _) = expressions(&close, None);
        let hits = self.run(&exact, &exact, limit)?;
        let spellings = if hits.is_empty() {
            Vec::new()
        } else {
            close.iter().flatten().filter(|w| !words.contains(w)).cloned().collect()
        };
        Ok((hits, Some(exact), spellings))
    }

    fn run(&self, exact: &str, prefix: &str, limit: u32) -> Result<Found> {
        let mut hits: Found = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (sql, q) in [
            (
                "SELECT o.n, o.uid, o.schema, o.caption, o.grade, o.marking FROM
                   (SELECT rowid FROM (SELECT rowid, rank FROM fts WHERE fts MATCH ?1 LIMIT 1000)
                    ORDER BY rank LIMIT ?2) f
                 JOIN object o ON o.n = f.rowid WHERE o.deleted = 0",
                exact,
            ),
            (
                "SELECT o.n, o.uid, o.schema, o.caption, o.grade, o.marking FROM
                   (SELECT rowid FROM fts WHERE fts MATCH ?1 LIMIT ?2) f
                 JOIN object o ON o.n = f.rowid WHERE o.deleted = 0",
                prefix,
            ),
        ] {
            let want = limit.saturating_sub(hits.len() as u32);
            if want == 0 {
                break;
            }
            let mut stmt = self.conn.prepare_cached(sql)?;
            let rows = stmt.query_map(params![q, want + seen.len() as u32], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    SearchHit {
                        id: uid_from_blob(&r.get::<_, Vec<u8>>(1)?),
                        schema: r.get(2)?,
                        caption: r.get(3)?,
                        grade: r.get(4)?,
                        marking: r.get(5)?,
                    },
                ))
            })?;
            for row in rows {
                let (n, hit) = row?;
                if seen.insert(hit.id) && (hits.len() as u32) < limit {
                    hits.push((n, hit));
                }
            }
        }
        Ok(hits)
    }

    /// Records matching `expr`, counted up to [`COUNT_CAP`] (the index holds live records only).
    fn count_matches(&self, expr: &str) -> Result<SearchTotal> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM (SELECT rowid FROM fts WHERE fts MATCH ?1 LIMIT ?2)")?
            .query_row(params![expr, COUNT_CAP as i64 + 1], |r| r.get(0))?;
        let n = n as u64;
        Ok(if n > COUNT_CAP { SearchTotal::AtLeast(COUNT_CAP) } else { SearchTotal::Exact(n) })
    }

    /// The references of the cases record `n` is in (a note or an operation: its own case),
    /// at most [`CASES_PER_HIT`], and how many in all.
    fn cases_of_hit(&self, n: i64, schema: &str) -> Result<(Vec<String>, u64)> {
        if matches!(schema, "Note" | "Operation" | "Task" | "Rfi" | "RfiAnswer") {
            let reference: Option<String> = self
                .conn
                .prepare_cached(
                    "SELECT coalesce(min(cr.ref), c.caption) FROM object r JOIN object c ON c.n = r.src
                     LEFT JOIN case_ref cr ON cr.obj = c.n WHERE r.n = ?1 AND c.deleted = 0",
                )?
                .query_row([n], |r| r.get(0))?;
            return Ok(reference.map_or((Vec::new(), 0), |r| (vec![r], 1)));
        }
        let refs: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT coalesce((SELECT min(ref) FROM case_ref WHERE obj = c.n), c.caption)
                 FROM object m JOIN object c ON c.n = m.src
                 WHERE m.dst = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND c.deleted = 0
                 ORDER BY 1 LIMIT ?2",
            )?
            .query_map(params![n, CASES_PER_HIT as i64 + 1], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if refs.len() <= CASES_PER_HIT {
            let count = refs.len() as u64;
            return Ok((refs, count));
        }
        let count: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM object m JOIN object c ON c.n = m.src
                 WHERE m.dst = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND c.deleted = 0",
            )?
            .query_row([n], |r| r.get(0))?;
        Ok((refs.into_iter().take(CASES_PER_HIT).collect(), count as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::{SearchTotal, identifier_form, terms, thousands, words};

    #[test]
    fn user_text_never_reaches_fts_as_syntax() {
        assert_eq!(terms("Dela\"croix OR x*"), vec!["\"dela\"", "\"croix\"", "\"or\"", "\"x\""]);
        assert!(terms("  ** ()").is_empty());
        assert_eq!(terms(&"a ".repeat(100)).len(), 8);
    }

    #[test]
    fn identifiers_typed_in_pieces_are_joined() {
        let id = |q: &str| identifier_form(q, &words(q));
        assert_eq!(id("06 11 00 00 00").as_deref(), Some("0611000000"));
        assert_eq!(id("GH-123-AB").as_deref(), Some("gh123ab"));
        assert_eq!(id("FR76 3000 6000 0112 3456 7890 189").as_deref(), Some("fr7630006000011234567890189"));
        assert_eq!(id("+33 6 11 00 00 00").as_deref(), Some("33611000000"));
        assert_eq!(id("Karim Benali"), None, "names are words, not an identifier");
        assert_eq!(id("0611000000"), None, "one piece needs no joining");
    }

    #[test]
    fn a_cut_page_says_so() {
        assert_eq!(SearchTotal::Exact(3).describe(3), "3 found");
        assert_eq!(SearchTotal::Exact(1234).describe(50), "first 50 of 1,234");
        assert_eq!(SearchTotal::AtLeast(1000).describe(50), "first 50 of 1,000+");
        assert!(!SearchTotal::AtLeast(1000).complete(50));
        assert!(SearchTotal::Exact(0).complete(0));
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
