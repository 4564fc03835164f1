//! `completions SHELL`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::CliError;
use crate::exit::Exit;

/// Writes completions for `shell` to stdout.
pub fn write(shell: clap_complete::Shell) -> Result<Exit, CliError> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "iotcard", &mut out);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::WriteOutput {
            to: "standard output".into(),
            source,
        })?;
    Ok(Exit::Success)
}
