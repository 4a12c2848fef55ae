//! The runtime around `update`: it turns terminal events into actions through the keymap,
//! carries out effects (store requests on the worker, unlocking on a thread of its own,
//! locking), and feeds answers back as actions. Also the in-process face of the workbench
//! for tests and benchmarks: build an [`App`] on a store, feed it keys or actions, wait for
//! the store to answer, draw to any backend.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;

use super::action::Action;
use super::keymap::{Keymap, parse_key};
use super::message::{Effect, Session};
use super::requests::start;
use super::state::{Screen, State};
use super::theme::{Theme, ThemeName};
use super::ui::{self, Look};
use super::update::update;
use super::worker::{Reply, Request, Worker};
use crate::store::Store;

/// Idle time before the workbench locks itself, unless `LIAISON_IDLE_LOCK_SECS` says otherwise.
pub const DEFAULT_IDLE_LOCK: Duration = Duration::from_secs(5 * 60);

/// How the workbench starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub idle_lock: Duration,
    pub no_color: bool,
    pub keymap: Keymap,
    /// A problem with the user's keymap file, shown at start.
    pub keymap_problem: Option<String>,
}

impl Options {
    /// From the environment: `NO_COLOR`, `LIAISON_IDLE_LOCK_SECS`, the user's keymap file.
    pub fn from_env() -> Options {
        let (keymap, keymap_problem) = Keymap::load();
        let idle_lock = std::env::var("LIAISON_IDLE_LOCK_SECS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .map_or(DEFAULT_IDLE_LOCK, Duration::from_secs);
        Options { idle_lock, no_color: Theme::no_color_requested(), keymap, keymap_problem }
    }

    /// Built-in keymap, colours on, default idle lock: the same on every machine (tests).
    pub fn plain() -> Options {
        Options {
            idle_lock: DEFAULT_IDLE_LOCK,
            no_color: false,
            keymap: Keymap::builtin(),
            keymap_problem: None,
        }
    }
}

pub struct App {
    pub state: State,
    keymap: Keymap,
    themes: [Theme; 2],
    worker: Option<Worker>,
    replies_tx: Sender<Reply>,
    replies: Receiver<Reply>,
    /// Requests sent to the worker and not yet finished.
    pending: usize,
    unlocking: bool,
    store_dir: PathBuf,
    idle_lock: Duration,
    last_input: Instant,
    /// The screen must be wiped before the next frame (after a lock).
    clear_screen: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl App {
    fn new(state: State, store_dir: PathBuf, options: Options) -> App {
        let (replies_tx, replies) = std::sync::mpsc::channel();
        let mut app = App {
            state,
            keymap: options.keymap,
            themes: [
                Theme::new(ThemeName::Dark, options.no_color),
                Theme::new(ThemeName::Light, options.no_color),
            ],
            worker: None,
            replies_tx,
            replies,
            pending: 0,
            unlocking: false,
            store_dir,
            idle_lock: options.idle_lock,
            last_input: Instant::now(),
            clear_screen: false,
            dirty: true,
        };
        if let Some(p) = options.keymap_problem {
            app.state.error(p);
        }
        app
    }

    /// The workbench on an unlocked store; the first queries are already on their way.
    pub fn with_store(store: Store, options: Options) -> App {
        let dir = store.dir().to_path_buf();
        let mut state =
            State::unlocked(&dir.display().to_string(), &store.office().name, &store.office().country);
        if let Ok(m) = store.default_marking() {
            state.default_marking = m.to_string();
        }
        let mut app = App::new(state, dir, options);
        app.worker = Some(Worker::start(store, app.replies_tx.clone()));
        let effects = start(&mut app.state);
        app.run_effects(effects);
        app
    }

    /// The workbench on the unlock screen of the store in `dir`.
    pub fn locked(dir: PathBuf, options: Options) -> App {
        let state = State::locked(&dir.display().to_string());
        App::new(state, dir, options)
    }

    pub fn quitting(&self) -> bool {
        self.state.quit
    }

    /// Runs one action through `update` and carries out what it asks.
    pub fn dispatch(&mut self, action: Action) {
        self.dirty = true;
        let effects = update(&mut self.state, action);
        self.run_effects(effects);
    }

    fn run_effects(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Query(ticket, q) => self.send(Request::Query(ticket, q)),
                Effect::Write(w) => self.send(Request::Write(w)),
                Effect::Generate(n) => self.send(Request::Generate(n)),
                Effect::Exchange(job) => self.send(Request::Exchange(job)),
                Effect::Audit(action, detail) => self.send(Request::Audit(action, detail)),
                Effect::UndoPreview => self.send(Request::UndoPreview),
                Effect::CancelJob => {
                    if let Some(w) = &self.worker {
                        w.cancel_job();
                    }
                }
                Effect::Unlock(mut pass) => {
                    self.unlocking = true;
                    let dir = self.store_dir.clone();
                    let tx = self.replies_tx.clone();
                    // Moved into the secret, not copied; both wipe themselves when dropped.
                    let secret = SecretString::from(std::mem::take(&mut *pass));
                    std::thread::spawn(move || {
                        // Until the unlock screen offers the choice (issue 10 §3).
                        let named = std::env::var("LIAISON_ANALYST").ok().filter(|a| !a.trim().is_empty());
                        let who = match named.as_deref() {
                            Some(n) => crate::store::Who::Required { named: Some(n), first: n },
                            None => crate::store::Who::Unchosen,
                        };
                        let _ = tx.send(Reply::Opened(Box::new(Store::open_as(&dir, &secret, who))));
                    });
                }
                Effect::Lock => self.lock(),
                Effect::Quit => self.state.quit = true,
            }
        }
    }

