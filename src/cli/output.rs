//! Printing: stable JSON, aligned text, progress bars on stderr.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::CliResult;
use crate::model::text;

/// Prints `value` as pretty JSON followed by a newline.
///
/// JSON keeps every stored string exactly: serde_json escapes the C0 controls (ESC included)
/// as `\u001b`, so no escape sequence reaches a terminal; it does not escape DEL, C1 or bidi
/// controls, which is acceptable for machine output (a program reads it, not a person).
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> CliResult {
    // Buffered: stdout is line-buffered, and a long list (a million candidates) would
    // otherwise cost one write call per line of JSON.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| super::CliError::Other(e.to_string()))?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Store text made safe for a terminal: whatever another office or an old store holds,
/// control, bidirectional and invisible characters are shown as `\u{…}`, never sent raw.
pub fn safe(s: &str) -> Cow<'_, str> {
    text::for_terminal(s)
}

/// As [`safe`], keeping newlines and tabs (a summary or a note on several lines).
pub fn safe_lines(s: &str) -> Cow<'_, str> {
    text::for_terminal_lines(s)
}

/// Cuts `s` (made [`safe`]) to `width` characters, marking the cut.
pub fn fit(s: &str, width: usize) -> String {
    let s = safe(s);
    if s.chars().count() <= width {
        s.into_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A progress bar on stderr when it is a terminal; silent otherwise (scripts, CI).
pub struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    pub fn new(what: &str, total: u64) -> Progress {
        let bar = if std::io::stderr().is_terminal() {
            indicatif::ProgressBar::new(total)
        } else {
            indicatif::ProgressBar::hidden()
        };
        if let Ok(style) = indicatif::ProgressStyle::default_bar()
            .template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_owned());
        Progress { bar }
    }

    pub fn update(&mut self, done: u64, total: u64) {
        self.bar.set_length(total);
        self.bar.set_position(done);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
