//! One module per command; `run` dispatches.

mod completions;
mod prepare;
mod sim;

use crate::cli::{Cli, Command};
use crate::config::Env;
use crate::error::CliError;
use crate::exit::Exit;
use crate::provider::Query;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Exit, CliError> {
    let Cli { global, command } = cli;
    let (name, query) = match &command {
        Command::Completions { shell } => return completions::write(*shell),
        Command::Sim(args) => return sim::run(args),
        Command::Usage(_) => ("usage", Query::PerCard),
        Command::Remaining(_) => ("remaining", Query::PerCard),
        Command::Expiry(_) => ("expiry", Query::PerCard),
        Command::Status(_) => ("status", Query::PerCard),
        Command::Plan(_) => ("plan", Query::PerCard),
        Command::Card(_) => ("card", Query::PerCard),
        Command::Cards(_) => ("cards", Query::Cards),
        Command::Account => ("account", Query::Account),
        Command::Export(_) => ("export", Query::Export),
        Command::Demo => ("demo", Query::PerCard),
    };
    let settings = prepare::settings_for(&global, Env::from_process(), name, query)?;
    if let Command::Usage(a)
    | Command::Remaining(a)
    | Command::Expiry(a)
    | Command::Status(a)
    | Command::Plan(a)
    | Command::Card(a) = &command
    {
        let cards = prepare::Cards::from_args(&settings, &a.numbers, std::io::stdin().lock())?;
        tracing::info!(cards = cards.len(), command = name, "numbers checked");
    }
    Err(CliError::Pending(name))
}

/// The runtime of the commands that talk to a platform or serve one.
fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}
