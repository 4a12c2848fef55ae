//! The interop commands through the real binary: a CSV of call records makes phones and
//! calls on the timeline; reports in text and JSON; re-import says so; bad input fails
//! with one clear line.

use crate::common;

use common::Liaison;

fn asset(name: &str) -> String {
    format!("{}/assets/mappings/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn call_records_make_phones_and_calls_on_the_timeline() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "CDR-1", "--title", "Wiretap follow-up", "--marking", "TLP:AMBER"]);
    let mapping = asset("call-records.toml");
    let csv = asset("call-records.example.csv");
    let report = l.json(&[
        "import",
        "--format",
        "csv",
        "--mapping",
        &mapping,
        &csv,
        "--case",
        "CDR-1",
        "--grade",
        "B2",
    ]);
    assert_eq!(report["created_by_kind"]["Phone"], 4, "{report}");
    assert_eq!(report["created_by_kind"]["Call"], 5, "{report}");
    assert_eq!(report["read"], 6);
    let skipped = report["skipped_values"]["reasons"].as_object().unwrap();
    assert!(skipped.keys().any(|k| k.contains("Phone.number")), "{report}");
    let timeline = l.json(&["timeline", "--case", "CDR-1", "--oldest-first"]);
    let calls: Vec<&serde_json::Value> =
        timeline.as_array().unwrap().iter().filter(|i| i["schema"] == "Call").collect();
    assert_eq!(calls.len(), 5, "{timeline}");
    assert_eq!(calls[0]["at"], "2024-03-03T21:14:05");
    assert!(calls[0]["summary"].as_str().unwrap().contains("+33612345678"), "{}", calls[0]);
    let stats = l.json(&["stats"]);
    assert_eq!(stats["by_kind"]["Phone"], 4);
    // The phone typed by an analyst is the phone of the records: no duplicate.
    l.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=+33 6 12 34 56 78"]);
    assert_eq!(l.json(&["stats"])["by_kind"]["Phone"], 4);

    let ops = l.json(&["stats"])["ops"].clone();
    let again =
        l.ok(&["import", "--format", "csv", "--mapping", &mapping, &csv, "--case", "CDR-1", "--grade", "B2"]);
    assert!(again.contains("already imported") && again.contains("nothing changed"), "{again}");
    assert_eq!(l.json(&["stats"])["ops"], ops, "a second import writes nothing");
}

#[test]
fn bank_transactions_make_accounts_and_payments() {
    let l = Liaison::init();
    let report = l.json(&[
        "import",
        "--format",
        "csv",
        "--mapping",
        &asset("bank-transactions.toml"),
        &asset("bank-transactions.example.csv"),
    ]);
    assert_eq!(report["created_by_kind"]["BankAccount"], 3, "{report}");
    assert_eq!(report["created_by_kind"]["Payment"], 3, "{report}");
    let hits = l.json(&["search", "NL91ABNA0417164300"]);
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");
    let view = l.json(&["entity", "show", hits[0]["id"].as_str().unwrap()]);
    let amounts: Vec<&str> =
        view["links"].as_array().unwrap().iter().map(|l| l["schema"].as_str().unwrap()).collect();
    assert_eq!(amounts, ["Payment", "Payment"], "{view}");
}

#[test]
fn import_and_export_mistakes_are_one_clear_line() {
    let l = Liaison::init();
    let (code, err) = l.fails(&["import", "--format", "csv", &asset("call-records.example.csv")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--mapping"), "{err}");
    let bad = l.root.path().join("bad.json");
    std::fs::write(&bad, "{\"type\": \"bundle\", \"objects\": [{\"type\": \"identity\"").unwrap();
    let (code, err) = l.fails(&["import", "--format", "stix", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.json") && err.contains("truncated"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let out = l.root.path().join("x.stix.json");
    let (code, err) = l.fails(&["export", "--format", "stix", "-o", out.to_str().unwrap(), "--case", "NOPE"]);
    assert_eq!(code, 1, "{err}");
    assert!(!out.exists());
    let text = l.ok(&["export", "--format", "ftm", "-o", out.to_str().unwrap()]);
    assert!(text.contains("Exported 0"), "{text}");
    let log = l.json(&["audit", "log"]);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "interop export"), "{log}");
}

#[test]
fn an_event_imported_into_a_case_becomes_a_note_and_members_of_it() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "C-7", "--title", "Couriers", "--marking", "TLP:AMBER"]);
    let event = format!("{}/tests/fixtures/interop/event.misp.json", env!("CARGO_MANIFEST_DIR"));
    let report = l.json(&[
        "import",
        "--format",
        "misp",
        &event,
        "--case",
        "C-7",
        "--source",
        "Customs liaison officer",
    ]);
    assert_eq!(report["source"], "Customs liaison officer", "{report}");
    assert_eq!(report["created_by_kind"]["Note"], 1, "{report}");
    assert!(report["created_by_kind"].get("Case").is_none(), "{report}");
    let case = l.json(&["case", "show", "C-7"]);
    let members: Vec<&str> =
        case["members"].as_array().unwrap().iter().map(|m| m["schema"].as_str().unwrap()).collect();
    assert_eq!(members, ["Person", "Phone", "Vehicle"], "{case}");
    assert!(case["notes"][0]["fields"]["text"][0].as_str().unwrap().contains("Courier network"), "{case}");
    // The stricter of the case's marking and the event's tag holds.
    assert!(case["members"].as_array().unwrap().iter().all(|m| m["marking"] == "TLP:AMBER"), "{case}");
    let person = case["members"].as_array().unwrap().iter().find(|m| m["schema"] == "Person").unwrap();
    let view = l.json(&["entity", "show", person["id"].as_str().unwrap()]);
    let link = &view["links"][0];
    assert_eq!(
        (link["schema"].as_str(), link["other"]["caption"].as_str()),
        (Some("UnknownLink"), Some("GX123KL")),
        "{view}"
    );
}

