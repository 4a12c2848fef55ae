//! Exchange between offices through the real binary: the acceptance of issue 4.

use crate::common;
use crate::exchange_support;

use common::Liaison;
use exchange_support::{office, path, trust, trust_all};
use serde_json::Value;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// Acceptance 1: a 1,000-entity case shared by Paris arrives whole in Marseille.
#[test]
fn a_shared_thousand_entity_case_arrives_identical() {
    let paris = office("Paris", "Police Judiciaire", "FR");
    let marseille = office("Marseille", "Police Judiciaire", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["generate", "--entities", "1000", "--case-prefix", "PAR"]);
    paris.ok(&["case", "share", "PAR-00001", "--with", "Marseille"]);
    let bundle = path(&paris, "to-marseille");
    let report = paris.json(&["export", "--to", "Marseille", "-o", s(&bundle)]);
    // The generator records link values under no case; those it marks TLP:RED name no
    // office, so they (and the links left with no value) stay home. Nothing else does.
    for w in report["withheld"].as_array().unwrap() {
        let reason = w["reason"].as_str().unwrap();
        let kind = w["schema"].as_str().unwrap();
        assert!(
            reason == "TLP:RED recorded under no case: no office is named for it"
                || (reason == "no value of this record may go to Marseille"
                    && !["Person", "Company"].contains(&kind)),
            "{w}"
        );
    }
    let imported = marseille.json(&["import", s(&bundle)]);
    assert_eq!(imported["status"], "imported");
    assert!(imported["records_new"].as_u64().unwrap() > 1000, "{imported}");
    let show = ["case", "show", "PAR-00001", "--full", "--limit", "5000"];
    let ours = paris.json(&show);
    let theirs = marseille.json(&show);
    assert_eq!(ours["members"].as_array().unwrap().len(), 1000);
    assert_eq!(ours, theirs, "Marseille's view of the case differs from Paris's");
    // Sources and grades came along with the statements.
    let member = &theirs["members"][0];
    assert!(member["statements"].as_array().unwrap().iter().any(|st| st["source"].is_object()), "{member}");
    assert!(member["grade"].is_string(), "{member}");
    assert!(marseille.ok(&["store", "check"]).contains("pages: ok"));
}

/// Acceptance 2: concurrent edits become one conflict on each side; resolving it on one
/// side and exchanging again clears it on both.
#[test]
fn a_conflict_shows_on_both_sides_and_its_resolution_travels() {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["case", "new", "--ref", "OP-2", "--title", "Port of Marseille"]);
    paris.ok(&["case", "share", "OP-2", "--with", "Marseille"]);
    let b1 = path(&paris, "b1");
    paris.ok(&["export", "--to", "Marseille", "-o", s(&b1)]);
    marseille.ok(&["import", s(&b1)]);

    paris.ok(&["case", "status", "OP-2", "active"]);
    marseille.ok(&["case", "status", "OP-2", "suspended"]);
    let (b2, c1) = (path(&paris, "b2"), path(&marseille, "c1"));
    paris.ok(&["export", "--to", "Marseille", "-o", s(&b2)]);
    marseille.ok(&["export", "--to", "Paris", "-o", s(&c1)]);
    let report = marseille.json(&["import", s(&b2)]);
    assert_eq!(report["conflicts_new"], 1, "{report}");
    paris.ok(&["import", s(&c1)]);

    let here = paris.json(&["conflicts", "list"]);
    let there = marseille.json(&["conflicts", "list"]);
    assert_eq!(here.as_array().unwrap().len(), 1, "{here}");
    assert_eq!(here, there, "both offices list the same conflict, same id");
    let values: Vec<&str> =
        here[0]["values"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    assert!(values.contains(&"active") && values.contains(&"suspended"), "{values:?}");

    let id = here[0]["id"].as_str().unwrap();
    let (_, err) = paris.fails(&["conflicts", "resolve", id, "--keep", "closed"]);
    assert!(err.contains("active") && err.contains("suspended"), "{err}");
    paris.ok(&["conflicts", "resolve", id, "--keep", "active"]);
    assert_eq!(paris.json(&["conflicts", "list"]), serde_json::json!([]));
    let b3 = path(&paris, "b3");
    paris.ok(&["export", "--to", "Marseille", "-o", s(&b3)]);
    let report = marseille.json(&["import", s(&b3)]);
    assert_eq!(report["conflicts_resolved"], 1, "{report}");
    assert_eq!(marseille.json(&["conflicts", "list"]), serde_json::json!([]));
    let status = |l: &Liaison| l.json(&["case", "show", "OP-2"])["status"].clone();
    assert_eq!(status(&paris), "active");
    assert_eq!(status(&marseille), "active");
}

