//! Issue #16, names that cannot attack the reader: terminal escapes, bidi overrides and
//! invisible characters are refused at every local entrance, never reach a terminal raw even
//! when another office's signed bundle carries them, and office trust notices a new device or a
//! look-alike office name.

use crate::common;
use crate::exchange_support;

use std::io::Read;

use common::Liaison;
use exchange_support::{card_words, office, open, path, trust, trust_all};
use liaison::model::ids::source_id;
use liaison::model::marking::Marking;
use liaison::model::op::Assertion;
use liaison::store::offices::DeviceRecord;

const OSC_TITLE: &str = "\u{1b}]0;pwned\u{7}";
const CLEAR_SCREEN: &str = "\u{1b}[2J";
const RED: &str = "\u{1b}[31mred\u{1b}[0m";
const RLO: &str = "evil\u{202E}gnp.exe";
const ZERO_WIDTH: &str = "\u{200B}\u{200C}\u{200D}";

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn init_refuses_hostile_office_and_agency_names() {
    for (flag, hostile, says) in [
        ("--office", format!("PJ{OSC_TITLE}Lyon"), "control character (U+001B ESC) at position 3"),
        ("--office", format!("PJ {RLO}"), "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("--office", ZERO_WIDTH.to_owned(), "invisible character (U+200B ZERO WIDTH SPACE)"),
        ("--agency", format!("DGSI{CLEAR_SCREEN}"), "the agency given with --agency contains a control"),
    ] {
        let l = Liaison::empty();
        let mut args = vec!["init", "--office", "Paris", "--agency", "DGSI", "--country", "FR"];
        let at = args.iter().position(|a| *a == flag).unwrap() + 1;
        args[at] = &hostile;
        let (code, err) = l.fails(&args);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(says), "{flag} {hostile:?}: {err}");
        assert!(!l.store.exists(), "nothing is created");
    }
}

#[test]
fn the_command_line_refuses_escapes_overrides_and_invisible_names() {
    let l = Liaison::init();
    let id = l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ana Ruiz"]).trim().to_owned();
    for hostile in [OSC_TITLE, CLEAR_SCREEN, RED] {
        let (_, err) =
            l.fails(&["entity", "new", "--schema", "Person", "--prop", "name=Ana", "--source", hostile]);
        assert!(
            err.contains("the source name contains a control character (U+001B ESC) at position 1"),
            "{err}"
        );
        let prop = format!("notes=x{hostile}");
        let (_, err) =
            l.fails(&["entity", "new", "--schema", "Person", "--prop", "name=Ana", "--prop", &prop]);
        assert!(
            err.contains("Person.notes contains a control character (U+001B ESC) at position 2"),
            "{err}"
        );
        let (_, err) = l.fails(&["entity", "set", &id, "--prop", &prop]);
        assert!(err.contains("U+001B ESC"), "{err}");
    }
    let rlo = format!("name={RLO}");
    let (_, err) = l.fails(&["entity", "new", "--schema", "Person", "--prop", &rlo]);
    assert!(err.contains("Person.name contains a bidirectional control character (U+202E"), "{err}");
    let (_, err) = l.fails(&["entity", "set", &id, "--prop", &rlo]);
    assert!(err.contains("U+202E"), "{err}");
    let (_, err) = l.fails(&["entity", "new", "--schema", "Person", "--prop", "name=Ana", "--source", RLO]);
    assert!(err.contains("the source name contains a bidirectional control"), "{err}");
    let nothing = format!("name={ZERO_WIDTH}");
    let (_, err) = l.fails(&["entity", "new", "--schema", "Person", "--prop", &nothing]);
    assert!(err.contains("invisible character (U+200B ZERO WIDTH SPACE)"), "{err}");
    let (_, err) =
        l.fails(&["entity", "new", "--schema", "Person", "--prop", "name=Ana", "--source", ZERO_WIDTH]);
    assert!(err.contains("the source name contains an invisible character"), "{err}");
    let (_, err) = l.fails(&["case", "new", "--ref", "OP-1", "--title", RLO]);
    assert!(err.contains("Case.title contains a bidirectional control"), "{err}");
    let (_, err) = l.fails(&["case", "new", "--ref", "OP\u{200B}-1", "--title", "t"]);
    assert!(err.contains("Case.reference contains an invisible character"), "{err}");
    // Real text still goes in: other scripts, a joiner inside a Persian word, multi-line notes.
    for ok in ["name=Ана Руис", "name=محمد العلي", "name=می\u{200C}خواهم", "notes=line one\nline two\ttab"]
    {
        l.ok(&["entity", "set", &id, "--prop", ok]);
    }
    let show = l.json(&["entity", "show", &id]);
    assert_eq!(show["statements"].as_array().unwrap().len(), 5, "{show}");
}

