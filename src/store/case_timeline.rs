//! The timeline of each case, kept ready: one row per (case, dated item), so that opening a
//! case's timeline page or its density strip is one index range scan instead of a merge over
//! every member's items (tens of milliseconds for a 2,000-member case — too slow for a
//! keypress).
//!
//! An item belongs to a case when one of the records it is about (both ends of a link; the
//! case of a note; the record itself) is a live member of the case, or is the case. Both sides
//! of that relation maintain it, so the result does not depend on which is projected first:
//! projecting a dated record writes its rows for the cases its ends belong to now, and
//! projecting a membership adds (or removes) the member's items for that case.

use rusqlite::{Connection, params};

use super::Result;

/// The cases `record` is a live member of, plus `record` itself if it is a case.
fn cases_of(conn: &Connection, record: i64, out: &mut Vec<i64>) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT src FROM object WHERE dst = ?1 AND schema = 'CaseMember' AND deleted = 0
         UNION SELECT n FROM object WHERE n = ?1 AND schema = 'Case'",
    )?;
    for c in stmt.query_map([record], |r| r.get::<_, i64>(0))? {
        let c = c?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(())
}

/// Rewrites the case rows of record `n`'s dated items `(at, prop)`, which are about `a`/`b`
/// (`first`: `n` was never projected, so it has no rows yet).
pub fn for_items(
    conn: &Connection,
    n: i64,
    items: &[(String, String)],
    (a, b): (Option<i64>, Option<i64>),
    first: bool,
) -> Result<()> {
    if !first {
        conn.prepare_cached("DELETE FROM case_timeline WHERE obj = ?1")?.execute([n])?;
    }
    if items.is_empty() {
        return Ok(());
    }
    let mut cases = Vec::new();
    for end in a.into_iter().chain(b) {
        cases_of(conn, end, &mut cases)?;
    }
    for case in cases {
        for (at, prop) in items {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO case_timeline(case_n, at, obj, prop) VALUES(?1, ?2, ?3, ?4)",
            )?
            .execute(params![case, at, n, prop])?;
        }
    }
    Ok(())
}

/// Brings case `case_n`'s rows up to date for the items about `entity_n`, whose membership
/// in the case is now `live` or not.
pub fn for_membership(conn: &Connection, case_n: i64, entity_n: i64, live: bool) -> Result<()> {
    if live {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO case_timeline(case_n, at, obj, prop)
             SELECT ?1, at, obj, prop FROM timeline WHERE a = ?2
             UNION SELECT ?1, at, obj, prop FROM timeline WHERE b = ?2",
        )?
        .execute(params![case_n, entity_n])?;
        return Ok(());
    }
    // Gone from the case: drop its items, except those whose other end is still a member.
    let items: Vec<(String, i64, String, Option<i64>, Option<i64>)> = conn
        .prepare_cached(
            "SELECT at, obj, prop, a, b FROM timeline WHERE a = ?1
             UNION SELECT at, obj, prop, a, b FROM timeline WHERE b = ?1",
        )?
        .query_map([entity_n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    for (at, obj, prop, a, b) in items {
        let mut still = false;
        for other in a.into_iter().chain(b).filter(|&x| x != entity_n) {
            let mut cases = Vec::new();
            cases_of(conn, other, &mut cases)?;
            still |= cases.contains(&case_n);
        }
        if !still {
            conn.prepare_cached(
                "DELETE FROM case_timeline WHERE case_n = ?1 AND at = ?2 AND obj = ?3 AND prop = ?4",
            )?
            .execute(params![case_n, at, obj, prop])?;
        }
    }
    Ok(())
}