/// Acceptance 4: a TLP:RED statement stays home when the office is outside its case, and
/// the dry run says why; the same statement goes to an office named on the case.
#[test]
fn a_red_statement_is_withheld_from_an_office_outside_its_case() {
    let paris = office("Paris", "DGSI", "FR");
    let lyon = office("Lyon", "PJ", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &lyon, &marseille]);
    paris.ok(&["case", "new", "--ref", "WIDE", "--title", "Shared with Lyon", "--marking", "TLP:GREEN"]);
    paris.ok(&["case", "new", "--ref", "NARROW", "--title", "Only Marseille", "--marking", "TLP:AMBER"]);
    let id =
        paris.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Dario Venn", "--case", "WIDE"]);
    let id = id.trim();
    paris.ok(&["case", "add", "NARROW", id]);
    paris.ok(&[
        "entity",
        "set",
        id,
        "--prop",
        "alias=The Accountant",
        "--marking",
        "TLP:RED",
        "--case",
        "NARROW",
    ]);
    paris.ok(&["case", "share", "WIDE", "--with", "Lyon"]);
    paris.ok(&["case", "share", "NARROW", "--with", "Marseille"]);

    let dry = paris.json(&["export", "--to", "Lyon", "-o", "unused", "--dry-run"]);
    let withheld = dry["withheld"].as_array().unwrap();
    assert_eq!(withheld.len(), 1, "{dry}");
    assert_eq!(withheld[0]["prop"], "alias");
    assert_eq!(withheld[0]["office"], "Lyon");
    let reason = withheld[0]["reason"].as_str().unwrap();
    assert!(reason.contains("TLP:RED") && reason.contains("Lyon") && reason.contains("NARROW"), "{reason}");
    assert!(dry["by_kind"]["Person"] == 1, "{dry}");
    assert!(!path(&paris, "unused").exists() && !std::path::Path::new("unused").exists());
    let text = paris.ok(&["export", "--to", "Lyon", "-o", "unused", "--dry-run"]);
    assert!(text.contains("TLP:RED"), "{text}");

    let to_lyon = path(&paris, "lyon.bundle");
    paris.ok(&["export", "--to", "Lyon", "-o", s(&to_lyon)]);
    lyon.ok(&["import", s(&to_lyon)]);
    let seen = lyon.json(&["entity", "show", id]);
    let props: Vec<&str> =
        seen["statements"].as_array().unwrap().iter().map(|st| st["prop"].as_str().unwrap()).collect();
    assert!(props.contains(&"name") && !props.contains(&"alias"), "{props:?}");

    let to_marseille = path(&paris, "marseille.bundle");
    paris.ok(&["export", "--to", "Marseille", "-o", s(&to_marseille)]);
    marseille.ok(&["import", s(&to_marseille)]);
    let seen = marseille.json(&["entity", "show", id]);
    assert!(
        seen["statements"].as_array().unwrap().iter().any(|st| st["value"] == "The Accountant"),
        "{seen}"
    );
}