/// A bundle from another office whose source name and values carry escapes and an override:
/// accepted (it is signed; it is not rewritten), but shown escaped, never raw.
#[test]
fn a_hostile_bundle_never_reaches_entity_show_raw() {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "Police Judiciaire", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["case", "new", "--ref", "OP-1", "--title", "Shared"]);
    paris.ok(&["case", "share", "OP-1", "--with", "Marseille"]);
    let source_name = format!("tip{OSC_TITLE}{RLO}");
    let value = format!("Ana{CLEAR_SCREEN}{RED}{RLO}");
    let person = {
        // Straight through the op layer, as a modified or older Liaison could write it.
        let mut store = open(&paris.store);
        let case = store.case_id("OP-1").unwrap();
        let marking = Marking::parse("TLP:AMBER").unwrap();
        let mut tx = store.write("test").unwrap();
        let src = source_id(&source_name);
        tx.create(src, "Source", None, None).unwrap();
        tx.set(src, Assertion::marked("name", &source_name, &marking)).unwrap();
        let person = uuid::Uuid::now_v7();
        tx.create(person, "Person", None, None).unwrap();
        let a =
            Assertion { source: Some(src), case: Some(case), ..Assertion::marked("name", &value, &marking) };
        tx.add(person, a).unwrap();
        tx.add_member(case, person, None).unwrap();
        let title = format!("Shared{CLEAR_SCREEN}");
        tx.set(case, Assertion { case: Some(case), ..Assertion::marked("title", &title, &marking) }).unwrap();
        tx.commit(&serde_json::json!({})).unwrap();
        person
    };
    let bundle = path(&paris, "to-marseille");
    paris.ok(&["export", "--to", "Marseille", "-o", s(&bundle)]);
    let imported = marseille.json(&["import", s(&bundle)]);
    assert_eq!(imported["status"], "imported", "{imported}");
    let id = person.to_string();

    // JSON keeps the signed string exactly (and escapes ESC itself).
    let json = marseille.ok(&["--json", "entity", "show", &id]);
    assert!(!json.contains('\u{1b}'), "serde_json escapes ESC");
    let shown: serde_json::Value = serde_json::from_str(&json).unwrap();
    let name = shown["statements"].as_array().unwrap().iter().find(|s| s["prop"] == "name").unwrap();
    assert_eq!(name["value"], value.as_str());

    for args in [vec!["entity", "show", id.as_str()], vec!["case", "show", "OP-1"], vec!["search", "Ana"]] {
        let out = marseille.run(&args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{args:?} printed raw escapes: {text:?}"
        );
        assert!(!text.contains('\u{202E}'), "{args:?} printed a raw override: {text:?}");
        assert!(text.contains("\\u{1B}") || text.contains("\\u{202E}"), "{args:?}: {text}");
    }
    let text = marseille.ok(&["entity", "show", &id]);
    assert!(text.contains("Ana\\u{1B}[2J"), "{text}");
    assert!(text.contains("tip\\u{1B}]0;pwned\\u{7}"), "{text}");

    // Error lines quote store text too (here the hostile case title): escaped as well.
    let other = marseille.ok(&["case", "new", "--ref", "L-1", "--title", "Other"]);
    let (_, err) = marseille.fails(&["entity", "set", other.trim(), "--prop", "reference=OP-1"]);
    assert!(err.contains("already used") && !err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("\\u{1B}[2J"), "{err}");

    // And in a pseudo-terminal, the screen shows the escaped form.
    let screen = in_pty(&marseille, &["entity", "show", &id]);
    assert!(screen.contains("Ana\\u{1B}[2J"), "{screen}");
    assert!(!screen.contains('\u{202E}'), "{screen}");
}

