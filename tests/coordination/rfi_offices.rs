//! Requests for information between two offices, as analysts run them: Paris asks Rotterdam
//! about a case they share; Rotterdam answers with two of its records attached; Paris reads
//! the answer and the records, closes the request; after the bundles both offices' measures
//! show the same turnaround, next to the 12-hour target.

use crate::exchange_support::{office, path, trust_all};

fn id_line(out: &str) -> String {
    out.lines().last().unwrap().trim().to_owned()
}

#[test]
fn an_rfi_asked_answered_with_two_records_and_closed_has_one_turnaround_in_both_offices() {
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    trust_all(&[&a, &b]);
    a.ok(&["case", "new", "--ref", "CALANQUE", "--title", "Banana reefers", "--marking", "TLP:AMBER"]);
    let karim = id_line(&a.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Karim Benali",
        "--case",
        "CALANQUE",
    ]));

    // Asking needs the case shared: otherwise the request could never reach Rotterdam.
    let (code, err) = a.fails(&["rfi", "new", "--to", "Rotterdam", "--case", "CALANQUE", "--question", "Q?"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("case share"), "{err}");
    a.ok(&["case", "share", "CALANQUE", "--with", "Rotterdam"]);
    let out = a.ok(&[
        "rfi",
        "new",
        "--to",
        "Rotterdam",
        "--case",
        "CALANQUE",
        "--priority",
        "urgent",
        "--question",
        "Do you know this man and his phones?",
        "--about",
        &karim,
        "--due",
        "2099-01-01",
    ]);
    let rfi = id_line(&out);

    let ab = path(&a, "ab.bundle");
    a.ok(&["export", "--to", "Rotterdam", "-o", ab.to_str().unwrap()]);
    b.ok(&["import", ab.to_str().unwrap()]);
    let incoming = b.json(&["rfi", "list", "--incoming"]);
    assert_eq!(incoming[0]["question"], "Do you know this man and his phones?");
    assert_eq!(incoming[0]["priority"], "urgent");

    let phone = id_line(&b.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=+31 6 12345678"]));
    let boat = id_line(&b.ok(&["entity", "new", "--schema", "Vessel", "--prop", "name=Reefer Star"]));
    b.ok(&[
        "rfi",
        "answer",
        &rfi,
        "--text",
        "Yes: his phone and the boat.",
        "--attach",
        &phone,
        "--attach",
        &boat,
    ]);
    let ba = path(&b, "ba.bundle");
    b.ok(&["export", "--to", "Paris", "-o", ba.to_str().unwrap()]);
    a.ok(&["import", ba.to_str().unwrap()]);

    let shown = a.json(&["rfi", "show", &rfi]);
    assert_eq!(shown["status"], "answered");
    assert_eq!(shown["answers"][0]["office"], "Rotterdam");
    assert_eq!(shown["answers"][0]["attachments"].as_array().unwrap().len(), 2);
    // The attached records themselves came with the answer.
    assert!(a.ok(&["entity", "show", &boat]).contains("Reefer Star"));
    assert!(a.ok(&["entity", "show", &phone]).contains("+31612345678"));

    a.ok(&["rfi", "close", &rfi]);
    let ab2 = path(&a, "ab2.bundle");
    a.ok(&["export", "--to", "Rotterdam", "-o", ab2.to_str().unwrap()]);
    b.ok(&["import", ab2.to_str().unwrap()]);

    let ma = a.json(&["measures"]);
    let mb = b.json(&["measures"]);
    assert_eq!(ma["rfi"]["overall"]["answered"], 1, "{}", ma["rfi"]);
    assert_eq!(ma["rfi"]["overall"], mb["rfi"]["overall"], "both offices measure the same turnaround");
    assert_eq!(ma["rfi"]["target_seconds"], 12 * 3600);
    assert_eq!(ma["rfi"]["by_office"]["Rotterdam"], mb["rfi"]["by_office"]["Paris"]);
    assert_eq!(b.json(&["rfi", "show", &rfi])["status"], "closed");
    let text = a.ok(&["measures"]);
    assert!(text.contains("requests for information: 1 answered"), "{text}");
}
