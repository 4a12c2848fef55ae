//! Read-side figures on a generated store: what an analyst waits for.

use std::collections::BTreeMap;

use liaison::analysis::path::{PathLimits, shortest_path};
use liaison::store::Store;
use liaison::store::query::{TimelineQuery, TimelineScope};
use liaison::synth::Rng;
use uuid::Uuid;

use super::measure::{Timing, repeat};

/// Queries typed by analysts: a common surname, a first+last name, a three-letter prefix,
/// an IBAN fragment, a street word.
const SEARCHES: &[&str] =
    &["benali", "karim zambrano", "mar", "ben", "fr76", "boulevard", "zam", "sofiane leca"];

fn sample_ids(store: &Store, schema_filter: &str, count: usize, seed: u64) -> Vec<Uuid> {
    let max: i64 = store.conn().query_row("SELECT max(n) FROM object", [], |r| r.get(0)).unwrap_or(0);
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let mut tries = 0;
    while out.len() < count && tries < count * 50 {
        tries += 1;
        let n = 1 + rng.below(max.max(1) as u64) as i64;
        let row: Option<Vec<u8>> = store
            .conn()
            .query_row(
                &format!("SELECT uid FROM object WHERE n = ?1 AND deleted = 0 AND {schema_filter}"),
                [n],
                |r| r.get(0),
            )
            .ok();
        if let Some(uid) = row.and_then(|b| Uuid::from_slice(&b).ok()) {
            out.push(uid);
        }
    }
    out
}

/// Up to `count` records of a rare kind (random probing would miss them).
fn first_ids(store: &Store, schema: &str, count: u32) -> Vec<Uuid> {
    let mut stmt = store
        .conn()
        .prepare("SELECT uid FROM object WHERE schema = ?1 AND deleted = 0 ORDER BY n LIMIT ?2")
        .unwrap();
    stmt.query_map(rusqlite::params![schema, count], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .filter_map(|b| Uuid::from_slice(&b.ok()?).ok())
        .collect()
}

/// Median and 99th percentile of each read operation.
pub fn measure(store: &Store, runs: usize) -> BTreeMap<&'static str, Timing> {
    let mut out = BTreeMap::new();
    let entities = sample_ids(
        store,
        "schema IN ('Person','Company','Phone','BankAccount','Vehicle','Address')",
        runs + 1,
        7,
    );
    let people = sample_ids(store, "schema = 'Person'", runs + 1, 8);
    let cases = first_ids(store, "Case", 100);
    let pick = |v: &[Uuid], i: usize| v[i % v.len().max(1)];
    // `liaison stats`: answered from the counters the write path keeps.
    out.insert(
        "stats (whole-store counts)",
        repeat(runs.min(50), |_| {
            store.stats().unwrap();
        }),
    );
    out.insert(
        "search",
        repeat(runs, |i| {
            // What the command line and the workbench ask: a page with its total and cases.
            store.search_page(SEARCHES[i % SEARCHES.len()], 50).unwrap();
        }),
    );
    out.insert(
        "search as you type",
        repeat(runs, |i| {
            // Each keystroke of a name: "k", "ka", "kar", …
            let word = SEARCHES[i % SEARCHES.len()];
            let len = 1 + i % word.len();
            store.search_page(&word[..len.min(word.len())], 50).unwrap();
        }),
    );
    if !entities.is_empty() {
        out.insert(
            "entity detail",
            repeat(runs, |i| {
                store.entity(pick(&entities, i), 100).unwrap();
            }),
        );
        out.insert(
            "neighbourhood (2 hops)",
            repeat(runs, |i| {
                store.neighbourhood(pick(&entities, i), 2, 200).unwrap();
            }),
        );
        out.insert(
            "shortest path (≤ 6 links)",
            repeat(runs.min(100), |i| {
                let (a, b) = (pick(&entities, i), pick(&entities, i * 7 + 3));
                shortest_path(store, a, b, PathLimits::default()).unwrap();
            }),
        );
        out.insert(
            "entity timeline page",
            repeat(runs, |i| {
                let q = TimelineQuery {
                    scope: TimelineScope::Entity(pick(&entities, i)),
                    limit: 100,
                    ..Default::default()
                };
                store.timeline(&q).unwrap();
            }),
        );
    }
    if !people.is_empty() {
        out.insert(
            "person detail",
            repeat(runs, |i| {
                store.entity(pick(&people, i), 100).unwrap();
            }),
        );
    }
    if !cases.is_empty() {
        out.insert(
            "case open (200 members)",
            repeat(runs.min(50), |i| {
                store.case(pick(&cases, i), 200, 0, false).unwrap();
            }),
        );
        out.insert(
            "case timeline page",
            repeat(runs.min(50), |i| {
                let q = TimelineQuery {
                    scope: TimelineScope::Case(pick(&cases, i)),
                    limit: 100,
                    ..Default::default()
                };
                store.timeline(&q).unwrap();
            }),
        );
    }
    out
}
