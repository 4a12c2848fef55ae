//! A request for information asked outside any case (`rfi new --to OFFICE` with no
//! `--case`): it travels on its own to the office asked, with the records it is about when
//! that office may have them, never to a third office; the answer and its attachments come
//! back the same way; both offices list it and measure the same turnaround.

use crate::exchange_support::{office, path, trust_all};

fn id_line(out: &str) -> String {
    out.lines().last().unwrap().trim().to_owned()
}

#[test]
fn an_rfi_without_a_case_goes_to_the_office_asked_only_and_its_answer_comes_back() {
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    let c = office("Madrid", "CNP", "ES");
    trust_all(&[&a, &b, &c]);
    let karim = id_line(&a.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Karim Benali"]));
    a.ok(&["case", "new", "--ref", "HUSH", "--title", "Source protection", "--marking", "TLP:RED"]);
    let hushed = id_line(&a.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Informant",
        "--case",
        "HUSH",
    ]));

    let phone = id_line(&b.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=+31 6 12345678"]));
    // The offices already exchange: what the request names is older than what each has
    // acknowledged, and must still go whole with it.
    for (from, to, name) in [(&a, &b, "Rotterdam"), (&b, &a, "Paris"), (&a, &b, "Rotterdam")] {
        let warm = path(from, "warm.bundle");
        from.ok(&["export", "--to", name, "-o", warm.to_str().unwrap()]);
        to.ok(&["import", warm.to_str().unwrap()]);
    }
    assert_ne!(b.run(&["entity", "show", &karim]).status.code(), Some(0), "nothing shared yet");

    // A record Rotterdam may not have under its marking: refused, naming it and the way out.
    let (code, err) =
        a.fails(&["rfi", "new", "--to", "Rotterdam", "--question", "Who is he?", "--about", &hushed]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&hushed) && err.contains("TLP:RED") && err.contains("case share"), "{err}");
    assert!(a.json(&["rfi", "list"]).as_array().unwrap().is_empty(), "a refusal writes nothing");

    let out =
        a.ok(&["rfi", "new", "--to", "Rotterdam", "--question", "Do you know this man?", "--about", &karim]);
    let rfi = id_line(&out);
    let shown = a.json(&["rfi", "show", &rfi]);
    assert_eq!(shown["case"], "");
    assert_eq!(shown["direction"], "outgoing");

    let ab = path(&a, "ab.bundle");
    a.ok(&["export", "--to", "Rotterdam", "-o", ab.to_str().unwrap()]);
    b.ok(&["import", ab.to_str().unwrap()]);
    let incoming = b.json(&["rfi", "list", "--incoming"]);
    assert_eq!(incoming.as_array().unwrap().len(), 1, "{incoming}");
    assert_eq!(incoming[0]["question"], "Do you know this man?");
    assert!(
        b.ok(&["entity", "show", &karim]).contains("Karim Benali"),
        "the record asked about came with it"
    );
    assert!(b.ok(&["rfi", "show", &rfi]).contains("no case"));

    // Madrid gets nothing of it.
    let ac = path(&a, "ac.bundle");
    if a.run(&["export", "--to", "Madrid", "-o", ac.to_str().unwrap()]).status.success() {
        c.ok(&["import", ac.to_str().unwrap()]);
    }
    assert!(c.json(&["rfi", "list"]).as_array().unwrap().is_empty());
    assert_ne!(c.run(&["entity", "show", &karim]).status.code(), Some(0));

    // Rotterdam may not attach what Paris may not have either.
    b.ok(&["case", "new", "--ref", "B-RED", "--title", "Closed", "--marking", "TLP:RED"]);
    let red =
        id_line(&b.ok(&["entity", "new", "--schema", "Vessel", "--prop", "name=Ghost", "--case", "B-RED"]));
    let (code, err) = b.fails(&["rfi", "answer", &rfi, "--text", "See attached.", "--attach", &red]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&red) && err.contains("TLP:RED"), "{err}");
    b.ok(&["rfi", "answer", &rfi, "--text", "Yes: his phone.", "--attach", &phone]);
    let ba = path(&b, "ba.bundle");
    b.ok(&["export", "--to", "Paris", "-o", ba.to_str().unwrap()]);
    a.ok(&["import", ba.to_str().unwrap()]);
    let shown = a.json(&["rfi", "show", &rfi]);
    assert_eq!(shown["status"], "answered");
    assert_eq!(shown["answers"][0]["office"], "Rotterdam");
    assert!(a.ok(&["entity", "show", &phone]).contains("+31612345678"), "the attachment came back with it");

    a.ok(&["rfi", "close", &rfi]);
    let ab2 = path(&a, "ab2.bundle");
    a.ok(&["export", "--to", "Rotterdam", "-o", ab2.to_str().unwrap()]);
    b.ok(&["import", ab2.to_str().unwrap()]);
    assert_eq!(b.json(&["rfi", "show", &rfi])["status"], "closed");
    let (ma, mb) = (a.json(&["measures"]), b.json(&["measures"]));
    assert_eq!(ma["rfi"]["overall"]["answered"], 1, "{}", ma["rfi"]);
    assert_eq!(ma["rfi"]["overall"], mb["rfi"]["overall"]);
    assert_eq!(ma["rfi"]["by_office"]["Rotterdam"], mb["rfi"]["by_office"]["Paris"]);
}
