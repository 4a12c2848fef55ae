//! `liaison stats` answers from counters the write path keeps (issue 12): the counts agree
//! with a scan of the store after every kind of write, `store check` catches a counter that
//! was tampered with, and `store rebuild` repairs it.

use crate::common;
use crate::exchange_support;

use common::Liaison;
use exchange_support::{office, open, trust_all};
use serde_json::Value;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// The counts `stats` reports, recomputed by scanning the tables (what `stats` did before).
fn scanned(l: &Liaison) -> Value {
    let store = open(&l.store);
    let conn = store.conn();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let mut by_kind = serde_json::Map::new();
    let mut q = conn
        .prepare("SELECT schema, count(*) FROM object WHERE schema <> '' AND deleted = 0 GROUP BY schema")
        .unwrap();
    for row in q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).unwrap() {
        let (k, n) = row.unwrap();
        by_kind.insert(k, n.into());
    }
    serde_json::json!({
        "by_kind": by_kind,
        "statements": count("SELECT count(*) FROM stmt WHERE live = 1 AND prop NOT LIKE '$%'"),
        "conflicts": count("SELECT count(*) FROM conflict"),
        "commits": count("SELECT count(*) FROM commit_log"),
        "ops": count("SELECT coalesce(sum(held), 0) FROM commit_ops"),
    })
}

/// `stats --json`'s counted fields agree with a scan; returns the stats.
fn agrees(l: &Liaison, after: &str) -> Value {
    let stats = l.json(&["stats"]);
    let scan = scanned(l);
    for field in ["by_kind", "statements", "conflicts", "commits", "ops"] {
        assert_eq!(stats[field], scan[field], "{field} after {after}: stats {stats}");
    }
    stats
}

#[test]
fn counts_agree_with_a_scan_after_every_kind_of_write() {
    let paris = office("Paris", "Police Judiciaire", "FR");
    let lyon = office("Lyon", "Police Judiciaire", "FR");
    trust_all(&[&paris, &lyon]);
    let empty = agrees(&paris, "init");
    assert_eq!(empty["entities"], 0);

    paris.ok(&["generate", "--entities", "300", "--case-prefix", "PAR"]);
    let generated = agrees(&paris, "generate");
    assert!(generated["entities"].as_i64().unwrap() >= 300, "{generated}");

    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/interop/tiny.ftm.json");
    paris.ok(&["import", fixture]);
    let imported = agrees(&paris, "a file import");
    assert_eq!(imported["entities"].as_i64().unwrap(), generated["entities"].as_i64().unwrap() + 2);

    let id = paris.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ana Ruiz"]).trim().to_owned();
    let added = agrees(&paris, "entity new");
    assert_eq!(added["by_kind"]["Person"].as_i64(), imported["by_kind"]["Person"].as_i64().map(|n| n + 1));
    paris.ok(&["entity", "delete", &id]);
    let deleted = agrees(&paris, "entity delete");
    assert_eq!(deleted["by_kind"]["Person"], imported["by_kind"]["Person"]);
    paris.ok(&["undo"]);
    let undone = agrees(&paris, "undo of the delete");
    assert_eq!(undone["by_kind"]["Person"], added["by_kind"]["Person"]);

    paris.ok(&["case", "share", "PAR-00001", "--with", "Lyon"]);
    let bundle = paris.root.path().join("to-lyon.bundle");
    paris.ok(&["export", "--to", "Lyon", "-o", s(&bundle)]);
    lyon.ok(&["import", s(&bundle)]);
    let received = agrees(&lyon, "a bundle import");
    assert!(received["entities"].as_i64().unwrap() > 0, "{received}");

    let before = agrees(&paris, "share and export");
    paris.ok(&["store", "rebuild"]);
    let rebuilt = agrees(&paris, "store rebuild");
    // (A rebuild derives an Office record, with its statements, that the incremental path
    // left out after `office trust`; the counters follow the tables either way, as `agrees`
    // checked.)
    for field in ["commits", "ops", "links"] {
        assert_eq!(rebuilt[field], before[field], "{field} changed by a rebuild");
    }
    assert_eq!(rebuilt["by_kind"]["Person"], before["by_kind"]["Person"]);
}

#[test]
fn store_check_catches_a_tampered_counter_and_rebuild_recounts() {
    let l = Liaison::init();
    l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ana Ruiz"]);
    l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Luis Ruiz"]);
    assert_eq!(l.json(&["store", "check"])["ok"], true);
    {
        let store = open(&l.store);
        store.conn().execute("UPDATE counter SET n = n + 40 WHERE name = 'kind:Person'", []).unwrap();
        store.conn().execute("UPDATE counter SET n = 7 WHERE name = 'statements'", []).unwrap();
    }
    assert_eq!(l.json(&["stats"])["by_kind"]["Person"], 42, "stats reads the counter, not a scan");
    let out = l.run(&["--json", "store", "check"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false, "{report}");
    let problems = report["problems"].to_string();
    assert!(problems.contains("Person records says 42 but the store holds 2"), "{problems}");
    assert!(problems.contains("statements says 7"), "{problems}");
    l.ok(&["store", "rebuild"]);
    assert_eq!(l.json(&["store", "check"])["ok"], true);
    assert_eq!(agrees(&l, "rebuild")["by_kind"]["Person"], 2);
}

/// A store written before the counters (schema 4, checked in) is counted when migration 9
/// runs: its stats are the scan's, and `store check` finds the counters right.
#[test]
fn a_store_from_before_the_counters_is_counted_when_upgraded() {
    let l = Liaison::empty();
    std::fs::create_dir(&l.store).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stores/schema4");
    for file in ["keystore.age", "liaison.db"] {
        std::fs::copy(fixture.join(file), l.store.join(file)).unwrap();
    }
    let stats = agrees(&l, "the upgrade");
    // What the README of the fixtures says was written: a case, three entities, one link.
    assert_eq!(
        (stats["entities"].as_i64(), stats["cases"].as_i64(), stats["links"].as_i64()),
        (Some(3), Some(1), Some(1))
    );
    assert_eq!(l.json(&["store", "check"])["ok"], true);
}
