//! Duplicate candidates and cross-referencing on the real binary (issue #13, acceptance 1
//! and 4): the demo's planted cross-agency duplicates come first with their reasons, the
//! namesakes born in other years rank below them, and an import that names someone already
//! held says so at its end and through `liaison xref --import`.

use crate::common;

use common::Liaison;
use serde_json::Value;

fn demo() -> Liaison {
    let l = Liaison::empty();
    let out = l.with_passphrase("demo").args(["demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&l.pass_file, "demo\n").unwrap();
    l
}

fn captions(c: &Value) -> (String, String) {
    (c["a"]["caption"].as_str().unwrap().to_owned(), c["b"]["caption"].as_str().unwrap().to_owned())
}

fn is_pair(c: &Value, one: &str, other: &str) -> bool {
    let (left, right) = captions(c);
    (left == one && right == other) || (left == other && right == one)
}

fn reasons(c: &Value) -> String {
    c["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect::<Vec<_>>().join("; ")
}

#[test]
fn planted_duplicates_come_first_and_namesakes_below() {
    let l = demo();
    let all = l.json(&["duplicates", "--min-score", "0", "--limit", "100000"]);
    let list = all["candidates"].as_array().unwrap();
    let planted = [
        ("Karim Benali", "Карим Бенали", "names match after transliteration"),
        ("Julien Santoni", "SANTONI Julien", "same birth month (1985-09)"),
        (
            "Primeurs du Vieux-Port SARL",
            "PRIMEURS DU VIEUX PORT SAS",
            "apart from the legal form (SARL and SAS)",
        ),
    ];
    for (i, (x, y, why)) in planted.iter().enumerate() {
        let c = &list[i];
        assert!(planted.iter().any(|(p, q, _)| is_pair(c, p, q)), "candidate {i} is {:?}", captions(c));
        let found = list.iter().position(|c| is_pair(c, x, y)).unwrap();
        assert!(found < 3, "{x} ~ {y} is candidate {found}");
        assert!(reasons(&list[found]).contains(why), "{x} ~ {y}: {}", reasons(&list[found]));
        assert!(list[found]["score"].as_f64().unwrap() >= 0.9);
    }
    assert!(reasons(&list[1]).contains("order swapped") || reasons(&list[2]).contains("order swapped"));
    // The namesakes born in 1992 and 1961 are found, with the contradiction, and rank below.
    let third = list[2]["score"].as_f64().unwrap();
    let mut namesakes = 0;
    for c in list {
        let contra = c["contradictions"].to_string();
        if is_pair(c, "Karim Benali", "Karim Benali") && contra.contains("1992") {
            namesakes += 1;
            assert!(c["score"].as_f64().unwrap() < third, "{c}");
            assert!(contra.contains("different birth years (1979 and 1992)"), "{contra}");
        }
        if is_pair(c, "Julien Santoni", "Julien Santoni") && contra.contains("1961") {
            namesakes += 1;
            assert!(c["score"].as_f64().unwrap() < 0.5, "{c}");
        }
    }
    assert_eq!(namesakes, 2, "both namesake pairs are compared and scored low");
    // The default listing leaves them out; text output gives the reasons.
    let text = l.ok(&["duplicates", "--kind", "Person", "--limit", "5"]);
    assert!(text.contains("names match after transliteration; same birth date (1979-04-12)"), "{text}");
    assert!(!text.contains("PRIMEURS"), "--kind Person lists people only:\n{text}");
    let company = l.json(&["duplicates", "--kind", "Company", "--limit", "1"]);
    assert!(is_pair(&company["candidates"][0], "Primeurs du Vieux-Port SARL", "PRIMEURS DU VIEUX PORT SAS"));
    // A case narrows to pairs with one of its members.
    let dgse = l.json(&["duplicates", "--case", "DGSE-2024-EXT-007", "--limit", "100"]);
    let dgse = dgse["candidates"].as_array().unwrap();
    assert!(dgse.iter().any(|c| is_pair(c, "Karim Benali", "Карим Бенали")));
    assert!(
        !dgse.iter().any(|c| is_pair(c, "Julien Santoni", "SANTONI Julien")),
        "neither is in the DGSE case"
    );
    // Judged, a pair leaves the list (whatever the verdict); undone, it comes back.
    let company = &company["candidates"][0];
    let (a, b) = (company["a"]["id"].as_str().unwrap(), company["b"]["id"].as_str().unwrap());
    l.ok(&["judge", a, b, "not-same", "--reason", "different owners"]);
    let after = l.json(&["duplicates", "--kind", "Company", "--limit", "100"]);
    assert!(!after["candidates"].as_array().unwrap().iter().any(|c| is_pair(
        c,
        "Primeurs du Vieux-Port SARL",
        "PRIMEURS DU VIEUX PORT SAS"
    )));
    l.ok(&["undo"]);
    let back = l.json(&["duplicates", "--kind", "Company", "--limit", "1"]);
    assert!(is_pair(&back["candidates"][0], "Primeurs du Vieux-Port SARL", "PRIMEURS DU VIEUX PORT SAS"));
    for bad in [
        &["duplicates", "--min-score", "2"][..],
        &["duplicates", "--kind", "Phone"],
        &["duplicates", "--limit", "0"],
        &["xref"],
        &["xref", "--import", "1"],
    ] {
        let (code, err) = l.fails(bad);
        assert_eq!(code, 2, "{bad:?}: {err}");
    }
}

#[test]
fn an_import_naming_someone_held_says_so_and_xref_lists_the_match() {
    let l = demo();
    let file = l.root.path().join("wiretap.ftm.json");
    std::fs::write(
        &file,
        concat!(
            r#"{"id": "wt-1", "schema": "Person", "properties": {"name": ["BENALI Karim"], "birthDate": ["1979-04"]}}"#,
            "\n",
            r#"{"id": "wt-2", "schema": "Person", "properties": {"name": ["Élodie Marchand"], "birthDate": ["1990-01-05"]}}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = l.ok(&["import", file.to_str().unwrap(), "--format", "ftm"]);
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("1 record matches a record already held: liaison xref --import "), "{out}");
    let id = last.rsplit(' ').next().unwrap();
    let x = l.json(&["xref", "--import", id]);
    assert_eq!(x["matched_records"], 1, "{x}");
    assert_eq!(x["import"]["record_count"], 2, "{x}");
    let list = x["candidates"].as_array().unwrap();
    assert!(list.iter().all(|c| captions(c).0 == "BENALI Karim" || captions(c).1 == "BENALI Karim"), "{x}");
    assert!(list.iter().any(|c| is_pair(c, "Karim Benali", "BENALI Karim")), "{x}");
    assert!(
        !list.iter().any(|c| is_pair(c, "Karim Benali", "Карим Бенали")),
        "only what the import brought: {x}"
    );
    // The same bytes again: nothing written, nothing said about matches.
    let again = l.ok(&["import", file.to_str().unwrap(), "--format", "ftm"]);
    assert!(!again.contains("xref"), "{again}");
    let text = l.ok(&["xref", "--case", "DGSE-2024-EXT-007"]);
    assert!(text.contains("members match records outside the case"), "{text}");
    assert!(text.contains("BENALI Karim"), "{text}");
}

use crate::exchange_support;

/// A partner's bundle that names a man this office already holds says so at its end.
#[test]
fn a_bundle_naming_someone_held_says_so() {
    use exchange_support::{office, path, trust_all};
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    marseille.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Karim Benali",
        "--prop",
        "birthDate=1979-04-17",
    ]);
    paris.ok(&["case", "new", "--ref", "ORG-41", "--title", "Front companies"]);
    paris.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=BENALI Karim",
        "--prop",
        "birthDate=1979-04",
        "--case",
        "ORG-41",
    ]);
    paris.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Claire Marchetti", "--case", "ORG-41"]);
    paris.ok(&["case", "share", "ORG-41", "--with", "Marseille"]);
    let bundle = path(&paris, "b1");
    paris.ok(&["export", "--to", "Marseille", "-o", bundle.to_str().unwrap()]);
    let out = marseille.ok(&["import", bundle.to_str().unwrap()]);
    let line = out.lines().find(|l| l.contains("xref")).unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.trim().starts_with("1 record matches a record already held: liaison xref --import "),
        "{out}"
    );
    let id = line.rsplit(' ').next().unwrap();
    let x = marseille.json(&["xref", "--import", id]);
    assert_eq!(x["matched_records"], 1, "{x}");
    assert!(is_pair(&x["candidates"][0], "Karim Benali", "BENALI Karim"), "{x}");
    assert!(reasons(&x["candidates"][0]).contains("same birth month (1979-04)"), "{x}");
}
