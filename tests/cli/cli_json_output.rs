//! JSON and text output as scripts read it (issue 11's papercuts): a reader that stops early
//! (`liaison … --json | head -1`) ends the command quietly with exit 0, and `case show --json`
//! writes every key once.

use crate::common;

use std::collections::HashSet;
use std::fmt;
use std::process::Stdio;

use common::Liaison;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Runs `args` with stdout a pipe whose reader is gone before anything is written: every
/// write fails as it does under `| head -1` once head has its line. Returns (exit code, stderr).
fn with_reader_gone(l: &Liaison, args: &[&str]) -> (Option<i32>, String) {
    let mut child = l.command().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn output_to_a_reader_that_stops_early_ends_quietly_with_exit_0() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "OP-1", "--title", "Pipes"]);
    for args in [
        &["--json", "case", "show", "OP-1"][..],
        &["--json", "stats"],
        &["case", "list"],
        &["completions", "bash"],
    ] {
        let (code, err) = with_reader_gone(&l, args);
        // The KDF warning of test stores is the only thing allowed on stderr.
        let err: Vec<&str> = err.lines().filter(|l| !l.contains("LIAISON_KDF_LOG_N")).collect();
        assert_eq!(code, Some(0), "{args:?}: {err:?}");
        assert!(err.is_empty(), "{args:?} printed {err:?}");
    }
}

#[test]
fn case_show_json_writes_every_key_once_and_keeps_the_member_count() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "OP-2", "--title", "Keys"]);
    let id = l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ada Lovelace"]);
    l.ok(&["case", "add", "OP-2", id.trim()]);
    l.ok(&["case", "note", "OP-2", "Met the source"]);
    let text = l.ok(&["--json", "case", "show", "OP-2"]);
    if let Err(e) = (NoDuplicateKeys).deserialize(&mut serde_json::Deserializer::from_str(&text)) {
        panic!("{e}\n{text}");
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["members"].as_array().map(Vec::len), Some(1), "{text}");
    assert_eq!(v["member_count"], 1, "{text}");
    assert_eq!(v["reference"], "OP-2");
}

/// Walks a JSON document, failing on an object that holds a key twice (serde_json's `Value`
/// keeps the last and says nothing; other readers refuse or keep the first).
struct NoDuplicateKeys;

impl<'de> DeserializeSeed<'de> for NoDuplicateKeys {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NoDuplicateKeys {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !keys.insert(key.clone()) {
                return Err(de::Error::custom(format!("the key {key:?} appears twice in one object")));
            }
            map.next_value_seed(NoDuplicateKeys)?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(NoDuplicateKeys)?.is_some() {}
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}
