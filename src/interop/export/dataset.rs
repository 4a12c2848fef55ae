//! What an export covers, already released for its reader: the records, each with only the
//! live values the reader may have (see [`super::filter`]), and only the records with at least
//! one such value. Links go only with both their ends, memberships only with their case and
//! member, notes only with their case. Writers read from here and never from the store
//! directly, so no format can write what the filter kept out.

use std::collections::{BTreeSet, HashMap, HashSet};

use rusqlite::params;
use uuid::Uuid;

use super::super::ImportError;
use super::super::report::Skips;
use super::filter::{Filter, Reader, Sensitive, Stmt};
use crate::model::grade::Grade;
use crate::model::hlc::Hlc;
use crate::model::ids::DeviceId;
use crate::model::marking::Marking;
use crate::model::schema::{Category, Kind, Schema};
use crate::store::query::TimelineScope;
use crate::store::{Store, StoreError};

/// Records that belong to the case they hang from.
const CASE_RECORDS: [&str; 4] = ["CaseMember", "Note", "Operation", "Task"];

/// One live statement of a record.
#[derive(Debug, Clone)]
pub struct Value {
    pub prop: String,
    pub value: String,
    pub grade: Option<String>,
    pub marking: String,
    pub source: Option<String>,
}

/// A record to export, with the live values its reader may have. Its caption, grade and
/// marking are worked out from those values only, so none of them tells of a value left out.
#[derive(Debug, Clone)]
pub struct Rec {
    pub n: i64,
    pub uid: Uuid,
    pub kind: &'static Kind,
    pub src: Option<i64>,
    pub dst: Option<i64>,
    pub caption: String,
    pub grade: Option<String>,
    /// The strictest marking of the values written.
    pub marking: String,
    pub created: chrono::DateTime<chrono::Utc>,
    pub updated: chrono::DateTime<chrono::Utc>,
    pub values: Vec<Value>,
}

impl Rec {
    pub fn first(&self, prop: &str) -> Option<&str> {
        self.values.iter().find(|v| v.prop == prop).map(|v| v.value.as_str())
    }

    pub fn all<'a>(&'a self, prop: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.values.iter().filter(move |v| v.prop == prop).map(|v| v.value.as_str())
    }

    /// The id another tool gave this record, if it was imported with one of `prefix`.
    pub fn external(&self, prefix: &str) -> Option<&str> {
        self.all("externalId").find_map(|e| e.strip_prefix(prefix))
    }
}

/// What was left out for the reader, by rule, and what needs confirming.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct Released {
    /// Who the file is for.
    pub reader: String,
    /// Values the reader may not have, by the rule that keeps them out.
    pub values_left_out: Skips,
    /// Records, links, memberships and notes not written, by reason.
    pub records_left_out: Skips,
    /// Written values that need a confirmation before they go to a file.
    pub sensitive: Sensitive,
}

impl Released {
    pub fn print(&self) {
        println!("For: {}", self.reader);
        if self.values_left_out.is_empty() && self.records_left_out.is_empty() {
            return;
        }
        println!(
            "Left out for this reader: {} values, {} records",
            self.values_left_out.total, self.records_left_out.total
        );
        for (what, skips) in [("values", &self.values_left_out), ("records", &self.records_left_out)] {
            for (rule, s) in &skips.reasons {
                println!("  {:>7} {what}  {rule}", s.count);
                for e in &s.examples {
                    println!("           e.g. {e}");
                }
            }
        }
    }
}

/// What an export covers: a case's members, the links among them, the case and its notes;
/// or every live entity, link and case of the store; of those, what the reader may have.
pub struct Dataset<'s> {
    pub store: &'s Store,
    pub case: Option<(i64, Uuid)>,
    /// Local number → uid of every entity written (links are written when both ends are).
    pub entities: HashMap<i64, Uuid>,
    links: Vec<i64>,
    cases: Vec<i64>,
    notes: HashMap<i64, Vec<i64>>,
    members: HashMap<i64, Vec<i64>>,
    /// Every record written, by uid (the timeline's items are checked against it).
    written: HashSet<Uuid>,
    filter: Filter,
    pub released: Released,
}

/// A statement's release metadata, as read for the existence pass.
struct Meta {
    prop: String,
    marking: String,
    case: Option<i64>,
    origin: Vec<u8>,
}

fn device(origin: &[u8]) -> DeviceId {
    let mut d = [0u8; 16];
    if origin.len() == 16 {
        d.copy_from_slice(origin);
    }
    DeviceId(d)
}

/// The case a record belongs to: a case its own, a note or membership the case it hangs
/// from; entities and links none.
fn owner(n: i64, schema: &str, src: Option<i64>) -> Option<i64> {
    match schema {
        "Case" => Some(n),
        s if CASE_RECORDS.contains(&s) => src,
        _ => None,
    }
}

