//! The graph view of the store: entities as nodes; relationship records (Ownership, Call,
//! Payment, Trip, Family…) and shared observables (two people linked to one phone, one IBAN,
//! one e-mail) as edges, each with its kinds, dates, best grade and marking. Scoped to a case
//! or a set of cases (their members), or the whole store, and narrowed by link kinds, a
//! minimum grade and a time window.
//!
//! Loaded with set queries — the members once, then the links touching them in one streaming
//! query (the whole store: every entity, then every link) — into a petgraph adjacency with
//! compact edge data: kinds are a bit set over [`Names::kinds`], markings and grades are
//! interned, dates are `yyyymmdd` numbers. Several links between the same two entities are one
//! edge: more calls between two people are not more paths between others.
//!
//! Observables are records with deterministic ids (src/model/ids.rs): the same number entered
//! twice is one Phone record, so "holding the same value" is "linked to the same observable".
//! An observable inside the scope is a node, and its holders are two hops apart through it;
//! one outside the scope (a phone that is not a member of the case) would leave them
//! unconnected, so each pair of its holders gets a derived edge of kind "shared Phone"
//! (graded as the weaker of the two links, marked as the stricter). An observable with more
//! than [`MAX_SHARED_HOLDERS`] holders (a switchboard, a bank's clearing account) makes none.
//! The whole store holds every observable as a node, so it has no derived edges.
//!
//! Records judged the same (issue 13) are ONE node: see [`profiles`].

mod profiles;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use rusqlite::types::Value;
use rustworkx_core::petgraph::graph::{NodeIndex, UnGraph};
use uuid::Uuid;

use super::path::PathFilter;
use crate::model::marking::Marking;
use crate::model::schema::{Category, Schema};
use crate::store::judgements::{Profile, Profiles};
use crate::store::query::uid_from_blob;
use crate::store::{Result, Store, StoreError};

/// Holders past which an observable is a hub, not a tie between people.
pub const MAX_SHARED_HOLDERS: usize = 20;
/// Most entities loaded for a case scope (a case is under investigation, not the store).
pub const MAX_CASE_NODES: usize = 50_000;

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Cases whose members are the nodes; empty: every entity of the store.
    pub cases: Vec<Uuid>,
    /// Link kinds, minimum grade, time window.
    pub filter: PathFilter,
    /// Add the edges of shared observables left outside the scope.
    pub shared: bool,
}

impl Scope {
    pub fn cases(cases: &[Uuid]) -> Scope {
        Scope { cases: cases.to_vec(), filter: PathFilter::default(), shared: true }
    }

    pub fn whole_store() -> Scope {
        Scope { cases: Vec::new(), filter: PathFilter::default(), shared: true }
    }
}

/// An entity of the graph.
#[derive(Debug, Clone)]
pub struct NodeData {
    /// Its local record number.
    pub n: i64,
    pub id: Uuid,
    /// Index into [`Names::schemas`].
    pub schema: u16,
    pub caption: String,
}

/// The links between two entities, folded into one edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeData {
    /// Bit i set: a link of kind `Names::kinds[i]`.
    pub kinds: u64,
    /// Link records folded in (a shared observable counts its two links).
    pub links: u32,
    /// Earliest and latest dates of the links, `yyyymmdd` (month or day 00 when unknown);
    /// 0: undated.
    pub first: u32,
    pub last: u32,
    /// Best grade score of the links (0..=10; -1 ungraded) and its text ([`Names::grades`]).
    pub score: i8,
    pub grade: u16,
    /// The strictest marking of the links ([`Names::markings`]).
    pub marking: u16,
    /// The best-graded link's record number: where the hop's sources are read.
    pub link: u32,
    /// For a shared observable: its record number; 0 otherwise.
    pub via: u32,
}

/// Interned names the compact data points into.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub kinds: Vec<String>,
    pub schemas: Vec<String>,
    pub grades: Vec<String>,
    pub markings: Vec<String>,
}

