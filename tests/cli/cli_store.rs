//! Acceptance of the store and command line, through the real binary.

use crate::common;

use common::{Liaison, snapshot};

const CANARY_PERSON: &str = "Qwxzv Canarybird";
const CANARY_CASE: &str = "Opération Zzyzx Flamingo";

#[test]
fn nothing_readable_in_the_store_folder() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "ZZ-1", "--title", CANARY_CASE, "--marking", "TLP:AMBER"]);
    let id = l.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        &format!("name={CANARY_PERSON}"),
        "--prop",
        "notes=Meets Plovdivski at the quay",
        "--case",
        "ZZ-1",
    ]);
    l.ok(&["entity", "show", id.trim()]);
    l.ok(&["search", "Canarybird"]);
    let files = snapshot(&l.store);
    assert!(files.contains_key("liaison.db") && files.contains_key("keystore.age"), "{files:?}");
    for name in files.keys() {
        let bytes = std::fs::read(l.store.join(name)).unwrap();
        for canary in [CANARY_PERSON, "Canarybird", CANARY_CASE, "Zzyzx", "Plovdivski", "ZZ-1"] {
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                "{canary} readable in {name}"
            );
        }
    }
    let db = std::fs::read(l.store.join("liaison.db")).unwrap();
    assert!(!db.starts_with(b"SQLite format 3"), "the database header is plaintext");
}

#[test]
fn a_wrong_passphrase_is_refused_and_changes_no_file() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "W-1", "--title", "Wrong passphrase test"]);
    let before = snapshot(&l.store);
    let out = l.with_passphrase("not the passphrase").args(["case", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("passphrase"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(snapshot(&l.store), before);
    // The failure is in the audit log once the right passphrase opens the store.
    let log = l.json(&["audit", "log"]);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "unlock failed"), "{log}");
}