fn kinds(category: Category) -> String {
    let names: Vec<String> = Schema::builtin()
        .kinds()
        .filter(|k| k.category == category && k.name != "CaseMember")
        .map(|k| format!("'{}'", k.name))
        .collect();
    format!("({})", names.join(","))
}

impl<'s> Dataset<'s> {
    pub fn new(store: &'s Store, case: Option<Uuid>, reader: &Reader) -> Result<Dataset<'s>, ImportError> {
        let case = match case {
            Some(uid) => Some((
                store.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no case {uid}")))?,
                uid,
            )),
            None => None,
        };
        let filter = Filter::new(store, reader, case.map(|c| c.0))?;
        let mut ds = Dataset {
            store,
            case,
            entities: HashMap::new(),
            links: Vec::new(),
            cases: Vec::new(),
            notes: HashMap::new(),
            members: HashMap::new(),
            written: HashSet::new(),
            filter,
            released: Released { reader: reader.describe(), ..Released::default() },
        };
        ds.select(reader)?;
        Ok(ds)
    }

    fn numbers(&self, sql: &str, anchor: i64) -> Result<Vec<i64>, ImportError> {
        Ok(self
            .store
            .conn()
            .prepare_cached(sql)
            .map_err(StoreError::from)?
            .query_map([anchor], |r| r.get(0))
            .map_err(StoreError::from)?
            .collect::<Result<Vec<i64>, _>>()
            .map_err(StoreError::from)?)
    }

    fn metas(&self, n: i64, owner: Option<i64>) -> Result<Vec<Meta>, ImportError> {
        let conn = self.store.conn();
        let rows = conn
            .prepare_cached(
                "SELECT prop, marking, coalesce(case_n, ?2), origin FROM stmt
                 WHERE obj = ?1 AND live = 1 AND prop NOT LIKE '$%'",
            )
            .map_err(StoreError::from)?
            .query_map(params![n, owner], |r| {
                Ok(Meta { prop: r.get(0)?, marking: r.get(1)?, case: r.get(2)?, origin: r.get(3)? })
            })
            .map_err(StoreError::from)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from)?;
        Ok(rows)
    }

