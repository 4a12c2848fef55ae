//! The unlock screen (the passphrase, with a growing wait after each wrong one) and the
//! moves between it and the main screen: unlocking and locking.

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::tui::action::Action;
use crate::tui::message::Effect;
use crate::tui::requests::start;
use crate::tui::state::{PASSPHRASE_CAPACITY, Screen, State};
use crate::tui::widgets::TextInput;

/// Longest passphrase accepted on the unlock screen (characters).
const MAX_PASSPHRASE_CHARS: usize = PASSPHRASE_CAPACITY / 4;
/// The delay after a wrong passphrase doubles up to this.
const MAX_DELAY_SECS: u64 = 30;

/// The wait imposed after `failures` wrong passphrases: 1 s, 2 s, 4 s… up to 30 s.
pub fn unlock_delay(failures: u32) -> Duration {
    Duration::from_secs((1u64 << failures.saturating_sub(1).min(5)).min(MAX_DELAY_SECS))
}

/// `update` on the unlock screen.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let Screen::Unlock(u) = &mut state.screen else { return Vec::new() };
    match action {
        // Within the capacity reserved up front: the buffer never moves, leaving no copy.
        Action::TypeChar(_) | Action::DeleteChar | Action::ClearInput => {
            action.edit(TextInput::new(&mut u.input, MAX_PASSPHRASE_CHARS));
        }
        Action::Tick if u.retry_at.is_some_and(|t| Instant::now() >= t) => {
            u.retry_at = None;
            u.message = Some(format!(
                "Wrong passphrase ({} failed attempt{}). Try again.",
                u.failures,
                if u.failures == 1 { "" } else { "s" }
            ));
        }
        Action::Submit => {
            if u.busy {
                return Vec::new();
            }
            if let Some(t) = u.retry_at {
                let left = t.saturating_duration_since(Instant::now());
                if !left.is_zero() {
                    u.message = Some(format!("Wait {} s before trying again.", left.as_secs() + 1));
                    return Vec::new();
                }
            }
            if u.input.is_empty() {
                u.message = Some("Type the passphrase, then Enter.".into());
                return Vec::new();
            }
            u.busy = true;
            u.message = Some("Unlocking…".into());
            // Moved, not copied: the only copy goes to the unlock thread and is wiped there.
            let pass =
                Zeroizing::new(std::mem::replace(&mut *u.input, String::with_capacity(PASSPHRASE_CAPACITY)));
            return vec![Effect::Unlock(pass)];
        }
        Action::UnlockFailed(message) => {
            u.busy = false;
            u.failures += 1;
            let delay = unlock_delay(u.failures);
            u.retry_at = Some(Instant::now() + delay);
            u.message = Some(format!("{message} Wait {} s.", delay.as_secs()));
        }
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        _ => {}
    }
    Vec::new()
}

/// The store is open: a fresh state on the main screen, keeping the theme and the size.
pub fn unlocked(state: &mut State, label: &str, office: &str, country: &str) -> Vec<Effect> {
    let (theme, size) = (state.theme, state.size);
    *state = State::unlocked(label, office, country);
    state.theme = theme;
    state.size = size;
    start(state)
}

/// Locks the workbench: everything shown is dropped.
pub fn lock(state: &mut State) -> Vec<Effect> {
    let (theme, size, label) = (state.theme, state.size, state.store_label.clone());
    // Everything shown is dropped with the old state, not just hidden.
    *state = State::locked(&label);
    state.theme = theme;
    state.size = size;
    if let Screen::Unlock(u) = &mut state.screen {
        u.message = Some("Locked. Type the passphrase to continue.".into());
    }
    vec![Effect::Lock]
}
