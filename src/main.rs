//! `liaison`: parse the command line, run it, map errors to one line and an exit code.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set when printing to stdout failed because its reader went away (`… --json | head -1`).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    liaison::cli::harden_process();
    quiet_when_stdout_closes();
    let cli = <liaison::cli::Cli as clap::Parser>::parse();
    // `println!` panics when the reader of a pipe has gone; the panic unwinds (an open store
    // transaction rolls back as on any error) and ends here.
    let outcome = std::panic::catch_unwind(move || liaison::cli::run(cli));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        // The reader took what it wanted and closed the pipe: that is how `head` works, not a
        // failure of the command.
        Ok(Err(e)) if is_broken_pipe(&e.to_string()) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            // Errors quote what was typed and what the store holds (a case title from another
            // office's bundle): escaped like every other line Liaison prints.
            eprintln!("error: {}", liaison::model::text::for_terminal_lines(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
        Err(_) if STDOUT_CLOSED.load(Ordering::SeqCst) => ExitCode::SUCCESS,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The text of the I/O error a write to a pipe without a reader gives (EPIPE), as the
/// printing helpers pass it on.
fn is_broken_pipe(message: &str) -> bool {
    message == broken_pipe_text()
        || message == std::io::Error::from(std::io::ErrorKind::BrokenPipe).to_string()
}

/// Rust ignores SIGPIPE, so a write to a closed pipe fails with EPIPE and `println!` panics
/// with "failed printing to stdout: Broken pipe". That panic says nothing the user needs: it
/// is silenced and noted; any other panic is reported as before.
fn quiet_when_stdout_closes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains(&broken_pipe_text()) {
            STDOUT_CLOSED.store(true, Ordering::SeqCst);
            return;
        }
        default(info);
    }));
}

/// How an EPIPE from the system reads (32 on every Unix Liaison builds for).
fn broken_pipe_text() -> String {
    let os = std::io::Error::from_raw_os_error(32);
    if os.kind() == std::io::ErrorKind::BrokenPipe {
        os.to_string()
    } else {
        std::io::Error::from(std::io::ErrorKind::BrokenPipe).to_string()
    }
}
