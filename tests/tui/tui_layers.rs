//! The workbench's layering (issue: "a screen is found by its name"): the bottom layer imports
//! nothing above it, a screen never imports another screen, the views never call update
//! code, and no source file grows past 600 lines.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn files(under: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    rust_files(&root.join(under), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).expect("readable source");
            (p.strip_prefix(root).unwrap().display().to_string(), text)
        })
        .collect()
}

/// The workbench modules a file names (`crate::tui::x`, `super::x` resolved by hand is not
/// needed: below the top level every file names others by `crate::tui::`).
fn tui_imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::tui::") {
        let rest = &text[i + "crate::tui::".len()..];
        let name: String =
            rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        out.push(name.trim_end_matches(':').to_owned());
    }
    out
}

fn screen_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("src/tui/screens/")?;
    let name = rest.split('/').next()?.trim_end_matches(".rs");
    (name != "mod").then(|| name.to_owned())
}

#[test]
fn a_screen_imports_no_other_screen() {
    let mut wrong = Vec::new();
    for (path, text) in files("src/tui/screens") {
        let Some(me) = screen_of(&path) else { continue };
        for import in tui_imports(&text) {
            if import.starts_with("update") || import.starts_with("app") || import.starts_with("worker") {
                wrong.push(format!("{path} imports {import} (above the screens)"));
            }
            if let Some(other) = import.strip_prefix("screens::") {
                let other = other.split("::").next().unwrap_or(other);
                if other != me {
                    wrong.push(format!("{path} imports the {other} screen"));
                }
            }
        }
        assert!(!text.contains("super::super::"), "{path} reaches above its screen with super::super");
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_bottom_layer_imports_nothing_above_it() {
    for path in [
        "src/tui/message.rs",
        "src/tui/widgets/mod.rs",
        "src/tui/widgets/text_input.rs",
        "src/tui/widgets/path_complete.rs",
    ] {
        let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
        let above: Vec<_> = tui_imports(&text).into_iter().filter(|i| !i.starts_with("widgets")).collect();
        assert!(above.is_empty(), "{path} imports {above:?}");
        // `use super::*` is a unit-test module's own file; anything else reaches the parent.
        let parent = text.lines().any(|l| l.contains("use super::") && !l.contains("use super::*;"));
        assert!(!parent, "{path} imports its parent");
    }
}

#[test]
fn views_borrow_state_and_never_call_update_code() {
    for (path, text) in files("src/tui/ui") {
        for import in tui_imports(&text) {
            assert!(
                !(import.starts_with("update")
                    || import.starts_with("requests")
                    || import.starts_with("app")),
                "{path} imports {import}"
            );
        }
        assert!(!text.contains("&mut State"), "{path} takes the state mutably");
    }
}

#[test]
fn no_source_file_is_over_600_lines() {
    let long: Vec<String> = files("src")
        .into_iter()
        .filter(|(path, _)| {
            !path.ends_with("tests.rs") && !path.contains("/tests/") && !path.ends_with("_tests.rs")
        })
        .filter_map(|(path, text)| {
            let n = text.lines().count();
            (n > 600).then(|| format!("{path}: {n} lines"))
        })
        .collect();
    assert!(long.is_empty(), "{long:#?}");
}
