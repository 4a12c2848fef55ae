//! `liaison`: parse the command line, run it, map errors to one line and an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    liaison::cli::harden_process();
    let cli = <liaison::cli::Cli as clap::Parser>::parse();
    match liaison::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote what was typed and what the store holds (a case title from another
            // office's bundle): escaped like every other line Liaison prints.
            eprintln!("error: {}", liaison::model::text::for_terminal_lines(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}
