//! Reading the records to compare: two streaming queries over the whole store (statements of
//! the compared kinds in record order; then the links), never one query per record, so 100k
//! or 1M records cost two passes. Linked phones, e-mails, accounts, vehicles, passports and
//! addresses become identifiers of the record ("share phone +33…"); linked people and
//! companies become neighbours.

use std::collections::{HashMap, HashSet};

use rusqlite::OptionalExtension;
use uuid::Uuid;

use super::{Record, normalise};
use crate::store::query::uid_from_blob;
use crate::store::{Result, Store, StoreError};

/// Linked records that identify whoever they are linked to, and what the reasons call them.
fn linked_ident(schema: &str) -> Option<&'static str> {
    Some(match schema {
        "Phone" => "phone",
        "Email" => "e-mail",
        "BankAccount" => "account",
        "CryptoWallet" => "wallet",
        "UserAccount" => "user account",
        "Passport" => "passport",
        "Vehicle" => "vehicle",
        "Vessel" => "vessel",
        "Address" => "address",
        _ => return None,
    })
}

/// Records not links or case work (see `linked_ident` for the identifying ones).
const NOT_LINKS: &str = "'CaseMember','Case','Note','Operation','Task','Source','Rfi'";

/// Every live record of `kinds`, with its identifiers and neighbours (all of them even for a
/// cross-reference: the rest of the store is what its records are compared against).
pub fn load(store: &Store, kinds: &[&str]) -> Result<Vec<Record>> {
    let conn = store.conn();
    let list = kinds.iter().map(|k| format!("'{}'", k.replace('\'', "''"))).collect::<Vec<_>>().join(",");
    let mut records: Vec<Record> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT o.n, o.uid, o.schema, o.caption, s.prop, s.value FROM object o
             LEFT JOIN stmt s ON s.obj = o.n AND s.live = 1
             WHERE o.deleted = 0 AND o.schema IN ({list}) ORDER BY o.n"
        ))?;
        let mut rows = stmt.query([])?;
        let mut current: Option<(i64, Uuid, String, String)> = None;
        let mut values: Vec<(String, String)> = Vec::new();
        let mut flush = |cur: Option<(i64, Uuid, String, String)>, values: &mut Vec<(String, String)>| {
            if let Some((n, id, schema, caption)) = cur {
                index.insert(n, records.len());
                records.push(Record::from_values(n, id, &schema, &caption, values));
            }
            values.clear();
        };
        while let Some(row) = rows.next()? {
            let n: i64 = row.get(0)?;
            if current.as_ref().is_none_or(|c| c.0 != n) {
                flush(current.take(), &mut values);
                current = Some((n, uid_from_blob(&row.get::<_, Vec<u8>>(1)?), row.get(2)?, row.get(3)?));
            }
            if let (Some(p), Some(v)) = (row.get::<_, Option<String>>(4)?, row.get::<_, Option<String>>(5)?) {
                values.push((p, v));
            }
        }
        flush(current.take(), &mut values);
    }
    let mut links = conn.prepare(&format!(
        "SELECT l.src, l.dst, a.schema, a.caption, b.schema, b.caption FROM object l
         JOIN object a ON a.n = l.src JOIN object b ON b.n = l.dst
         WHERE l.deleted = 0 AND l.src IS NOT NULL AND l.dst IS NOT NULL AND l.schema NOT IN ({NOT_LINKS})
           AND a.deleted = 0 AND b.deleted = 0"
    ))?;
    let mut rows = links.query([])?;
    while let Some(row) = rows.next()? {
        let (src, dst): (i64, i64) = (row.get(0)?, row.get(1)?);
        let (sa, ca, sb, cb): (String, String, String, String) =
            (row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?);
        for (me, other, other_schema, other_caption) in [(src, dst, &sb, &cb), (dst, src, &sa, &ca)] {
            let Some(&i) = index.get(&me) else { continue };
            let r = &mut records[i];
            if let Some(kind) = linked_ident(other_schema) {
                if kind == "address" {
                    let tokens: Vec<String> =
                        normalise::fold(other_caption).split_whitespace().map(str::to_owned).collect();
                    if !r.addresses.contains(&tokens) {
                        r.addresses.push(tokens);
                    }
                } else if other_schema != &r.schema {
                    r.add_ident(kind, other_caption);
                }
            } else if index.contains_key(&other) && r.neighbours.len() < 64 {
                r.neighbours.push(other);
            }
        }
    }
    for r in &mut records {
        r.neighbours.sort_unstable();
        r.neighbours.dedup();
    }
    Ok(records)
}

/// The ids of the live entity members of a case.
pub fn case_members(store: &Store, case: Uuid) -> Result<HashSet<Uuid>> {
    let conn = store.conn();
    let case_n: i64 = conn
        .query_row("SELECT n FROM object WHERE uid = ?1", [case.as_bytes()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no case {case}")))?;
    let mut stmt = conn.prepare_cached(
        "SELECT e.uid FROM object m JOIN object e ON e.n = m.dst
         WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0",
    )?;
    let ids = stmt.query_map([case_n], |r| r.get::<_, Vec<u8>>(0))?;
    let mut out = HashSet::new();
    for id in ids {
        out.insert(uid_from_blob(&id?));
    }
    Ok(out)
}
