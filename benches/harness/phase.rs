//! Phases that run in a child process of the harness, so that each one's peak resident
//! memory is its own (a process's high-water mark cannot be shared between phases) and the
//! workbench and bundle figures are those of a fresh process, as a user would start one.
//!
//! The parent runs `<harness> --phase NAME ARGS…`; the child prints its figures as one line
//! of JSON on stdout.

use std::path::Path;
use std::process::Command;

use super::report::Figures;

/// Runs phase `name` with `args` in a child process and returns its figures.
pub fn run_child(name: &str, args: &[&Path]) -> Figures {
    let exe = std::env::current_exe().expect("the harness's own path");
    let out = Command::new(exe)
        .arg("--phase")
        .arg(name)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("starting a harness phase");
    assert!(out.status.success(), "phase {name} failed ({})", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("phase {name} printed no figures ({e}): {text}"))
}

/// In the child: runs the phase named on the command line and prints its figures.
pub fn run_in_child(args: &[String]) {
    let path = |i: usize| Path::new(args.get(i).map_or("", String::as_str)).to_path_buf();
    let figures = match args.first().map(String::as_str) {
        Some("tui") => super::tui::measure(&path(1)),
        Some("export") => super::bundle::export(&path(1), &path(2)),
        Some("import") => super::bundle::import(&path(1), &path(2)),
        Some("network") => super::network::measure(&path(1)),
        other => panic!("unknown phase {other:?}"),
    };
    println!("{}", serde_json::to_string(&figures).expect("figures as JSON"));
}
