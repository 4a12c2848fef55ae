//! `liaison completions SHELL` and `liaison man`: generated from the clap definitions
//! (clap_complete, clap_mangen), so they follow every command and flag as it changes.

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CliError, CliResult};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
#[command(after_help = "Without -o the main page is printed (e.g. `liaison man | man -l -`).")]
pub struct ManArgs {
    /// Write one page per command (liaison.1, liaison-case.1, liaison-case-new.1, …) into DIR
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// Prints the completion script for `a.shell` on stdout (e.g. `liaison completions bash >
/// ~/.local/share/bash-completion/completions/liaison`).
pub fn completions(a: &CompletionsArgs) -> CliResult {
    use std::io::Write;
    let mut cmd = Cli::command();
    // Generated in memory, then written: a closed pipe (`| head`) is an error, not a panic.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "liaison", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(())
}

/// Prints the main man page, or writes every command's page into a folder.
pub fn man(a: &ManArgs) -> CliResult {
    let cmd = Cli::command();
    match &a.output {
        None => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(cmd).render(&mut out)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::Other(format!("{}: cannot create the folder ({e})", dir.display())))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| {
                CliError::Other(format!("{}: cannot write the man pages ({e})", dir.display()))
            })?;
            eprintln!(
                "Man pages written to {} (read one with `man -l {}/liaison.1`).",
                dir.display(),
                dir.display()
            );
        }
    }
    Ok(())
}
