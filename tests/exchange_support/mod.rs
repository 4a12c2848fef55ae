//! Offices for exchange tests: stores made by the real binary (cheap key derivation), then
//! opened in-process when a test needs the library.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use age::secrecy::SecretString;
use liaison::exchange::{self, ExportRequest, ImportReport};
use liaison::store::Store;

use crate::common::Liaison;

pub const PASSPHRASE: &str = "correct horse battery";

/// A store for office `name` of `agency` in `country`.
pub fn office(name: &str, agency: &str, country: &str) -> Liaison {
    let l = Liaison::empty();
    l.ok(&["init", "--office", name, "--agency", agency, "--country", country]);
    l
}

/// `a` trusts `b` from `b`'s card, with the fingerprint words `b`'s analyst reads out.
pub fn trust(a: &Liaison, b: &Liaison) {
    let card = b.root.path().join("card.json");
    let words = card_words(b, &card);
    a.ok(&["office", "trust", card.to_str().unwrap(), "--expect", &words]);
}

/// Writes `l`'s card to `card` and returns the fingerprint words `office card` shows.
pub fn card_words(l: &Liaison, card: &Path) -> String {
    let out = l.run(&["office", "card", "-o", card.to_str().unwrap()]);
    assert!(out.status.success(), "office card failed: {}", String::from_utf8_lossy(&out.stderr));
    let shown = String::from_utf8(out.stderr).unwrap();
    shown.lines().find_map(|l| l.strip_prefix("Fingerprint: ")).unwrap().to_owned()
}

/// Every office trusts every other.
pub fn trust_all(offices: &[&Liaison]) {
    for a in offices {
        for b in offices {
            if !std::ptr::eq(*a, *b) {
                trust(a, b);
            }
        }
    }
}

pub fn open(dir: &Path) -> Store {
    Store::open(dir, &SecretString::from(PASSPHRASE.to_owned())).unwrap()
}

/// Exports from `store` to `to` into `path` with the library.
pub fn export_to(store: &mut Store, to: &[&str], path: &Path) -> exchange::ExportReport {
    let req = ExportRequest {
        to: to.iter().map(|s| (*s).to_owned()).collect(),
        output: path.to_path_buf(),
        ..ExportRequest::default()
    };
    exchange::export(store, &req, &mut |_, _| {}, &AtomicBool::new(false)).unwrap()
}

pub fn import_file(store: &mut Store, path: &Path) -> Result<ImportReport, exchange::ExchangeError> {
    exchange::import(store, path, false, &mut |_, _| {}, &AtomicBool::new(false))
}

/// Everything of a store that exchange must keep identical between offices: records,
/// live statements with provenance, and conflicts; by ids, never local numbers.
pub fn state(store: &Store) -> Vec<String> {
    let mut rows = Vec::new();
    let conn = store.conn();
    let mut q = conn
        .prepare(
            "SELECT hex(o.uid), o.schema, o.deleted, o.caption, o.marking, coalesce(o.grade, ''),
                    coalesce(hex(a.uid), ''), coalesce(hex(b.uid), '')
             FROM object o LEFT JOIN object a ON a.n = o.src LEFT JOIN object b ON b.n = o.dst
             WHERE o.schema <> ''",
        )
        .unwrap();
    let objects = q
        .query_map([], |r| {
            Ok(format!(
                "object {} {} deleted={} {:?} {} {} {} {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?
            ))
        })
        .unwrap();
    rows.extend(objects.map(Result::unwrap));
    let mut q = conn
        .prepare(
            "SELECT hex(o.uid), s.prop, s.value, coalesce(hex(src.uid), ''), coalesce(s.grade, ''), s.marking,
                    hex(s.origin), s.hlc, s.live
             FROM stmt s JOIN object o ON o.n = s.obj LEFT JOIN object src ON src.n = s.source AND s.source <> 0",
        )
        .unwrap();
    let stmts = q
        .query_map([], |r| {
            Ok(format!(
                "stmt {} {} {:?} {} {} {} {} {} live={}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?
            ))
        })
        .unwrap();
    rows.extend(stmts.map(Result::unwrap));
    let mut q =
        conn.prepare("SELECT hex(o.uid), c.prop FROM conflict c JOIN object o ON o.n = c.obj").unwrap();
    let conflicts = q
        .query_map([], |r| Ok(format!("conflict {} {}", r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.extend(conflicts.map(Result::unwrap));
    rows.sort();
    rows
}

/// The data a rejection must leave unchanged: the state plus the op log.
pub fn data_fingerprint(store: &Store) -> (Vec<String>, i64, i64) {
    let count = |sql: &str| store.conn().query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    (
        state(store),
        count("SELECT count(*) FROM commit_log"),
        count("SELECT coalesce(sum(held), 0) FROM commit_ops"),
    )
}

/// A path in `l`'s temporary folder.
pub fn path(l: &Liaison, name: &str) -> PathBuf {
    l.root.path().join(name)
}
