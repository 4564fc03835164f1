//! `iotcard`: query and export the IoT SIM cards of an IoTBOS or Tencent
//! IoT card account. See `iotcard --help` and the README for the contract.

mod cli;
mod commands;
mod config;
mod error;
mod exit;
mod history_args;
mod input;
mod logging;
mod output;
mod progress;
mod provider;
mod quantities;
mod signals;
mod watch_args;

use std::process::ExitCode;

use clap::Parser;

use crate::exit::Exit;

fn main() -> ExitCode {
    run()
}

/// Parses the command line, runs the command, and turns the outcome into
/// the documented exit status (errors on stderr as `iotcard: …`).
fn run() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout and succeed; usage errors are 2.
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            }
            .into();
        }
    };
    logging::init(cli.global.verbose, cli.global.log_format);
    match commands::run(cli) {
        Ok(exit) => exit.into(),
        // `iotcard … | head`: the reader has what it wanted.
        Err(e) if e.is_closed_pipe() => Exit::Success.into(),
        Err(e) => {
            eprintln!("iotcard: {e}");
            e.exit().into()
        }
    }
}
