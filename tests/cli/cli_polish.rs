//! The command line's polish (issue 10 §2): completions and man pages generated from the
//! clap definitions, messages in the user's words, `conflicts` alone, the demo's passphrase
//! in its help, counts with the right plural, and the import format told from the file.

use crate::common;

use std::process::Command;

use common::Liaison;

fn liaison(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_liaison")).args(args).env("LIAISON_KDF_LOG_N", "10").output().unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn bash_completion_names_the_commands_and_parses() {
    let script = stdout(&liaison(&["completions", "bash"]));
    for word in ["import", "timeline", "conflicts", "--passphrase-file"] {
        assert!(script.contains(word), "the bash script does not complete {word}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("liaison.bash");
    std::fs::write(&file, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(check.status.success(), "bash -n rejects it: {}", String::from_utf8_lossy(&check.stderr));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&liaison(&["completions", shell]));
        assert!(script.contains("timeline"), "{shell}: {script}");
    }
    let out = liaison(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn man_pages_come_from_the_definitions() {
    let page = stdout(&liaison(&["man"]));
    assert!(page.contains(".TH liaison 1"), "{page}");
    assert!(page.contains("timeline"), "the main page lists the commands");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    stdout(&liaison(&["man", "-o", out.to_str().unwrap()]));
    for name in ["liaison.1", "liaison-import.1", "liaison-case-status.1", "liaison-conflicts-resolve.1"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(".TH"), "{name}");
    }
    let import = std::fs::read_to_string(out.join("liaison-import.1")).unwrap();
    assert!(import.contains("dry\\-run"), "the import page documents its flags: {import}");
}

#[test]
fn conflicts_alone_lists_them() {
    let l = Liaison::init();
    assert_eq!(l.ok(&["conflicts"]).trim(), "No conflicts.");
    assert_eq!(l.ok(&["conflicts", "list"]).trim(), "No conflicts.");
    let json = l.json(&["conflicts"]);
    assert_eq!(json, serde_json::json!([]));
}

#[test]
fn demo_help_names_the_passphrase() {
    let help = stdout(&liaison(&["demo", "--help"]));
    assert!(help.contains("passphrase is \"demo\""), "{help}");
}

#[test]
fn case_status_and_entity_set_say_what_they_did() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "OP-12", "--title", "Port deliveries"]);
    assert_eq!(l.ok(&["case", "status", "OP-12", "closed"]).trim(), "Case OP-12 is now closed (was open).");
    assert_eq!(l.ok(&["case", "status", "OP-12", "closed"]).trim(), "Case OP-12 is closed (it already was).");
    let karim =
        l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Karim BENALI"]).trim().to_owned();
    let said = l.ok(&["entity", "set", &karim, "--prop", "phone=+33 6 11 00 00 00"]);
    assert_eq!(said.trim(), "Karim BENALI: phone +33611000000 added.");
    let said = l.ok(&[
        "entity",
        "set",
        &karim,
        "--prop",
        "birthDate=1985-03-02",
        "--prop",
        "notes=met twice\nin Rotterdam",
    ]);
    assert_eq!(said.trim(), "Karim BENALI: born 1985-03-02 added, notes met twice… added.");
    let said = l.ok(&["entity", "unset", &karim, "--prop", "phone=+33611000000"]);
    assert!(said.contains("Removed phone") && !said.contains("birthDate"), "{said}");
}

