//! Deconfliction between two offices by bundle (`docs/deconfliction.md`), run as the offices
//! would: A asks B which of A's 10,000 phones B holds; B holds 10,000 of its own, 37 of them
//! A's too. After A's request bundle and B's next bundle, A lists exactly those 37 with its
//! own records, B learns nothing but the count, and the PSI bundles are refused like any
//! bundle when replayed or taken to another office.

use crate::exchange_support::{PASSPHRASE, office, open, path, trust_all};
use liaison::store::Provenance;
use liaison::store::change::{Change, Face};

use uuid::Uuid;

fn phone(n: u32) -> String {
    format!("+3361{n:07}")
}

/// A case `reference` holding people whose phones are `numbers` (1,000 per person).
fn case_with_phones(l: &crate::common::Liaison, reference: &str, numbers: impl Iterator<Item = u32>) -> Uuid {
    let mut store = open(&l.store);
    let case = store
        .apply(
            Change::NewCase {
                props: vec![("reference".into(), reference.into()), ("title".into(), reference.into())],
                marking: Some("TLP:AMBER".into()),
            },
            Face::Cli,
        )
        .unwrap()
        .id
        .unwrap();
    let numbers: Vec<u32> = numbers.collect();
    for (i, chunk) in numbers.chunks(1_000).enumerate() {
        let mut props = vec![("name".to_owned(), format!("Holder {reference} {i}"))];
        props.extend(chunk.iter().map(|n| ("phone".to_owned(), phone(*n))));
        let prov = Provenance { case: Some(case), ..Provenance::default() };
        store.apply(Change::NewEntity { schema: "Person".into(), props, prov }, Face::Cli).unwrap();
    }
    case
}

#[test]
fn two_offices_learn_their_37_common_phones_and_nothing_else() {
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    let c = office("Madrid", "CNP", "ES");
    trust_all(&[&a, &b, &c]);
    case_with_phones(&a, "A-1", 0..10_000);
    case_with_phones(&b, "B-1", 9_963..19_963);
    // A phone of A's that B holds only in a case B never shared with A: not B's to reveal.
    case_with_phones(&b, "B-SECRET", 5_000..5_001);
    b.ok(&["case", "share", "B-1", "--with", "Paris"]);

    let request = path(&a, "request.bundle");
    let out = a.ok(&["deconflict", "request", "--with", "Rotterdam", "-o", request.to_str().unwrap()]);
    assert!(out.contains("over 10000 selectors"), "{out}");

    // Only the office asked may read the request: Madrid cannot, even given the file.
    let (_, err) = c.fails(&["import", request.to_str().unwrap()]);
    assert!(err.contains("not") && err.contains("nothing was changed"), "{err}");

    let out = b.ok(&["import", request.to_str().unwrap()]);
    assert!(out.contains("Paris asks to deconflict"), "{out}");
    let listed = b.json(&["deconflict", "list"]);
    assert_eq!(listed["runs"][0]["direction"], "waiting");
    assert_eq!(listed["runs"][0]["selectors"], 10_000, "B learns the count of A's selectors");
    assert_eq!(listed["hits"].as_array().unwrap().len(), 0, "and no hit of its own");

    let reply = path(&b, "reply.bundle");
    let out = b.ok(&["export", "--to", "Paris", "-o", reply.to_str().unwrap()]);
    assert!(out.contains("answers 1 deconfliction request"), "{out}");

    let out = a.ok(&["import", reply.to_str().unwrap()]);
    assert!(out.contains("Rotterdam also holds 37 of your selectors"), "{out}");
    let listed = a.json(&["deconflict", "list"]);
    let mut hits: Vec<String> =
        listed["hits"].as_array().unwrap().iter().map(|h| h["value"].as_str().unwrap().to_owned()).collect();
    hits.sort();
    assert_eq!(hits, (9_963..10_000).map(phone).collect::<Vec<_>>());
    let first = &listed["hits"][0];
    assert_eq!(first["office"], "Rotterdam");
    assert_eq!(first["records"].as_array().unwrap().len(), 1, "each hit names the record holding it");
    assert_eq!(listed["runs"][0]["hits"], 37);

    // Replayed: already imported, nothing read twice.
    let out = a.ok(&["import", reply.to_str().unwrap()]);
    assert!(out.contains("already imported"), "{out}");
    assert_eq!(a.json(&["deconflict", "list"])["hits"].as_array().unwrap().len(), 37);
    // The request's secret is gone once the reply is read.
    let store = open(&a.store);
    let keys: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM psi_out WHERE key IS NOT NULL OR selectors IS NOT NULL", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(keys, 0);
    let _ = PASSPHRASE;
}