impl Names {
    /// The kinds of an edge, in interning order.
    pub fn kinds_of(&self, bits: u64) -> Vec<String> {
        (0..self.kinds.len().min(64))
            .filter(|i| bits & (1 << i) != 0)
            .map(|i| self.kinds[i].clone())
            .collect()
    }
}

/// A loaded graph view.
#[derive(Debug, Clone, Default)]
pub struct GraphView {
    pub graph: UnGraph<NodeData, EdgeData>,
    /// Record number → node.
    pub index: HashMap<i64, NodeIndex>,
    pub names: Names,
    /// Link records folded into the edges (without shared observables).
    pub links: usize,
    /// Observables with more than [`MAX_SHARED_HOLDERS`] holders, left out as ties.
    pub hubs_skipped: usize,
    /// Nodes standing for records judged the same (node index → profile; see [`profiles`]).
    pub profiles: HashMap<u32, Arc<Profile>>,
}

/// A link as read, before folding: ends as node indexes.
#[derive(Clone, Copy)]
struct RawEdge {
    a: u32,
    b: u32,
    data: EdgeData,
}

/// `2024-06-03T10:00` → 20240603; `2024-06` → 20240600; nothing → 0.
pub fn day_number(at: Option<&str>) -> u32 {
    let Some(at) = at else { return 0 };
    let digits: String = at.chars().take(10).filter(char::is_ascii_digit).collect();
    let year: u32 = digits.get(0..4).and_then(|s| s.parse().ok()).unwrap_or(0);
    let month: u32 = digits.get(4..6).and_then(|s| s.parse().ok()).unwrap_or(0);
    let day: u32 = digits.get(6..8).and_then(|s| s.parse().ok()).unwrap_or(0);
    year * 10_000 + month * 100 + day
}

/// 20240603 → "2024-06-03", 20240600 → "2024-06", 0 → "".
pub fn day_text(d: u32) -> String {
    match (d / 10_000, d / 100 % 100, d % 100) {
        (0, _, _) => String::new(),
        (y, 0, _) => format!("{y:04}"),
        (y, m, 0) => format!("{y:04}-{m:02}"),
        (y, m, day) => format!("{y:04}-{m:02}-{day:02}"),
    }
}

/// Interning, and the join of markings (cached: a store has few distinct markings).
#[derive(Default)]
struct Interner {
    names: Names,
    kinds: HashMap<String, u16>,
    schemas: HashMap<String, u16>,
    grades: HashMap<String, u16>,
    markings: HashMap<String, u16>,
    joins: HashMap<(u16, u16), u16>,
}

fn intern(map: &mut HashMap<String, u16>, list: &mut Vec<String>, s: &str) -> u16 {
    if let Some(&i) = map.get(s) {
        return i;
    }
    let i = list.len() as u16;
    list.push(s.to_owned());
    map.insert(s.to_owned(), i);
    i
}

impl Interner {
    fn kind(&mut self, s: &str) -> Result<u64> {
        let i = intern(&mut self.kinds, &mut self.names.kinds, s);
        if i >= 64 {
            return Err(StoreError::Input(
                "more than 64 link kinds in one graph: narrow it with --kinds".into(),
            ));
        }
        Ok(1 << i)
    }
    fn schema(&mut self, s: &str) -> u16 {
        intern(&mut self.schemas, &mut self.names.schemas, s)
    }
    fn grade(&mut self, s: &str) -> u16 {
        intern(&mut self.grades, &mut self.names.grades, s)
    }
    fn marking(&mut self, s: &str) -> u16 {
        intern(&mut self.markings, &mut self.names.markings, s)
    }
    /// The stricter combination of two markings; one that does not parse wins outright
    /// (never loosen what we cannot read).
    fn join(&mut self, a: u16, b: u16) -> u16 {
        if a == b {
            return a;
        }
        if let Some(&j) = self.joins.get(&(a, b)) {
            return j;
        }
        let (ta, tb) = (&self.names.markings[a as usize], &self.names.markings[b as usize]);
        let j = match (Marking::parse(ta), Marking::parse(tb)) {
            (Ok(x), Ok(y)) => {
                let text = x.join(&y).to_string();
                self.marking(&text)
            }
            (Err(_), _) => a,
            (_, Err(_)) => b,
        };
        self.joins.insert((a, b), j);
        self.joins.insert((b, a), j);
        j
    }
}