/// Runs `liaison ARGS` in a 200-column pseudo-terminal and returns what the screen shows;
/// fails if the raw output carries ESC or U+202E.
fn in_pty(l: &Liaison, args: &[&str]) -> String {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let pair = native_pty_system()
        .openpty(PtySize { rows: 50, cols: 200, pixel_width: 0, pixel_height: 0 })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_liaison"));
    cmd.arg("--store");
    cmd.arg(&l.store);
    cmd.arg("--passphrase-file");
    cmd.arg(&l.pass_file);
    cmd.args(args);
    for var in ["LIAISON_PASSPHRASE", "LIAISON_PASSPHRASE_FILE", "LIAISON_STORE"] {
        cmd.env_remove(var);
    }
    cmd.env("TERM", "xterm-256color");
    cmd.env("LIAISON_KDF_LOG_N", "10");
    cmd.env("LIAISON_STATE_DIR", l.root.path().join("state"));
    let mut child = pair.slave.spawn_command(cmd).expect("liaison starts");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let reading = std::thread::spawn(move || {
        let mut raw = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
        }
        raw
    });
    assert!(child.wait().unwrap().success());
    drop(pair.master);
    let raw = reading.join().unwrap();
    assert!(!raw.contains(&0x1b), "raw ESC on the terminal: {:?}", String::from_utf8_lossy(&raw));
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains('\u{202E}'), "raw override on the terminal: {text:?}");
    let mut parser = vt100::Parser::new(
        std::num::NonZeroU16::new(50).unwrap(),
        std::num::NonZeroU16::new(200).unwrap(),
        0,
    );
    parser.process(&raw);
    parser.screen().contents()
}

#[test]
fn a_second_device_under_a_known_office_name_needs_add_device() {
    let lyon = office("Lyon", "PJ", "FR");
    let marseille = office("PJ Marseille", "PJ", "FR");
    let impostor = office("PJ Marseille", "PJ", "FR");
    trust(&lyon, &marseille);
    let card = path(&impostor, "card.json");
    let words = card_words(&impostor, &card);
    let held = card_words(&marseille, &path(&marseille, "card.json"));
    let (_, err) = lyon.fails(&["office", "trust", s(&card), "--expect", &words]);
    assert!(err.contains("\"PJ Marseille\" is already trusted with device"), "{err}");
    assert!(err.contains(&held) && err.contains(&words), "both fingerprints are named: {err}");
    assert!(err.contains("--add-device"), "{err}");
    let (_, err) = lyon.fails(&["office", "trust", s(&card), "--expect", &words, "--add-device", &held]);
    assert!(err.contains("--add-device does not match"), "{err}");
    let offices = lyon.json(&["office", "list", "--no-pending"]);
    assert_eq!(offices.as_array().unwrap().len(), 1, "{offices}");

    let out =
        lyon.ok(&["office", "trust", s(&card), "--expect", &words, "--add-device", &words.to_uppercase()]);
    assert!(out.contains("Added device") && out.contains("to PJ Marseille"), "{out}");
    let store = open(&lyon.store);
    assert_eq!(store.office_devices("PJ Marseille").unwrap().len(), 2);
    // The same card again is simply already trusted.
    drop(store);
    let out = lyon.ok(&["office", "trust", s(&card), "--expect", &words]);
    assert!(out.contains("already trusted"), "{out}");
}

