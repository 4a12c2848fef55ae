//! Judgements on one store (issue 13): `liaison judge`, `liaison judgements`, undo, the
//! resolved profile in `entity show`, transitive clusters with a contradiction, rebuild.

use crate::common;

use common::Liaison;

fn person(l: &Liaison, name: &str, more: &[&str]) -> String {
    let prop = format!("name={name}");
    let mut args = vec!["entity", "new", "--schema", "Person", "--prop", prop.as_str()];
    args.extend_from_slice(more);
    l.ok(&args).trim().to_owned()
}

fn show_json(l: &Liaison, id: &str) -> String {
    l.ok(&["--json", "entity", "show", id])
}

#[test]
fn same_shows_one_profile_and_not_same_or_undo_restore_the_output_byte_for_byte() {
    let l = Liaison::init();
    let karim = person(
        &l,
        "Karim BENALI",
        &["--prop", "birthDate=1979-04", "--source", "PJ file 12", "--grade", "B2"],
    );
    let benali = person(&l, "Карим Бенали", &["--prop", "passportNumber=09AB12345", "--marking", "TLP:RED"]);
    let before_karim = show_json(&l, &karim);
    let before_benali = show_json(&l, &benali);
    let text_before = l.ok(&["entity", "show", &karim]);
    assert!(!text_before.contains("Profile"), "{text_before}");

    let said = l.ok(&["judge", &karim, &benali, "same", "--reason", "same passport in both files"]);
    assert!(said.contains("Judged the same") && said.contains("Karim BENALI"), "{said}");
    let shown: serde_json::Value = serde_json::from_str(&show_json(&l, &karim)).unwrap();
    let profile = &shown["profile"];
    let records: Vec<&str> =
        profile["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        records,
        [karim.as_str(), benali.as_str()],
        "the record shown first, then the one judged the same"
    );
    // Every statement keeps its record, source, grade, marking and office.
    let passport = profile["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["prop"] == "passportNumber")
        .unwrap_or_else(|| panic!("{profile}"));
    assert_eq!(passport["record"], benali.as_str());
    assert_eq!(passport["marking"], "TLP:RED");
    assert_eq!(passport["office"], "Paris");
    let birth = profile["statements"].as_array().unwrap().iter().find(|s| s["prop"] == "birthDate").unwrap();
    assert_eq!(birth["record"], karim.as_str());
    assert_eq!(birth["source"]["name"], "PJ file 12");
    assert_eq!(birth["grade"], "B2");
    // The other record shows the same profile, itself first.
    let other: serde_json::Value = serde_json::from_str(&show_json(&l, &benali)).unwrap();
    assert_eq!(other["profile"]["records"][0]["id"], benali.as_str());
    assert_eq!(
        other["profile"]["statements"].as_array().unwrap().len(),
        profile["statements"].as_array().unwrap().len()
    );
    let text = l.ok(&["entity", "show", &karim]);
    assert!(
        text.contains("Profile: judged the same as 1 other record") && text.contains("09AB12345"),
        "{text}"
    );

    // not-same splits the profile: both records show exactly what they showed before.
    l.ok(&["judge", &benali, &karim, "not-same", "--reason", "different fathers"]);
    assert_eq!(
        l.json(&["conflicts", "list"]),
        serde_json::json!([]),
        "a later verdict of one office replaces its earlier"
    );
    assert_eq!(l.json(&["judgements"])[0]["reason"], "different fathers");
    assert_eq!(show_json(&l, &karim), before_karim);
    assert_eq!(show_json(&l, &benali), before_benali);
    // Judged the same again, then undone: back to not-same, still byte-identical.
    l.ok(&["judge", &karim, &benali, "same"]);
    assert!(show_json(&l, &karim).contains("\"profile\""));
    let undo = l.ok(&["undo"]);
    assert!(undo.contains("verdict"), "{undo}");
    assert_eq!(show_json(&l, &karim), before_karim);
    // A first judgement undone: the judgement goes (a tombstone that travels), nothing merges.
    let karima = person(&l, "Karima BENALI", &[]);
    let before_karima = show_json(&l, &karima);
    l.ok(&["judge", &karima, &karim, "same"]);
    assert!(show_json(&l, &karima).contains("\"profile\""));
    l.ok(&["undo"]);
    assert_eq!(show_json(&l, &karima), before_karima);
    assert_eq!(show_json(&l, &karim), before_karim);
    assert!(
        l.json(&["judgements", "--entity", &karima]).as_array().unwrap().is_empty(),
        "the undone judgement is not listed"
    );
    // Judged again after the undo: the same judgement (same id) comes back.
    let again = l.json(&["judge", &karima, &karim, "unsure"]);
    assert_eq!(l.json(&["judgements", "--entity", &karima])[0]["id"], again["judgement"]);
}

#[test]
fn judging_refuses_unknown_ids_a_record_with_itself_and_kinds_that_cannot_match() {
    let l = Liaison::init();
    let karim = person(&l, "Karim BENALI", &[]);
    let car = l
        .ok(&[
            "entity",
            "new",
            "--schema",
            "Vehicle",
            "--prop",
            "registrationNumber=AB-123-CD",
            "--prop",
            "country=FR",
        ])
        .trim()
        .to_owned();
    let (code, err) = l.fails(&["judge", &karim, &karim, "same"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("two different records"), "{err}");
    let (code, err) = l.fails(&["judge", &karim, &car, "same"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Person") && err.contains("Vehicle") && err.contains("cannot be the same"), "{err}");
    let (code, err) = l.fails(&["judge", &karim, "0190aaaa-0000-7000-8000-000000000000", "same"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no record with id"), "{err}");
    let (code, err) = l.fails(&["judge", &karim, &car, "maybe"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not-same"), "the accepted verdicts are listed: {err}");
    assert_eq!(l.json(&["judgements"]), serde_json::json!([]));
    assert_eq!(l.json(&["history"]).as_array().unwrap().len(), 2, "only the two records were written");
}

#[test]
fn judgements_are_listed_by_record_with_their_reason_marking_and_a_stricter_marking_wins() {
    let l = Liaison::init();
    let ra = person(&l, "Karim BENALI", &["--marking", "TLP:RED"]);
    let rb = person(&l, "BENALI Karim", &["--marking", "TLP:AMBER"]);
    let rc = person(&l, "Karima Benali", &[]);
    let out = l.json(&["judge", &ra, &rb, "same", "--reason", "same passport", "--marking", "TLP:GREEN"]);
    assert_eq!(out["changed"], true);
    let again = l.ok(&["judge", &rb, &ra, "same", "--reason", "same passport", "--marking", "TLP:GREEN"]);
    assert!(again.contains("nothing changed"), "one judgement per pair, whichever order: {again}");
    l.ok(&["judge", &ra, &rc, "unsure"]);
    let of_b = l.json(&["judgements", "--entity", &rb]);
    assert_eq!(of_b.as_array().unwrap().len(), 1, "{of_b}");
    let judged = &of_b[0];
    assert_eq!(judged["verdict"], "same");
    assert_eq!(judged["reason"], "same passport");
    assert_eq!(judged["contested"], false);
    assert_eq!(judged["marking"], "TLP:RED", "never below the records it joins, whatever was typed");
    assert_eq!(l.json(&["judgements", "--entity", &ra]).as_array().unwrap().len(), 2);
    assert_eq!(l.json(&["judgements"]).as_array().unwrap().len(), 2);
    let text = l.ok(&["judgements", "--entity", &ra]);
    assert!(
        text.contains("unsure") && text.contains("same passport") && text.contains("Karima Benali"),
        "{text}"
    );
    let audit = l.json(&["audit", "list"]);
    assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "judge"), "{audit}");
}

#[test]
fn a_transitive_cluster_shows_a_direct_not_same_and_survives_a_rebuild() {
    let l = Liaison::init();
    let ra = person(&l, "Karim BENALI", &[]);
    let rb = person(&l, "K. Benali", &[]);
    let rc = person(&l, "Karim Benali", &[]);
    let rd = person(&l, "Benali Karim", &[]);
    l.ok(&["judge", &ra, &rb, "same"]);
    l.ok(&["judge", &rb, &rc, "same"]);
    l.ok(&["judge", &rc, &rd, "same"]);
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    };
    let profile = |id: &str| l.json(&["entity", "show", id])["profile"].clone();
    assert_eq!(ids(&profile(&ra)["records"]).len(), 4, "A=B, B=C, C=D: one profile");

    l.ok(&["judge", &ra, &rc, "not-same", "--reason", "different birth years"]);
    // From A, its own not-same wins: C (and D, reached only through C) are left out, named.
    let pa = profile(&ra);
    assert_eq!(ids(&pa["records"]), [ra.clone(), rb.clone()]);
    let mut out = ids(&pa["excluded"]);
    out.sort();
    let mut expected = vec![rc.clone(), rd.clone()];
    expected.sort();
    assert_eq!(out, expected);
    assert_eq!(pa["contradictions"][0]["verdict"], "not-same", "{pa}");
    // From B, the chain holds all four, and the contradiction is named, not ignored.
    let pb = profile(&rb);
    assert_eq!(ids(&pb["records"]).len(), 4);
    let contradiction = &pb["contradictions"][0];
    assert_eq!(contradiction["verdict"], "not-same");
    let mut pair: Vec<String> =
        contradiction["records"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect();
    pair.sort();
    let mut ac = vec![ra.clone(), rc.clone()];
    ac.sort();
    assert_eq!(pair, ac);
    let text = l.ok(&["entity", "show", &rb]);
    assert!(text.contains("judged not the same, yet a chain"), "{text}");

    let before = (l.ok(&["--json", "entity", "show", &rb]), l.ok(&["--json", "judgements"]));
    l.ok(&["store", "rebuild"]);
    let check = l.json(&["store", "check"]);
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!((l.ok(&["--json", "entity", "show", &rb]), l.ok(&["--json", "judgements"])), before);
}