/// Kinds of a category, as an SQL list of literals (schema names are identifiers from the
/// built-in schema, never user text).
fn kinds_sql(category: Category) -> String {
    Schema::builtin()
        .kinds()
        // A membership is case work, not a tie between entities.
        .filter(|k| k.category == category && k.name != "CaseMember")
        .map(|k| format!("'{}'", k.name.replace('\'', "")))
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn entity_kinds_sql() -> String {
    kinds_sql(Category::Entity)
}

pub(crate) fn link_kinds_sql() -> String {
    kinds_sql(Category::Link)
}

/// The observable kinds (Phone, BankAccount, Email…).
fn observable_kinds() -> Vec<String> {
    Schema::builtin()
        .kinds()
        .filter(|k| k.category == Category::Entity && k.observable.is_some())
        .map(|k| k.name.clone())
        .collect()
}

/// The SQL condition on link `l` for `filter`, and its parameters (numbered from `first`).
pub(crate) fn filter_sql(filter: &PathFilter, first: usize) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    if !filter.kinds.is_empty() {
        let names: Vec<String> = filter
            .kinds
            .iter()
            .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric()))
            .map(|k| format!("'{k}'"))
            .collect();
        let _ = write!(
            sql,
            " AND l.schema IN ({})",
            if names.is_empty() { "''".to_owned() } else { names.join(",") }
        );
    }
    if let Some(g) = filter.min_grade {
        let _ = write!(sql, " AND l.grade_score >= ?{}", first + values.len());
        values.push(Value::Integer(i64::from(g)));
    }
    if filter.from.is_some() || filter.to.is_some() {
        let i = first + values.len();
        let _ = write!(
            sql,
            " AND EXISTS (SELECT 1 FROM timeline t WHERE t.obj = l.n AND t.at >= ?{i} AND t.at < ?{})",
            i + 1
        );
        values.push(Value::Text(filter.from.clone().unwrap_or_default()));
        // '~' sorts after every character of an ISO date: "2024-06~" is past all of June.
        values.push(Value::Text(filter.to.as_ref().map_or_else(|| "~".to_owned(), |t| format!("{t}~"))));
    }
    (sql, values)
}

/// The columns every link query reads, in this order.
/// The link's first and last dates come from one look-up of its timeline items ("first|last").
pub(crate) const LINK_COLUMNS: &str = "l.n, l.src, l.dst, l.schema, l.grade, l.grade_score, l.marking,
    (SELECT min(t.at) || '|' || max(t.at) FROM timeline t WHERE t.obj = l.n), NULL";

/// The same without dates: the whole store reads them in one scan of the timeline instead.
const LINK_COLUMNS_UNDATED: &str =
    "l.n, l.src, l.dst, l.schema, l.grade, l.grade_score, l.marking, NULL, NULL";

/// One link row: (n, src, dst, schema, grade, score, marking, first, last).
pub(crate) type LinkRow =
    (i64, i64, i64, String, Option<String>, i64, String, Option<String>, Option<String>);

pub(crate) fn link_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LinkRow> {
    let dates: Option<String> = r.get(7)?;
    let (first, last) = match dates.as_deref().and_then(|d| d.split_once('|')) {
        Some((f, l)) => (Some(f.to_owned()), Some(l.to_owned())),
        None => (None, None),
    };
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, first, last))
}

