//! The workbench's figures: first frame after unlock and keypress-to-finished-frame times,
//! in-process on a 120×40 `TestBackend` (the real drawing code, no terminal I/O), on a fresh
//! process so that its peak memory is the workbench's own.

use std::path::Path;
use std::time::{Duration, Instant};

use liaison::store::{KEYSTORE, Keys, Store};
use liaison::tui::testing::{SETTLE, terminal};
use liaison::tui::{App, Options};

use super::measure::{Timing, peak_rss_mib, reset_peak_rss, summarise};
use super::report::Figures;

/// Keys pressed, grouped by what the analyst does.
const NAVIGATION: &[&str] = &["j", "j", "j", "k", "j", "j", "enter", "backspace", "G", "g"];
const PANE_SWITCH: &[&str] = &["2", "3", "1", "2", "1", "3", "1"];
/// Typed one letter at a time into the search box (names the generator uses).
const TYPED: &[&str] = &["benali", "karim zam", "fr76", "boulevard"];

fn timed(
    app: &mut App,
    term: &mut ratatui::Terminal<ratatui::backend::TestBackend>,
    act: impl FnOnce(&mut App),
) -> Duration {
    let t = Instant::now();
    act(app);
    assert!(app.settle(SETTLE), "the store answered");
    app.draw(term).expect("a frame");
    t.elapsed()
}

pub fn measure(dir: &Path) -> Figures {
    let pass = super::pass();
    let mut f = Figures::default();
    let keys = Keys::unlock(&dir.join(KEYSTORE), &pass).expect("keys");
    // The key derivation (scrypt) needs its own large buffer for a moment; the workbench's
    // memory is what stays after it.
    f.insert("unlock: peak RSS, scrypt included (MiB)", peak_rss_mib());
    reset_peak_rss();
    let started = Instant::now();
    let store = Store::open_with_keys(dir, keys).expect("open");
    let open = started.elapsed();
    let mut term = terminal(120, 40);
    let t = Instant::now();
    let mut app = App::with_store(store, Options::plain());
    app.draw(&mut term).expect("first frame");
    let first_frame = t.elapsed();
    assert!(app.settle(SETTLE));
    app.draw(&mut term).expect("frame with data");
    let with_data = t.elapsed();
    f.insert("TUI: first frame after unlock, KDF excluded (ms)", (open + first_frame).as_secs_f64() * 1e3);
    f.insert(
        "TUI: first frame with data after unlock, KDF excluded (ms)",
        (open + with_data).as_secs_f64() * 1e3,
    );

    let mut all = Vec::new();
    let mut group = |name: &str, samples: Vec<Duration>, f: &mut Figures| {
        all.extend_from_slice(&samples);
        let mut s = samples;
        f.insert_timing(name, summarise(&mut s));
    };
    let mut nav = Vec::new();
    for _ in 0..3 {
        for k in NAVIGATION {
            nav.push(timed(&mut app, &mut term, |a| a.press(k)));
        }
    }
    group("TUI key → frame: navigation", nav, &mut f);
    let mut panes = Vec::new();
    for _ in 0..3 {
        for k in PANE_SWITCH {
            panes.push(timed(&mut app, &mut term, |a| a.press(k)));
        }
    }
    group("TUI key → frame: pane switch", panes, &mut f);
    let mut typing = Vec::new();
    for word in TYPED {
        app.press("/");
        assert!(app.settle(SETTLE));
        for c in word.chars() {
            typing.push(timed(&mut app, &mut term, |a| a.type_text(&c.to_string())));
        }
        app.press("esc");
        assert!(app.settle(SETTLE));
    }
    group("TUI key → frame: search as you type", typing, &mut f);
    let overall: Timing = summarise(&mut all);
    f.insert_timing("TUI key → frame: every key", overall);
    f.insert("TUI: peak RSS after unlock (MiB)", peak_rss_mib());
    f
}
