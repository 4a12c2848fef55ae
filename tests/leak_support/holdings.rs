//! What an office holds, read straight from its store's tables: records, statements with
//! their handling as stored, case shares, revocations, and the records it created itself.
//! The oracle compares these; nothing here asks the exchange code what it decided.

use std::collections::{BTreeMap, HashMap, HashSet};

use liaison::model::ids::DeviceId;
use liaison::model::op::{Op, OpBody};
use liaison::store::Store;
use uuid::Uuid;

use super::scenario::Office;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Empty while the record is only referenced (a placeholder), not created.
    pub schema: String,
    pub src: Option<Uuid>,
    pub dst: Option<Uuid>,
    pub caption: String,
}

/// A statement by what it says (one per value, source and record).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StmtKey {
    pub record: Uuid,
    pub prop: String,
    pub value: String,
    pub source: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StmtRow {
    pub marking: String,
    pub case: Option<Uuid>,
    pub origin: DeviceId,
}

/// Kinds of records that belong to one case (through `src`).
const CASE_RECORDS: [&str; 4] = ["CaseMember", "Note", "Operation", "Task"];

#[derive(Debug, Clone, Default)]
pub struct Holdings {
    pub records: BTreeMap<Uuid, Record>,
    pub stmts: BTreeMap<StmtKey, StmtRow>,
}

impl Holdings {
    pub fn read(store: &Store) -> Holdings {
        let conn = store.conn();
        let uid = |b: Option<Vec<u8>>| b.map(|b| Uuid::from_slice(&b).unwrap());
        let mut h = Holdings::default();
        let mut q = conn
            .prepare(
                "SELECT o.uid, o.schema, a.uid, b.uid, o.caption FROM object o
                 LEFT JOIN object a ON a.n = o.src LEFT JOIN object b ON b.n = o.dst",
            )
            .unwrap();
        let rows = q
            .query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .unwrap();
        for row in rows {
            let (u, schema, src, dst, caption) = row.unwrap();
            h.records.insert(uid(Some(u)).unwrap(), Record { schema, src: uid(src), dst: uid(dst), caption });
        }
        let mut q = conn
            .prepare(
                "SELECT o.uid, s.prop, s.value, src.uid, s.marking, k.uid, s.origin FROM stmt s
                 JOIN object o ON o.n = s.obj
                 LEFT JOIN object src ON src.n = s.source AND s.source <> 0
                 LEFT JOIN object k ON k.n = s.case_n",
            )
            .unwrap();
        let rows = q
            .query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<Vec<u8>>>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                ))
            })
            .unwrap();
        for row in rows {
            let (record, prop, value, source, marking, case, origin) = row.unwrap();
            h.stmts.insert(
                StmtKey { record: uid(Some(record)).unwrap(), prop, value, source: uid(source) },
                StmtRow { marking, case: uid(case), origin: DeviceId(origin.try_into().unwrap()) },
            );
        }
        h
    }

    /// Created (not only referenced).
    pub fn has(&self, record: Uuid) -> bool {
        self.records.get(&record).is_some_and(|r| !r.schema.is_empty())
    }

    pub fn has_kind(&self, record: Uuid, schema: &str) -> bool {
        self.records.get(&record).is_some_and(|r| r.schema == schema)
    }

    /// The case a record belongs to: a case is its own; members, notes, operations and
    /// tasks belong to theirs; entities and links to none.
    pub fn record_case(&self, record: Uuid) -> Option<Uuid> {
        let r = self.records.get(&record)?;
        if r.schema == "Case" {
            Some(record)
        } else if CASE_RECORDS.contains(&r.schema.as_str()) {
            r.src
        } else {
            None
        }
    }

    /// Statements held per record.
    pub fn stmt_counts(&self) -> HashMap<Uuid, usize> {
        let mut counts = HashMap::new();
        for k in self.stmts.keys() {
            *counts.entry(k.record).or_default() += 1;
        }
        counts
    }

    /// "Person \"Name P0001\"", for messages.
    pub fn label(&self, record: Uuid) -> String {
        match self.records.get(&record) {
            Some(r) if !r.schema.is_empty() && !r.caption.is_empty() => {
                format!("{} {:?}", r.schema, r.caption)
            }
            Some(r) if !r.schema.is_empty() => format!("{} {record}", r.schema),
            _ => format!("record {record}"),
        }
    }
}

/// One office as the oracle needs it, read just before a bundle is imported.
#[derive(Debug, Clone)]
pub struct Facts {
    pub office: Office,
    pub device: DeviceId,
    pub holdings: Holdings,
    /// (case, office) pairs this office shares.
    pub shares: HashSet<(Uuid, String)>,
    /// Offices this office revoked.
    pub revoked: HashSet<String>,
    /// Records this office created itself (a Create op in its own commits).
    pub created: HashSet<Uuid>,
    /// Case references it knows.
    pub references: HashMap<Uuid, String>,
}

impl Facts {
    pub fn read(office: Office, store: &Store) -> Facts {
        let device = store.device();
        let shares = store.case_shares().unwrap().into_iter().map(|s| (s.case, s.office)).collect();
        let revoked = store
            .devices()
            .unwrap()
            .into_iter()
            .filter(|d| !d.is_self && d.revoked_at.is_some())
            .map(|d| d.office)
            .collect();
        let mut created = HashSet::new();
        store
            .visit_commits(device, 0, &mut |c| {
                for (_, body) in &c.ops {
                    let op = Op::decode(body).unwrap();
                    if matches!(op.body, OpBody::Create { .. }) {
                        created.insert(op.object);
                    }
                }
                Ok(())
            })
            .unwrap();
        let mut references = HashMap::new();
        let mut q =
            store.conn().prepare("SELECT o.uid, r.ref FROM case_ref r JOIN object o ON o.n = r.obj").unwrap();
        for row in q.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))).unwrap() {
            let (u, reference) = row.unwrap();
            references.insert(Uuid::from_slice(&u).unwrap(), reference);
        }
        Facts { office, device, holdings: Holdings::read(store), shares, revoked, created, references }
    }

    pub fn shares_with(&self, case: Uuid, office: Office) -> bool {
        self.shares.contains(&(case, office.name().to_owned()))
    }

    pub fn revoked(&self, office: Office) -> bool {
        self.revoked.contains(office.name())
    }
}
