//! The tamper matrix (DESIGN §8): every damaged, forged, truncated, extended, re-addressed or
//! oversized bundle is rejected with a one-line reason, and the store's data is unchanged.

use crate::common;
use crate::exchange_support;

use std::io::{Read, Write};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;

use ed25519_dalek::Signer;
use exchange_support::{data_fingerprint, import_file, office, open, path, trust, trust_all};
use liaison::exchange::format::{
    COMMITS_FILE, CommitsEntry, Limits, Line, MANIFEST_FILE, Manifest, SIGNATURE_FILE, VERSION_FILE,
};
use liaison::exchange::writer::{compress_lines, write_tar};
use liaison::exchange::{ExchangeError, import::import_with_limits, ustar};
use liaison::store::Store;

fn decrypt(bytes: &[u8], store: &Store) -> Vec<u8> {
    let d = age::Decryptor::new_buffered(bytes).unwrap();
    let mut r = d.decrypt(std::iter::once(store.keys().age_identity() as &dyn age::Identity)).unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    out
}

fn encrypt(plain: &[u8], recipient: &str) -> Vec<u8> {
    let r = age::x25519::Recipient::from_str(recipient).unwrap();
    let e = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = e.wrap_output(&mut out).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap();
    out
}

/// (name, start, length) of every region of a plaintext bundle tar.
fn regions(tar: &[u8]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let block = &tar[at..at + 512];
        if block.iter().all(|b| *b == 0) {
            out.push(("end of archive".into(), at, 1024));
            return out;
        }
        let h = tar::Header::from_byte_slice(block);
        let name = h.path().unwrap().display().to_string();
        let size = h.size().unwrap() as usize;
        out.push((format!("{name} header"), at, 512));
        out.push((format!("{name} data"), at + 512, size));
        let pad = ustar::padding(size as u64) as usize;
        if pad > 0 {
            out.push((format!("{name} padding"), at + 512 + size, pad));
        }
        at += 512 + size + pad;
    }
}

/// Up to `n` offsets spread over a region.
fn spread(start: usize, len: usize, n: usize) -> Vec<usize> {
    if len <= n {
        return (start..start + len).collect();
    }
    (0..n).map(|i| start + i * len / n).collect()
}

struct Rig {
    paris: common::Liaison,
    marseille: common::Liaison,
    lyon: common::Liaison,
    bundle: Vec<u8>,
}

fn rig() -> Rig {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    let lyon = office("Lyon", "PJ", "FR");
    trust_all(&[&paris, &marseille, &lyon]);
    paris.ok(&["case", "new", "--ref", "T-1", "--title", "Tamper", "--marking", "TLP:AMBER"]);
    for name in ["Ana Ruiz", "Bo Lindqvist", "Cem Aydin"] {
        paris.ok(&[
            "entity",
            "new",
            "--schema",
            "Person",
            "--prop",
            &format!("name={name}"),
            "--case",
            "T-1",
        ]);
    }
    paris.ok(&["case", "share", "T-1", "--with", "Marseille"]);
    let file = path(&paris, "bundle");
    paris.ok(&["export", "--to", "Marseille", "-o", file.to_str().unwrap()]);
    let bundle = std::fs::read(&file).unwrap();
    Rig { paris, marseille, lyon, bundle }
}

/// Imports `bytes` into `store` and expects a rejection that changes no data.
fn rejected(store: &mut Store, bytes: &[u8], what: &str) -> ExchangeError {
    rejected_with(store, bytes, what, &Limits::default())
}

fn rejected_with(store: &mut Store, bytes: &[u8], what: &str, limits: &Limits) -> ExchangeError {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("suspect");
    std::fs::write(&file, bytes).unwrap();
    let before = data_fingerprint(store);
    let audited = audit_rejections(store);
    let err = import_with_limits(store, &file, limits, false, &mut |_, _| {}, &AtomicBool::new(false))
        .expect_err(&format!("{what}: accepted"));
    assert!(err.is_rejection(), "{what}: {err}");
    let text = err.to_string();
    assert!(!text.contains('\n'), "{what}: one line: {text}");
    assert_eq!(data_fingerprint(store), before, "{what}: data changed");
    assert_eq!(audit_rejections(store), audited + 1, "{what}: not audited");
    err
}

