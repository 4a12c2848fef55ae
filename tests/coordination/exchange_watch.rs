//! `liaison exchange watch --dir DIR` between two offices whose folders a sync tool joins (the
//! test copies `out/` of one to `in/` of the other): bundles flow both ways without anyone
//! carrying them, each is imported once even when it turns up again (a resume after a crash,
//! a sync tool's second copy), a damaged file is moved aside with its reason, a bundle for
//! another office is left alone, and two quiet offices do not ping-pong acknowledgements.

use std::path::Path;

use crate::exchange_support::{office, trust_all};

fn sync(from: &Path, to: &Path) -> usize {
    let mut n = 0;
    for f in std::fs::read_dir(from.join("out")).unwrap() {
        let f = f.unwrap().path();
        std::fs::create_dir_all(to.join("in")).unwrap();
        std::fs::rename(&f, to.join("in").join(f.file_name().unwrap())).unwrap();
        n += 1;
    }
    n
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.map(|f| f.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn two_offices_exchange_through_a_shared_folder() {
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    let c = office("Madrid", "CNP", "ES");
    trust_all(&[&a, &b, &c]);
    let (da, db) = (a.root.path().join("drop"), b.root.path().join("drop"));
    a.ok(&["case", "new", "--ref", "CALANQUE", "--title", "Banana reefers"]);
    a.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Karim Benali", "--case", "CALANQUE"]);
    a.ok(&["case", "share", "CALANQUE", "--with", "Rotterdam"]);

    let out = a.ok(&["exchange", "watch", "--dir", da.to_str().unwrap(), "--once"]);
    assert!(out.contains("wrote to-Rotterdam-000001.liaison for Rotterdam"), "{out}");
    // Madrid, trusted but sharing nothing yet, gets Paris's own office record.
    assert_eq!(files(&da.join("out")), ["to-Madrid-000001.liaison", "to-Rotterdam-000001.liaison"], "{out}");
    assert_eq!(sync(&da, &db), 2);
    // A sync tool's half-written copy is not touched.
    std::fs::write(db.join("in/.to-Rotterdam-000002.liaison.partial"), b"half").unwrap();
    // A damaged file and a bundle for another office arrive too.
    std::fs::write(db.join("in/garbage.liaison"), b"not a bundle").unwrap();
    let for_madrid = a.root.path().join("for-madrid.liaison");
    a.ok(&["case", "share", "CALANQUE", "--with", "Madrid"]);
    a.ok(&["export", "--to", "Madrid", "-o", for_madrid.to_str().unwrap()]);
    std::fs::copy(&for_madrid, db.join("in/for-madrid.liaison")).unwrap();

    let out = b.ok(&["exchange", "watch", "--dir", db.to_str().unwrap(), "--once"]);
    assert!(out.contains("imported to-Rotterdam-000001.liaison from Paris"), "{out}");
    assert!(out.contains("refused garbage.liaison"), "{out}");
    assert!(out.contains("wrote to-Paris-000001.liaison"), "Rotterdam acknowledges what it received: {out}");
    assert_eq!(
        files(&db.join("in")),
        [".to-Rotterdam-000002.liaison.partial", "for-madrid.liaison", "to-Madrid-000001.liaison"],
        "bundles for Madrid stay for Madrid"
    );
    assert_eq!(files(&db.join("refused")), ["garbage.liaison", "garbage.liaison.reason.txt"]);
    assert!(b.ok(&["search", "Benali"]).contains("Karim Benali"));

    // The same bundle turns up again (a resume, a second copy): imported once.
    std::fs::copy(db.join("done/to-Rotterdam-000001.liaison"), db.join("in/to-Rotterdam-000001.liaison"))
        .unwrap();
    let out = b.ok(&["exchange", "watch", "--dir", db.to_str().unwrap(), "--once"]);
    assert!(out.contains("to-Rotterdam-000001.liaison was already imported"), "{out}");
    assert!(!out.contains("wrote"), "nothing new to send: {out}");

    assert_eq!(sync(&db, &da), 2, "to Paris, and Rotterdam's office record to Madrid");
    let out = a.ok(&["exchange", "watch", "--dir", da.to_str().unwrap(), "--once"]);
    assert!(out.contains("imported to-Paris-000001.liaison from Rotterdam"), "{out}");
    // Quiet now: an acknowledgement is not acknowledged back.
    let out = a.ok(&["exchange", "watch", "--dir", da.to_str().unwrap(), "--once"]);
    assert!(!out.contains("wrote"), "{out}");
    let offices = a.json(&["office", "list"]);
    let rotterdam = offices.as_array().unwrap().iter().find(|o| o["office"] == "Rotterdam").unwrap().clone();
    assert_eq!(rotterdam["bundles_acknowledged"], 1, "{rotterdam}");
}