/// A link of a kind whose internal name differs from its label is saved under the label
/// (the workbench shows this sentence after every link it makes).
#[test]
fn no_internal_kind_name_in_what_a_change_says() {
    use liaison::store::change::{Change, Face};
    use liaison::store::{Office, Provenance, Store};
    let dir = tempfile::tempdir().unwrap();
    let pass = age::secrecy::SecretString::from("correct horse battery".to_owned());
    let office = Office { name: "Paris".into(), agency: "DGSI".into(), country: "FR".into() };
    let mut store = Store::create(dir.path(), &pass, &office).unwrap();
    let mut person = |name: &str| {
        let props = vec![("name".to_owned(), name.to_owned())];
        let change = Change::NewEntity { schema: "Person".into(), props, prov: Provenance::default() };
        store.apply(change, Face::Workbench).unwrap().id.unwrap()
    };
    let (a, b) = (person("Ana Ruiz"), person("Karim Benali"));
    let link = |schema: &str| Change::NewLink {
        schema: schema.into(),
        from: a,
        to: b,
        props: vec![],
        prov: Provenance::default(),
    };
    assert_eq!(store.apply(link("UnknownLink"), Face::Workbench).unwrap().message, "Other link saved.");
    assert_eq!(store.apply(link("Associate"), Face::Workbench).unwrap().message, "Associate link saved.");
}

#[test]
fn stats_says_one_device() {
    let l = Liaison::init();
    l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ana Ruiz"]);
    let text = l.ok(&["stats"]);
    assert!(text.contains("1 device") && !text.contains("1 devices"), "{text}");
    assert!(text.contains("1 entity ·") && text.contains("0 links"), "{text}");
    assert!(text.contains("0 arrests") && text.contains("0 offices"), "{text}");
}

fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// The format of every file the project ships as an example, told from its content.
#[test]
fn the_format_is_told_from_the_file() {
    use liaison::interop::{Format, detect_format};
    let expect = [
        ("interop/tiny.ftm.json", Format::Ftm),
        ("interop/event.misp.json", Format::Misp),
        ("interop/markings/partner-markings.stix.json", Format::Stix),
        ("interop/markings/red.stix.json", Format::Stix),
        ("interop/markings/sharing-group.misp.json", Format::Misp),
        ("interop/markings/own-organisation.misp.json", Format::Misp),
        ("interop/markings/unmarked.ftm.json", Format::Ftm),
        ("bundles/golden-v1.bundle", Format::Bundle),
    ];
    for (file, format) in expect {
        assert_eq!(detect_format(&fixture(file)).unwrap(), Some(format), "{file}");
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for csv in ["call-records.example.csv", "bank-transactions.example.csv"] {
        assert_eq!(
            detect_format(&root.join("assets/mappings").join(csv)).unwrap(),
            Some(Format::Csv),
            "{csv}"
        );
    }
    // Renamed, the content still tells: the name only decides what the content leaves open.
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("entities.dat");
    std::fs::copy(fixture("interop/tiny.ftm.json"), &renamed).unwrap();
    assert_eq!(detect_format(&renamed).unwrap(), Some(Format::Ftm));
    // Whatever the fuzzers found, detection answers without failing.
    for entry in walk(&root.join("fuzz/corpus")) {
        let _ = detect_format(&entry).unwrap();
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { files.extend(walk(&p)) } else { files.push(p) }
    }
    files
}

#[test]
fn import_without_format_reads_what_the_file_is() {
    let l = Liaison::init();
    let ftm = fixture("interop/tiny.ftm.json");
    let report = l.json(&["import", ftm.to_str().unwrap()]);
    assert_eq!(report["format"], "ftm", "{report}");
    assert!(report["created"].as_u64().unwrap() > 0, "{report}");
    assert!(!l.json(&["search", "Marco Example"]).as_array().unwrap().is_empty());
    let misp = fixture("interop/event.misp.json");
    assert_eq!(l.json(&["import", "--dry-run", misp.to_str().unwrap()])["format"], "misp");
    let stix = fixture("interop/markings/partner-markings.stix.json");
    assert_eq!(l.json(&["import", "--dry-run", stix.to_str().unwrap()])["format"], "stix");
    // --format still wins: the FtM file read as MISP is refused as MISP.
    let (code, err) = l.fails(&["import", "--format", "misp", ftm.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(!err.contains("cannot tell"), "{err}");
}

#[test]
fn a_file_of_no_known_format_is_a_usage_error_naming_the_flag() {
    let l = Liaison::init();
    let notes = l.root.path().join("notes.txt");
    std::fs::write(&notes, "Met K. at the port on Tuesday.\n").unwrap();
    let (code, err) = l.fails(&["import", notes.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot tell the format of") && err.contains("--format stix|misp|ftm|csv"), "{err}");
    // A format Liaison writes but does not read is named, not guessed at.
    let graph = l.root.path().join("graph.graphml");
    l.ok(&["export", "--format", "graphml", "-o", graph.to_str().unwrap()]);
    let (code, err) = l.fails(&["import", graph.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("GraphML") && err.contains("does not read"), "{err}");
    // A CSV is recognised and asks for its column mapping.
    let csv =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/mappings/call-records.example.csv");
    let (code, err) = l.fails(&["import", csv.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--mapping"), "{err}");
}

/// Trust with its fingerprint check is one library call, so the workbench confirms a card the
/// way the command line does: other words trust nothing.
#[test]
fn trusting_a_card_is_a_library_call_that_checks_the_words() {
    use liaison::exchange::card::{OfficeCard, trust_card};
    use liaison::store::offices::TrustOutcome;
    use liaison::store::{Office, Store};
    let pass = age::secrecy::SecretString::from("correct horse battery".to_owned());
    let open = |name: &str, dir: &std::path::Path| {
        let office = Office { name: name.into(), agency: "Police".into(), country: "FR".into() };
        Store::create(dir, &pass, &office).unwrap()
    };
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut paris = open("Paris", d1.path());
    let lyon = open("Lyon", d2.path());
    let card_file = d1.path().join("lyon.card");
    std::fs::write(&card_file, OfficeCard::of_store(&lyon).to_file(&lyon.keys().signing_key())).unwrap();
    let card = OfficeCard::read_file(&card_file).unwrap();
    let wrong = trust_card(&mut paris, &card, "apple banana cherry date elder fig grape honey", None);
    assert!(wrong.unwrap_err().to_string().contains("nothing was trusted"));
    assert!(paris.office_devices("Lyon").unwrap().is_empty(), "other words trusted the card");
    let words = card.fingerprint().to_uppercase().replace(' ', "-");
    assert_eq!(trust_card(&mut paris, &card, &words, None).unwrap(), TrustOutcome::Added);
    assert_eq!(paris.office_devices("Lyon").unwrap().len(), 1);
}

/// Joint operations, their arrests and tasks are library calls (the workbench's forms make
/// the same changes as `case operation` and `case task`), and count in the measures.
#[test]
fn operations_arrests_and_tasks_are_library_calls() {
    use liaison::store::change::{CaseTask, Change, Face, JointOperation};
    use liaison::store::{Office, Provenance, Store};
    let dir = tempfile::tempdir().unwrap();
    let pass = age::secrecy::SecretString::from("correct horse battery".to_owned());
    let office = Office { name: "Paris".into(), agency: "DGSI".into(), country: "FR".into() };
    let mut store = Store::create(dir.path(), &pass, &office).unwrap();
    let props = vec![("reference".to_owned(), "OP-12".to_owned()), ("title".to_owned(), "Port".to_owned())];
    let case = store.apply(Change::NewCase { props, marking: None }, Face::Workbench).unwrap().id.unwrap();
    let operation = JointOperation { name: "Dawn raid".into(), ..JointOperation::default() };
    let applied = store.apply(operation.change(case, Provenance::default()), Face::Workbench).unwrap();
    assert_eq!(applied.message, "Joint operation saved.");
    assert_eq!(store.stats().unwrap().outcomes.operations_planned, 1, "planned unless told otherwise");
    let arrests = JointOperation::arrests(applied.id.unwrap(), 4, Provenance::default());
    store.apply(arrests, Face::Workbench).unwrap();
    assert_eq!(store.stats().unwrap().outcomes.arrests, 4);
    let task = CaseTask { title: "Call the port authority".into(), ..CaseTask::default() };
    store.apply(task.change(case, Provenance::default()), Face::Workbench).unwrap();
    let view = store.case(case, 10, 0, false).unwrap();
    assert_eq!(view.tasks.len(), 1, "{:?}", view.tasks);
    assert_eq!(view.tasks[0].fields["status"], ["open"], "a task is open when made");
}