#[test]
fn passwd_rewrites_only_the_keystore() {
    let l = Liaison::init();
    l.ok(&["generate", "--entities", "200"]);
    let db_before = std::fs::read(l.store.join("liaison.db")).unwrap();
    let keystore_before = snapshot(&l.store)["keystore.age"].clone();
    let new_pass = l.root.path().join("new-pass");
    std::fs::write(&new_pass, "a much longer new passphrase\n").unwrap();
    l.ok(&["passwd", "--new-passphrase-file", new_pass.to_str().unwrap()]);
    // Re-keying would change every page; only the audit log's pages (unlock, passphrase
    // changed) may differ.
    let db_after = std::fs::read(l.store.join("liaison.db")).unwrap();
    let pages = db_before.len() / 4096;
    let changed = db_before.chunks(4096).zip(db_after.chunks(4096)).filter(|(a, b)| a != b).count();
    assert!(pages > 100, "a database of {pages} pages");
    assert!(changed <= 8, "{changed} of {pages} database pages changed");
    assert_ne!(snapshot(&l.store)["keystore.age"], keystore_before);
    let (code, err) = l.fails(&["case", "list"]);
    assert_eq!(code, 3, "{err}");
    let out = l.command_using(&new_pass).args(["stats"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn one_phone_in_two_spellings_is_one_entity() {
    let l = Liaison::init();
    let a = l.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=+33 6 12 34 56 78"]);
    let b = l.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=0033612345678"]);
    assert_eq!(a, b);
    let c = l.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=06 12 34 56 78"]);
    assert_eq!(a, c, "national form with the office's country (FR)");
}

#[test]
fn two_sources_with_different_grades_are_both_listed() {
    let l = Liaison::init();
    let id = l.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Ana Ruiz",
        "--prop",
        "birthDate=1984-03-07",
        "--source",
        "Wiretap W-118",
        "--grade",
        "B2",
    ]);
    let id = id.trim();
    l.ok(&[
        "entity",
        "set",
        id,
        "--prop",
        "birthDate=1985",
        "--source",
        "Informant MR-17",
        "--grade",
        "EU:X4",
    ]);
    let view = l.json(&["entity", "show", id]);
    let births: Vec<_> = view["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["prop"] == "birthDate")
        .map(|s| {
            (
                s["value"].as_str().unwrap(),
                s["source"]["name"].as_str().unwrap(),
                s["grade"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(births, vec![("1984-03-07", "Wiretap W-118", "B2"), ("1985", "Informant MR-17", "EU:X4")]);
    let text = l.ok(&["entity", "show", id]);
    assert!(
        text.contains("Wiretap W-118") && text.contains("Informant MR-17") && text.contains("EU:X4"),
        "{text}"
    );
}

#[test]
fn bad_input_gets_one_line_naming_it_and_changes_no_data() {
    let l = Liaison::init();
    let id = l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Karim"]);
    let before = l.json(&["stats"]);
    let cases: &[(&[&str], &str)] = &[
        (&["entity", "new", "--schema", "Persn", "--prop", "name=x"], "Persn"),
        (&["entity", "new", "--schema", "Person", "--prop", "nmae=x"], "nmae"),
        (
            &["entity", "new", "--schema", "Person", "--prop", "name=ok", "--prop", "birthDate=31/02/1980"],
            "31/02/1980",
        ),
        (&["entity", "new", "--schema", "Phone", "--prop", "number=12"], "12"),
        (
            &["entity", "new", "--schema", "BankAccount", "--prop", "iban=FR7630006000011234567890188"],
            "checksum",
        ),
        (&["entity", "new", "--schema", "Person", "--prop", "name=x", "--grade", "Z9"], "Z9"),
        (&["entity", "new", "--schema", "Person", "--prop", "name=x", "--marking", "TLP:PURPLE"], "PURPLE"),
        (&["entity", "show", "01234567-89ab-7def-8123-456789abcdef"], "01234567-89ab-7def-8123-456789abcdef"),
        (&["entity", "show", "nonsense"], "nonsense"),
        (&["link", "new", "--schema", "Call", "--from", id.trim(), "--to", "deadbeef"], "deadbeef"),
        (&["case", "show", "NO-SUCH-CASE"], "NO-SUCH-CASE"),
    ];
    for (args, named) in cases {
        let (code, err) = l.fails(args);
        assert_ne!(code, 0);
        assert!(err.contains(named), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    assert_eq!(l.json(&["stats"]), before);
    let missing = Liaison::empty();
    let (_, err) = missing.fails(&["stats"]);
    assert!(err.contains("liaison init"), "{err}");
}

#[test]
fn rebuild_reproduces_the_live_state_and_the_audit_chain_holds() {
    let l = Liaison::init();
    l.ok(&["generate", "--entities", "300", "--seed", "5"]);
    // Edits of every op type on top: sets, removes, deletions, conflicts-free resolutions.
    let first = l.json(&["search", "a", "--limit", "5"]);
    let id = first[0]["id"].as_str().unwrap().to_owned();
    l.ok(&["entity", "set", &id, "--prop", "notes=seen in Rotterdam", "--source", "PJ report"]);
    l.ok(&["entity", "unset", &id, "--prop", "notes=seen in Rotterdam", "--source", "PJ report"]);
    l.ok(&["entity", "delete", first[1]["id"].as_str().unwrap()]);
    l.ok(&["case", "status", "GEN-00001", "closed"]);
    l.ok(&["case", "note", "GEN-00001", "Rebuild check note"]);
    let stats = l.json(&["stats"]);
    let ids: Vec<String> = l
        .json(&["search", "e", "--limit", "40"])
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect();
    let views: Vec<_> = ids.iter().map(|i| l.json(&["entity", "show", i])).collect();
    let case = l.json(&["case", "show", "GEN-00001", "--full"]);
    let timeline = l.json(&["timeline", "--case", "GEN-00001", "--limit", "500"]);
    l.ok(&["store", "rebuild"]);
    assert_eq!(l.json(&["stats"]), stats);
    for (i, v) in ids.iter().zip(&views) {
        assert_eq!(&l.json(&["entity", "show", i]), v, "entity {i}");
    }
    assert_eq!(l.json(&["case", "show", "GEN-00001", "--full"]), case);
    assert_eq!(l.json(&["timeline", "--case", "GEN-00001", "--limit", "500"]), timeline);
    let verdict = l.json(&["audit", "verify"]);
    assert_eq!(verdict["first_broken"], serde_json::Value::Null);
    assert!(l.json(&["store", "check"])["ok"].as_bool().unwrap());
}

#[test]
fn store_usage_names_where_the_disk_goes() {
    let l = Liaison::init();
    l.ok(&["generate", "--entities", "200", "--seed", "3"]);
    let tables = l.json(&["store", "usage"]);
    let names: Vec<&str> = tables.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    for expected in ["stmt", "object", "commit_log", "timeline"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let bytes: Vec<i64> = tables.as_array().unwrap().iter().map(|t| t["bytes"].as_i64().unwrap()).collect();
    assert!(bytes.windows(2).all(|w| w[0] >= w[1]), "largest first: {bytes:?}");
    let text = l.ok(&["store", "usage"]);
    assert!(text.lines().last().unwrap().ends_with("in all"), "{text}");
}

#[test]
fn measures_count_joint_operations_by_month() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "M-1", "--title", "Measures"]);
    let op = |name: &str, executed: &str, agencies: &[&str], arrests: &str, disrupted: &str| {
        let mut args = vec!["case", "operation", "M-1", "--name", name, "--status", "executed"];
        args.extend(["--executed", executed, "--arrests", arrests, "--disrupted", disrupted]);
        for a in agencies {
            args.extend(["--agency", a]);
        }
        l.ok(&args);
    };
    op("Joint", "2025-03-12", &["Police Judiciaire", "Douane"], "4", "yes");
    op("Alone", "2025-03-20", &["Police Judiciaire"], "1", "no");
    op("Later", "2025-05-02", &["DGSI", "Guardia Civil"], "2", "partly");
    l.ok(&["case", "operation", "M-1", "--name", "Planned", "--agency", "DGSI", "--agency", "PJ"]);
    let m = l.json(&["measures", "--months", "3", "--to", "2025-05"]);
    assert_eq!(m["joint_operations"], 2, "{m}");
    assert_eq!(m["outcomes"]["operations_planned"], 1, "{m}");
    let months: Vec<(String, i64, i64, i64, i64)> = m["monthly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["month"].as_str().unwrap().to_owned(),
                x["operations_executed"].as_i64().unwrap(),
                x["joint_operations"].as_i64().unwrap(),
                x["arrests"].as_i64().unwrap(),
                x["networks_disrupted"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        [("2025-03".into(), 2, 1, 5, 1), ("2025-04".into(), 0, 0, 0, 0), ("2025-05".into(), 1, 1, 2, 0)]
    );
    let text = l.ok(&["measures", "--months", "3", "--to", "2025-05"]);
    assert!(text.contains("2 executed with several agencies"), "{text}");
    let (code, err) = l.fails(&["measures", "--to", "May 2025"]);
    assert_eq!(code, 2, "{err}");
}

// ---- Issue 9: one write path, markings that never fall, links with provenance ----

/// The statements of record `id` for `prop`, as `entity show --json` lists them.
fn statements(l: &Liaison, id: &str, prop: &str) -> Vec<serde_json::Value> {
    let view = l.json(&["entity", "show", id]);
    view["statements"].as_array().unwrap().iter().filter(|s| s["prop"] == prop).cloned().collect()
}

fn person(l: &Liaison, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["entity", "new", "--schema", "Person", "--prop"];
    let prop = format!("name={name}");
    args.push(&prop);
    args.extend_from_slice(extra);
    l.ok(&args).trim().to_owned()
}

#[test]
fn a_link_made_with_provenance_carries_it_on_its_ends() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "OP-7", "--title", "Port", "--marking", "TLP:AMBER"]);
    let karim = person(&l, "Karim Benali", &[]);
    let nadia = person(&l, "Nadia Amrani", &[]);
    let link = l.ok(&[
        "link",
        "new",
        "--schema",
        "Associate",
        "--from",
        &karim,
        "--to",
        &nadia,
        "--case",
        "OP-7",
        "--source",
        "PV audition",
        "--grade",
        "B2",
        "--marking",
        "TLP:AMBER",
    ]);
    let link = link.trim();
    let text = l.ok(&["entity", "show", link]);
    assert!(text.contains("strongest grade B2 · TLP:AMBER"), "{text}");
    for (prop, end) in [("person", &karim), ("associate", &nadia)] {
        let s = statements(&l, link, prop);
        assert_eq!(s.len(), 1, "{prop}: {s:?}");
        assert_eq!(s[0]["value"], end.as_str());
        assert_eq!(s[0]["grade"], "B2");
        assert_eq!(s[0]["marking"], "TLP:AMBER");
        assert_eq!(s[0]["source"]["name"], "PV audition");
    }
    let case = l.json(&["case", "show", "OP-7"]);
    let members: Vec<&str> =
        case["members"].as_array().unwrap().iter().map(|m| m["caption"].as_str().unwrap()).collect();
    assert!(members.contains(&"Karim Benali") && members.contains(&"Nadia Amrani"), "{members:?}");
}

#[test]
fn an_associate_from_a_person_to_a_phone_is_refused_and_nothing_is_written() {
    let l = Liaison::init();
    let karim = person(&l, "Karim Benali", &[]);
    let phone = l.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=+33 6 12 34 56 78"]);
    let phone = phone.trim();
    let (code, err) =
        l.fails(&["link", "new", "--schema", "Associate", "--from", &karim, "--to", phone, "--grade", "B2"]);
    assert_ne!(code, 0);
    assert!(err.contains("an Associate joins a Person to a Person"), "{err}");
    assert!(err.contains(&format!("--to {}", &phone[..8])) && err.contains("is a Phone"), "{err}");
    assert_eq!(l.json(&["entity", "show", &karim])["link_count"], 0, "no link written");
    let log = l.json(&["audit", "log"]);
    assert!(!log.as_array().unwrap().iter().any(|e| e["action"] == "link new"), "{log}");
}

#[test]
fn case_work_in_an_amber_case_is_amber() {
    let l = Liaison::init();
    let case = l.ok(&["case", "new", "--ref", "AM-1", "--title", "Amber case", "--marking", "TLP:AMBER"]);
    l.ok(&["case", "status", "AM-1", "active"]);
    let status = statements(&l, case.trim(), "status");
    let active: Vec<_> = status.iter().filter(|s| s["value"] == "active").collect();
    assert_eq!(active.len(), 1, "{status:?}");
    assert_eq!(active[0]["marking"], "TLP:AMBER", "the status inherits the case's marking");
    let note = l.ok(&["case", "note", "AM-1", "Seen at the quay"]);
    assert_eq!(statements(&l, note.trim(), "text")[0]["marking"], "TLP:AMBER");
    let task = l.ok(&["case", "task", "AM-1", "--title", "Ask the port"]);
    assert_eq!(statements(&l, task.trim(), "title")[0]["marking"], "TLP:AMBER");
}

#[test]
fn a_national_marking_in_an_amber_case_keeps_the_amber() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "AM-2", "--title", "Amber case", "--marking", "TLP:AMBER"]);
    let p = person(&l, "Ines Varga", &["--case", "AM-2", "--marking", "FR-DR"]);
    assert_eq!(statements(&l, &p, "name")[0]["marking"], "TLP:AMBER FR-DR");
    // Even a CLEAR typed by hand does not lower what the case imposes.
    l.ok(&["entity", "set", &p, "--prop", "nationality=fr", "--case", "AM-2", "--marking", "TLP:CLEAR"]);
    assert_eq!(statements(&l, &p, "nationality")[0]["marking"], "TLP:AMBER");
}

#[test]
fn a_value_with_no_case_and_no_marking_takes_the_record_s_then_the_office_s() {
    let l = Liaison::init();
    let p = person(&l, "Ines Varga", &[]);
    assert_eq!(statements(&l, &p, "name")[0]["marking"], "TLP:AMBER", "the office default");
    l.ok(&["entity", "set", &p, "--prop", "nationality=fr", "--marking", "TLP:RED"]);
    l.ok(&["entity", "set", &p, "--prop", "birthDate=1980-02-28"]);
    assert_eq!(statements(&l, &p, "birthDate")[0]["marking"], "TLP:RED", "the record's strongest");
    // A CLEAR chosen by a person outside any case is kept.
    let q = person(&l, "Public Name", &["--marking", "TLP:CLEAR"]);
    assert_eq!(statements(&l, &q, "name")[0]["marking"], "TLP:CLEAR");
}

#[test]
fn init_default_marking_is_what_a_value_without_context_takes() {
    let l = Liaison::empty();
    let out = l.ok(&["init", "--office", "Lyon", "--default-marking", "TLP:GREEN"]);
    assert!(out.contains("TLP:GREEN"), "{out}");
    let p = person(&l, "Ines Varga", &[]);
    assert_eq!(statements(&l, &p, "name")[0]["marking"], "TLP:GREEN");
    l.ok(&["case", "new", "--ref", "G-1", "--title", "No marking given"]);
    let cases = l.json(&["case", "list"]);
    assert_eq!(cases[0]["marking"], "TLP:GREEN", "{cases}");
    assert!(l.ok(&["store", "default-marking"]).contains("TLP:GREEN"));
}
