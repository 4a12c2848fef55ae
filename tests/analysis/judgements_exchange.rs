//! Judgements across offices (issue 13, acceptance 3): a judgement travels by bundle and
//! changes the other office's views; contradictory judgements made concurrently are one
//! conflict in both offices; a judgement about a record an office may not see stays home.

use crate::common;
use crate::exchange_support;

use common::Liaison;
use exchange_support::{office, path, trust_all};

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

fn person(l: &Liaison, name: &str, case: &str) -> String {
    let prop = format!("name={name}");
    l.ok(&["entity", "new", "--schema", "Person", "--prop", &prop, "--case", case]).trim().to_owned()
}

/// Paris sends its bundle to `to`, which imports it.
fn send(from: &Liaison, to: &Liaison, to_name: &str, file: &str) -> serde_json::Value {
    let bundle = path(from, file);
    from.ok(&["export", "--to", to_name, "-o", s(&bundle)]);
    to.json(&["import", s(&bundle)])
}

/// Paris and Marseille sharing case OP-7 with two records of one man.
fn two_offices() -> (Liaison, Liaison, String, String) {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["case", "new", "--ref", "OP-7", "--title", "Port"]);
    let karim = person(&paris, "Karim BENALI", "OP-7");
    let benali = person(&paris, "Карим Бенали", "OP-7");
    paris.ok(&["case", "share", "OP-7", "--with", "Marseille"]);
    send(&paris, &marseille, "Marseille", "b1");
    (paris, marseille, karim, benali)
}

