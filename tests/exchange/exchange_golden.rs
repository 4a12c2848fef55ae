//! Golden bundles (docs/bundle-format.md): a bundle written by this version, kept in
//! `tests/fixtures/bundles/`, must still import and yield the pinned content; and today's
//! writer, given the same commits, must produce the same plaintext byte for byte.
//!
//! Regenerate (only when the format version changes, with a new file name):
//! `LIAISON_REGENERATE_GOLDEN=1 cargo test --test exchange exchange_golden -- --ignored`

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use age::secrecy::SecretString;
use ed25519_dalek::SigningKey;
use liaison::exchange;
use liaison::exchange::format::{Cover, Manifest, Party, Recipient};
use liaison::exchange::writer::BundleWriter;
use liaison::model::hlc::Hlc;
use liaison::model::ids::{DeviceId, member_id, observable_id, source_id};
use liaison::model::op::{Assertion, CommitHeader, FORMAT_VERSION, Op, OpBody};
use liaison::store::keystore::Keys;
use liaison::store::offices::DeviceRecord;
use liaison::store::{Office, Store};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const GOLDEN: &str = "golden-v1.bundle";
const EXPECTED: &str = "golden-v1.expected.json";
const CASE: Uuid = Uuid::from_u128(0x0194_1a2b_3c00_7000_8000_0000_0000_0001);
const PERSON: Uuid = Uuid::from_u128(0x0194_1a2b_3c00_7000_8000_0000_0000_0002);
const OWNERSHIP: Uuid = Uuid::from_u128(0x0194_1a2b_3c00_7000_8000_0000_0000_0003);
const ELSEWHERE: Uuid = Uuid::from_u128(0x0194_1a2b_3c00_7000_8000_0000_0000_0004);
/// 2025-01-01T00:00:00Z.
const T0: i64 = 1_735_689_600_000;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bundles")
}

/// Test keys only: they protect nothing but these fixtures.
#[derive(Serialize, Deserialize)]
struct FixtureKeys {
    paris_signing_key: String,
    paris_age_identity: String,
    marseille_signing_key: String,
    marseille_age_identity: String,
}

fn seed(text: &str) -> [u8; 32] {
    *blake3::hash(text.as_bytes()).as_bytes()
}

