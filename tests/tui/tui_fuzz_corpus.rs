//! Replays the keymap fuzz corpus (`fuzz/corpus/keymap/`) through the same entry point as the
//! fuzz target: every file gives a keymap or an error, never a panic.

#[test]
fn keymap_corpus_parses_or_is_refused_without_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/keymap");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = liaison::tui::keymap::Keymap::parse(text);
        }
        seen += 1;
    }
    assert!(seen >= 4, "the corpus is in {}", dir.display());
    assert!(liaison::tui::keymap::Keymap::parse(include_str!("../../assets/keymap.toml")).is_ok());
}