/// National markings with `foreign = false` and Europol H2 from another office stay home.
#[test]
fn national_and_h2_markings_are_enforced_per_recipient() {
    let paris = office("Paris", "DGSI", "FR");
    let lyon = office("Lyon", "PJ", "FR");
    let hague = office("Europol", "Europol", "NL");
    trust_all(&[&paris, &lyon, &hague]);
    paris.ok(&["case", "new", "--ref", "J-1", "--title", "Joint", "--marking", "TLP:GREEN"]);
    let id =
        paris.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ilse Brandt", "--case", "J-1"]);
    let id = id.trim();
    paris.ok(&["entity", "set", id, "--prop", "notes=Diffusion restreinte", "--marking", "TLP:GREEN FR-DR"]);
    paris.ok(&["case", "share", "J-1", "--with", "Europol"]);
    paris.ok(&["case", "share", "J-1", "--with", "Lyon"]);
    let dry = paris.json(&["export", "--to", "Europol", "-o", "x", "--dry-run"]);
    let reasons: Vec<&str> =
        dry["withheld"].as_array().unwrap().iter().map(|w| w["reason"].as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.contains("FR-DR") && r.contains("NL")), "{reasons:?}");
    let dry = paris.json(&["export", "--to", "Lyon", "-o", "x", "--dry-run"]);
    assert_eq!(dry["withheld"], serde_json::json!([]), "FR-DR may go to a French office");

    // Lyon records an H2 value; Paris may not pass it on to Europol.
    let b = path(&paris, "lyon1");
    paris.ok(&["export", "--to", "Lyon", "-o", s(&b)]);
    lyon.ok(&["import", s(&b)]);
    lyon.ok(&[
        "entity",
        "set",
        id,
        "--prop",
        "alias=Die Wespe",
        "--marking",
        "TLP:GREEN H2",
        "--case",
        "J-1",
    ]);
    let back = path(&lyon, "paris1");
    lyon.ok(&["export", "--to", "Paris", "-o", s(&back)]);
    paris.ok(&["import", s(&back)]);
    let dry = paris.json(&["export", "--to", "Europol", "-o", "x", "--dry-run"]);
    let reasons: Vec<&str> =
        dry["withheld"].as_array().unwrap().iter().map(|w| w["reason"].as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.contains("H2") && r.contains("consent of Lyon")), "{reasons:?}");
}

#[test]
fn offices_are_trusted_from_cards_listed_and_revoked() {
    let paris = Liaison::init();
    let lyon = office("Lyon", "PJ", "FR");
    let card = path(&lyon, "lyon.card");
    let words = exchange_support::card_words(&lyon, &card);
    let words = words.as_str();
    let printed = lyon.ok(&["office", "card"]);
    assert!(printed.contains("\"office\": \"Lyon\"") && printed.contains("age1"), "{printed}");
    let (_, err) = paris.fails(&["office", "trust", s(&card), "--expect", "wrong words entirely"]);
    assert!(err.contains("fingerprint"), "{err}");
    assert_eq!(paris.json(&["office", "list"]), serde_json::json!([]));
    assert_eq!(words.split(' ').count(), 8);
    paris.ok(&["office", "trust", s(&card), "--expect", words]);
    let list = paris.json(&["office", "list"]);
    assert_eq!(list[0]["office"], "Lyon");
    assert_eq!(list[0]["devices"][0]["fingerprint"], words);
    for field in ["last_sent", "last_received", "last_acknowledged", "response_time", "pending_ops"] {
        assert!(list[0].get(field).is_some(), "office list lacks {field}: {list}");
    }
    assert_eq!(list[0]["pending_ops"], 0, "nothing shared yet: {list}");
    // Without the (costly on a large store) planning, the count is absent, not zero.
    let quick = paris.json(&["office", "list", "--no-pending"]);
    assert_eq!(quick[0]["pending_ops"], serde_json::Value::Null, "{quick}");
    assert_eq!(quick[0]["office"], "Lyon");
    // A tampered card is refused.
    let text = std::fs::read_to_string(&card).unwrap().replace("\"Lyon\"", "\"Lille\"");
    std::fs::write(&card, text).unwrap();
    let (_, err) = paris.fails(&["office", "trust", s(&card)]);
    assert!(err.contains("signature"), "{err}");

    paris.ok(&["case", "new", "--ref", "R-1", "--title", "Revocation"]);
    paris.ok(&["case", "share", "R-1", "--with", "Lyon"]);
    let to_paris = path(&lyon, "b");
    trust(&lyon, &paris);
    lyon.ok(&["export", "--to", "Paris", "-o", s(&to_paris)]);
    paris.ok(&["office", "revoke", "Lyon"]);
    let list = paris.json(&["office", "list"]);
    assert_eq!(list[0]["revoked"], true);
    let (_, err) = paris.fails(&["export", "--to", "Lyon", "-o", "x"]);
    assert!(err.contains("revoked"), "{err}");
    let (_, err) = paris.fails(&["import", s(&to_paris)]);
    assert!(err.contains("revoked sender"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let log = paris.json(&["audit", "log"]);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "import rejected"), "{log}");
}