fn keys() -> FixtureKeys {
    let text = std::fs::read_to_string(fixtures().join("keys.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn unhex32(s: &str) -> [u8; 32] {
    liaison::model::ids::hex_decode(s).unwrap().try_into().unwrap()
}

fn assertion(prop: &str, value: &str, marking: &str) -> Assertion {
    Assertion { marking: marking.to_owned(), ..Assertion::plain(prop, value) }
}

/// The golden commits of Paris: (header, signature, carried ops as (index, op)).
fn commits(paris: &SigningKey) -> Vec<(CommitHeader, [u8; 64], Vec<(u32, Op)>)> {
    let device = DeviceId::from_public_key(&paris.verifying_key().to_bytes());
    let source = source_id("Wiretap 118");
    let phone = observable_id("Phone", "+33612345678");
    let mut tick = 0u16;
    let mut op = |object: Uuid, body: OpBody| {
        tick += 1;
        Op { object, hlc: Hlc::from_parts(T0, tick), body }
    };
    let name = Assertion {
        source: Some(source),
        grade: Some("B2".into()),
        case: Some(CASE),
        ..assertion("name", "Ana Ruiz", "TLP:AMBER")
    };
    let first = vec![
        op(CASE, OpBody::Create { schema: "Case".into(), source: None, target: None }),
        op(CASE, OpBody::Set { assertion: assertion("reference", "GOLD-1", "TLP:AMBER"), parents: vec![] }),
        op(
            CASE,
            OpBody::Set { assertion: assertion("title", "Golden bundle", "TLP:AMBER"), parents: vec![] },
        ),
        op(CASE, OpBody::Set { assertion: assertion("status", "open", "TLP:AMBER"), parents: vec![] }),
        op(source, OpBody::Create { schema: "Source".into(), source: None, target: None }),
        op(source, OpBody::Set { assertion: Assertion::plain("name", "Wiretap 118"), parents: vec![] }),
        op(PERSON, OpBody::Create { schema: "Person".into(), source: None, target: None }),
        op(PERSON, OpBody::Add(name)),
        op(
            PERSON,
            OpBody::Add(Assertion {
                grade: Some("C3".into()),
                ..assertion("birthDate", "1980-02", "TLP:AMBER")
            }),
        ),
        op(PERSON, OpBody::Add(Assertion { case: Some(CASE), ..assertion("alias", "La Reina", "TLP:RED") })),
        op(
            member_id(CASE, PERSON),
            OpBody::Create { schema: "CaseMember".into(), source: Some(CASE), target: Some(PERSON) },
        ),
    ];
    let alias = first[9].id(device);
    let second = vec![
        op(phone, OpBody::Create { schema: "Phone".into(), source: None, target: None }),
        op(phone, OpBody::Set { assertion: Assertion::plain("number", "+33612345678"), parents: vec![] }),
        // Not carried: a record of another case (the bundle proves the rest without it).
        op(ELSEWHERE, OpBody::Create { schema: "Person".into(), source: None, target: None }),
        op(
            member_id(CASE, phone),
            OpBody::Create { schema: "CaseMember".into(), source: Some(CASE), target: Some(phone) },
        ),
        op(
            OWNERSHIP,
            OpBody::Create { schema: "Ownership".into(), source: Some(PERSON), target: Some(phone) },
        ),
        op(OWNERSHIP, OpBody::Add(assertion("startDate", "2024-05-01", "TLP:AMBER"))),
        op(
            PERSON,
            OpBody::Remove {
                prop: "alias".into(),
                value: "La Reina".into(),
                source: None,
                removes: vec![alias],
            },
        ),
    ];
    let mut prev = [0u8; 32];
    let mut out = Vec::new();
    for (seq, ops) in [(1u64, first), (2, second)] {
        let header = CommitHeader {
            version: FORMAT_VERSION,
            device,
            seq,
            prev,
            hlc: Hlc::from_parts(T0, 100 + seq as u16),
            ops: ops.iter().map(|o| o.id(device)).collect(),
            analyst: None,
        };
        prev = header.hash();
        let sig = header.sign(paris);
        let carried = ops
            .into_iter()
            .enumerate()
            .filter(|(_, o)| o.object != ELSEWHERE)
            .map(|(i, o)| (i as u32, o))
            .collect();
        out.push((header, sig, carried));
    }
    out
}

/// Writes the golden bundle with today's writer to `output`.
fn write_golden(k: &FixtureKeys, output: &Path) {
    let paris = SigningKey::from_bytes(&unhex32(&k.paris_signing_key));
    let marseille = SigningKey::from_bytes(&unhex32(&k.marseille_signing_key));
    let paris_device = DeviceId::from_public_key(&paris.verifying_key().to_bytes());
    let marseille_device = DeviceId::from_public_key(&marseille.verifying_key().to_bytes());
    let identity: age::x25519::Identity = k.marseille_age_identity.parse().unwrap();
    let dir = output.parent().unwrap();
    let mut w = BundleWriter::new(dir).unwrap();
    for (header, sig, ops) in commits(&paris) {
        let bodies: Vec<(u32, Vec<u8>)> = ops.iter().map(|(i, o)| (*i, o.encode())).collect();
        let refs: Vec<(u32, &[u8])> = bodies.iter().map(|(i, b)| (*i, b.as_slice())).collect();
        w.push(&header.encode(), &sig, &refs).unwrap();
    }
    let recipient = identity.to_public();
    w.finish(
        |entry| Manifest {
            format: "liaison-bundle".into(),
            version: 1,
            bundle_id: "601d0000000000000000000000000001".into(),
            created_at: "2025-01-01T00:10:00.000Z".into(),
            sender: Party {
                office: "Paris".into(),
                agency: "DGSI".into(),
                country: "FR".into(),
                device: paris_device.to_string(),
            },
            recipients: vec![Recipient {
                office: "Marseille".into(),
                agency: "PJ".into(),
                country: "FR".into(),
                devices: vec![marseille_device.to_string()],
                sequence: 1,
                covers: vec![Cover { device: paris_device.to_string(), from: 0, to: 2 }],
                acks: liaison::exchange::format::Acks::default(),
            }],
            cases: vec![CASE],
            full: false,
            commits: entry,
            blobs: vec![],
            audit_head: liaison::exchange::format::AuditHead { entries: 7, hash: "a0".repeat(32) },
        },
        &paris,
        &[&recipient as &dyn age::Recipient],
        output,
    )
    .unwrap();
}

fn plaintext(file: &Path, k: &FixtureKeys) -> Vec<u8> {
    let identity: age::x25519::Identity = k.marseille_age_identity.parse().unwrap();
    let bytes = std::fs::read(file).unwrap();
    let mut r = age::Decryptor::new_buffered(&bytes[..])
        .unwrap()
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    out
}

/// Marseille's store with the fixture keys, trusting Paris.
fn marseille(dir: &Path, k: &FixtureKeys) -> Store {
    let keys = Keys::from_fixture(unhex32(&k.marseille_signing_key), &k.marseille_age_identity).unwrap();
    let office = Office { name: "Marseille".into(), agency: "PJ".into(), country: "FR".into() };
    let mut store =
        Store::create_with_keys(dir, &SecretString::from("golden".to_owned()), &office, keys).unwrap();
    let paris = SigningKey::from_bytes(&unhex32(&k.paris_signing_key)).verifying_key().to_bytes();
    let paris_age: age::x25519::Identity = k.paris_age_identity.parse().unwrap();
    store
        .trust_device(&DeviceRecord {
            id: DeviceId::from_public_key(&paris),
            public_key: paris,
            age_recipient: paris_age.to_public().to_string(),
            office: "Paris".into(),
            agency: "DGSI".into(),
            country: "FR".into(),
            is_self: false,
            trusted_at: None,
            revoked_at: None,
        })
        .unwrap();
    store
}

/// What importing the golden bundle yields: the report's counts and the case as shown.
fn outcome(store: &mut Store, file: &Path) -> serde_json::Value {
    let report = exchange::import(store, file, false, &mut |_, _| {}, &AtomicBool::new(false)).unwrap();
    let case = store.case(CASE, 100, 0, true).unwrap();
    let phone = store.entity(observable_id("Phone", "+33612345678"), 10).unwrap();
    serde_json::json!({
        "report": {
            "status": report.status, "from": report.from, "sequence": report.sequence,
            "commits": report.commits, "ops": report.ops, "ops_new": report.ops_new,
            "records_new": report.records_new, "records_updated": report.records_updated,
        },
        "case": case,
        "phone_links": phone.links,
    })
}

#[test]
fn the_golden_bundle_still_imports_and_yields_the_pinned_content() {
    let k = keys();
    let dir = tempfile::tempdir().unwrap();
    let mut store = marseille(&dir.path().join("m"), &k);
    let golden = fixtures().join(GOLDEN);
    let got = outcome(&mut store, &golden);
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join(EXPECTED)).unwrap()).unwrap();
    assert_eq!(got, expected, "the golden bundle no longer yields the pinned content");
    let again =
        exchange::import(&mut store, &golden, false, &mut |_, _| {}, &AtomicBool::new(false)).unwrap();
    assert_eq!(again.status, "already imported");
    assert!(store.check().unwrap().ok);
}

