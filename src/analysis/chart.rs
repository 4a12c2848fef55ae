//! A link chart to brief with: the entities of a case (or the ego network of one entity) and
//! the links between them, with what a reader needs to judge them — each link's kind, dates
//! and grade — and the strictest marking of everything drawn, read here from the store; the
//! drawing itself (SVG) is in [`svg`].

pub mod svg;

use std::collections::{HashMap, HashSet, VecDeque};

use rusqlite::{OptionalExtension, params};
use rustworkx_core::petgraph::graph::{NodeIndex, UnGraph};
use serde::Serialize;
use uuid::Uuid;

use crate::model::grade::Grade;
use crate::model::marking::Marking;
use crate::store::query::uid_from_blob;
use crate::store::{Result, Store, StoreError};

/// Most entities drawn on one chart: past a few thousand symbols a chart is unreadable on
/// paper and on screen, so the user is asked to draw part of it (`--around`).
pub const MAX_NODES: usize = 2_000;
/// Most hops drawn around an entity.
pub const MAX_HOPS: u8 = 6;

/// Records that are the case's bookkeeping, not links between entities.
const NOT_LINKS: &str = crate::store::query::CASE_RECORDS;

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every entity of the case and the links between them.
    Case(Uuid),
    /// Entities within `hops` links of `id`, inside `case` when given (else anywhere in the
    /// store), and the links between them.
    Around { id: Uuid, hops: u8, case: Option<Uuid> },
}

/// An entity drawn.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChartNode {
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
    /// The entity `--around` starts from.
    pub centre: bool,
}

/// One link record between two drawn entities.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChartLink {
    pub id: Uuid,
    pub kind: String,
    /// Its dates on the timeline (when the call was made, the payment sent…), oldest first.
    pub dates: Vec<String>,
    pub grade: Option<String>,
    /// Graded low: source reliability E/F or information credibility 5/6 (on the Admiralty
    /// scale, other scales translated).
    pub weak: bool,
}

/// A chart ready to draw.
#[derive(Debug, Clone)]
pub struct Chart {
    /// "PJ-MRS-2024-0113 · Title" or "around Karim Benali (2 hops)".
    pub title: String,
    /// Edge weights: the link records between the two ends (several calls are one edge).
    pub graph: UnGraph<ChartNode, Vec<ChartLink>>,
    /// The strictest marking of everything drawn (and of the case named in the title).
    pub marking: Marking,
}

