//! Projection: from a record's live statements to what screens and searches read — its
//! caption, deletion flag, strongest grade and marking, its full-text row, its timeline items
//! and (for cases) its reference. A pure function of the statements, so it runs the same
//! after a local edit, an import or a rebuild.

use rusqlite::{Connection, OptionalExtension, params};

use super::apply::join_markings;
use super::{Result, case_timeline};
use crate::model::grade::Grade;
use crate::model::op::DELETED;
use crate::model::schema::{Category, Kind, PropType, Schema};

pub fn project(conn: &Connection, n: i64) -> Result<()> {
    let Some((schema, src, dst, caption_before)) = conn
        .prepare_cached("SELECT schema, src, dst, caption FROM object WHERE n = ?1")?
        .query_row([n], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()?
    else {
        return Ok(());
    };
    if schema.is_empty() {
        return Ok(());
    }
    let statements = live_statements(conn, n)?;
    // A kind from a newer Liaison is kept and shown generically rather than refused.
    let kind = Schema::builtin().kind(&schema).ok();
    let values = |prop: &'static str| statements.iter().filter(move |s| s.0 == prop).map(|s| s.1.as_str());
    let deleted = values(DELETED).next() == Some("true");
    let caption = kind
        .and_then(|k| k.caption.iter().find_map(|p| values(p).next()))
        .map(str::to_owned)
        .or_else(|| kind.map(|k| k.label.clone()))
        .unwrap_or_else(|| schema.clone());
    let mut best: Option<Grade> = None;
    let mut marking = String::from("TLP:CLEAR");
    let mut updated = 0;
    for (prop, _, grade, m, hlc) in &statements {
        if prop.starts_with('$') {
            continue;
        }
        if let Some(g) = grade.as_deref().and_then(|g| Grade::parse(g).ok()) {
            if best.as_ref().is_none_or(|b| g.score() > b.score()) {
                best = Some(g);
            }
        }
        marking = join_markings(&marking, m);
        updated = updated.max(*hlc);
    }
    conn.prepare_cached(
        "UPDATE object SET caption = ?2, deleted = ?3, grade = ?4, grade_score = ?5, marking = ?6,
                           updated = max(created, ?7) WHERE n = ?1",
    )?
    .execute(params![
        n,
        caption,
        deleted,
        best.as_ref().map(ToString::to_string),
        best.as_ref().map_or(-1, |g| i64::from(g.score())),
        marking,
        updated
    ])?;

    let Some(kind) = kind else { return Ok(()) };
    // A caption is never empty once projected: an empty one means a first projection, with
    // no earlier rows to delete (most projections during ingest and rebuild; each delete
    // is an index seek, and the full-text one is not cheap).
    let first = caption_before.is_empty();
    index_text(conn, n, kind, &statements, deleted, first)?;
    timeline(conn, n, kind, &statements, deleted, (src, dst), first)?;
    if kind.name == super::judgements::KIND {
        super::judgements::project(conn, n, first)?;
    }
    if kind.name == "Case" {
        if !first {
            conn.prepare_cached("DELETE FROM case_ref WHERE obj = ?1")?.execute([n])?;
        }
        if !deleted {
            for r in values("reference") {
                conn.prepare_cached("INSERT OR IGNORE INTO case_ref(ref, obj) VALUES(?1, ?2)")?
                    .execute(params![r, n])?;
            }
        }
    }
    Ok(())
}

type Row = (String, String, Option<String>, String, i64);

/// The full-text index gains one-letter prefixes: without them, the first letter typed in
/// a search read every term it begins and merged their postings (15–35 ms at 1M entities,
/// twice: the page and its count). The index is rebuilt from the statements
/// ([`reindex_all_text`]); a contentless FTS5 table keeps no text to rebuild from.
pub const V11: &str = "
DROP TABLE fts;
CREATE VIRTUAL TABLE fts USING fts5(
  names, ids, text,
  content='', contentless_delete=1,
  tokenize='unicode61 remove_diacritics 2',
  prefix='1 2 3'
);
";

/// Indexes every live searchable record's text into an empty `fts` (the V11 upgrade).
pub(super) fn reindex_all_text(conn: &Connection) -> Result<()> {
    let schema = Schema::builtin();
    let mut records =
        conn.prepare("SELECT n, schema FROM object WHERE deleted = 0 AND schema <> '' ORDER BY n")?;
    let mut rows = records.query([])?;
    while let Some(row) = rows.next()? {
        let (n, name): (i64, String) = (row.get(0)?, row.get(1)?);
        let Ok(kind) = schema.kind(&name) else { continue };
        if !searchable(kind) {
            continue;
        }
        index_text(conn, n, kind, &live_statements(conn, n)?, false, true)?;
    }
    Ok(())
}

/// Record `n`'s live statements, in the order projection reads them.
fn live_statements(conn: &Connection, n: i64) -> Result<Vec<Row>> {
    Ok(conn
        .prepare_cached(
            "SELECT prop, value, grade, marking, hlc FROM stmt WHERE obj = ?1 AND live = 1
             ORDER BY hlc, origin, value, source",
        )?
        .query_map([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?)
}

/// Entities, cases, notes and operations are found by search; links and the rest are not.
fn searchable(kind: &Kind) -> bool {
    matches!(kind.category, Category::Entity) || matches!(kind.name.as_str(), "Case" | "Note" | "Operation")
}

fn index_text(
    conn: &Connection,
    n: i64,
    kind: &Kind,
    statements: &[Row],
    deleted: bool,
    first: bool,
) -> Result<()> {
    if !first {
        conn.prepare_cached("DELETE FROM fts WHERE rowid = ?1")?.execute([n])?;
    }
    if deleted || !searchable(kind) {
        return Ok(());
    }
    let (mut names, mut ids, mut text) = (Vec::new(), Vec::new(), Vec::new());
    for (prop, value, ..) in statements {
        let Some(p) = kind.properties.get(prop) else { continue };
        match p.kind {
            PropType::Name => names.push(value.clone()),
            PropType::Phone => {
                // Index the national form too, so "0612345678" and "612345678" both find it.
                ids.push(value.clone());
                let digits: String = value.chars().filter(char::is_ascii_digit).collect();
                if digits.len() > 9 {
                    ids.push(digits[digits.len() - 9..].to_owned());
                    ids.push(format!("0{}", &digits[digits.len() - 9..]));
                }
            }
            PropType::Iban | PropType::Identifier | PropType::Email | PropType::Plate | PropType::Crypto => {
                ids.push(value.clone());
            }
            PropType::Text => text.push(value.clone()),
            _ => {}
        }
    }
    if names.is_empty() && ids.is_empty() && text.is_empty() {
        return Ok(());
    }
    conn.prepare_cached("INSERT INTO fts(rowid, names, ids, text) VALUES(?1, ?2, ?3, ?4)")?
        .execute(params![n, names.join(" \n"), ids.join(" "), text.join(" \n")])?;
    Ok(())
}

fn timeline(
    conn: &Connection,
    n: i64,
    kind: &Kind,
    statements: &[Row],
    deleted: bool,
    (src, dst): (Option<i64>, Option<i64>),
    first: bool,
) -> Result<()> {
    if !first {
        conn.prepare_cached("DELETE FROM timeline WHERE obj = ?1")?.execute([n])?;
    }
    // Who an item is about: both ends of a link, the case of a note, or the record itself.
    let (a, b) = match kind.category {
        Category::Link => (src, dst),
        _ if src.is_some() => (src, None),
        _ => (Some(n), None),
    };
    // One item per (date, property), however many sources state that date.
    let mut items: Vec<(String, String)> = Vec::new();
    if !deleted {
        for (prop, value, ..) in statements {
            let dated =
                kind.properties.get(prop).is_some_and(|p| p.kind == PropType::Date && p.timeline.is_some());
            if dated && !items.iter().any(|(at, p)| at == value && p == prop) {
                items.push((value.clone(), prop.clone()));
            }
        }
    }
    for (at, prop) in &items {
        conn.prepare_cached("INSERT INTO timeline(at, obj, prop, a, b) VALUES(?1, ?2, ?3, ?4, ?5)")?
            .execute(params![at, n, prop, a, b])?;
    }
    case_timeline::for_items(conn, n, &items, (a, b), first)?;
    if kind.name == "CaseMember" {
        if let (Some(case), Some(entity)) = (src, dst) {
            case_timeline::for_membership(conn, case, entity, !deleted)?;
        }
    }
    Ok(())
}