#[test]
fn a_replay_is_already_imported_and_responses_are_measured() {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["case", "new", "--ref", "OP-9", "--title", "Replay"]);
    paris.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=+33612345678", "--case", "OP-9"]);
    paris.ok(&["case", "share", "OP-9", "--with", "Marseille"]);
    let b1 = path(&paris, "b1");
    paris.ok(&["export", "--to", "Marseille", "-o", s(&b1)]);
    let first = marseille.json(&["import", s(&b1)]);
    let stats_before = marseille.json(&["stats"]);
    let again = marseille.json(&["import", s(&b1)]);
    assert_eq!(again["status"], "already imported");
    assert_eq!(again["ops_new"], 0);
    assert_eq!(marseille.json(&["stats"])["statements"], stats_before["statements"]);
    let text = marseille.ok(&["import", s(&b1)]);
    assert!(text.contains("already imported"), "{text}");
    assert!(first["records_new"].as_u64().unwrap() >= 3, "{first}");
    // Marseille's audit log keeps the head of Paris's audit log as of the bundle.
    let log = marseille.json(&["audit", "log"]);
    let import = log.as_array().unwrap().iter().find(|e| e["detail"]["ops_new"].as_u64() > Some(0)).unwrap();
    assert_eq!(import["action"], "import");
    assert!(import["detail"]["sender_audit_head"]["entries"].as_i64().unwrap() > 3, "{import}");

    // Marseille's next bundle acknowledges Paris's: the response time is measured.
    let c1 = path(&marseille, "c1");
    marseille.ok(&["export", "--to", "Paris", "-o", s(&c1)]);
    let report = paris.json(&["import", s(&c1)]);
    assert_eq!(report["acknowledged"], 1, "{report}");
    let list = paris.json(&["office", "list"]);
    assert_eq!(list[0]["bundles_acknowledged"], 1, "{list}");
    assert!(list[0]["response_time"]["median_seconds"].is_number(), "{list}");
    let stats: Value = paris.json(&["stats"]);
    assert_eq!(stats["sharing"]["bundles_acknowledged"], 1, "{stats}");
    assert!(paris.ok(&["stats"]).contains("response time"));
    // The month's measures count the acknowledgement and its response time.
    let measures = paris.json(&["measures", "--months", "3"]);
    let months = measures["monthly"].as_array().unwrap();
    assert_eq!(months.len(), 3, "{measures}");
    let this_month = months.last().unwrap();
    assert_eq!(this_month["acknowledged"], 1, "{measures}");
    assert!(this_month["response_median_seconds"].is_number(), "{measures}");
    assert_eq!(months[0]["acknowledged"], 0, "{measures}");
    // Nothing new: the delta is empty and the bundle only acknowledges.
    let b2 = path(&paris, "b2");
    let out = paris.json(&["export", "--to", "Marseille", "-o", s(&b2)]);
    assert_eq!(out["ops"], 0, "{out}");
    let log = paris.json(&["audit", "log"]);
    let actions: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"export") && actions.contains(&"import"), "{actions:?}");
}