#[test]
fn a_look_alike_office_is_refused() {
    let lyon = office("Lyon", "PJ", "FR");
    let marseille = office("PJ Marseille", "PJ", "FR");
    trust(&lyon, &marseille);
    // Cyrillic "М": a valid name on its own card, but it looks like the trusted office.
    let cyrillic = office("PJ \u{041C}arseille", "PJ", "FR");
    let card = path(&cyrillic, "card.json");
    let words = card_words(&cyrillic, &card);
    let (_, err) = lyon.fails(&["office", "trust", s(&card), "--expect", &words]);
    assert!(err.contains("looks like the trusted office \"PJ Marseille\""), "{err}");
    assert!(err.contains("--add-device"), "{err}");
    // A zero-width space cannot even be put on a card; a store that holds one is refused too.
    let (_, err) = Liaison::empty().fails(&["init", "--office", "PJ \u{200B}Marseille"]);
    assert!(err.contains("U+200B ZERO WIDTH SPACE"), "{err}");
    let mut store = open(&lyon.store);
    let other = open(&cyrillic.store);
    let record = |name: &str| DeviceRecord {
        id: other.device(),
        public_key: other.keys().public_key(),
        age_recipient: other.keys().age_recipient(),
        office: name.to_owned(),
        agency: "PJ".into(),
        country: "FR".into(),
        is_self: false,
        trusted_at: None,
        revoked_at: None,
    };
    for alike in ["PJ \u{200B}Marseille", "pj marseille", "PJ \u{FF2D}arseille", "P\u{0408} Marseille"] {
        let err = store.trust_device(&record(alike)).unwrap_err().to_string();
        assert!(err.contains("looks like the trusted office \"PJ Marseille\""), "{alike:?}: {err}");
    }
    assert_eq!(store.devices().unwrap().iter().filter(|d| !d.is_self).count(), 1);
    // Another office's name is not a look-alike.
    store.trust_device(&record("PJ Marseilles")).unwrap();
}

/// A partner file with an escape in one value, an override in a name and a multi-line
/// description: the bad values are reported (not dropped silently), the rest of the file goes in.
#[test]
fn an_interop_import_reports_hostile_values_and_keeps_the_rest() {
    let l = Liaison::init();
    let file = l.root.path().join("partner.ftm.json");
    let lines = [
        serde_json::json!({"id": "p1", "schema": "Person", "properties": {
            "name": ["Marco Example", format!("Marco{RLO}")],
            "notes": [format!("x{CLEAR_SCREEN}"), "first line\r\nsecond line\twith a tab"]}}),
        serde_json::json!({"id": "p2", "schema": "Person", "properties": {"name": ["Ана Руис"]}}),
        serde_json::json!({"id": "p3", "schema": "Person", "properties": {"name": [ZERO_WIDTH]}}),
    ];
    let text = lines.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
    std::fs::write(&file, text).unwrap();
    let report = l.json(&["import", "--format", "ftm", s(&file)]);
    // Refused values are counted apart from skipped records (issue 11).
    let reasons: Vec<&String> = report["skipped_values"]["reasons"].as_object().unwrap().keys().collect();
    let all = format!("{reasons:?}");
    assert!(all.contains("Person.name: the value contains a bidirectional control"), "{all}");
    assert!(
        all.contains("Person.notes: the value contains a control character (U+001B ESC) at position 2"),
        "{all}"
    );
    assert!(all.contains("invisible character (U+200B ZERO WIDTH SPACE)"), "{all}");
    assert_eq!(report["created"], 2, "{report}");
    let text = l.ok(&["import", "--format", "ftm", "--dry-run", "--source", "again", s(&file)]);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202E}'), "{text:?}");
    let hits = l.json(&["search", "second line"]);
    assert_eq!(hits.as_array().unwrap().len(), 1, "the multi-line description went in: {hits}");
}
