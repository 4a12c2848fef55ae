//! Exit codes as the README promises them (issue 16): 0 success, 1 failure, 2 usage error
//! (anything wrong with what was typed), 3 wrong passphrase.

use crate::common;

use common::Liaison;

#[test]
fn bad_values_are_usage_errors_and_failures_are_not() {
    let l = Liaison::init();
    let person = ["entity", "new", "--schema", "Person", "--prop", "name=Ana Ruiz"];
    let usage: &[&[&str]] = &[
        &["entity", "new", "--schema", "Person", "--prop", "name=x", "--grade", "Z9"],
        &["entity", "new", "--schema", "Person", "--prop", "name=x", "--marking", "TLP:PURPLE"],
        &["entity", "new", "--schema", "Person", "--prop", "name=x", "--prop", "birthDate=31/02/1980"],
        &["entity", "new", "--schema", "Persn", "--prop", "name=x"],
        &["entity", "new", "--schema", "Person", "--prop", "nmae=x"],
        &["entity", "new", "--schema", "Person", "--prop", "name"],
        &["entity", "show", "nonsense"],
        &["timeline", "--from", "yesterday"],
        &["measures", "--to", "May 2025"],
        &["init", "--no-such-option"],
    ];
    for args in usage {
        let (code, err) = l.fails(args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
    l.ok(&["case", "new", "--ref", "X-1", "--title", "First"]);
    let (code, err) = l.fails(&["case", "new", "--ref", "X-1", "--title", "Again"]);
    assert_eq!(code, 2, "a reference already taken: {err}");
    let failures: &[&[&str]] =
        &[&["entity", "show", "01234567-89ab-7def-8123-456789abcdef"], &["case", "show", "NO-SUCH-CASE"]];
    for args in failures {
        let (code, err) = l.fails(args);
        assert_eq!(code, 1, "{args:?}: {err}");
    }
    let out = l.with_passphrase("not the passphrase").args(person).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let missing = Liaison::empty();
    let (code, err) = missing.fails(&["stats"]);
    assert_eq!(code, 1, "{err}");
}