/// Builds a graph from nodes and link rows.
pub(crate) struct Builder {
    pub(crate) view: GraphView,
    names: Interner,
    raw: Vec<RawEdge>,
    /// (observable record, its schema, holder node, the link's data) for shared observables.
    held: Vec<(i64, u16, u32, EdgeData)>,
    observables: Vec<String>,
    /// First and last dates by link record number, when read in one scan beforehand.
    dates: Vec<(u32, u32)>,
    /// Records judged the same: contracted into one node as they are added.
    pub(crate) profiles: Profiles,
}

impl Builder {
    pub(crate) fn new() -> Builder {
        Builder {
            view: GraphView::default(),
            names: Interner::default(),
            raw: Vec::new(),
            held: Vec::new(),
            observables: observable_kinds(),
            dates: Vec::new(),
            profiles: Profiles::default(),
        }
    }

    /// Adds record `n` as a node, or to its profile's node; true when a node was made.
    pub(crate) fn node(&mut self, n: i64, uid: &[u8], schema: &str, caption: String) -> bool {
        if self.view.index.contains_key(&n) {
            return false;
        }
        if let Some(made) = self.profile_node(n, schema) {
            return made;
        }
        let s = self.names.schema(schema);
        let i = self.view.graph.add_node(NodeData { n, id: uid_from_blob(uid), schema: s, caption });
        self.view.index.insert(n, i);
        true
    }

    /// A link row; `other_schema` is the schema of an end outside the nodes, if known.
    pub(crate) fn link(&mut self, row: LinkRow, shared: bool, outside: Option<(i64, &str)>) -> Result<()> {
        let (n, src, dst, schema, grade, score, marking, first, last) = row;
        let (first, last) = match self.dates.get(n as usize) {
            Some(&d) if first.is_none() => d,
            _ => (day_number(first.as_deref()), day_number(last.as_deref())),
        };
        let data = EdgeData {
            kinds: self.names.kind(&schema)?,
            links: 1,
            first,
            last,
            score: score.clamp(-1, 10) as i8,
            grade: self.names.grade(grade.as_deref().unwrap_or("")),
            marking: self.names.marking(&marking),
            link: n as u32,
            via: 0,
        };
        let (a, b) = (self.view.index.get(&src).copied(), self.view.index.get(&dst).copied());
        if let (Some(a), Some(b)) = (a, b) {
            if a != b {
                self.view.links += 1;
                let (a, b) = (a.index().min(b.index()) as u32, a.index().max(b.index()) as u32);
                self.raw.push(RawEdge { a, b, data });
            }
        }
        if !shared {
            return Ok(());
        }
        if let Some((obs, obs_schema)) = outside {
            let holder = if obs == src { b } else { a };
            if let Some(h) = holder {
                if self.observables.iter().any(|o| o == obs_schema) {
                    let s = self.names.schema(obs_schema);
                    self.held.push((obs, s, h.index() as u32, data));
                }
            }
        }
        Ok(())
    }

