//! The real `liaison` binary in a pseudo-terminal, read back through a vt100 parser: what an
//! analyst at an 80×24 terminal sees. Every wait polls the screen with a deadline.

mod common;

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Liaison;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const WAIT: Duration = Duration::from_secs(30);

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    /// When the terminal last received output, and how many bytes in all: when a key's
    /// screen is finished (see `pty_key_to_screen`).
    output: Arc<Mutex<(Instant, u64)>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    /// Kept open for as long as the child runs.
    _master: Box<dyn MasterPty + Send>,
}

impl Screen {
    /// Starts `liaison ARGS` at 80×24 in a fresh pseudo-terminal.
    fn start(l: &Liaison, args: &[&str], passphrase_file: bool) -> Screen {
        let mut cmd = CommandBuilder::new(binary());
        cmd.arg("--store");
        cmd.arg(&l.store);
        if passphrase_file {
            let file = l.root.path().join("demo-pass");
            std::fs::write(&file, "demo\n").unwrap();
            cmd.arg("--passphrase-file");
            cmd.arg(file);
        }
        cmd.args(args);
        Screen::spawn(cmd, l.root.path(), 24, 80)
    }

    /// Starts `cmd` (its arguments given) in a fresh `rows`×`cols` pseudo-terminal, with its
    /// state and configuration folders under `root`.
    fn spawn(mut cmd: CommandBuilder, root: &std::path::Path, rows: u16, cols: u16) -> Screen {
        let pair = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal");
        for var in [
            "LIAISON_PASSPHRASE",
            "LIAISON_PASSPHRASE_FILE",
            "LIAISON_STORE",
            "NO_COLOR",
            "LIAISON_IDLE_LOCK_SECS",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("LIAISON_KDF_LOG_N", "10");
        cmd.env("LIAISON_STATE_DIR", root.join("state"));
        cmd.env("LIAISON_CONFIG_DIR", root.join("config"));
        cmd.cwd(root);
        let child = pair.slave.spawn_command(cmd).expect("liaison starts");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(rows).unwrap(),
            NonZeroU16::new(cols).unwrap(),
            0,
        )));
        let output = Arc::new(Mutex::new((Instant::now(), 0u64)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let (sink, seen) = (parser.clone(), output.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
                let mut seen = seen.lock().unwrap();
                *seen = (Instant::now(), seen.1 + n as u64);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Screen { parser, output, writer, child, _master: pair.master }
    }

    /// Sends `key` and waits until the screen is finished: some output came, then none for
    /// `quiet`. Returns the time from the key to the last output, or `None` when the key
    /// changed nothing on screen within `quiet`.
    fn key_to_screen(&mut self, key: &str, quiet: Duration) -> Option<Duration> {
        let before = self.output.lock().unwrap().1;
        let sent = Instant::now();
        self.send(key);
        loop {
            std::thread::sleep(Duration::from_millis(1));
            let (last, bytes) = *self.output.lock().unwrap();
            if bytes == before {
                if sent.elapsed() >= quiet {
                    return None;
                }
            } else if last.elapsed() >= quiet {
                return Some(last.saturating_duration_since(sent));
            }
            assert!(sent.elapsed() < WAIT, "the screen never settled after {key:?}:\n{}", self.text());
        }
    }

    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `needle`; returns the screen.
    fn wait_for(&mut self, needle: &str) -> String {
        let until = Instant::now() + WAIT;
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("liaison exited ({status:?}) before showing {needle:?}; screen:\n{text}");
            }
            assert!(Instant::now() < until, "{needle:?} not shown within {WAIT:?}; screen:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Types text one key at a time, as a person would.
    fn type_slowly(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the process to end; returns whether it succeeded.
    fn wait_exit(&mut self) -> bool {
        let until = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader take the last bytes.
                std::thread::sleep(Duration::from_millis(200));
                return status.success();
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                panic!("liaison did not exit; screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn in_alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

/// The binary driven: this build's, or `LIAISON_PTY_BIN` (to time an older build the same way).
fn binary() -> std::ffi::OsString {
    std::env::var_os("LIAISON_PTY_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_liaison").into())
}

/// A demo store (cheap key derivation) in `l.store`.
fn demo_store(l: &Liaison) {
    let out = l.command().args(["demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn show_case(l: &Liaison, reference: &str) -> serde_json::Value {
    let out = l.with_passphrase("demo").args(["--json", "case", "show", reference]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_demo_opens_on_three_panes_shows_help_and_quits_cleanly() {
    let l = Liaison::empty();
    // A user keymap in the config folder patches the defaults.
    std::fs::create_dir_all(l.root.path().join("config")).unwrap();
    std::fs::write(
        l.root.path().join("config/keymap.toml"),
        "[main]\nkeymap = [{ on = \"x\", run = \"help\", desc = \"Keys from my file\" }]\n",
    )
    .unwrap();
    let mut s = Screen::start(&l, &["demo"], false);
    let screen = s.wait_for("DGSE-2024-EXT-007");
    for pane in ["Cases", "Entities", "Timeline", "Detail"] {
        assert!(screen.contains(pane), "{pane} pane missing:\n{screen}");
    }
    // The first case's members and dated items, not just empty frames.
    s.wait_for("Andrés Zambrano");
    s.wait_for("Payment:");
    s.send("x");
    let help = s.wait_for("Help — keys");
    assert!(help.contains("Keys from my file") && help.contains("Search"), "{help}");
    s.send("\x1b");
    s.wait_for("NORMAL");
    s.send("?");
    s.wait_for("Help — keys");
    s.send("\x1b");
    s.wait_for("NORMAL");
    s.send("q");
    assert!(s.wait_exit(), "liaison exits with success");
    assert!(!s.in_alternate_screen(), "the terminal is back on its main screen");
    let after = s.text();
    assert!(
        !after.contains("DGSE-2024") && !after.contains("Zambrano"),
        "case data left on screen:\n{after}"
    );
}

#[test]
fn a_case_entity_and_link_made_in_the_workbench_are_there_after_reopening() {
    let l = Liaison::empty();
    demo_store(&l);
    let mut s = Screen::start(&l, &["demo"], false);
    s.wait_for("DGSE-2024-EXT-007");
    s.send("n");
    s.wait_for("New case");
    s.type_slowly("TUI-PTY-0001\tPty flow case");
    s.send("\r");
    s.wait_for("Case TUI-PTY-0001 opened");
    s.wait_for("Entities · people first · TUI-PTY-0001");
    s.send("e");
    s.wait_for("Kind of entity");
    s.type_slowly("Person");
    s.send("\r");
    s.wait_for("New Person in TUI-PTY-0001");
    s.type_slowly("Zora Pemberton");
    s.send("\r");
    s.wait_for("Person saved");
    s.send("e");
    s.wait_for("Kind of entity");
    s.type_slowly("Phone");
    s.send("\r");
    s.wait_for("New Phone");
    s.type_slowly("+33 6 12 34 50 01");
    s.send("\r");
    s.wait_for("Phone saved");
    s.wait_for("+33612345001");
    // Mark the person (first row, kinds in order), select the phone, link them.
    s.send("2");
    s.send("g");
    s.send("m");
    s.wait_for("Marked Zora Pemberton");
    s.send("j");
    s.send("L");
    s.wait_for("Link Zora Pemberton");
    s.type_slowly("Ownership");
    s.send("\r");
    s.wait_for("New Ownership — in case TUI-PTY-0001: Zora Pemberton");
    s.send("\r");
    s.wait_for("Ownership link saved");
    s.send("q");
    assert!(s.wait_exit());

    let case = show_case(&l, "TUI-PTY-0001");
    assert_eq!(case["title"], "Pty flow case");
    let members: Vec<&str> =
        case["members"].as_array().unwrap().iter().map(|m| m["caption"].as_str().unwrap()).collect();
    assert!(members.contains(&"Zora Pemberton") && members.contains(&"+33612345001"), "{members:?}");
    let person =
        case["members"].as_array().unwrap().iter().find(|m| m["caption"] == "Zora Pemberton").unwrap();
    let out = l
        .with_passphrase("demo")
        .args(["--json", "entity", "show", person["id"].as_str().unwrap()])
        .output()
        .unwrap();
    let entity: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        entity["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["schema"] == "Ownership" && k["other"]["caption"] == "+33612345001"),
        "{entity}"
    );

    // Reopened, the workbench finds them again.
    let mut s = Screen::start(&l, &["demo"], false);
    s.wait_for("DGSE-2024-EXT-007");
    s.send("/");
    s.wait_for("Search names");
    s.type_slowly("Pemberton");
    s.wait_for("1 found");
    s.send("\r");
    s.wait_for("Links of Zora Pemberton");
    let screen = s.wait_for("→ Ownership");
    assert!(screen.contains("+33612345001"), "{screen}");
    s.send("q");
    assert!(s.wait_exit());
}

#[test]
fn a_wrong_passphrase_is_refused_with_a_delay_then_the_right_one_opens() {
    let l = Liaison::empty();
    demo_store(&l);
    let before = common::snapshot(&l.store);
    let mut s = Screen::start(&l, &[], false);
    s.wait_for("Passphrase:");
    s.type_slowly("not the passphrase");
    let masked = s.text();
    assert!(!masked.contains("not the passphrase"), "the passphrase is masked:\n{masked}");
    s.send("\r");
    s.wait_for("wrong passphrase");
    assert_eq!(common::snapshot(&l.store), before, "a wrong passphrase changes no file");
    s.wait_for("Try again");
    s.type_slowly("demo");
    s.send("\r");
    s.wait_for("DGSE-2024-EXT-007");
    s.send("q");
    assert!(s.wait_exit());
    let log = l.with_passphrase("demo").args(["--json", "audit", "log"]).output().unwrap();
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).unwrap();
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "unlock failed"), "{log}");
}

/// Keys of the harness's navigation group (benches/harness/tui.rs), pressed three times.
const NAVIGATION: &[&str] = &["j", "j", "j", "k", "j", "j", "\r", "\x7f", "G", "g"];
/// Typed one letter at a time after `/` (names the generator uses).
const TYPED: &[&str] = &["benali", "karim zam", "fr76", "boulevard"];
/// Output quiet this long means the screen is finished (the store's answers for one key
/// come within far less of each other).
const QUIET: Duration = Duration::from_millis(250);

/// Median and p99 in milliseconds, as the harness summarises (nearest rank).
fn summary(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

/// Key → finished screen on a real terminal, on the store in `LIAISON_PTY_STORE` unlocked with
/// `LIAISON_PTY_PASSFILE`: the harness's navigation keys and search-as-you-type letters,
/// each timed from the key written to the last byte of output before the screen went quiet.
/// Prints `pty navigation: median X ms, p99 Y ms` and `pty search: median X ms, p99 Y ms`.
/// Run by the harness with
/// `cargo test --release --test tui_pty -- --ignored --nocapture pty_key_to_screen`.
#[test]
#[ignore = "needs LIAISON_PTY_STORE and LIAISON_PTY_PASSFILE: a store made by `liaison generate`"]
fn pty_key_to_screen() {
    let (Some(store), Some(pass)) =
        (std::env::var_os("LIAISON_PTY_STORE"), std::env::var_os("LIAISON_PTY_PASSFILE"))
    else {
        eprintln!("LIAISON_PTY_STORE and LIAISON_PTY_PASSFILE are not set: nothing measured");
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let mut cmd = CommandBuilder::new(binary());
    cmd.arg("--store");
    cmd.arg(&store);
    cmd.arg("--passphrase-file");
    cmd.arg(&pass);
    let mut s = Screen::spawn(cmd, root.path(), 40, 120);
    s.wait_for("NORMAL");
    // The first screen's answers (cases, the first case's members and timeline) all in.
    while s.output.lock().unwrap().0.elapsed() < QUIET * 2 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut unchanged = 0;
    let mut nav = Vec::new();
    for _ in 0..3 {
        for k in NAVIGATION {
            match s.key_to_screen(k, QUIET) {
                Some(d) => nav.push(d),
                None => unchanged += 1,
            }
        }
    }
    let mut search = Vec::new();
    for word in TYPED {
        s.send("/");
        s.wait_for("Search names");
        for c in word.chars() {
            match s.key_to_screen(&c.to_string(), QUIET) {
                Some(d) => search.push(d),
                None => unchanged += 1,
            }
        }
        s.key_to_screen("\x1b", QUIET);
    }
    s.send("q");
    assert!(s.wait_exit(), "liaison exits with success");
    assert!(!nav.is_empty() && !search.is_empty(), "no key changed the screen");
    let (median, p99) = summary(&mut nav);
    println!("pty navigation: median {median:.1} ms, p99 {p99:.1} ms");
    let (median, p99) = summary(&mut search);
    println!("pty search: median {median:.1} ms, p99 {p99:.1} ms");
    if unchanged > 0 {
        eprintln!("{unchanged} keys changed nothing on screen (not counted)");
    }
}

/// Moving to another case, the members and timeline the store sends back are on screen as
/// soon as they arrive: the loop waited up to its 40 ms idle poll before drawing them, so
/// every such key took over 40 ms on a real terminal whatever the store's speed.
#[test]
#[ignore = "timing on a shared machine: 84 ms before the fix, under 25 ms after when run alone, 33 ms under the whole suite; run with --ignored"]
fn a_case_moved_to_shows_its_members_as_soon_as_the_store_answers() {
    let l = Liaison::empty();
    let mut s = Screen::start(&l, &["demo"], false);
    s.wait_for("DGSE-2024-EXT-007");
    s.wait_for("Andrés Zambrano");
    while s.output.lock().unwrap().0.elapsed() < QUIET * 2 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut times: Vec<Duration> =
        ["j", "k", "j", "k", "j", "k", "j", "k"].iter().filter_map(|k| s.key_to_screen(k, QUIET)).collect();
    assert_eq!(times.len(), 8, "every move changed the screen:\n{}", s.text());
    let (median, _) = summary(&mut times);
    assert!(median < 25.0, "key to finished screen took {median:.1} ms (median of 8)");
    s.send("q");
    assert!(s.wait_exit());
}
