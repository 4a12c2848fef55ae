//! Entering and leaving the full-screen terminal. The screen is restored on every way out:
//! the guard's `Drop` on return and error, and a panic hook that restores first and then
//! runs the hook it replaced (as ratatui's `init.rs` does). The alternate screen is cleared
//! before it is left, so no case data stays behind on the screen or in the scrollback.

use std::io::{self, Stdout, stdout};
use std::sync::Once;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// The terminal in full-screen mode; restored when dropped.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        if let Err(e) = execute!(stdout(), EnterAlternateScreen, EnableMouseCapture) {
            let _ = restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(stdout())) {
            Ok(mut terminal) => {
                let _ = terminal.hide_cursor();
                Ok(TerminalGuard { terminal })
            }
            Err(e) => {
                let _ = restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Puts the terminal back as it was: screen cleared, main screen, cooked mode, cursor shown.
pub fn restore() -> io::Result<()> {
    let mut out = stdout();
    // Each step is tried even if an earlier one failed.
    let cleared = execute!(out, Clear(ClearType::All));
    let left = execute!(out, DisableMouseCapture, LeaveAlternateScreen, crossterm::cursor::Show);
    let raw = disable_raw_mode();
    cleared.and(left).and(raw)
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            previous(info);
        }));
    });
}