    /// Folds parallel links and shared observables into edges.
    pub(crate) fn finish(mut self) -> Result<GraphView> {
        self.held.sort_by_key(|(obs, _, holder, _)| (*obs, *holder));
        let mut i = 0;
        while i < self.held.len() {
            let obs = self.held[i].0;
            let mut j = i;
            while j < self.held.len() && self.held[j].0 == obs {
                j += 1;
            }
            // One entry per holder: its best-graded link to the observable.
            let mut holders: Vec<(u32, EdgeData)> = Vec::new();
            for (_, _, h, d) in &self.held[i..j] {
                match holders.last_mut() {
                    Some((last, best)) if last == h => {
                        if d.score > best.score {
                            *best = *d;
                        }
                    }
                    _ => holders.push((*h, *d)),
                }
            }
            if holders.len() > MAX_SHARED_HOLDERS {
                self.view.hubs_skipped += 1;
            } else if holders.len() > 1 {
                let kind_name = format!("shared {}", self.names.names.schemas[self.held[i].1 as usize]);
                let kind = self.names.kind(&kind_name)?;
                for x in 0..holders.len() {
                    for y in x + 1..holders.len() {
                        let ((ha, da), (hb, db)) = (holders[x], holders[y]);
                        let weaker = if da.score <= db.score { da } else { db };
                        let data = EdgeData {
                            kinds: kind,
                            links: 2,
                            first: min_date(da.first, db.first),
                            last: da.last.max(db.last),
                            score: weaker.score,
                            grade: weaker.grade,
                            marking: self.names.join(da.marking, db.marking),
                            link: weaker.link,
                            via: obs as u32,
                        };
                        self.raw.push(RawEdge { a: ha.min(hb), b: ha.max(hb), data });
                    }
                }
            }
            i = j;
        }
        self.raw.sort_unstable_by_key(|e| (e.a, e.b));
        let mut k = 0;
        while k < self.raw.len() {
            let RawEdge { a, b, mut data } = self.raw[k];
            let mut m = k + 1;
            while m < self.raw.len() && self.raw[m].a == a && self.raw[m].b == b {
                let d = self.raw[m].data;
                data.kinds |= d.kinds;
                data.links += d.links;
                data.first = min_date(data.first, d.first);
                data.last = data.last.max(d.last);
                if d.score > data.score || (d.score == data.score && data.via != 0 && d.via == 0) {
                    (data.score, data.grade, data.link, data.via) = (d.score, d.grade, d.link, d.via);
                }
                data.marking = self.names.join(data.marking, d.marking);
                m += 1;
            }
            self.view.graph.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), data);
            k = m;
        }
        self.view.names = self.names.names;
        Ok(self.view)
    }
}

fn min_date(a: u32, b: u32) -> u32 {
    match (a, b) {
        (0, x) | (x, 0) => x,
        (x, y) => x.min(y),
    }
}

impl GraphView {
    /// Loads the graph `scope` describes.
    pub fn load(store: &Store, scope: &Scope) -> Result<GraphView> {
        if scope.cases.is_empty() { Self::load_store(store, scope) } else { Self::load_cases(store, scope) }
    }

    /// Every live entity and every live link of the store: two streaming scans.
    fn load_store(store: &Store, scope: &Scope) -> Result<GraphView> {
        let conn = store.conn();
        let mut b = Builder::new();
        b.profiles = profiles::of_every_record(store)?;
        let mut nodes = conn.prepare(&format!(
            "SELECT n, uid, schema, caption FROM object WHERE deleted = 0 AND dst IS NULL AND schema IN ({})",
            kinds_sql(Category::Entity)
        ))?;
        let mut rows = nodes.query([])?;
        while let Some(r) = rows.next()? {
            let uid: Vec<u8> = r.get(1)?;
            let schema: String = r.get(2)?;
            b.node(r.get(0)?, &uid, &schema, r.get(3)?);
        }
        // Every dated item in one pass (by record number), rather than a look-up per link.
        let max_n: i64 = conn.query_row("SELECT coalesce(max(n), 0) FROM object", [], |r| r.get(0))?;
        b.dates = vec![(0, 0); max_n as usize + 1];
        let mut items = conn.prepare("SELECT obj, at FROM timeline WHERE b IS NOT NULL")?;
        let mut rows = items.query([])?;
        while let Some(r) = rows.next()? {
            let obj: i64 = r.get(0)?;
            let at: String = r.get(1)?;
            if let Some(d) = b.dates.get_mut(obj as usize) {
                let day = day_number(Some(&at));
                *d = (min_date(d.0, day), d.1.max(day));
            }
        }
        drop(rows);
        let (keep, values) = filter_sql(&scope.filter, 1);
        let mut links = conn.prepare(&format!(
            "SELECT {LINK_COLUMNS_UNDATED} FROM object l WHERE l.deleted = 0 AND l.dst IS NOT NULL AND l.schema IN ({}){keep}",
            kinds_sql(Category::Link)
        ))?;
        let mut rows = links.query(rusqlite::params_from_iter(values))?;
        while let Some(r) = rows.next()? {
            b.link(link_row(r)?, scope.shared, None)?;
        }
        b.finish()
    }

