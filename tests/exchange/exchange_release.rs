//! Release rules in bundles (issue 9), through the real binary and read back from what the
//! partner's store holds after import: a relay never widens what the originator allowed,
//! and existence is information (no bare record, link or membership leaves).

use crate::common;
use crate::exchange_support;

use common::Liaison;
use exchange_support::{office, open, path, trust_all};
use serde_json::Value;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// Exports from `from` to `to` and imports the bundle there.
fn send(from: &Liaison, to: &Liaison, to_name: &str, name: &str) {
    let bundle = path(from, name);
    from.ok(&["export", "--to", to_name, "-o", s(&bundle)]);
    let report = to.json(&["import", s(&bundle)]);
    assert_eq!(report["status"], "imported", "{report}");
}

/// The dry run's withheld entries for `record`.
fn withheld_of(dry: &Value, record: &str) -> Vec<Value> {
    dry["withheld"].as_array().unwrap().iter().filter(|w| w["record"] == record).cloned().collect()
}

/// Every value `l`'s store holds, live or not, and whether it holds the record at all.
fn held(l: &Liaison, record: &str) -> (bool, Vec<String>) {
    let store = open(&l.store);
    let uid = uuid::Uuid::parse_str(record).unwrap();
    let conn = store.conn();
    let exists = conn
        .query_row("SELECT count(*) FROM object WHERE uid = ?1", [uid.as_bytes()], |r| r.get::<_, i64>(0))
        .unwrap()
        > 0;
    let mut q =
        conn.prepare("SELECT s.value FROM stmt s JOIN object o ON o.n = s.obj WHERE o.uid = ?1").unwrap();
    let values =
        q.query_map([uid.as_bytes()], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect();
    (exists, values)
}

fn three() -> (Liaison, Liaison, Liaison) {
    let paris = office("Paris", "PJ", "FR");
    let lyon = office("Lyon", "PJ", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &lyon, &marseille]);
    (paris, lyon, marseille)
}

/// Paris names only Lyon on OP-7; Lyon shares OP-7 with Marseille. Paris's RED (and AMBER)
/// values stay with Lyon; Lyon's own value on the same person reaches Marseille.
#[test]
fn a_red_value_does_not_reach_an_office_its_originator_never_named() {
    let (paris, lyon, marseille) = three();
    paris.ok(&["case", "new", "--ref", "OP-7", "--title", "Port", "--marking", "TLP:AMBER"]);
    let id =
        paris.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Karim Benali", "--case", "OP-7"]);
    let id = id.trim();
    paris.ok(&["entity", "set", id, "--prop", "alias=Le Chimiste", "--marking", "TLP:RED", "--case", "OP-7"]);
    paris.ok(&["case", "share", "OP-7", "--with", "Lyon"]);
    send(&paris, &lyon, "Lyon", "p-to-l");
    assert!(held(&lyon, id).1.contains(&"Le Chimiste".to_owned()), "Lyon, named by Paris, has the RED value");

    lyon.ok(&["entity", "set", id, "--prop", "alias=Benali K.", "--marking", "TLP:AMBER", "--case", "OP-7"]);
    lyon.ok(&["case", "share", "OP-7", "--with", "Marseille"]);
    let dry = lyon.json(&["export", "--to", "Marseille", "-o", "unused", "--dry-run"]);
    let on_person = withheld_of(&dry, id);
    let red =
        on_person.iter().find(|w| w["value"] == "Le Chimiste").expect("the RED alias is listed as withheld");
    let reason = red["reason"].as_str().unwrap();
    assert!(reason.contains("Paris did not name Marseille on OP-7"), "{reason}");
    send(&lyon, &marseille, "Marseille", "l-to-m");

    let (exists, values) = held(&marseille, id);
    assert!(exists, "Lyon's own value makes the person travel");
    assert!(values.contains(&"Benali K.".to_owned()), "{values:?}");
    assert!(!values.contains(&"Le Chimiste".to_owned()), "Paris's RED value reached Marseille: {values:?}");
    assert!(
        !values.contains(&"Karim Benali".to_owned()),
        "Paris's AMBER value reached Marseille: {values:?}"
    );
}

