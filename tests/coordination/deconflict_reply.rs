//! Deconfliction replies as an office chooses to send them: `deconflict reply` writes the
//! answer alone (no op of the shared cases goes with it, and nothing is lost: the next
//! bundle still carries them), and a hit names the other office's case and contact only
//! when that office chose to disclose them.

use crate::exchange_support::{office, path, trust_all};

fn id_line(out: &str) -> String {
    out.lines().last().unwrap().trim().to_owned()
}

/// Paris holds two phones; Rotterdam holds one of them in case B-1, shared with Paris.
/// Returns (Paris, Rotterdam, Rotterdam's person) after Paris's request reached Rotterdam.
fn asked() -> (crate::common::Liaison, crate::common::Liaison, String) {
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    trust_all(&[&a, &b]);
    a.ok(&["case", "new", "--ref", "A-1", "--title", "Reefers"]);
    a.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Karim",
        "--prop",
        "phone=+33611111111",
        "--prop",
        "phone=+33622222222",
        "--case",
        "A-1",
    ]);
    b.ok(&["case", "new", "--ref", "B-1", "--title", "Harbour"]);
    b.ok(&["case", "new", "--ref", "B-2", "--title", "Other"]);
    let person = id_line(&b.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Jan",
        "--prop",
        "phone=+33611111111",
        "--case",
        "B-1",
    ]));
    b.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Piet",
        "--prop",
        "phone=+33633333333",
        "--case",
        "B-2",
    ]);
    b.ok(&["case", "share", "B-1", "--with", "Paris"]);
    b.ok(&["case", "share", "B-2", "--with", "Paris"]);
    let request = path(&a, "request.bundle");
    a.ok(&["deconflict", "request", "--with", "Rotterdam", "-o", request.to_str().unwrap()]);
    b.ok(&["import", request.to_str().unwrap()]);
    (a, b, person)
}

#[test]
fn deconflict_reply_writes_the_answer_alone_and_the_cases_follow_in_the_next_bundle() {
    let (a, b, person) = asked();
    let reply = path(&b, "reply.bundle");
    let out = b.ok(&["deconflict", "reply", "--to", "Paris", "-o", reply.to_str().unwrap()]);
    assert!(out.contains("nothing else"), "{out}");
    let out = a.ok(&["import", reply.to_str().unwrap()]);
    assert!(out.contains("Rotterdam also holds 1 of your selectors"), "{out}");
    // The shared case did not come with the reply...
    let (code, _) = a.fails(&["entity", "show", &person]);
    assert_ne!(code, 0);
    // ...the reply is a bundle like any other: replayed, it is refused...
    let again = a.ok(&["import", reply.to_str().unwrap()]);
    assert!(again.contains("already imported"), "{again}");
    // ...and the next bundle still carries the whole case: the reply claimed none of it.
    let next = path(&b, "next.bundle");
    b.ok(&["export", "--to", "Paris", "-o", next.to_str().unwrap()]);
    a.ok(&["import", next.to_str().unwrap()]);
    assert!(a.ok(&["entity", "show", &person]).contains("Jan"));
}

#[test]
fn a_hit_names_the_other_offices_case_and_contact_only_when_it_chose_to_say() {
    // Nothing by default.
    let (a, b, _) = asked();
    let reply = path(&b, "reply.bundle");
    let out = b.ok(&["deconflict", "reply", "--to", "Paris", "-o", reply.to_str().unwrap()]);
    assert!(out.contains("nothing else about them"), "{out}");
    a.ok(&["import", reply.to_str().unwrap()]);
    let hit = &a.json(&["deconflict", "list"])["hits"][0];
    assert!(hit["their_case"].is_null() && hit["their_contact"].is_null(), "{hit}");

    // Disclosed for this reply: the case holding the phone and a contact.
    let (a, b, person) = asked();
    let (code, err) =
        b.fails(&["deconflict", "reply", "--to", "Paris", "-o", "x.bundle", "--disclose", "contact"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--contact"), "{err}");
    let out = b.ok(&[
        "deconflict",
        "reply",
        "--to",
        "Paris",
        "-o",
        reply.to_str().unwrap(),
        "--disclose",
        "case,contact",
        "--contact",
        "Insp. de Vries, +31 70 000 0000",
    ]);
    assert!(out.contains("Insp. de Vries"), "{out}");
    a.ok(&["import", reply.to_str().unwrap()]);
    let listed = a.json(&["deconflict", "list"]);
    let hits = listed["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{listed}");
    assert_eq!(hits[0]["value"], "+33611111111");
    assert_eq!(hits[0]["their_case"], "B-1", "the case holding the phone, not B-2");
    assert_eq!(hits[0]["their_contact"], "Insp. de Vries, +31 70 000 0000");
    assert!(
        hits[0]["rfi_command"].as_str().unwrap().starts_with("liaison rfi new --to Rotterdam"),
        "{listed}"
    );
    let text = a.ok(&["deconflict", "list"]);
    assert!(
        text.contains("their case: B-1") && text.contains("Ask them about a hit: liaison rfi new"),
        "{text}"
    );
    // B's other case reference never reaches A: not in the hits, not in the store's hits table.
    assert!(!listed.to_string().contains("B-2"));
    let _ = person;

    // A standing choice applies to the replies an ordinary bundle carries.
    let (a, b, _) = asked();
    let out = b.ok(&["deconflict", "disclose", "--with", "Paris", "--case-ref"]);
    assert!(out.contains("reference of your case"), "{out}");
    let next = path(&b, "next.bundle");
    b.ok(&["export", "--to", "Paris", "-o", next.to_str().unwrap()]);
    a.ok(&["import", next.to_str().unwrap()]);
    let hit = &a.json(&["deconflict", "list"])["hits"][0];
    assert_eq!(hit["their_case"], "B-1");
    assert!(hit["their_contact"].is_null());
}
