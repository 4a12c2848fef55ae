//! Replays every fuzz corpus file (`fuzz/corpus/<target>/`) through the same entry point
//! its fuzz target calls, so inputs found by fuzzing stay fixed under plain `cargo test`.
//! Add a target: one line in `TARGETS`.

use std::path::Path;

/// (fuzz target, entry point).
const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("bundle_reader", liaison::exchange::reader::fuzz_plaintext),
    ("office_card", liaison::exchange::card::fuzz_parse),
    ("deconfliction_blob", liaison::exchange::deconflict::fuzz_blob),
];

fn replay(target: &str, entry: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let Ok(files) = std::fs::read_dir(&dir) else { return 0 };
    let mut n = 0;
    for f in files {
        let path = f.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| entry(&bytes));
        assert!(outcome.is_ok(), "{target}: {} panics", path.display());
        n += 1;
    }
    n
}

#[test]
fn every_fuzz_corpus_file_is_handled_without_panic() {
    for (target, entry) in TARGETS {
        assert!(replay(target, *entry) > 0, "fuzz/corpus/{target} is empty");
    }
}

/// Cheap mutations of each seed, so the replay explores a little even without cargo-fuzz.
#[test]
fn mutated_corpus_seeds_are_handled_without_panic() {
    for (target, entry) in TARGETS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
        for f in std::fs::read_dir(&dir).unwrap() {
            let seed = std::fs::read(f.unwrap().path()).unwrap();
            let mut state = seed.len() as u64 + 1;
            for _ in 0..200 {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let mut m = seed.clone();
                if m.is_empty() {
                    continue;
                }
                let at = (state >> 33) as usize % m.len();
                match (state >> 20) % 3 {
                    0 => m[at] ^= 1 << ((state >> 8) % 8),
                    1 => m.truncate(at),
                    _ => m.insert(at, (state >> 12) as u8),
                }
                entry(&m);
            }
        }
    }
}