#[test]
fn missing_bundles_are_reported_and_their_content_follows_in_the_next() {
    let paris = office("Paris", "DGSI", "FR");
    let lyon = office("Lyon", "PJ", "FR");
    trust_all(&[&paris, &lyon]);
    paris.ok(&["case", "new", "--ref", "G-1", "--title", "Gaps"]);
    paris.ok(&["case", "share", "G-1", "--with", "Lyon"]);
    let (b1, b2, b3) = (path(&paris, "b1"), path(&paris, "b2"), path(&paris, "b3"));
    paris.ok(&["export", "--to", "Lyon", "-o", s(&b1)]);
    paris.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Lost Bundle", "--case", "G-1"]);
    paris.ok(&["export", "--to", "Lyon", "-o", s(&b2)]);
    paris.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Third Bundle", "--case", "G-1"]);
    paris.ok(&["export", "--to", "Lyon", "-o", s(&b3)]);
    // b2 never arrives; b3 comes first, then b1.
    let report = lyon.json(&["import", s(&b3)]);
    let missing: Vec<&str> =
        report["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert_eq!(missing, ["bundle 1 from Paris is missing", "bundle 2 from Paris is missing"]);
    let report = lyon.json(&["import", s(&b1)]);
    assert_eq!(report["missing"], serde_json::json!(["bundle 2 from Paris is missing"]));
    // Nothing was acknowledged for b2's content, so it is all in b3 already.
    let hits = lyon.json(&["search", "Lost Bundle"]);
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");
}

/// Paris relays what Marseille added to a shared case on to Lyon; once Lyon acknowledges it,
/// nothing is sent again, although Paris holds only part of Marseille's history.
#[test]
fn relayed_commits_arrive_once_and_are_not_resent_after_acknowledgement() {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    let lyon = office("Lyon", "PJ", "FR");
    trust_all(&[&paris, &marseille, &lyon]);
    // GREEN: this test is about relaying commits once; an AMBER value of Marseille's would
    // (rightly) not be relayed to Lyon, whom Marseille never named on REL-1.
    paris.ok(&["case", "new", "--ref", "REL-1", "--title", "Relay", "--marking", "TLP:GREEN"]);
    paris.ok(&["case", "share", "REL-1", "--with", "Marseille"]);
    paris.ok(&["case", "share", "REL-1", "--with", "Lyon"]);
    let b = path(&paris, "m1");
    paris.ok(&["export", "--to", "Marseille", "-o", s(&b)]);
    marseille.ok(&["import", s(&b)]);
    // Marseille's own unshared work before and after its contribution to REL-1.
    marseille.ok(&["case", "new", "--ref", "M-PRIVATE", "--title", "Marseille only"]);
    marseille.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Relayed Person",
        "--case",
        "REL-1",
    ]);
    marseille.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Private Person",
        "--case",
        "M-PRIVATE",
    ]);
    let c = path(&marseille, "p1");
    marseille.ok(&["export", "--to", "Paris", "-o", s(&c)]);
    paris.ok(&["import", s(&c)]);

    let l1 = path(&paris, "l1");
    let sent = paris.json(&["export", "--to", "Lyon", "-o", s(&l1)]);
    assert!(sent["ops"].as_u64().unwrap() > 0);
    lyon.ok(&["import", s(&l1)]);
    assert_eq!(lyon.json(&["search", "Relayed Person"]).as_array().unwrap().len(), 1);
    assert!(lyon.json(&["search", "Private Person"]).as_array().unwrap().is_empty());
    let ack = path(&lyon, "ack");
    lyon.ok(&["export", "--to", "Paris", "-o", s(&ack)]);
    paris.ok(&["import", s(&ack)]);
    let again = paris.json(&["export", "--to", "Lyon", "-o", s(&path(&paris, "l2")), "--dry-run"]);
    assert_eq!(again["ops"], 0, "acknowledged ops are sent again: {again}");
}

/// Issue 9, "trust after the check": a card alone is never trusted. Without a terminal to
/// confirm the fingerprint on and without `--expect`, `office trust` refuses and says what
/// to do; the office stays unknown, so its bundles are still refused.
#[test]
fn a_card_is_not_trusted_without_its_fingerprint_words_confirmed() {
    let paris = Liaison::init();
    let lyon = office("Lyon", "PJ", "FR");
    let card = path(&lyon, "lyon.card");
    let words = exchange_support::card_words(&lyon, &card);
    let (_, err) = paris.fails(&["office", "trust", s(&card)]);
    assert!(
        err.contains("nothing was trusted") && err.contains("--expect WORDS read to you by Lyon"),
        "{err}"
    );
    assert_eq!(paris.json(&["office", "list"]), serde_json::json!([]));
    paris.ok(&["case", "new", "--ref", "R-1", "--title", "Trust"]);
    let (_, err) = paris.fails(&["case", "share", "R-1", "--with", "Lyon"]);
    assert!(err.contains("no trusted office"), "{err}");
    // The words shown before anything is trusted, then the words read by telephone.
    let out = paris.ok(&["office", "trust", s(&card), "--expect", &words.to_uppercase().replace(' ', "-")]);
    let shown = out.find(&format!("Fingerprint: {words}")).unwrap();
    let trusted = out.find("Trusted Lyon").unwrap();
    assert!(shown < trusted, "{out}");
    assert_eq!(paris.json(&["office", "list"])[0]["office"], "Lyon");
}