#[test]
fn a_misp_feed_folder_imports_every_event_of_its_manifest() {
    let l = Liaison::init();
    let feed = l.root.path().join("feed");
    std::fs::create_dir(&feed).unwrap();
    let event = std::fs::read_to_string(format!(
        "{}/tests/fixtures/interop/event.misp.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let first = "8b3d2f1a-6c4e-4d7b-9a21-5e0f3c2b1a90";
    let second = "1b3d2f1a-6c4e-4d7b-9a21-5e0f3c2b1a91";
    std::fs::write(feed.join(format!("{first}.json")), &event).unwrap();
    let other = event.replace(first, second).replace("Courier network", "Second courier event");
    std::fs::write(feed.join(format!("{second}.json")), other).unwrap();
    std::fs::write(feed.join("manifest.json"), format!("{{\"{first}\": {{}}, \"{second}\": {{}}}}")).unwrap();
    let report = l.json(&["import", "--format", "misp", feed.to_str().unwrap()]);
    assert_eq!(report["created_by_kind"]["Case"], 2, "{report}");
    assert_eq!(report["created_by_kind"]["Person"], 1, "the same person uuid in both events: {report}");
    let cases = l.json(&["case", "list"]);
    assert_eq!(cases.as_array().unwrap().len(), 2, "{cases}");
    // A manifest naming a missing event file is refused, naming it, and nothing is written.
    let ops = l.json(&["stats"])["ops"].clone();
    std::fs::write(feed.join("manifest.json"), "{\"2b3d2f1a-6c4e-4d7b-9a21-5e0f3c2b1a92\": {}}").unwrap();
    let (_, err) = l.fails(&["import", "--format", "misp", feed.to_str().unwrap()]);
    assert!(
        err.contains("manifest.json") && err.contains("2b3d2f1a-6c4e-4d7b-9a21-5e0f3c2b1a92.json"),
        "{err}"
    );
    assert_eq!(l.json(&["stats"])["ops"], ops);
}

#[test]
fn re_importing_a_file_with_a_new_grade_regrades_its_values() {
    let l = Liaison::init();
    let file = l.root.path().join("people.ftm.json");
    std::fs::write(
        &file,
        r#"{"id": "p-1", "schema": "Person", "properties": {"name": ["Ivana Regrade"], "birthDate": ["1970-05-01"]}}"#,
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let first = l.json(&["import", "--format", "ftm", f, "--grade", "C3", "--source", "Informant 7"]);
    assert!(first["values_written"].as_u64().unwrap() >= 2, "{first}");
    let id = l.json(&["search", "Ivana Regrade"])[0]["id"].as_str().unwrap().to_owned();
    let grades = |l: &Liaison| -> Vec<String> {
        l.json(&["entity", "show", &id])["statements"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["prop"] == "name")
            .map(|s| s["grade"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(grades(&l), ["C3"]);
    // Same file, same source, same grade: nothing written.
    let again = l.json(&["import", "--format", "ftm", f, "--grade", "C3", "--source", "Informant 7"]);
    assert_eq!(again["ops"], 0, "{again}");
    // The source was re-assessed: the same values now carry the new grade.
    let regraded = l.json(&["import", "--format", "ftm", f, "--grade", "A1", "--source", "Informant 7"]);
    assert!(regraded["values_written"].as_u64().unwrap() >= 2, "{regraded}");
    assert_eq!(grades(&l), ["A1"]);
}
