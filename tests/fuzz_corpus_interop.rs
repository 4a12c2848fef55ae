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