#[test]
fn a_judgement_reaches_the_other_office_and_changes_its_profile_and_its_undo_follows() {
    let (paris, marseille, karim, benali) = two_offices();
    let before = marseille.ok(&["--json", "entity", "show", &karim]);
    assert!(!before.contains("\"profile\""));
    paris.ok(&["judge", &karim, &benali, "same", "--reason", "same passport"]);
    let report = send(&paris, &marseille, "Marseille", "b2");
    assert!(report["ops_new"].as_u64().unwrap() > 0, "{report}");
    let shown = marseille.json(&["entity", "show", &karim]);
    let records: Vec<&str> =
        shown["profile"]["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(records, [karim.as_str(), benali.as_str()], "{shown}");
    let there = marseille.json(&["judgements", "--entity", &benali]);
    assert_eq!(there[0]["verdict"], "same");
    assert_eq!(there[0]["verdicts"][0]["office"], "Paris", "the verdict keeps its office");
    assert_eq!(there, paris.json(&["judgements", "--entity", &benali]), "one judgement, the same in both");

    // Paris takes it back: the tombstone travels and Marseille's view returns to what it was.
    paris.ok(&["undo"]);
    send(&paris, &marseille, "Marseille", "b3");
    assert_eq!(marseille.ok(&["--json", "entity", "show", &karim]), before);
    assert_eq!(marseille.json(&["judgements"]), serde_json::json!([]));
}

#[test]
fn contradictory_judgements_made_at_once_are_one_conflict_in_both_offices() {
    let (paris, marseille, karim, benali) = two_offices();
    paris.ok(&["judge", &karim, &benali, "same"]);
    // Marseille names the pair the other way round: still the same judgement.
    marseille.ok(&["judge", &benali, &karim, "not-same"]);
    let (to_m, to_p) = (path(&paris, "p2"), path(&marseille, "m2"));
    paris.ok(&["export", "--to", "Marseille", "-o", s(&to_m)]);
    marseille.ok(&["export", "--to", "Paris", "-o", s(&to_p)]);
    let report = marseille.json(&["import", s(&to_m)]);
    assert_eq!(report["conflicts_new"], 1, "{report}");
    paris.ok(&["import", s(&to_p)]);

    let here = paris.json(&["conflicts", "list"]);
    let there = marseille.json(&["conflicts", "list"]);
    assert_eq!(here.as_array().unwrap().len(), 1, "{here}");
    assert_eq!(here, there, "both offices list the same conflict");
    assert_eq!(here[0]["prop"], "verdict");
    let caption = here[0]["caption"].as_str().unwrap();
    assert!(caption.contains("Karim BENALI") && caption.contains("Карим Бенали"), "{caption}");
    let listed = paris.json(&["judgements"]);
    assert_eq!(listed[0]["contested"], true, "{listed}");
    let text = marseille.ok(&["judgements"]);
    assert!(
        text.contains("CONFLICT")
            && text.contains("Paris says same")
            && text.contains("Marseille says not-same"),
        "{text}"
    );
    // Disputed, nothing merges in either office until someone decides; the library names it.
    for l in [&paris, &marseille] {
        assert!(l.json(&["entity", "show", &karim]).get("profile").is_none());
        let cluster = exchange_support::open(&l.store).cluster_of(karim.parse().unwrap()).unwrap();
        assert_eq!(cluster.members.len(), 1);
        assert_eq!(cluster.contradictions.len(), 1, "{cluster:?}");
        assert_eq!(cluster.contradictions[0].verdict, "contested");
    }
    assert!(marseille.ok(&["entity", "show", &karim]).contains("disputed"));
    // Resolved in Paris: the decision travels and both show one profile.
    let id = here[0]["id"].as_str().unwrap();
    paris.ok(&["conflicts", "resolve", id, "--keep", "same"]);
    send(&paris, &marseille, "Marseille", "p3");
    assert_eq!(marseille.json(&["conflicts", "list"]), serde_json::json!([]));
    for l in [&paris, &marseille] {
        assert_eq!(l.json(&["entity", "show", &benali])["profile"]["records"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn a_judgement_about_a_record_the_office_may_not_see_stays_home() {
    let (paris, marseille, karim, _) = two_offices();
    paris.ok(&["case", "new", "--ref", "HOME", "--title", "Paris only"]);
    let secret = person(&paris, "Karim B. (informant file)", "HOME");
    paris.ok(&["judge", &karim, &secret, "same", "--reason", "informant says so"]);
    let dry = paris.json(&["export", "--to", "Marseille", "-o", "unused", "--dry-run"]);
    assert!(!dry.to_string().contains("informant"), "nothing of it is even named: {dry}");
    send(&paris, &marseille, "Marseille", "b2");
    assert_eq!(marseille.json(&["judgements"]), serde_json::json!([]));
    assert!(marseille.json(&["entity", "show", &karim]).get("profile").is_none());
    let (_, err) = marseille.fails(&["entity", "show", &secret]);
    assert!(err.contains("no record"), "Marseille does not learn the record exists: {err}");
    // Paris still sees its own judgement.
    assert_eq!(paris.json(&["entity", "show", &karim])["profile"]["records"].as_array().unwrap().len(), 2);
}

#[test]
fn a_judgement_goes_only_with_both_records_even_when_its_own_marking_would_let_it() {
    let (paris, marseille, karim, _) = two_offices();
    paris.ok(&["case", "new", "--ref", "HOME", "--title", "Paris only"]);
    // A member of the shared case whose every value is RED under a case Marseille is not on:
    // Marseille may not learn it exists.
    let prop = "name=Karim B. (informant file)";
    let secret = paris
        .ok(&[
            "entity",
            "new",
            "--schema",
            "Person",
            "--prop",
            prop,
            "--case",
            "HOME",
            "--marking",
            "TLP:RED",
        ])
        .trim()
        .to_owned();
    paris.ok(&["case", "add", "OP-7", &secret]);
    // Recorded under OP-7, the judgement's RED would go to Marseille (named on OP-7)...
    paris.ok(&["judge", &karim, &secret, "same", "--case", "OP-7", "--reason", "informant says so"]);
    assert_eq!(paris.json(&["judgements"])[0]["marking"], "TLP:RED");
    // ...but its record does not travel, so neither does the judgement.
    send(&paris, &marseille, "Marseille", "b2");
    assert_eq!(marseille.json(&["judgements"]), serde_json::json!([]));
    assert!(marseille.json(&["entity", "show", &karim]).get("profile").is_none());
    assert!(marseille.fails(&["entity", "show", &secret]).1.contains("no record"));
}
