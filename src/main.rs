//! `liaison`: parse the command line, run it, map errors to one line and an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    liaison::cli::harden_process();
    let cli = <liaison::cli::Cli as clap::Parser>::parse();
    match liaison::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
