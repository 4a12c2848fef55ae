//! The analyst's workbench: a ratatui + crossterm application over the store.
//!
//! Layers, each importing only those above it in this list:
//! - `message`: the bottom layer, plain data that imports nothing from the workbench: the
//!   effects update asks for, the queries and writes for the store, its answers, the jobs.
//! - `widgets`: the text input and the list cursor, written once for every screen.
//! - `action`: the vocabulary (what the keymap and the palette name).
//! - `state`: what is shown, and the `Mode` that picks the keymap.
//! - `requests`: the helpers every screen uses to ask the worker for something.
//! - `screens/`: one module per screen — the main panes, forms and pickers, search, the
//!   palette, the confirmation, help, unlock, exchange, import, conflicts, measures — each with
//!   its state and its `update`; a screen never imports another screen.
//! - `update`: the dispatcher, the only entry that changes state; it routes answers and keys
//!   to the screens.
//! - `ui/`: one render function per region, borrowing state only.
//! - `app`: the runtime that carries effects out; `worker/`: the store's own thread (the draw
//!   path never touches the store).
//! - `keymap`, `theme`: configuration as data (`assets/keymap.toml`, `assets/theme.toml`).
//! - `terminal`: entering and leaving full-screen mode, restored on every way out.
//! - [`testing`]: the workbench in-process on a `TestBackend`, for tests and benchmarks.

pub mod action;
pub mod app;
pub mod keymap;
pub mod message;
pub mod requests;
pub mod screens;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod update;
pub mod widgets;
pub mod worker;

use std::path::PathBuf;
use std::time::Duration;

pub use app::{App, Options};

use crate::store::Store;

/// How long the loop waits for a key before looking at the store's answers and the clock.
const POLL: Duration = Duration::from_millis(40);
/// The same wait while the store owes answers: an answer is drawn within this of arriving,
/// not up to [`POLL`] later (a key whose answer took 2 ms showed after 40).
pub const BUSY_POLL: Duration = Duration::from_millis(2);

/// How long the loop may wait for a key before looking at the store's answers again.
pub fn poll_wait(app: &App) -> Duration {
    if app.busy() { BUSY_POLL } else { POLL }
}

/// Runs the workbench on an unlocked store until the analyst quits.
pub fn run(store: Store) -> anyhow::Result<()> {
    run_app(App::with_store(store, Options::from_env()))
}

/// Runs the workbench on the unlock screen of the store in `dir`.
pub fn run_locked(dir: PathBuf) -> anyhow::Result<()> {
    run_app(App::locked(dir, Options::from_env()))
}

fn run_app(mut app: App) -> anyhow::Result<()> {
    let mut guard = terminal::TerminalGuard::enter()?;
    let mut last_tick = std::time::Instant::now();
    loop {
        if app.dirty {
            app.draw(&mut guard.terminal)?;
        }
        if app.quitting() {
            break;
        }
        if crossterm::event::poll(poll_wait(&app))? {
            let event = crossterm::event::read()?;
            app.handle_event(&event);
            // Take every key already typed before drawing again: no lag behind a fast typist.
            while crossterm::event::poll(Duration::ZERO)? {
                app.handle_event(&crossterm::event::read()?);
            }
        }
        if app.pump() {
            app.dirty = true;
        }
        if last_tick.elapsed() >= Duration::from_millis(250) {
            last_tick = std::time::Instant::now();
            app.tick();
        }
    }
    // The store (and its key) go before the terminal is handed back.
    drop(app);
    drop(guard);
    Ok(())
}

/// The workbench in-process: build it on a store, feed keys, draw on a `TestBackend`.
pub mod testing {
    use std::time::Duration;

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::{App, Options};
    use crate::store::Store;

    /// How long tests wait for the store.
    pub const SETTLE: Duration = Duration::from_secs(30);

    /// The app on `store` with built-in keys and colours, its first answers in.
    pub fn app(store: Store) -> App {
        let mut app = App::with_store(store, Options::plain());
        assert!(app.settle(SETTLE), "the store answered the first queries");
        app
    }

    /// A test terminal of `width`×`height`.
    pub fn terminal(width: u16, height: u16) -> Terminal<TestBackend> {
        Terminal::new(TestBackend::new(width, height)).expect("a test terminal")
    }

    /// Draws a frame and returns the screen as text, one line per row.
    pub fn screen(app: &mut App, terminal: &mut Terminal<TestBackend>) -> String {
        app.draw(terminal).expect("drawing on a test backend");
        let buffer = terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let mut line = String::new();
            for x in 0..buffer.area.width {
                line.push_str(buffer[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Presses each key (keymap spelling) and waits for the store after each.
    pub fn keys(app: &mut App, keys: &[&str]) {
        for k in keys {
            app.press(k);
            assert!(app.settle(SETTLE), "the store answered after {k}");
        }
    }

    /// Types text and waits for the store.
    pub fn type_text(app: &mut App, text: &str) {
        app.type_text(text);
        assert!(app.settle(SETTLE), "the store answered after typing {text:?}");
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_exchange;
