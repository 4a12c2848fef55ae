//! Issue 10 §3: several analysts on one store, and every write and audit entry naming who
//! made it, here and in the partner offices that receive it.

use crate::common;
use crate::exchange_support;

use common::Liaison;
use exchange_support::{path, trust_all};

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// An office whose first analyst is `analyst`.
fn office_of(name: &str, analyst: &str) -> Liaison {
    let l = Liaison::empty();
    l.ok(&["init", "--office", name, "--agency", "PJ", "--country", "FR", "--analyst", analyst]);
    l
}

fn new_person(l: &Liaison, analyst: Option<&str>, name: &str) -> String {
    let mut args = vec![];
    if let Some(a) = analyst {
        args.extend(["--analyst", a]);
    }
    args.extend(["entity", "new", "--schema", "Person", "--prop"]);
    let prop = format!("name={name}");
    args.push(&prop);
    l.ok(&args).trim().to_owned()
}

/// The analyst `entity show --json` names for the value `value` of `prop`, asked as `who`.
fn writer_of(l: &Liaison, who: &str, id: &str, prop: &str, value: &str) -> serde_json::Value {
    let v = l.json(&["--analyst", who, "entity", "show", id]);
    let st = v["statements"].as_array().unwrap();
    let found = st.iter().find(|x| x["prop"] == prop && x["value"] == value).unwrap_or_else(|| panic!("{v}"));
    found["analyst"].clone()
}