/// Paris names Lyon and Marseille but only sends to Lyon, which relays. Once Paris revokes
/// Marseille, Paris's AMBER values no longer go from Lyon to Marseille.
#[test]
fn after_the_originator_revokes_an_office_a_relay_stops_passing_its_values() {
    let (paris, lyon, marseille) = three();
    paris.ok(&["case", "new", "--ref", "OP-7", "--title", "Port", "--marking", "TLP:AMBER"]);
    let id =
        paris.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Karim Benali", "--case", "OP-7"]);
    let id = id.trim();
    paris.ok(&["case", "share", "OP-7", "--with", "Lyon"]);
    paris.ok(&["case", "share", "OP-7", "--with", "Marseille"]);
    send(&paris, &lyon, "Lyon", "p-to-l-1");
    lyon.ok(&["case", "share", "OP-7", "--with", "Marseille"]);
    send(&lyon, &marseille, "Marseille", "l-to-m-1");
    assert!(
        held(&marseille, id).1.contains(&"Karim Benali".to_owned()),
        "Paris named Marseille: the relay passes"
    );

    paris.ok(&["entity", "set", id, "--prop", "alias=Le Chimiste", "--case", "OP-7"]);
    paris.ok(&["office", "revoke", "Marseille"]);
    send(&paris, &lyon, "Lyon", "p-to-l-2");
    assert!(held(&lyon, id).1.contains(&"Le Chimiste".to_owned()));
    let dry = lyon.json(&["export", "--to", "Marseille", "-o", "unused", "--dry-run"]);
    let alias = withheld_of(&dry, id).into_iter().find(|w| w["value"] == "Le Chimiste").expect("listed");
    let reason = alias["reason"].as_str().unwrap();
    assert!(reason.contains("Paris revoked Marseille"), "{reason}");
    send(&lyon, &marseille, "Marseille", "l-to-m-2");
    let values = held(&marseille, id).1;
    assert!(
        !values.contains(&"Le Chimiste".to_owned()),
        "a revoked office got the originator's value: {values:?}"
    );
}

/// Paris shares OP-9 with Marseille. A person of OP-9 whose only value is RED under an
/// unshared case does not travel, nor its membership of OP-9; an ownership whose every
/// value is withheld does not travel, nor its creation; a link to the withheld person
/// goes with it.
#[test]
fn records_links_and_memberships_travel_only_with_a_value_the_partner_may_have() {
    let paris = office("Paris", "PJ", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["case", "new", "--ref", "OP-9", "--title", "Shared", "--marking", "TLP:AMBER"]);
    paris.ok(&["case", "new", "--ref", "SECRET", "--title", "Ours", "--marking", "TLP:RED"]);
    let karim =
        paris.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Karim Benali", "--case", "OP-9"]);
    let karim = karim.trim();
    let phone =
        paris.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=+33612345678", "--case", "OP-9"]);
    let phone = phone.trim();
    let hidden = paris.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Nadia Sabri",
        "--case",
        "SECRET",
        "--marking",
        "TLP:RED",
    ]);
    let hidden = hidden.trim();
    paris.ok(&["case", "add", "OP-9", hidden]);
    let owns = paris.ok(&[
        "link",
        "new",
        "--schema",
        "Ownership",
        "--from",
        karim,
        "--to",
        phone,
        "--prop",
        "ownershipType=user",
        "--case",
        "SECRET",
        "--marking",
        "TLP:RED",
    ]);
    let owns = owns.trim();
    let knows = paris.ok(&[
        "link",
        "new",
        "--schema",
        "Associate",
        "--from",
        karim,
        "--to",
        hidden,
        "--prop",
        "relationship=cousin",
        "--case",
        "OP-9",
    ]);
    let knows = knows.trim();
    paris.ok(&["case", "share", "OP-9", "--with", "Marseille"]);

    let dry = paris.json(&["export", "--to", "Marseille", "-o", "unused", "--dry-run"]);
    let bare = |record: &str| -> String {
        let entries = withheld_of(&dry, record);
        let e = entries.iter().find(|w| w["prop"] == "").unwrap_or_else(|| panic!("{record} listed: {dry}"));
        e["reason"].as_str().unwrap().to_owned()
    };
    assert!(bare(hidden).contains("no value of this record may go to Marseille"), "{}", bare(hidden));
    assert!(bare(owns).contains("no value of this record may go to Marseille"), "{}", bare(owns));
    let why = bare(knows);
    assert!(
        why.contains("its end") && why.contains("Nadia Sabri") && why.contains("does not travel"),
        "{why}"
    );
    assert!(dry["going"].as_array().unwrap().iter().all(|g| g["record"] != hidden), "{dry}");

    send(&paris, &marseille, "Marseille", "p-to-m");
    assert!(held(&marseille, karim).0 && held(&marseille, phone).0, "the shared people and phones arrive");
    for (what, record) in
        [("the RED person", hidden), ("the withheld ownership", owns), ("the link to it", knows)]
    {
        let (exists, values) = held(&marseille, record);
        assert!(!exists, "{what} reached Marseille: {values:?}");
    }
    let store = open(&marseille.store);
    let members: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM object WHERE schema = 'CaseMember'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(members, 2, "only the memberships of records that travel arrive");
}