    /// Whether record `n` has a value the reader may have (`allow_bare`: and whether a record
    /// with no value at all may go). Values left out are counted by rule; the sensitive values
    /// of a record are counted only once it is written.
    fn releasable(&mut self, n: i64, allow_bare: bool) -> Result<(bool, Sensitive), ImportError> {
        let (schema, src, caption): (String, Option<i64>, String) = self
            .store
            .conn()
            .prepare_cached("SELECT schema, src, caption FROM object WHERE n = ?1")
            .map_err(StoreError::from)?
            .query_row([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(StoreError::from)?;
        let owner = owner(n, &schema, src);
        let metas = self.metas(n, owner)?;
        let mut sensitive = Sensitive::default();
        let mut any = false;
        let kind = Schema::builtin().kind(&schema).ok();
        let mut ends_left_out = false;
        for m in &metas {
            match self.filter.admit(Stmt { marking: &m.marking, case: m.case, origin: device(&m.origin) }) {
                Ok(()) => {
                    any = true;
                    sensitive.count(&m.marking);
                }
                Err(rule) => {
                    if kind.is_some_and(|k| k.is_endpoint(&m.prop)) {
                        ends_left_out = true;
                    }
                    self.released.values_left_out.add(&rule, &format!("{schema} {caption}: {}", m.prop));
                }
            }
        }
        let ok = if metas.is_empty() { allow_bare } else { any && !ends_left_out };
        if !ok {
            let why = if metas.is_empty() { "no value at all" } else { "no value this reader may have" };
            self.released.records_left_out.add(&format!("{schema}: {why}"), &caption);
        }
        Ok((ok, sensitive))
    }

    fn accept(&mut self, n: i64, sensitive: Sensitive) -> Result<(), ImportError> {
        self.released.sensitive.red += sensitive.red;
        self.released.sensitive.national += sensitive.national;
        let uid: Vec<u8> = self
            .store
            .conn()
            .prepare_cached("SELECT uid FROM object WHERE n = ?1")
            .map_err(StoreError::from)?
            .query_row([n], |r| r.get(0))
            .map_err(StoreError::from)?;
        self.written.insert(Uuid::from_slice(&uid).unwrap_or_default());
        Ok(())
    }

    /// The existence pass: which cases, entities, links, memberships and notes are written.
    fn select(&mut self, reader: &Reader) -> Result<(), ImportError> {
        // Cases in scope: the exported one; with --for, those shared with the office.
        let mut scope: Option<BTreeSet<i64>> = self.case.map(|c| [c.0].into());
        if let Some(office) = &reader.office {
            let shared: BTreeSet<i64> = self
                .store
                .case_shares()?
                .into_iter()
                .filter(|s| &s.office == office)
                .filter_map(|s| self.store.object_n(s.case).ok().flatten())
                .collect();
            scope = Some(match scope {
                Some(s) => s.intersection(&shared).copied().collect(),
                None => shared,
            });
        }
        let all_cases = self
            .numbers("SELECT n FROM object WHERE ?1 = 0 AND schema = 'Case' AND deleted = 0 ORDER BY n", 0)?;
        let candidates: Vec<i64> =
            all_cases.into_iter().filter(|c| scope.as_ref().is_none_or(|s| s.contains(c))).collect();
        for c in candidates {
            let (ok, sensitive) = self.releasable(c, false)?;
            if ok {
                self.accept(c, sensitive)?;
                self.cases.push(c);
            }
        }
        // Entities: every one, or the members of the cases in scope (by a membership the
        // reader may know of).
        let entities = kinds(Category::Entity);
        let candidates: BTreeSet<i64> = match &scope {
            None => self
                .numbers(
                    &format!("SELECT n FROM object WHERE ?1 = 0 AND deleted = 0 AND schema IN {entities}"),
                    0,
                )?
                .into_iter()
                .collect(),
            Some(cases) => {
                let mut set = BTreeSet::new();
                for &c in cases {
                    for (m, e) in self.memberships(c)? {
                        if self.membership_releasable(m)? {
                            set.insert(e);
                        }
                    }
                }
                set.into_iter()
                    .filter(|n| {
                        self.schema_of(*n).is_ok_and(|s| {
                            Schema::builtin().kind(&s).is_ok_and(|k| k.category == Category::Entity)
                        })
                    })
                    .collect()
            }
        };
        for n in candidates {
            let (ok, sensitive) = self.releasable(n, false)?;
            if ok {
                self.accept(n, sensitive)?;
                let uid: Vec<u8> = self
                    .store
                    .conn()
                    .query_row("SELECT uid FROM object WHERE n = ?1", [n], |r| r.get(0))
                    .map_err(StoreError::from)?;
                self.entities.insert(n, Uuid::from_slice(&uid).unwrap_or_default());
            }
        }
        // Links with both ends written.
        let links = kinds(Category::Link);
        for n in self.numbers(
            &format!("SELECT n FROM object WHERE ?1 = ?1 AND deleted = 0 AND schema IN {links} ORDER BY n"),
            0,
        )? {
            let (src, dst): (Option<i64>, Option<i64>) = self
                .store
                .conn()
                .prepare_cached("SELECT src, dst FROM object WHERE n = ?1")
                .map_err(StoreError::from)?
                .query_row([n], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(StoreError::from)?;
            let in_scope = |e: Option<i64>| e.is_some_and(|e| self.entities.contains_key(&e));
            if !(in_scope(src) && in_scope(dst)) {
                continue;
            }
            let (ok, sensitive) = self.releasable(n, false)?;
            if ok {
                self.accept(n, sensitive)?;
                self.links.push(n);
            }
        }
        // Memberships and notes of the cases written.
        for c in self.cases.clone() {
            let mut members = Vec::new();
            for (m, e) in self.memberships(c)? {
                if self.entities.contains_key(&e) && self.membership_releasable(m)? {
                    members.push(e);
                }
            }
            members.sort_unstable();
            self.members.insert(c, members);
            let mut notes = Vec::new();
            for note in self.numbers(
                "SELECT n FROM object WHERE src = ?1 AND schema = 'Note' AND deleted = 0 ORDER BY n",
                c,
            )? {
                let (ok, sensitive) = self.releasable(note, false)?;
                if ok {
                    self.accept(note, sensitive)?;
                    notes.push(note);
                }
            }
            self.notes.insert(c, notes);
        }
        Ok(())
    }

    fn schema_of(&self, n: i64) -> Result<String, ImportError> {
        Ok(self
            .store
            .conn()
            .prepare_cached("SELECT schema FROM object WHERE n = ?1 AND deleted = 0")
            .map_err(StoreError::from)?
            .query_row([n], |r| r.get(0))
            .map_err(StoreError::from)?)
    }

    /// (membership, entity) of the live memberships of case `c`.
    fn memberships(&self, c: i64) -> Result<Vec<(i64, i64)>, ImportError> {
        Ok(self
            .store
            .conn()
            .prepare_cached(
                "SELECT n, dst FROM object WHERE src = ?1 AND schema = 'CaseMember' AND deleted = 0
                 AND dst IS NOT NULL ORDER BY dst",
            )
            .map_err(StoreError::from)?
            .query_map([c], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(StoreError::from)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from)?)
    }

    /// A membership with no value of its own goes with its case and member; one with values
    /// goes only if the reader may have one of them.
    fn membership_releasable(&self, m: i64) -> Result<bool, ImportError> {
        let metas = self.metas(
            m,
            self.store
                .conn()
                .query_row("SELECT src FROM object WHERE n = ?1", [m], |r| r.get(0))
                .map_err(StoreError::from)?,
        )?;
        Ok(metas.is_empty()
            || metas.iter().any(|s| {
                self.filter
                    .admit(Stmt { marking: &s.marking, case: s.case, origin: device(&s.origin) })
                    .is_ok()
            }))
    }

    /// Entities, in the order they were first stored.
    pub fn entity_list(&self) -> Vec<i64> {
        let mut v: Vec<i64> = self.entities.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Links written: both ends written and a value the reader may have.
    pub fn link_list(&self) -> Result<Vec<i64>, ImportError> {
        Ok(self.links.clone())
    }

    /// The cases written.
    pub fn case_list(&self) -> Result<Vec<i64>, ImportError> {
        Ok(self.cases.clone())
    }

    /// Notes of case `n` that are written.
    pub fn notes_of(&self, case: i64) -> Result<Vec<i64>, ImportError> {
        Ok(self.notes.get(&case).cloned().unwrap_or_default())
    }

    /// Members of case `n` that are written.
    pub fn members_of(&self, case: i64) -> Result<Vec<i64>, ImportError> {
        Ok(self.members.get(&case).cloned().unwrap_or_default())
    }

    /// Whether record `uid` is written (the timeline shows only items of such records).
    pub fn is_written(&self, uid: Uuid) -> bool {
        self.written.contains(&uid)
    }

    /// A written record by id, with the values its reader may have.
    pub fn record_by_id(&self, uid: Uuid) -> Result<Option<Rec>, ImportError> {
        if !self.is_written(uid) {
            return Ok(None);
        }
        match self.store.object_n(uid)? {
            Some(n) => Ok(Some(self.record(n)?)),
            None => Ok(None),
        }
    }

    /// One record with the live values its reader may have.
    pub fn record(&self, n: i64) -> Result<Rec, ImportError> {
        let conn = self.store.conn();
        let (uid, schema, src, dst, created, updated): (Vec<u8>, String, Option<i64>, Option<i64>, i64, i64) =
            conn.prepare_cached("SELECT uid, schema, src, dst, created, updated FROM object WHERE n = ?1")
                .map_err(StoreError::from)?
                .query_row([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
                .map_err(StoreError::from)?;
        let kind = Schema::builtin().kind(&schema)?;
        let owner = owner(n, &schema, src);
        let rows: Vec<(Value, Option<i64>, Vec<u8>)> = conn
            .prepare_cached(
                "SELECT s.prop, s.value, s.grade, s.marking, src.caption, coalesce(s.case_n, ?2), s.origin
                 FROM stmt s LEFT JOIN object src ON src.n = s.source AND s.source <> 0
                 WHERE s.obj = ?1 AND s.live = 1 AND s.prop NOT LIKE '$%' ORDER BY s.prop, s.n",
            )
            .map_err(StoreError::from)?
            .query_map(params![n, owner], |r| {
                Ok((
                    Value {
                        prop: r.get(0)?,
                        value: r.get(1)?,
                        grade: r.get(2)?,
                        marking: r.get(3)?,
                        source: r.get(4)?,
                    },
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .map_err(StoreError::from)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from)?;
        let values: Vec<Value> = rows
            .into_iter()
            .filter(|(v, case, origin)| {
                self.filter.admit(Stmt { marking: &v.marking, case: *case, origin: device(origin) }).is_ok()
            })
            .map(|(v, ..)| v)
            .collect();
        let caption = kind
            .caption
            .iter()
            .find_map(|p| values.iter().find(|v| &v.prop == p))
            .map_or_else(|| kind.label.clone(), |v| v.value.clone());
        let grade = values
            .iter()
            .filter_map(|v| v.grade.as_deref().and_then(|g| Grade::parse(g).ok()))
            .max_by_key(Grade::score)
            .map(|g| g.to_string());
        // Every value was admitted, so every marking reads; the join starts from the first.
        let marking = values
            .iter()
            .filter_map(|v| Marking::parse(&v.marking).ok())
            .reduce(|a, b| a.join(&b))
            .map_or_else(|| Marking::office_fallback().to_string(), |m| m.to_string());
        Ok(Rec {
            n,
            uid: Uuid::from_slice(&uid).unwrap_or_default(),
            kind,
            src,
            dst,
            caption,
            grade,
            marking,
            created: Hlc(created).to_datetime(),
            updated: Hlc(updated.max(created)).to_datetime(),
            values,
        })
    }

    pub fn timeline_scope(&self) -> TimelineScope {
        self.case.map_or(TimelineScope::All, |(_, uid)| TimelineScope::Case(uid))
    }
}