/// Issue 9, "text dry runs name the records that leave": without `--json`, the dry run
/// lists each record that would go — kind, caption, case — and only those; a long list is
/// cut with a count of the rest.
#[test]
fn a_text_dry_run_names_each_record_that_would_leave_and_its_case() {
    let paris = Liaison::init();
    let lyon = office("Lyon", "PJ", "FR");
    trust(&paris, &lyon);
    paris.ok(&["case", "new", "--ref", "OP-7", "--title", "Port de Marseille", "--marking", "TLP:GREEN"]);
    paris.ok(&["case", "new", "--ref", "OP-9", "--title", "Private", "--marking", "TLP:GREEN"]);
    paris.ok(&["case", "share", "OP-7", "--with", "Lyon"]);
    let person = |name: &str, case: &str| {
        paris.ok(&["entity", "new", "--schema", "Person", "--prop", &format!("name={name}"), "--case", case]);
    };
    person("Karim Benali", "OP-7");
    person("Unshared Person", "OP-9");
    let out = paris.ok(&["export", "--to", "Lyon", "-o", s(&path(&paris, "b")), "--dry-run"]);
    // (kind, caption, case) as the columns show them.
    let rows: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("OP-"))
        .map(|l| l.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect())
        .collect();
    for row in [
        ["Person", "Karim Benali", "OP-7"],
        ["Case", "Port de Marseille", "OP-7"],
        ["CaseMember", "Karim Benali (member)", "OP-7"],
    ] {
        assert!(rows.contains(&row.to_vec()), "{row:?} is not listed:\n{out}");
    }
    assert!(!out.contains("Unshared Person") && !out.contains("Private"), "{out}");
    assert!(!out.contains("more records"), "{out}");

    for i in 0..16 {
        person(&format!("Suspect {i:02}"), "OP-7");
    }
    let out = paris.ok(&["export", "--to", "Lyon", "-o", s(&path(&paris, "b")), "--dry-run"]);
    let json = paris.json(&["export", "--to", "Lyon", "-o", s(&path(&paris, "b")), "--dry-run"]);
    let total = json["records"].as_u64().unwrap();
    assert!(total > 30, "{json}");
    assert!(out.contains(&format!("(30 of {total})")), "{out}");
    assert!(out.contains(&format!("… and {} more records", total - 30)), "{out}");
    let listed = out
        .lines()
        .skip_while(|l| !l.starts_with("Records that would go"))
        .skip(2)
        .take_while(|l| l.starts_with("  ") && !l.contains("more records"))
        .count();
    assert_eq!(listed, 30, "{out}");
}

/// At a terminal, `office trust` shows the words and waits for the analyst to type those
/// the office reads by telephone: nothing is trusted while it asks, other words refuse,
/// the right words trust.
#[test]
fn at_a_terminal_office_trust_asks_for_the_words_read_by_telephone() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    use portable_pty::{CommandBuilder, PtySize, native_pty_system};

    let paris = Liaison::init();
    let lyon = office("Lyon", "PJ", "FR");
    let card = path(&lyon, "lyon.card");
    let words = exchange_support::card_words(&lyon, &card);
    let answer = |typed: &str| -> (bool, String) {
        let pair = native_pty_system()
            .openpty(PtySize { rows: 24, cols: 120, pixel_width: 0, pixel_height: 0 })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_liaison"));
        cmd.args(["--store", s(&paris.store), "--passphrase-file", s(&paris.pass_file)]);
        cmd.args(["office", "trust", s(&card)]);
        cmd.env("LIAISON_KDF_LOG_N", "10");
        cmd.env("LIAISON_STATE_DIR", paris.root.path().join("state"));
        for var in ["LIAISON_PASSPHRASE", "LIAISON_PASSPHRASE_FILE", "LIAISON_STORE"] {
            cmd.env_remove(var);
        }
        let mut child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let until = Instant::now() + Duration::from_secs(30);
        let mut screen = String::new();
        while !screen.contains("Type the words") {
            assert!(Instant::now() < until, "no question asked:\n{screen}");
            if let Ok(bytes) = rx.recv_timeout(Duration::from_millis(100)) {
                screen.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        assert!(screen.contains(&format!("Fingerprint: {words}")), "{screen}");
        assert_eq!(paris.json(&["office", "list"]), serde_json::json!([]), "trusted before the check");
        let mut writer = pair.master.take_writer().unwrap();
        writer.write_all(format!("{typed}\r").as_bytes()).unwrap();
        writer.flush().unwrap();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < until, "office trust did not finish:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(bytes) = rx.recv_timeout(Duration::from_millis(300)) {
            screen.push_str(&String::from_utf8_lossy(&bytes));
        }
        (status.success(), screen)
    };
    let (trusted, screen) = answer("apple banana cherry daisy");
    assert!(!trusted && screen.contains("nothing was trusted"), "{screen}");
    assert_eq!(paris.json(&["office", "list"]), serde_json::json!([]));
    let (trusted, screen) = answer(&words);
    assert!(trusted && screen.contains("Trusted Lyon"), "{screen}");
    assert_eq!(paris.json(&["office", "list"])[0]["office"], "Lyon");
}
