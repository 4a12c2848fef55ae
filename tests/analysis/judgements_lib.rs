//! The judgement library (issue 13): ids converge whatever the order, `store check` compares
//! the derived `judged` index with the judgements and `store rebuild` regenerates it, and
//! `Store::cluster_of` names a disputed verdict.

use crate::common;
use crate::exchange_support;

use common::Liaison;
use exchange_support::open;
use liaison::store::Provenance;
use liaison::store::change::{Change, Face};
use liaison::store::judgements::{Verdict, judgement_id};
use uuid::Uuid;

fn person(l: &Liaison, name: &str) -> Uuid {
    let prop = format!("name={name}");
    Uuid::parse_str(l.ok(&["entity", "new", "--schema", "Person", "--prop", &prop]).trim()).unwrap()
}

#[test]
fn one_pair_has_one_judgement_id_whatever_the_order() {
    let (x, y, z) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    assert_eq!(judgement_id(x, y), judgement_id(y, x));
    assert_ne!(judgement_id(x, y), judgement_id(x, z));
    assert_eq!(judgement_id(x, y).get_version_num(), 5);
}

#[test]
fn check_names_a_damaged_judgement_index_and_rebuild_regenerates_it() {
    let l = Liaison::init();
    let (karim, benali, alone) =
        (person(&l, "Karim BENALI"), person(&l, "BENALI Karim"), person(&l, "Other"));
    let mut store = open(&l.store);
    let judge = Change::Judge {
        a: karim,
        b: benali,
        verdict: Verdict::Same,
        reason: None,
        prov: Provenance::default(),
    };
    let applied = store.apply(judge, Face::Cli).unwrap();
    assert_eq!(applied.id, Some(judgement_id(benali, karim)));
    let lone = store.cluster_of(alone).unwrap();
    assert_eq!(lone.members.len(), 1);
    assert!(lone.judgements.is_empty() && lone.contradictions.is_empty());
    assert_eq!(store.cluster_of(karim).unwrap().members.len(), 2);
    assert!(store.check().unwrap().ok);

    // The index lost (as a damaged or hand-edited database would): the profile goes with it,
    // `store check` says so, and a rebuild from the op log brings both back.
    store.conn().execute("DELETE FROM judged", []).unwrap();
    assert_eq!(store.cluster_of(karim).unwrap().members.len(), 1);
    let report = store.check().unwrap();
    assert!(!report.ok, "{report:?}");
    assert!(
        report.problems.iter().any(|p| p.contains("judgement index") && p.contains("2 entries missing")),
        "{report:?}"
    );
    store.rebuild(&mut |_, _| {}).unwrap();
    assert!(store.check().unwrap().ok);
    let cluster = store.cluster_of(benali).unwrap();
    let ids: Vec<Uuid> = cluster.members.iter().map(|r| r.id).collect();
    assert_eq!(ids, [benali, karim]);
    assert_eq!(cluster.judgements, [judgement_id(karim, benali)]);
}