fn audit_rejections(store: &Store) -> i64 {
    store
        .conn()
        .query_row("SELECT count(*) FROM audit WHERE action = 'import rejected'", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn flipped_bytes_anywhere_in_the_encrypted_file_are_rejected() {
    let rig = rig();
    let mut store = open(&rig.marseille.store);
    let len = rig.bundle.len();
    // Every byte of the age header and nonce (the file's first 300 bytes), then spread.
    let mut offsets = spread(0, 300, 300);
    offsets.extend(spread(300, len - 300, 48));
    offsets.extend([len - 1, len - 17]);
    for at in offsets {
        let mut bad = rig.bundle.clone();
        bad[at] ^= 0x01;
        rejected(&mut store, &bad, &format!("flip at byte {at} of {len}"));
    }
}

#[test]
fn flipped_bytes_in_every_region_of_the_signed_content_are_rejected() {
    // An insider who can decrypt (a fellow recipient) alters the content and re-encrypts.
    let rig = rig();
    let mut store = open(&rig.marseille.store);
    let recipient = store.keys().age_recipient();
    let plain = decrypt(&rig.bundle, &store);
    let layout = regions(&plain);
    let names: Vec<&str> = layout.iter().map(|r| r.0.as_str()).collect();
    for expected in [VERSION_FILE, MANIFEST_FILE, SIGNATURE_FILE, COMMITS_FILE] {
        assert!(names.iter().any(|n| n.starts_with(expected)), "{names:?}");
    }
    for (region, start, len) in &layout {
        for at in spread(*start, *len, 12) {
            let mut bad = plain.clone();
            bad[at] ^= 0x04;
            rejected(&mut store, &encrypt(&bad, &recipient), &format!("flip in {region} at {at}"));
        }
    }
    // The untouched content, re-encrypted by the same insider, is still the genuine bundle.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("genuine");
    std::fs::write(&file, encrypt(&plain, &recipient)).unwrap();
    assert_eq!(import_file(&mut store, &file).unwrap().status, "imported");
}

#[test]
fn truncated_and_extended_files_are_rejected() {
    let rig = rig();
    let mut store = open(&rig.marseille.store);
    let len = rig.bundle.len();
    for cut in [0, 10, 60, 150, len / 2, len - 100, len - 1] {
        let err = rejected(&mut store, &rig.bundle[..cut], &format!("cut to {cut} bytes"));
        assert!(matches!(err, ExchangeError::Truncated(_) | ExchangeError::Damaged(_)), "{err}");
    }
    let big = vec![0u8; 70_000];
    for extra in [&[0u8][..], b"\n", &[7u8; 100], &big] {
        let mut long = rig.bundle.clone();
        long.extend_from_slice(extra);
        rejected(&mut store, &long, &format!("{} bytes appended", extra.len()));
    }
    // Plaintext that ends early or runs on, properly encrypted.
    let recipient = store.keys().age_recipient();
    let plain = decrypt(&rig.bundle, &store);
    for cut in [100, 600, plain.len() - 1024, plain.len() - 1] {
        let err = rejected(&mut store, &encrypt(&plain[..cut], &recipient), &format!("tar cut to {cut}"));
        assert!(matches!(err, ExchangeError::Truncated(_) | ExchangeError::Damaged(_)), "{err}");
    }
    let mut longer = plain.clone();
    longer.extend_from_slice(&[0u8; 512]);
    rejected(&mut store, &encrypt(&longer, &recipient), "a zero block after the end");
}

#[test]
fn unknown_forged_revoked_and_re_addressed_bundles_are_rejected() {
    let rig = rig();
    // A sender Marseille never trusted.
    let nice = office("Nice", "PJ", "FR");
    trust(&nice, &rig.marseille);
    nice.ok(&["case", "new", "--ref", "N-1", "--title", "Unknown"]);
    nice.ok(&["case", "share", "N-1", "--with", "Marseille"]);
    let from_nice = path(&nice, "b");
    nice.ok(&["export", "--to", "Marseille", "-o", from_nice.to_str().unwrap()]);
    let mut store = open(&rig.marseille.store);
    let err = rejected(&mut store, &std::fs::read(&from_nice).unwrap(), "unknown sender");
    assert!(matches!(err, ExchangeError::UnknownSender(_)), "{err}");
    assert!(err.to_string().contains("Nice"), "{err}");

    // Paris's manifest re-signed with Nice's key.
    let nice_store = open(&nice.store);
    let plain = decrypt(&rig.bundle, &store);
    let forged = resign(&plain, |m| nice_store.keys().signing_key().sign(m).to_bytes());
    let bytes = encrypt(&forged, &store.keys().age_recipient());
    let err = rejected(&mut store, &bytes, "forged signature");
    assert!(matches!(err, ExchangeError::Damaged(_)), "{err}");
    assert!(err.to_string().contains("signature"), "{err}");

    // Re-encrypted by Marseille for Lyon: Lyon can decrypt it, but it was not for Lyon.
    let mut lyon = open(&rig.lyon.store);
    let bytes = encrypt(&plain, &lyon.keys().age_recipient());
    let err = rejected(&mut lyon, &bytes, "re-addressed");
    assert!(matches!(err, ExchangeError::NotAddressed(_)), "{err}");
    assert!(err.to_string().contains("Marseille"), "{err}");
    // Sent straight to Lyon, it cannot even be decrypted there.
    let err = rejected(&mut lyon, &rig.bundle, "someone else's bundle");
    assert!(matches!(err, ExchangeError::NotAddressed(_)), "{err}");

    // Revoked after sending.
    drop(store);
    rig.marseille.ok(&["office", "revoke", "Paris"]);
    let mut store = open(&rig.marseille.store);
    let err = rejected(&mut store, &rig.bundle, "revoked sender");
    assert!(matches!(err, ExchangeError::RevokedSender(_)), "{err}");
    drop(rig.paris);
}

/// Replaces the signature of a plaintext bundle by `sign(message)`.
fn resign(plain: &[u8], sign: impl Fn(&[u8]) -> [u8; 64]) -> Vec<u8> {
    let layout = regions(plain);
    let manifest = layout.iter().find(|r| r.0 == format!("{MANIFEST_FILE} data")).unwrap();
    let sig = layout.iter().find(|r| r.0 == format!("{SIGNATURE_FILE} data")).unwrap();
    let signature = sign(&Manifest::signed_message(&plain[manifest.1..manifest.1 + manifest.2]));
    let mut out = plain.to_vec();
    out[sig.1..sig.1 + 64].copy_from_slice(&signature);
    out
}

/// A bundle signed by Paris (a trusted sender) but built by hand: valid signature, hostile
/// content.
fn signed_by(paris: &Store, marseille: &Store, lines: &[Line], declared_ops: u64) -> Vec<u8> {
    let compressed = compress_lines(lines).unwrap();
    let plain = rig_manifest(paris, marseille, &compressed, lines, declared_ops);
    encrypt(&plain, &marseille.keys().age_recipient())
}

fn rig_manifest(
    paris: &Store,
    marseille: &Store,
    compressed: &[u8],
    lines: &[Line],
    declared_ops: u64,
) -> Vec<u8> {
    let commits = lines.iter().filter(|l| matches!(l, Line::Commit { .. })).count() as u64;
    let manifest = Manifest {
        format: "liaison-bundle".into(),
        version: 1,
        bundle_id: "00112233445566778899aabbccddeeff".into(),
        created_at: "2025-01-01T00:00:00.000Z".into(),
        sender: liaison::exchange::format::Party {
            office: "Paris".into(),
            agency: "DGSI".into(),
            country: "FR".into(),
            device: paris.device().to_string(),
        },
        recipients: vec![liaison::exchange::format::Recipient {
            office: "Marseille".into(),
            agency: "PJ".into(),
            country: "FR".into(),
            devices: vec![marseille.device().to_string()],
            sequence: 1,
            covers: vec![],
            acks: liaison::exchange::format::Acks::default(),
        }],
        cases: vec![],
        full: false,
        commits: CommitsEntry {
            bytes: compressed.len() as u64,
            blake3: blake3::hash(compressed).to_hex().to_string(),
            commits,
            ops: declared_ops,
        },
        blobs: vec![],
        audit_head: liaison::exchange::format::AuditHead { entries: 1, hash: "00".repeat(32) },
    };
    let bytes = manifest.to_bytes();
    let sig = paris.keys().signing_key().sign(&Manifest::signed_message(&bytes)).to_bytes();
    let mut plain = Vec::new();
    write_tar(&mut plain, &bytes, &sig, &mut &compressed[..], compressed.len() as u64).unwrap();
    plain
}

#[test]
fn bundles_past_the_limits_and_unsupported_versions_are_rejected() {
    let rig = rig();
    let paris = open(&rig.paris.store);
    let mut store = open(&rig.marseille.store);
    let recipient = store.keys().age_recipient();

    // A manifest entry larger than the limit is refused from its header alone.
    let mut plain = Vec::new();
    for (name, data) in [(VERSION_FILE, &b"1\n"[..]), (MANIFEST_FILE, &vec![b' '; 5 << 20][..])] {
        ustar::write_header(&mut plain, name, data.len() as u64).unwrap();
        plain.extend_from_slice(data);
        ustar::write_padding(&mut plain, data.len() as u64).unwrap();
    }
    let bytes = encrypt(&plain, &recipient);
    let err = rejected(&mut store, &bytes, "5 MiB manifest");
    assert!(matches!(err, ExchangeError::TooLarge(_)), "{err}");

    // A decompression bomb: one 17 MiB line that compresses to a few KiB.
    let bomb = Line::Op { idx: 0, body: vec![0; 9 << 20] };
    let bytes = signed_by(&paris, &store, &[bomb], 1);
    let err = rejected(&mut store, &bytes, "decompression bomb");
    assert!(matches!(err, ExchangeError::TooLarge(_)), "{err}");
    assert!(err.to_string().contains("line"), "{err}");

    // A genuine bundle, with tighter limits than it needs.
    let tight = Limits { max_ops_per_commit: 1, ..Limits::default() };
    let err = rejected_with(&mut store, &rig.bundle, "ops per commit limit", &tight);
    assert!(matches!(err, ExchangeError::TooLarge(_)), "{err}");
    let tight = Limits { max_file_bytes: 1000, ..Limits::default() };
    let err = rejected_with(&mut store, &rig.bundle, "file size limit", &tight);
    assert!(matches!(err, ExchangeError::TooLarge(_)), "{err}");

    // A future version is named as such.
    let mut plain = decrypt(&rig.bundle, &store);
    let version = regions(&plain).into_iter().find(|r| r.0 == format!("{VERSION_FILE} data")).unwrap();
    plain[version.1] = b'2';
    let bytes = encrypt(&plain, &recipient);
    let err = rejected(&mut store, &bytes, "version 2");
    assert!(matches!(err, ExchangeError::UnsupportedVersion(_)), "{err}");
    assert!(err.to_string().contains("version 2"), "{err}");

    // Hostile content under a valid signature: an op its commit never signed.
    let commit = Line::Commit { header: vec![1, 2, 3], sig: [0; 64], ops: 0 };
    let bytes = signed_by(&paris, &store, &[commit], 0);
    let err = rejected(&mut store, &bytes, "garbage commit header");
    assert!(matches!(err, ExchangeError::Damaged(_)), "{err}");
}

#[test]
fn a_replay_changes_nothing_and_the_genuine_bundle_still_imports() {
    let rig = rig();
    let mut store = open(&rig.marseille.store);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b");
    std::fs::write(&file, &rig.bundle).unwrap();
    let first = import_file(&mut store, &file).unwrap();
    assert_eq!(first.status, "imported");
    assert!(first.records_new >= 4, "{first:?}");
    let after = data_fingerprint(&store);
    let again = import_file(&mut store, &file).unwrap();
    assert_eq!(again.status, "already imported");
    assert_eq!(again.ops_new, 0);
    assert_eq!(data_fingerprint(&store), after);
    assert!(store.check().unwrap().ok);
}

#[test]
fn a_bundle_from_a_sender_is_rejected_if_it_claims_another_sender_device() {
    let rig = rig();
    let mut store = open(&rig.marseille.store);
    let lyon = open(&rig.lyon.store);
    let plain = decrypt(&rig.bundle, &store);
    // Rewrite the manifest's sender to Lyon (trusted by Marseille), keep Paris's signature.
    let layout = regions(&plain);
    let m = layout.iter().find(|r| r.0 == format!("{MANIFEST_FILE} data")).unwrap();
    let text = String::from_utf8(plain[m.1..m.1 + m.2].to_vec()).unwrap();
    let paris_device = open(&rig.paris.store).device().to_string();
    let swapped = text.replace(&paris_device, &lyon.device().to_string());
    assert_eq!(swapped.len(), text.len());
    let mut bad = plain.clone();
    bad[m.1..m.1 + m.2].copy_from_slice(swapped.as_bytes());
    let bytes = encrypt(&bad, &store.keys().age_recipient());
    let err = rejected(&mut store, &bytes, "claims Lyon");
    assert!(matches!(err, ExchangeError::Damaged(_)), "{err}");
}

#[test]
fn a_commit_dated_days_ahead_is_quarantined_not_applied() {
    use liaison::model::hlc::{Clock, Hlc};
    use liaison::model::ids::DeviceId;
    use liaison::model::op::{Assertion, CommitHeader, FORMAT_VERSION, Op, OpBody};
    let rig = rig();
    let paris = open(&rig.paris.store);
    let mut store = open(&rig.marseille.store);
    let device: DeviceId = paris.device();
    let future = Hlc::from_parts(Clock::now_ms() + 3 * 24 * 3600 * 1000, 0);
    let person = uuid::Uuid::from_u128(42);
    let ops = [
        Op {
            object: person,
            hlc: future,
            body: OpBody::Create { schema: "Person".into(), source: None, target: None },
        },
        Op { object: person, hlc: future, body: OpBody::Add(Assertion::plain("name", "From The Future")) },
    ];
    let header = CommitHeader {
        version: FORMAT_VERSION,
        device,
        seq: 1000,
        prev: [9; 32],
        hlc: future,
        ops: ops.iter().map(|o| o.id(device)).collect(),
        analyst: None,
    };
    let sig = header.sign(&paris.keys().signing_key());
    let mut lines = vec![Line::Commit { header: header.encode(), sig, ops: 2 }];
    lines.extend(ops.iter().enumerate().map(|(i, o)| Line::Op { idx: i as u32, body: o.encode() }));
    let bytes = signed_by(&paris, &store, &lines, 2);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("future");
    std::fs::write(&file, bytes).unwrap();
    let before = data_fingerprint(&store);
    let report = import_file(&mut store, &file).unwrap();
    assert_eq!(report.quarantined.len(), 1, "{report:?}");
    assert!(report.quarantined[0].contains("24 hours"), "{report:?}");
    assert_eq!(report.ops_new, 0);
    assert_eq!(data_fingerprint(&store), before, "nothing of the future commit was applied");
    let held: i64 = store.conn().query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0)).unwrap();
    assert_eq!(held, 1);
    // The local clock did not jump three days ahead either.
    let local: i64 = store
        .conn()
        .query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hlc'", [], |r| r.get(0))
        .unwrap_or(0);
    assert!(Hlc(local) < future);
}

