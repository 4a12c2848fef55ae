//! What an analyst at a real terminal, or a script, waits for: the release binary itself.
//!
//! - Key → screen on a real pseudo-terminal (120×40, xterm): the time from writing a key to
//!   the last byte of the screen update it caused, through the kernel's pty, crossterm's
//!   input parsing, the worker's store queries and ratatui's diff output. A key's screen is
//!   taken as settled when nothing more arrives for [`QUIET`]; that wait is not counted.
//! - `liaison stats` end to end while an unlock agent (`liaison unlock`) holds the key: what a
//!   script pays per command once it has unlocked.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use super::measure::summarise;
use super::report::Figures;

/// Silence after which a key's screen counts as settled. Longer than any frame the workbench
/// draws in pieces, shorter than its idle ticks.
const QUIET: Duration = Duration::from_millis(250);
/// A key whose screen has not settled by then is a failure worth seeing.
const KEY_LIMIT: Duration = Duration::from_secs(20);

const NAVIGATION: &[&str] = &["j", "j", "j", "k", "j", "j", "\r", "\x7f", "G", "g"];
const TYPED: &[&str] = &["benali", "karim zam", "fr76", "boulevard"];

/// The pseudo-terminal's output, as the screen and the time its last byte arrived.
struct Output {
    parser: vt100::Parser,
    last: Instant,
    bytes: u64,
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_liaison")
}

fn passphrase_file(work: &Path) -> std::path::PathBuf {
    let file = work.join("bench-pass");
    std::fs::write(&file, "benchmark passphrase\n").expect("passphrase file");
    file
}

/// Waits until the output has been quiet for [`QUIET`] after `since`; returns the time of the
/// last byte (or `None` if nothing came).
fn settle(out: &Arc<Mutex<Output>>, since: Instant, bytes_before: u64) -> Option<Duration> {
    let limit = since + KEY_LIMIT;
    loop {
        std::thread::sleep(Duration::from_millis(10));
        let o = out.lock().expect("output");
        let now = Instant::now();
        if o.bytes > bytes_before && now.duration_since(o.last) >= QUIET {
            return Some(o.last.duration_since(since));
        }
        if o.bytes == bytes_before && now.duration_since(since) >= QUIET * 4 {
            return None;
        }
        assert!(
            now < limit,
            "the screen did not settle within {KEY_LIMIT:?}:\n{}",
            o.parser.screen().contents()
        );
    }
}

/// Key → settled screen on a real pseudo-terminal, for navigation and search as you type.
pub fn pty(dir: &Path, work: &Path) -> Figures {
    let pair = native_pty_system()
        .openpty(PtySize { rows: 40, cols: 120, pixel_width: 0, pixel_height: 0 })
        .expect("a pseudo-terminal");
    // A pty child starts in the home folder unless told otherwise (portable-pty), so the
    // harness's relative work folder (CI's `target/bench-quick`) is made absolute and the
    // child runs where the harness runs.
    let dir = std::path::absolute(dir).expect("store path");
    let work = std::path::absolute(work).expect("work path");
    let mut cmd = CommandBuilder::new(binary());
    cmd.cwd(std::env::current_dir().expect("current folder"));
    cmd.arg("--store");
    cmd.arg(&dir);
    cmd.arg("--passphrase-file");
    cmd.arg(passphrase_file(&work));
    for var in ["LIAISON_PASSPHRASE", "LIAISON_PASSPHRASE_FILE", "LIAISON_STORE", "NO_COLOR"] {
        cmd.env_remove(var);
    }
    cmd.env("TERM", "xterm-256color");
    cmd.env("LIAISON_STATE_DIR", work.join("pty-state"));
    cmd.env("LIAISON_CONFIG_DIR", work.join("pty-config"));
    let mut child = pair.slave.spawn_command(cmd).expect("liaison starts in a pty");
    drop(pair.slave);
    let out = Arc::new(Mutex::new(Output {
        parser: vt100::Parser::new(NonZeroU16::new(40).unwrap(), NonZeroU16::new(120).unwrap(), 0),
        last: Instant::now(),
        bytes: 0,
    }));
    let mut reader = pair.master.try_clone_reader().expect("pty reader");
    let sink = out.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut o = sink.lock().expect("output");
            o.parser.process(&buf[..n]);
            o.last = Instant::now();
            o.bytes += n as u64;
        }
    });
    let mut writer = pair.master.take_writer().expect("pty writer");
    let mut press = |key: &str| -> Option<Duration> {
        let before = out.lock().expect("output").bytes;
        let t = Instant::now();
        writer.write_all(key.as_bytes()).expect("key written");
        writer.flush().expect("key flushed");
        settle(&out, t, before)
    };
    // The first screen with the store's answers, after the key derivation (seconds in a
    // debug build): keys sent while it unlocks would change nothing.
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let o = out.lock().expect("output");
        if o.parser.screen().contents().contains("1 Cases (") && o.last.elapsed() >= QUIET * 4 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the workbench did not show its cases:\n{}",
            o.parser.screen().contents()
        );
    }
    let mut f = Figures::default();
    let mut nav = Vec::new();
    for _ in 0..3 {
        for k in NAVIGATION {
            nav.extend(press(k));
        }
    }
    let mut typing = Vec::new();
    for word in TYPED {
        press("/");
        for c in word.chars() {
            typing.extend(press(&c.to_string()));
        }
        press("\x1b");
    }
    let _ = child.kill();
    let _ = child.wait();
    let screen = out.lock().expect("output").parser.screen().contents();
    assert!(!nav.is_empty() && !typing.is_empty(), "no key changed the screen:\n{screen}");
    f.insert("TUI real pty: navigation keys that changed the screen", nav.len() as f64);
    f.insert_timing("TUI real pty key → screen: navigation", summarise(&mut nav));
    f.insert_timing("TUI real pty key → screen: search as you type", summarise(&mut typing));
    f
}

/// `liaison stats` end to end, five times, while an unlock agent holds the key.
pub fn stats_with_agent(dir: &Path, work: &Path) -> Figures {
    let pass = passphrase_file(work);
    // Short, as a socket's path is limited to 108 bytes and the work folder may be deep.
    let runtime = std::env::temp_dir().join(format!("liaison-bench-{}", std::process::id()));
    std::fs::create_dir_all(&runtime).expect("runtime folder");
    let run = |args: &[&str], with_pass: bool| {
        let mut c = Command::new(binary());
        c.arg("--store").arg(dir);
        if with_pass {
            c.arg("--passphrase-file").arg(&pass);
        }
        let out = c
            .args(args)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("LIAISON_STATE_DIR", work.join("agent-state"))
            .env_remove("LIAISON_PASSPHRASE")
            .env_remove("LIAISON_PASSPHRASE_FILE")
            .output()
            .expect("liaison runs");
        assert!(out.status.success(), "liaison {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["unlock", "--for", "10m"], true);
    let mut samples = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        run(&["stats"], false);
        samples.push(t.elapsed());
    }
    run(&["lock"], false);
    let _ = std::fs::remove_dir_all(&runtime);
    let mut f = Figures::default();
    let t = summarise(&mut samples);
    f.insert("`liaison stats` end to end, unlock agent running: median (ms)", t.median_ms);
    f.insert("`liaison stats` end to end, unlock agent running: worst of 5 (ms)", t.p99_ms);
    f
}