#[test]
fn init_records_the_first_analyst_and_writes_name_them() {
    let l = office_of("PJ Lyon", "Ana Silva");
    // One analyst: no need to say who.
    let id = new_person(&l, None, "Karim B");
    assert_eq!(writer_of(&l, "Ana Silva", &id, "name", "Karim B"), "Ana Silva");
    let list = l.json(&["analyst", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "Ana Silva");
    let text = l.ok(&["entity", "show", &id]);
    assert!(text.contains("PJ Lyon · Ana Silva"), "{text}");
}

#[test]
fn several_analysts_each_name_their_writes_in_entity_show_and_the_audit_log() {
    let l = office_of("PJ Lyon", "Ana");
    l.ok(&["analyst", "add", "Bruno Costa"]);
    let text = l.ok(&["--analyst", "ana", "analyst", "list"]);
    assert!(text.contains("Ana") && text.contains("Bruno Costa"), "{text}");

    let id = new_person(&l, Some("Ana"), "Karim B");
    // LIAISON_ANALYST says who, like --analyst.
    let out = l
        .command()
        .env("LIAISON_ANALYST", "Bruno Costa")
        .args(["entity", "set", &id, "--prop", "birthDate=1980-02-03"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    assert_eq!(writer_of(&l, "Bruno Costa", &id, "name", "Karim B"), "Ana");
    assert_eq!(writer_of(&l, "Ana", &id, "birthDate", "1980-02-03"), "Bruno Costa");
    let text = l.ok(&["--analyst", "Ana", "entity", "show", &id]);
    let line = |prop: &str| text.lines().find(|x| x.trim_start().starts_with(prop)).unwrap().to_owned();
    assert!(line("birthDate").ends_with("PJ Lyon · Bruno Costa"), "{text}");
    assert!(line("name").ends_with("PJ Lyon · Ana"), "{text}");

    // The audit log names who wrote, unlocked and viewed.
    let log = l.json(&["--analyst", "Ana", "audit", "list", "--limit", "20"]);
    let entries = log.as_array().unwrap();
    let by = |action: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e["action"] == action)
            .map(|e| e["analyst"].as_str().unwrap_or("none").to_owned())
            .collect()
    };
    assert_eq!(by("entity set"), ["Bruno Costa"]);
    assert_eq!(by("entity new"), ["Ana"]);
    assert!(by("unlocked").iter().all(|a| a == "Ana" || a == "Bruno Costa"), "{log}");
    assert_eq!(by("store created"), ["Ana"]);
    assert_eq!(by("analyst add"), ["Ana"], "Ana added Bruno");
    let text = l.ok(&["--analyst", "Ana", "audit", "log", "--limit", "30"]);
    let set = text.lines().find(|x| x.contains("entity set")).unwrap();
    assert!(set.contains("Bruno Costa"), "{text}");
    l.ok(&["--analyst", "Ana", "audit", "verify"]);
    assert!(l.ok(&["--analyst", "Ana", "store", "check"]).contains("pages: ok"));
}

#[test]
fn with_several_analysts_and_none_named_the_command_names_the_choices() {
    let l = office_of("PJ Lyon", "Ana");
    l.ok(&["analyst", "add", "Bruno"]);
    let (code, err) = l.fails(&["entity", "new", "--schema", "Person", "--prop", "name=X"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Ana, Bruno") && err.contains("--analyst"), "{err}");
}

#[test]
fn an_unknown_analyst_is_refused_and_the_store_is_unchanged() {
    let l = office_of("PJ Lyon", "Ana");
    l.ok(&["analyst", "add", "Bruno"]);
    let last_n =
        |l: &Liaison| l.json(&["--analyst", "Ana", "audit", "log", "--limit", "1"])[0]["n"].as_i64().unwrap();
    let n_before = last_n(&l);
    let before = std::fs::read(l.store.join(liaison::store::DATABASE)).unwrap();
    let (code, err) =
        l.fails(&["--analyst", "Carla", "entity", "new", "--schema", "Person", "--prop", "name=X"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "no analyst named Carla in this store (known: Ana, Bruno); add one with liaison analyst add Carla"
        ),
        "{err}"
    );
    let after = std::fs::read(l.store.join(liaison::store::DATABASE)).unwrap();
    assert!(before == after, "the refused session changed the database");
    // Not even an unlock entry: the next session's unlock directly follows the last one.
    assert_eq!(last_n(&l), n_before + 1);
    let log = l.json(&["--analyst", "Ana", "audit", "log", "--limit", "50"]);
    assert!(!log.to_string().contains("Carla"), "{log}");
    // Adding the same analyst twice (even in other letter case) is refused too.
    let (code, err) = l.fails(&["--analyst", "Ana", "analyst", "add", "bruno"]);
    assert_eq!(code, 2, "{err}");
    // And a name that could hide what is shown.
    let (code, _) = l.fails(&["--analyst", "Ana", "analyst", "add", "Eve\u{202E}lin"]);
    assert_eq!(code, 2);
}

#[test]
fn a_bundle_carries_the_analyst_to_the_partner_office() {
    let lyon = office_of("PJ Lyon", "Ana");
    let nice = office_of("PJ Nice", "Noé");
    trust_all(&[&lyon, &nice]);
    lyon.ok(&["analyst", "add", "Bruno"]);
    lyon.ok(&["--analyst", "Bruno", "case", "new", "--ref", "OP-1", "--title", "Port"]);
    lyon.ok(&["--analyst", "Bruno", "case", "share", "OP-1", "--with", "PJ Nice"]);
    let id = lyon
        .ok(&[
            "--analyst",
            "Bruno",
            "entity",
            "new",
            "--schema",
            "Person",
            "--prop",
            "name=Karim B",
            "--case",
            "OP-1",
        ])
        .trim()
        .to_owned();
    let bundle = path(&lyon, "b1");
    lyon.ok(&["--analyst", "Ana", "export", "--to", "PJ Nice", "-o", s(&bundle)]);
    nice.ok(&["import", s(&bundle)]);
    // Nice sees who in Lyon wrote the value, from the signed commit.
    assert_eq!(writer_of(&nice, "Noé", &id, "name", "Karim B"), "Bruno");
    let text = nice.ok(&["entity", "show", &id]);
    assert!(
        text.lines().any(|x| x.trim_start().starts_with("name") && x.ends_with("PJ Lyon · Bruno")),
        "{text}"
    );
    // Nice's own audit entry for the import names Nice's analyst.
    let log = nice.json(&["audit", "log", "--limit", "10"]);
    let import = log.as_array().unwrap().iter().find(|e| e["action"] == "import").cloned();
    assert_eq!(import.expect("an import entry")["analyst"], "Noé", "{log}");
    nice.ok(&["store", "check"]);
}

/// A copy of the schema-4 store written by the Liaison of commit e246801 (see
/// tests/fixtures/stores/README.md).
fn store_written_before_analysts() -> Liaison {
    let l = Liaison::empty();
    std::fs::create_dir(&l.store).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stores/schema4");
    for file in [liaison::store::KEYSTORE, liaison::store::DATABASE] {
        std::fs::copy(fixture.join(file), l.store.join(file)).unwrap();
    }
    std::fs::copy(fixture.join("passphrase"), &l.pass_file).unwrap();
    l
}

#[test]
fn a_store_written_before_analysts_upgrades_verifies_and_shows_old_values_with_no_analyst() {
    let l = store_written_before_analysts();
    let out = l.ok(&["--analyst", "Old Hand", "audit", "verify"]);
    // 16 entries when written, then this session's first analyst and unlock.
    assert_eq!(out.trim(), "audit log intact: 18 entries");
    assert!(l.ok(&["store", "check"]).contains("pages: ok"));
    // The first session recorded its analyst; later ones need not name them.
    assert_eq!(l.json(&["analyst", "list"])[0]["name"], "Old Hand");

    let hits = l.json(&["search", "Old Person A"]);
    let id = hits.to_string();
    let id = id.split("\"id\":\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let shown = l.json(&["entity", "show", &id]);
    let name = &shown["statements"][0];
    assert_eq!(name["value"], "Old Person A", "{shown}");
    assert_eq!(name["analyst"], serde_json::Value::Null, "an old value names no analyst: {shown}");
    assert_eq!(name["office"], "PJ Lyon");
    let text = l.ok(&["entity", "show", &id]);
    assert!(text.contains("PJ Lyon · –"), "{text}");
    assert!(text.contains("Old Person B"), "the old link is still there: {text}");
    assert!(l.ok(&["case", "list"]).contains("OLD-1"));

    // A new value on the old record names the analyst; the old one still names none.
    l.ok(&["entity", "set", &id, "--prop", "birthDate=1970-01-01"]);
    assert_eq!(writer_of(&l, "Old Hand", &id, "birthDate", "1970-01-01"), "Old Hand");
    assert_eq!(writer_of(&l, "Old Hand", &id, "name", "Old Person A"), serde_json::Value::Null);
    l.ok(&["audit", "verify"]);
    assert!(l.ok(&["store", "check"]).contains("pages: ok"));
}