/// Issue 10 §3: the analyst in a commit header is signed, and a header layout from a later
/// Liaison is named by its version.
#[test]
fn a_rewritten_analyst_is_refused_and_a_later_header_layout_is_named() {
    use liaison::model::hlc::Hlc;
    use liaison::model::op::{CommitHeader, Op, OpBody};
    let rig = rig();
    let paris = open(&rig.paris.store);
    let mut store = open(&rig.marseille.store);
    let device = paris.device();
    let person = uuid::Uuid::from_u128(77);
    let ops = [Op {
        object: person,
        hlc: Hlc::from_parts(1_700_000_000_000, 0),
        body: OpBody::Create { schema: "Person".into(), source: None, target: None },
    }];
    let header = CommitHeader::new(
        device,
        1000,
        [9; 32],
        Hlc::from_parts(1_700_000_000_000, 1),
        ops.iter().map(|o| o.id(device)).collect(),
        Some("Ana".into()),
    );
    let sig = header.sign(&paris.keys().signing_key());
    let bundle = |store: &Store, header: Vec<u8>| {
        let mut lines = vec![Line::Commit { header, sig, ops: 1 }];
        lines.extend(ops.iter().enumerate().map(|(i, o)| Line::Op { idx: i as u32, body: o.encode() }));
        signed_by(&paris, store, &lines, 1)
    };
    // Someone on the way claims another analyst wrote it.
    let mut renamed = header.clone();
    renamed.analyst = Some("Eve".into());
    let bytes = bundle(&store, renamed.encode());
    let err = rejected(&mut store, &bytes, "renamed analyst");
    assert!(matches!(err, ExchangeError::Damaged(_)), "{err}");
    assert!(err.to_string().contains("signature"), "{err}");
    // A header version this Liaison does not know.
    let mut later = header.encode();
    later[0] = 3;
    let bytes = bundle(&store, later);
    let err = rejected(&mut store, &bytes, "header version 3");
    assert!(matches!(err, ExchangeError::UnsupportedVersion(_)), "{err}");
    assert!(err.to_string().contains("commit format 3"), "{err}");
}