    /// The live entity members of the cases and the live links that touch them.
    fn load_cases(store: &Store, scope: &Scope) -> Result<GraphView> {
        let conn = store.conn();
        let mut case_ns = Vec::new();
        for case in &scope.cases {
            let n: i64 = conn
                .query_row(
                    "SELECT n FROM object WHERE uid = ?1 AND schema = 'Case'",
                    [case.as_bytes()],
                    |r| r.get(0),
                )
                .map_err(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound(format!("no case {case}")),
                    e => e.into(),
                })?;
            case_ns.push(n.to_string());
        }
        let cases = case_ns.join(",");
        let members = format!(
            "SELECT m.dst FROM object m WHERE m.src IN ({cases}) AND m.schema = 'CaseMember' AND m.deleted = 0"
        );
        let mut b = Builder::new();
        let mut nodes = conn.prepare(&format!(
            "SELECT e.n, e.uid, e.schema, e.caption FROM object e WHERE e.n IN ({members}) AND e.deleted = 0
               AND e.schema IN ({}) ORDER BY e.uid",
            kinds_sql(Category::Entity)
        ))?;
        let mut rows = nodes.query([])?;
        let mut read: Vec<(i64, Vec<u8>, String, String)> = Vec::new();
        while let Some(r) = rows.next()? {
            if read.len() == MAX_CASE_NODES {
                return Err(StoreError::Input(format!(
                    "the cases have more than {MAX_CASE_NODES} entities: their network is too large to measure here"
                )));
            }
            read.push((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
        }
        drop(rows);
        // Members judged the same are one node (members outside the cases are not loaded).
        b.profiles = store.profiles_of_ns(&read.iter().map(|r| r.0).collect::<Vec<_>>())?;
        for (n, uid, schema, caption) in read {
            b.node(n, &uid, &schema, caption);
        }
        // Links from a member, then links to a member from outside: each link read once,
        // with the schema of an outside end (an observable there ties members together).
        let (keep, values) = filter_sql(&scope.filter, 1);
        let links = kinds_sql(Category::Link);
        let sql = format!(
            "SELECT {LINK_COLUMNS}, o.n, o.schema FROM object l JOIN object o ON o.n = l.dst
               WHERE l.src IN ({members}) AND l.deleted = 0 AND l.schema IN ({links}) AND o.deleted = 0{keep}
             UNION ALL
             SELECT {LINK_COLUMNS}, o.n, o.schema FROM object l JOIN object o ON o.n = l.src
               WHERE l.dst IN ({members}) AND l.src NOT IN ({members}) AND l.deleted = 0
                 AND l.schema IN ({links}) AND o.deleted = 0{keep}"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
        while let Some(r) = rows.next()? {
            let other: i64 = r.get(9)?;
            let other_schema: String = r.get(10)?;
            let outside = (!b.view.index.contains_key(&other)).then_some((other, other_schema.as_str()));
            b.link(link_row(r)?, scope.shared, outside)?;
        }
        b.finish()
    }

    /// The edge between two nodes, if any.
    pub fn edge(&self, a: NodeIndex, b: NodeIndex) -> Option<&EdgeData> {
        self.graph.find_edge(a, b).map(|e| &self.graph[e])
    }

    /// The edges as (index, index) pairs in node order, for the algorithms and other tools.
    pub fn edge_pairs(&self) -> Vec<(u32, u32)> {
        self.graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e))
            .map(|(a, b)| (a.index() as u32, b.index() as u32))
            .collect()
    }
}
