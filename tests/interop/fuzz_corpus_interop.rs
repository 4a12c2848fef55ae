//! Replays the interop fuzz corpora (`fuzz/corpus/interop_*`) through the same entry points
//! as the fuzz targets: every input that ever made a parser panic stays a test.

use std::path::Path;

use liaison::interop::fuzz::{TARGETS, run};

#[test]
fn interop_corpora_replay_without_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut replayed = 0;
    for target in TARGETS {
        let dir = root.join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            panic!("no corpus for {target} in {}", dir.display())
        };
        for e in entries {
            let path = e.unwrap().path();
            if path.is_file() {
                run(target, &std::fs::read(&path).unwrap());
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 10, "only {replayed} corpus inputs");
}

/// A cheap stand-in for fuzzing inside `cargo test`: every corpus input, cut short and with
/// bytes flipped, duplicated and dropped, must still be refused or read without a panic.
#[test]
fn mutated_corpus_inputs_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut runs = 0;
    for target in TARGETS {
        for e in std::fs::read_dir(root.join(target)).unwrap() {
            let seed = std::fs::read(e.unwrap().path()).unwrap();
            if seed.is_empty() {
                continue;
            }
            for _ in 0..600 {
                let mut data = seed.clone();
                for _ in 0..=(next() % 4) {
                    let at = (next() as usize) % data.len().max(1);
                    match next() % 5 {
                        0 => data.truncate(at),
                        1 if !data.is_empty() => data[at] = next() as u8,
                        2 if !data.is_empty() => {
                            data.remove(at);
                        }
                        3 => {
                            let byte = *b"{}[]\",:0\n'x".get((next() % 12) as usize).unwrap_or(&b'x');
                            data.insert(at.min(data.len()), byte);
                        }
                        _ => {
                            let end = (at + (next() as usize) % 64).min(data.len());
                            let chunk = data[at.min(end)..end].to_vec();
                            data.splice(at.min(data.len())..at.min(data.len()), chunk);
                        }
                    }
                }
                run(target, &data);
                runs += 1;
            }
        }
    }
    assert!(runs > 1000, "{runs}");
}