impl Chart {
    /// Reads what `scope` draws. Refuses (as a user's error) a chart of more than
    /// [`MAX_NODES`] entities.
    pub fn load(store: &Store, scope: Scope) -> Result<Chart> {
        let conn = store.conn();
        let case = match scope {
            Scope::Case(c) => Some(c),
            Scope::Around { case, .. } => case,
        };
        let case_n = case
            .map(|c| {
                conn.query_row("SELECT n FROM object WHERE uid = ?1", [c.as_bytes()], |r| r.get::<_, i64>(0))
                    .optional()?
                    .ok_or_else(|| StoreError::NotFound(format!("no case {c}")))
            })
            .transpose()?;
        // The marking a record with no marked value of its own is drawn under: the case's
        // (itself never CLEAR by default), else the office's default.
        let (case_title, fallback) = match (case, case_n) {
            (Some(c), Some(n)) => {
                let summary = store.case_fields(n, c)?;
                let m = Marking::parse(&summary.marking).unwrap_or_else(|_| Marking::office_fallback());
                (Some(format!("{} · {}", summary.reference, summary.title)), m)
            }
            _ => (None, store.default_marking()?),
        };

        let members: Option<HashSet<i64>> = case_n.map(|n| members(store, n)).transpose()?;
        let (nodes, centre, title) = match scope {
            Scope::Case(_) => {
                let mut all: Vec<i64> = members.iter().flatten().copied().collect();
                all.sort_unstable();
                if all.len() > MAX_NODES {
                    return Err(StoreError::Input(format!(
                        "the case has {} entities; a chart of more than {MAX_NODES} is unreadable: \
                         draw part of it with --around ID --hops N",
                        all.len()
                    )));
                }
                (all, None, case_title.clone().unwrap_or_default())
            }
            Scope::Around { id, hops, .. } => {
                let start = store
                    .object_n(id)?
                    .ok_or_else(|| StoreError::NotFound(format!("no record with id {id}")))?;
                let (is_link, caption): (bool, String) = conn.query_row(
                    &format!(
                        "SELECT dst IS NOT NULL OR schema = 'Case' OR schema IN {NOT_LINKS}, caption
                         FROM object WHERE n = ?1"
                    ),
                    [start],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if is_link {
                    return Err(StoreError::Input(format!(
                        "{id} is not an entity (a link or a case record): give the id of a person, company, phone…"
                    )));
                }
                if members.as_ref().is_some_and(|m| !m.contains(&start)) {
                    return Err(StoreError::Input(format!(
                        "{caption} is not a member of the case: leave out --case to draw its links anywhere in the store"
                    )));
                }
                let nodes = ego(store, start, hops, members.as_ref())?;
                let mut title = format!("around {caption} ({hops} hop{})", if hops == 1 { "" } else { "s" });
                if let Some(t) = &case_title {
                    title = format!("{t} · {title}");
                }
                (nodes, Some(start), title)
            }
        };

        let mut graph = UnGraph::<ChartNode, Vec<ChartLink>>::new_undirected();
        let mut index: HashMap<i64, NodeIndex> = HashMap::new();
        let mut marking: Option<Marking> = None;
        let mut mark =
            |m: Marking| marking = Some(marking.as_ref().map_or_else(|| m.clone(), |c| c.join(&m)));
        for &n in &nodes {
            let (uid, schema, caption): (Vec<u8>, String, String) =
                conn.query_row("SELECT uid, schema, caption FROM object WHERE n = ?1", [n], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            mark(marking_of(store, n, &fallback)?);
            let i = graph.add_node(ChartNode {
                id: uid_from_blob(&uid),
                schema,
                caption,
                centre: Some(n) == centre,
            });
            index.insert(n, i);
        }
        let mut links = conn.prepare_cached(&format!(
            "SELECT l.n, l.uid, l.schema, l.dst, l.grade FROM object l
             WHERE l.src = ?1 AND l.deleted = 0 AND l.dst IS NOT NULL AND l.schema NOT IN {NOT_LINKS}
             ORDER BY l.uid"
        ))?;
        let mut dates = conn.prepare_cached("SELECT at FROM timeline WHERE obj = ?1 ORDER BY at")?;
        for &n in &nodes {
            let from = index[&n];
            let rows: Vec<(i64, Vec<u8>, String, i64, Option<String>)> = links
                .query_map([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                .collect::<std::result::Result<_, _>>()?;
            for (ln, uid, kind, dst, grade) in rows {
                let Some(&to) = index.get(&dst) else { continue };
                if to == from {
                    continue;
                }
                mark(marking_of(store, ln, &fallback)?);
                let link = ChartLink {
                    id: uid_from_blob(&uid),
                    kind,
                    dates: dates.query_map([ln], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?,
                    weak: grade.as_deref().is_some_and(is_weak),
                    grade,
                };
                match graph.find_edge(from, to) {
                    Some(e) => graph[e].push(link),
                    None => {
                        graph.add_edge(from, to, vec![link]);
                    }
                }
            }
        }
        // The case named in the title is drawn too; an empty chart still carries a marking.
        if case.is_some() {
            mark(fallback.clone());
        }
        let marking = marking.unwrap_or(fallback);
        Ok(Chart { title, graph, marking })
    }

    /// Link records drawn (an edge may stand for several).
    pub fn link_count(&self) -> usize {
        self.graph.edge_weights().map(Vec::len).sum()
    }
}

/// Whether a grade is low: reliability E (unreliable) or F (cannot be judged), or credibility
/// 5 (improbable) or 6 (cannot be judged), on the Admiralty scale.
pub fn is_weak(grade: &str) -> bool {
    Grade::parse(grade).is_ok_and(|g| {
        let (a, _) = g.to_admiralty();
        matches!(a.reliability, 'E' | 'F') || matches!(a.credibility, '5' | '6')
    })
}

/// Live entity members of case `n`.
fn members(store: &Store, case_n: i64) -> Result<HashSet<i64>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT e.n FROM object m JOIN object e ON e.n = m.dst
         WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0",
    )?;
    let rows = stmt.query_map([case_n], |r| r.get::<_, i64>(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Entities within `hops` links of `start` (inside `within` when given), breadth first;
/// refused past [`MAX_NODES`].
fn ego(store: &Store, start: i64, hops: u8, within: Option<&HashSet<i64>>) -> Result<Vec<i64>> {
    let mut next = store.conn().prepare_cached(&format!(
        "SELECT l.dst FROM object l JOIN object o ON o.n = l.dst
           WHERE l.src = ?1 AND l.deleted = 0 AND o.deleted = 0 AND o.schema <> '' AND l.schema NOT IN {NOT_LINKS}
         UNION
         SELECT l.src FROM object l JOIN object o ON o.n = l.src
           WHERE l.dst = ?1 AND l.deleted = 0 AND o.deleted = 0 AND o.schema <> '' AND l.schema NOT IN {NOT_LINKS}"
    ))?;
    let mut seen: HashSet<i64> = HashSet::from([start]);
    let mut order = vec![start];
    let mut queue = VecDeque::from([(start, 0u8)]);
    while let Some((n, depth)) = queue.pop_front() {
        if depth == hops {
            continue;
        }
        let mut others: Vec<i64> =
            next.query_map(params![n], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
        others.sort_unstable();
        for o in others {
            if within.is_some_and(|w| !w.contains(&o)) || !seen.insert(o) {
                continue;
            }
            if order.len() == MAX_NODES {
                return Err(StoreError::Input(format!(
                    "more than {MAX_NODES} entities lie within {hops} hops: a chart that large is unreadable; \
                     give fewer --hops (or --case to stay inside a case)"
                )));
            }
            order.push(o);
            queue.push_back((o, depth + 1));
        }
    }
    Ok(order)
}

/// The strictest marking of a record's live values; a record with no marked value of its own
/// takes `fallback` (a marking never falls to CLEAR because nobody wrote one).
fn marking_of(store: &Store, n: i64, fallback: &Marking) -> Result<Marking> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT marking FROM stmt WHERE obj = ?1 AND live = 1 AND substr(prop, 1, 1) <> '$'",
    )?;
    let mut out: Option<Marking> = None;
    for m in stmt.query_map([n], |r| r.get::<_, String>(0))? {
        let text = m?;
        // An unreadable marking is treated as the strictest we know rather than skipped.
        let m = Marking::parse(&text).unwrap_or_else(|_| Marking { tlp: 4, codes: fallback.codes.clone() });
        out = Some(out.map_or_else(|| m.clone(), |o| o.join(&m)));
    }
    Ok(out.unwrap_or_else(|| fallback.clone()))
}
