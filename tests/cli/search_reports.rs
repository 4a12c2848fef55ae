//! Search as an analyst types from a report (issue 10 §2): identifiers in pieces, a typo, a
//! list that says whether it is complete, each hit with its cases.

use crate::common;

use age::secrecy::SecretString;
use common::Liaison;
use liaison::store::query::SearchTotal;
use liaison::store::{Office, Provenance, Store};

fn new(l: &Liaison, schema: &str, props: &[&str]) -> String {
    let mut args = vec!["entity", "new", "--schema", schema, "--case", "PJ-1"];
    for p in props {
        args.extend(["--prop", p]);
    }
    l.ok(&args).trim().to_owned()
}

fn ids(l: &Liaison, query: &str) -> Vec<String> {
    l.json(&["search", query])
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

fn store() -> Liaison {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "PJ-1", "--title", "Port"]);
    l
}

#[test]
fn identifiers_typed_as_reports_print_them_find_the_record() {
    let l = store();
    let phone = new(&l, "Phone", &["number=+33611000000"]);
    let car = new(&l, "Vehicle", &["registrationNumber=GH-123-AB", "country=FR"]);
    let account = new(&l, "BankAccount", &["iban=FR7630006000011234567890189"]);
    for q in ["06 11 00 00 00", "06.11.00.00.00", "+33 6 11 00 00 00", "0611000000"] {
        assert_eq!(ids(&l, q), vec![phone.clone()], "{q}");
    }
    for q in ["GH-123-AB", "gh 123 ab", "GH123AB"] {
        assert_eq!(ids(&l, q), vec![car.clone()], "{q}");
    }
    assert_eq!(ids(&l, "FR76 3000 6000 0112 3456 7890 189"), vec![account]);
}

#[test]
fn a_typo_finds_the_name_and_says_it_is_a_close_spelling() {
    let l = store();
    let karim = new(&l, "Person", &["name=Karim Benali"]);
    new(&l, "Person", &["name=Luc Benoit"]);
    let out = l.ok(&["search", "benalli"]);
    assert!(out.starts_with("(no exact match; close spellings: benali)"), "{out}");
    assert!(out.contains(&karim) && !out.contains("Benoit"), "{out}");
    assert_eq!(ids(&l, "karim benalli"), vec![karim.clone()]);
    let hits = l.json(&["search", "benalli"]);
    assert_eq!(hits[0]["fuzzy"], true, "{hits}");
    // An exact match is never mixed with guesses.
    let hits = l.json(&["search", "benali"]);
    assert_eq!(hits[0]["fuzzy"], false, "{hits}");
    assert!(ids(&l, "zzzzqqq").is_empty());
}

#[test]
fn a_cut_list_says_first_n_of_total_and_each_hit_names_its_cases() {
    let l = store();
    l.ok(&["case", "new", "--ref", "PJ-2", "--title", "Airport"]);
    let first = new(&l, "Person", &["name=Suspect Alpha"]);
    l.ok(&["case", "add", "PJ-2", &first]);
    for name in ["Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta"] {
        new(&l, "Person", &[&format!("name=Suspect {name}")]);
    }
    let out = l.ok(&["search", "suspect", "--limit", "5"]);
    assert_eq!(out.lines().filter(|l| l.contains("Suspect")).count(), 5, "{out}");
    assert!(out.contains("first 5 of 7"), "{out}");
    let line = out.lines().find(|l| l.contains(&first)).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("PJ-1, PJ-2"), "{line}");
    let all = l.ok(&["search", "suspect"]);
    assert!(!all.contains("first"), "a complete list does not say it was cut: {all}");
    let page = l.json(&["search", "suspect", "--limit", "5", "--page"]);
    assert_eq!(page["total"]["kind"], "exact");
    assert_eq!(page["total"]["count"], 7);
    let hit = page["hits"].as_array().unwrap().iter().find(|h| h["id"] == first.as_str()).unwrap();
    assert_eq!(hit["cases"], serde_json::json!(["PJ-1", "PJ-2"]));
    assert_eq!(hit["case_count"], 2);
}

#[test]
fn counting_stops_at_a_thousand_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let pass = SecretString::from("correct horse battery".to_owned());
    let office = Office { name: "Paris".into(), agency: "DGSI".into(), country: "FR".into() };
    let mut store = Store::create(dir.path(), &pass, &office).unwrap();
    let mut tx = store.write("test").unwrap();
    for i in 0..1_100 {
        let props = [("name".to_owned(), format!("Courier {i}"))];
        tx.new_entity("Person", &props, &Provenance::default(), liaison::model::values::Locale::default())
            .unwrap();
    }
    tx.commit(&serde_json::json!({})).unwrap();
    let page = store.search_page("courier", 50).unwrap();
    assert_eq!(page.hits.len(), 50);
    assert_eq!(page.total, SearchTotal::AtLeast(1000));
    assert_eq!(page.total.describe(page.hits.len()), "first 50 of 1,000+");
    let page = store.search_page("courier 7", 50).unwrap();
    assert_eq!(page.total, SearchTotal::Exact(111), "7, 70-79, 700-799, 1070-1079: all counted");
    assert_eq!(page.total.describe(page.hits.len()), "first 50 of 111");
    assert_eq!(store.search("courier", 20).unwrap().len(), 20, "the workbench's call still works");
}