#[test]
fn todays_writer_produces_the_golden_plaintext_byte_for_byte() {
    let k = keys();
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh");
    write_golden(&k, &fresh);
    let pinned = plaintext(&fixtures().join(GOLDEN), &k);
    let today = plaintext(&fresh, &k);
    assert!(pinned.len() > 3 * 512);
    assert_eq!(pinned, today, "the bundle format changed: bump the version and add a new golden file");
}

#[test]
#[ignore = "writes the fixture files; run with LIAISON_REGENERATE_GOLDEN=1"]
fn regenerate_golden_bundle() {
    if std::env::var("LIAISON_REGENERATE_GOLDEN").is_err() {
        return;
    }
    let dir = fixtures();
    std::fs::create_dir_all(&dir).unwrap();
    let keys_file = dir.join("keys.json");
    if !keys_file.exists() {
        use age::secrecy::ExposeSecret;
        let k = FixtureKeys {
            paris_signing_key: liaison::model::ids::hex(&seed("liaison golden paris")),
            paris_age_identity: age::x25519::Identity::generate().to_string().expose_secret().to_owned(),
            marseille_signing_key: liaison::model::ids::hex(&seed("liaison golden marseille")),
            marseille_age_identity: age::x25519::Identity::generate().to_string().expose_secret().to_owned(),
        };
        std::fs::write(&keys_file, serde_json::to_string_pretty(&k).unwrap() + "\n").unwrap();
    }
    let k = keys();
    write_golden(&k, &dir.join(GOLDEN));
    let tmp = tempfile::tempdir().unwrap();
    let mut store = marseille(&tmp.path().join("m"), &k);
    let got = outcome(&mut store, &dir.join(GOLDEN));
    std::fs::write(dir.join(EXPECTED), serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
}

#[test]
#[ignore = "writes fuzz corpus seeds; run with LIAISON_REGENERATE_GOLDEN=1"]
fn write_fuzz_seeds_from_the_golden_bundle() {
    if std::env::var("LIAISON_REGENERATE_GOLDEN").is_err() {
        return;
    }
    let plain = plaintext(&fixtures().join(GOLDEN), &keys());
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/bundle_reader");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(corpus.join("golden-v1.tar"), &plain).unwrap();
    std::fs::write(corpus.join("golden-v1-cut.tar"), &plain[..plain.len() - 1024]).unwrap();
    std::fs::write(corpus.join("golden-v1-head.tar"), &plain[..1536]).unwrap();
}