    fn send(&mut self, request: Request) {
        match &self.worker {
            Some(w) if w.send(request) => self.pending += 1,
            Some(_) => {
                self.dispatch(Action::Failed(
                    "The store stopped answering: lock (ctrl-l) and unlock again.".into(),
                ));
            }
            None => {}
        }
    }

    /// Drops the store, and with it the key, and everything it already answered.
    fn lock(&mut self) {
        if let Some(w) = self.worker.take() {
            w.stop();
        }
        while let Ok(reply) = self.replies.try_recv() {
            // A store being unlocked at this very moment is dropped too.
            drop(reply);
        }
        self.pending = 0;
        self.clear_screen = true;
    }

    fn on_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Action(a) => self.dispatch(a),
            Reply::Finished => self.pending = self.pending.saturating_sub(1),
            Reply::Opened(result) => {
                self.unlocking = false;
                match *result {
                    Ok(store) if matches!(self.state.screen, Screen::Unlock(_)) => {
                        let session = Session {
                            label: store.dir().display().to_string(),
                            office: store.office().name.clone(),
                            country: store.office().country.clone(),
                            default_marking: store.default_marking().ok().map(|m| m.to_string()),
                            analyst: store.analyst().map(str::to_owned),
                            analysts: store
                                .analysts()
                                .map(|a| a.into_iter().map(|x| x.name).collect())
                                .unwrap_or_default(),
                        };
                        self.worker = Some(Worker::start(store, self.replies_tx.clone()));
                        self.last_input = Instant::now();
                        self.dispatch(Action::Unlocked(Box::new(session)));
                    }
                    Ok(_) => {}
                    Err(e) => self.dispatch(Action::UnlockFailed(e.to_string())),
                }
            }
        }
    }

    /// Applies every answer that has arrived, without waiting. True if there was one.
    pub fn pump(&mut self) -> bool {
        let mut any = false;
        while let Ok(reply) = self.replies.try_recv() {
            self.on_reply(reply);
            any = true;
        }
        any
    }

    /// Waits up to `timeout` for one answer and applies it with any others that arrived.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        match self.replies.recv_timeout(timeout) {
            Ok(reply) => {
                self.on_reply(reply);
                self.pump();
                true
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => false,
        }
    }

    /// Whether the store still owes answers.
    pub fn busy(&self) -> bool {
        self.pending > 0 || self.unlocking
    }

    /// Waits until the store has answered everything asked so far (and what those answers
    /// asked in turn), at most `timeout`. True if everything arrived.
    pub fn settle(&mut self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        self.pump();
        while self.busy() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            self.wait(left);
        }
        true
    }

    /// Time passes: the unlock delay counts down, and an idle workbench locks itself.
    pub fn tick(&mut self) {
        if matches!(self.state.screen, Screen::Unlock(_)) {
            let before = self.unlock_message().map(str::to_owned);
            let was_dirty = self.dirty;
            self.dispatch(Action::Tick);
            self.dirty = was_dirty || before.as_deref() != self.unlock_message();
        } else if self.last_input.elapsed() >= self.idle_lock {
            self.dispatch(Action::Lock);
        }
    }

    fn unlock_message(&self) -> Option<&str> {
        match &self.state.screen {
            Screen::Unlock(u) => u.message.as_deref(),
            Screen::Main => None,
        }
    }

    /// One terminal event.
    pub fn handle_event(&mut self, event: &Event) {
        match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                self.last_input = Instant::now();
                self.key(k);
            }
            Event::Mouse(m) => {
                self.last_input = Instant::now();
                match m.kind {
                    MouseEventKind::Down(MouseButton::Left) => self.dispatch(Action::Click(m.column, m.row)),
                    MouseEventKind::ScrollDown => self.dispatch(Action::ScrollDown(m.column, m.row)),
                    MouseEventKind::ScrollUp => self.dispatch(Action::ScrollUp(m.column, m.row)),
                    _ => {}
                }
            }
            Event::Resize(w, h) => self.dispatch(Action::Resize(*w, *h)),
            Event::Paste(text) if self.state.mode().takes_text() => {
                for c in text.chars().filter(|c| !c.is_control()) {
                    self.dispatch(Action::TypeChar(c));
                }
            }
            _ => {}
        }
    }

    /// A key, through the keymap of the current mode; unbound printable keys are typed.
    pub fn key(&mut self, k: &KeyEvent) {
        let mode = self.state.mode();
        if let Some(action) = self.keymap.action(mode, k) {
            self.dispatch(action);
        } else if let KeyCode::Char(c) = k.code {
            if mode.takes_text() && !k.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
                self.dispatch(Action::TypeChar(c));
            }
        }
    }

    /// A key written as in the keymap ("j", "enter", "ctrl-l", "G").
    pub fn press(&mut self, spec: &str) {
        let key = parse_key(spec).unwrap_or_else(|e| panic!("{e}"));
        let mut modifiers = KeyModifiers::NONE;
        if key.ctrl {
            modifiers |= KeyModifiers::CONTROL;
        }
        if key.alt {
            modifiers |= KeyModifiers::ALT;
        }
        if matches!(key.code, KeyCode::Char(c) if c.is_uppercase()) {
            modifiers |= KeyModifiers::SHIFT;
        }
        self.key(&KeyEvent::new(key.code, modifiers));
    }

    /// Types `text` as key presses.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let mut modifiers = KeyModifiers::NONE;
            if c.is_uppercase() {
                modifiers |= KeyModifiers::SHIFT;
            }
            self.key(&KeyEvent::new(KeyCode::Char(c), modifiers));
        }
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    pub fn theme(&self) -> &Theme {
        &self.themes[usize::from(self.state.theme == ThemeName::Light)]
    }

    /// Draws one frame on any backend.
    pub fn draw<B: Backend>(&mut self, terminal: &mut Terminal<B>) -> Result<(), B::Error> {
        if self.clear_screen {
            self.clear_screen = false;
            terminal.clear()?;
        }
        let size = terminal.size()?;
        if (size.width, size.height) != self.state.size {
            self.dispatch(Action::Resize(size.width, size.height));
        }
        let look = Look {
            theme: &self.themes[usize::from(self.state.theme == ThemeName::Light)],
            keymap: &self.keymap,
        };
        terminal.draw(|frame| ui::draw(frame, &self.state, &look))?;
        self.dirty = false;
        Ok(())
    }
}
