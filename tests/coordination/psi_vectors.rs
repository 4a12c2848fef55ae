//! The deconfliction protocol's test vectors (`tests/fixtures/psi/vectors.json`, described in
//! `docs/deconfliction.md`): fixed keys and selectors give these exact points, so another
//! implementation can check itself against Liaison's, and a change to the hashing, the group or
//! the normalisation (which would make two versions of Liaison miss each other's hits) fails here.
//! `LIAISON_UPDATE_VECTORS=1` rewrites the file after a deliberate protocol change.

use liaison::exchange::psi::{self, PsiKey, Selector, SelectorKind};
use liaison::model::values::Locale;
use serde_json::{Value, json};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/psi/vectors.json");

fn key(hex: &str) -> PsiKey {
    let bytes = liaison::model::ids::hex_decode(hex).unwrap();
    PsiKey::from_bytes(bytes.try_into().unwrap()).unwrap()
}

fn selectors(raw: &[(SelectorKind, &str)]) -> Vec<Selector> {
    raw.iter().map(|(k, v)| Selector::new(*k, v, Locale::default()).unwrap()).collect()
}

fn compute() -> Value {
    // Keys: canonical scalars written out, so other implementations need no key derivation.
    let a = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e80f";
    let b = "1f2e3d4c5b6a79880f1e2d3c4b5a69780f1e2d3c4b5a69788796a5b4c3d2e103";
    let run = *b"vector-run-00001";
    let ours = selectors(&[
        (SelectorKind::Phone, "+33 6 12 34 56 78"),
        (SelectorKind::Iban, "FR76 3000 6000 0112 3456 7890 189"),
        (SelectorKind::Plate, "AB-123-CD"),
        (SelectorKind::Email, "K.Benali@Example.org"),
    ]);
    let mut theirs = selectors(&[
        (SelectorKind::Phone, "+33612345678"),
        (SelectorKind::Document, "09AB 12345"),
        (SelectorKind::Email, "k.benali@example.org"),
    ]);
    theirs.push(Selector::person("BENALI Karim", "1979-04-17").unwrap());
    let (request, pending) = psi::request_with_key(key(a), run, &ours).unwrap();
    let reply = psi::reply_with_key(&key(b), &request, &theirs).unwrap();
    let mut hits = psi::intersect(&pending, &reply).unwrap();
    hits.sort();
    json!({
        "protocol": "liaison-psi-v1: DH-PSI over ristretto255, hash_to_group = ristretto255 from SHA-512 of \"liaison-psi-v1\" || run || kind tag || value",
        "run": liaison::model::ids::hex(&run),
        "key_a": a,
        "key_b": b,
        "selectors_a": ours,
        "selectors_b": theirs,
        "request": request,
        "request_selectors": pending.selectors,
        "reply": reply,
        "hits": hits,
    })
}

#[test]
fn the_protocol_gives_the_published_vectors() {
    let computed = compute();
    if std::env::var("LIAISON_UPDATE_VECTORS").as_deref() == Ok("1") {
        std::fs::write(VECTORS, serde_json::to_string_pretty(&computed).unwrap() + "\n").unwrap();
    }
    let published: Value = serde_json::from_str(
        &std::fs::read_to_string(VECTORS).expect("tests/fixtures/psi/vectors.json is committed"),
    )
    .unwrap();
    assert_eq!(
        computed, published,
        "the protocol changed: two Liaison versions would miss each other's hits"
    );
    assert_eq!(published["hits"].as_array().unwrap().len(), 2, "the phone and the e-mail");
}

#[test]
fn ten_thousand_selectors_each_and_37_in_common() {
    let phone = |n: u32| Selector { kind: SelectorKind::Phone, value: format!("+3361{n:07}") };
    let ours: Vec<Selector> = (0..10_000).map(phone).collect();
    let theirs: Vec<Selector> = (9_963..19_963).map(phone).collect();
    let (request, pending) = psi::request(*b"ten-thousand-run", &ours).unwrap();
    let reply = psi::reply(&request, &theirs).unwrap();
    let mut hits = psi::intersect(&pending, &reply).unwrap();
    hits.sort();
    assert_eq!(hits, (9_963..10_000).map(phone).collect::<Vec<_>>());
}

/// The fuzz corpus of deconfliction blobs starts from a real request and reply
/// (`LIAISON_UPDATE_VECTORS=1` writes them again).
#[test]
fn the_fuzz_corpus_has_a_request_and_a_reply() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/deconfliction_blob");
    if std::env::var("LIAISON_UPDATE_VECTORS").as_deref() == Ok("1") {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, blob) in ["request", "reply"].iter().zip(liaison::exchange::deconflict::fuzz_seeds()) {
            std::fs::write(dir.join(format!("seed-{name}")), blob).unwrap();
        }
    }
    for name in ["seed-request", "seed-reply"] {
        let blob = std::fs::read(dir.join(name)).unwrap();
        assert!(blob.starts_with(b"liaison-psi-v1\n"), "{name}");
    }
}
