//! One module per command; `run` dispatches.

mod clients;
mod completions;
#[cfg(feature = "simulator")]
mod demo;
mod emit;
mod export;
pub(crate) mod history;
mod listing;
mod prepare;
mod query;
mod report;
#[cfg(feature = "simulator")]
mod sim;
#[cfg(feature = "simulator")]
mod sim_robot;
mod watch;

use std::io::IsTerminal;
use std::num::NonZeroUsize;

use iotcard_model::{CardNumber, Iccid, Operator};

use crate::cli::{Cli, Command, ExportArgs, GlobalArgs};
use crate::config::Env;
use crate::error::CliError;
use crate::exit::Exit;
use crate::input;
use crate::output::columns;
use crate::progress::Progress;
use crate::provider::{Provider, Query};
use crate::signals;
use clients::Client;
use emit::{Emitter, Out};
use export::Source;
use prepare::settings_for;
use query::PerCard;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Exit, CliError> {
    let Cli { global, command } = cli;
    if let Command::Completions { shell } = command {
        return completions::write(shell);
    }
    runtime()?.block_on(execute(global, command, Env::from_process()))
}

/// Runs `command` with `env` as the environment (the demo runs commands
/// against its own simulator this way).
pub async fn execute(global: GlobalArgs, command: Command, env: Env) -> Result<Exit, CliError> {
    match command {
        Command::Usage(a) => per_card(&global, env, PerCard::Usage, &a.numbers).await,
        Command::Remaining(a) => per_card(&global, env, PerCard::Remaining, &a.numbers).await,
        Command::Expiry(a) => per_card(&global, env, PerCard::Expiry, &a.numbers).await,
        Command::Status(a) => per_card(&global, env, PerCard::Status, &a.numbers).await,
        Command::Plan(a) => per_card(&global, env, PerCard::Plan, &a.numbers).await,
        Command::Card(a) => per_card(&global, env, PerCard::Card, &a.numbers).await,
        Command::Cards(a) => cards(&global, env, a.operator.map(Operator::from)).await,
        Command::Account => account(&global, env).await,
        Command::Export(a) => export(&global, env, &a).await,
        #[cfg(feature = "simulator")]
        Command::Sim(a) => sim::run(&a).await,
        // The demo runs commands itself; boxing breaks the async cycle.
        #[cfg(feature = "simulator")]
        Command::Demo => Box::pin(demo::run(&global)).await,
        Command::Completions { shell } => completions::write(shell),
        Command::Sync(a) => history::sync(&global, env, &a).await,
        Command::Inventory(a) => history::inventory(&global, env, &a).await,
        Command::Fleet(a) => history::fleet(&global, env, &a).await,
        Command::History(a) => history::card_history(&global, env, &a).await,
        Command::UsageReport(a) => history::usage_report(&global, env, &a).await,
        Command::Report(a) => report::run(&global, env, &a).await,
        Command::Store(a) => history::store(&global, env, &a).await,
        Command::Rules(a) => watch::rules(&global, env, &a).await,
        Command::Notify(a) => watch::notify(&global, env, &a).await,
        Command::Alerts(a) => watch::alerts(&global, env, &a).await,
        Command::Watch(a) => watch::watch(&global, env, &a).await,
    }
}

/// The runtime of the commands that talk to a platform or serve one.
fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

fn concurrency(global: &GlobalArgs) -> usize {
    global
        .concurrency
        .map_or(iotcard_facade::DEFAULT_CONCURRENCY, NonZeroUsize::get)
}

/// The Tencent client, or the "not offered" error for IoTBOS (which the
/// settings check has already given; this keeps the types honest).
fn tencent_only<'c>(
    client: &'c Client,
    command: &'static str,
    query: Query,
) -> Result<&'c iotcard_facade::TencentClient, CliError> {
    match client {
        Client::Tencent(c) => Ok(c),
        Client::Iotbos(_) => Err(CliError::NotOffered {
            command,
            provider: Provider::Iotbos,
            why: Provider::Iotbos.refusal(query).unwrap_or("no such call"),
        }),
    }
}

async fn per_card(
    global: &GlobalArgs,
    env: Env,
    command: PerCard,
    numbers: &[String],
) -> Result<Exit, CliError> {
    let settings = settings_for(global, env, command.name(), Query::PerCard)?;
    let numbers = input::from_args(numbers, std::io::stdin().lock())?;
    let client = Client::build(&settings, global)?;
    let mut emit = Emitter::new(
        Out::stdout(global.output, command.columns()),
        client.provider(),
    );
    // A bar for more cards than one round of requests answers.
    let progress_above = client.batch_size() * concurrency(global);
    let ran = client
        .run(query::Run {
            command,
            numbers,
            emit: &mut emit,
            progress_above,
        })
        .await?;
    finish(emit, &ran.progress, ran.interrupted, None)
}

async fn cards(
    global: &GlobalArgs,
    env: Env,
    operator: Option<Operator>,
) -> Result<Exit, CliError> {
    let settings = settings_for(global, env, "cards", Query::Cards)?;
    let client = Client::build(&settings, global)?;
    let tencent = tencent_only(&client, "cards", Query::Cards)?;
    let mut emit = Emitter::new(Out::stdout(global.output, columns::CARD), client.provider());
    let total = listing::expected_cards(tencent, operator, std::io::stderr().is_terminal()).await;
    let progress = Progress::start(total);
    let interrupted = tokio::select! {
        done = listing::cards(tencent, operator, &mut emit, &progress) => {
            done?;
            false
        }
        () = signals::interrupted() => true,
    };
    finish(emit, &progress, interrupted, None)
}

async fn account(global: &GlobalArgs, env: Env) -> Result<Exit, CliError> {
    let settings = settings_for(global, env, "account", Query::Account)?;
    let client = Client::build(&settings, global)?;
    let tencent = tencent_only(&client, "account", Query::Account)?;
    let mut emit = Emitter::new(
        Out::stdout(global.output, columns::ACCOUNT),
        client.provider(),
    );
    listing::account(tencent, &mut emit).await?;
    finish(emit, &Progress::hidden(), false, None)
}

async fn export(global: &GlobalArgs, env: Env, args: &ExportArgs) -> Result<Exit, CliError> {
    let source = Source::from_flag(args.from.as_deref());
    let settings = settings_for(global, env, "export", Query::Export)?;
    let provider = settings.provider();
    let counted = match (&source, provider) {
        (Source::List, Provider::Iotbos) => {
            return Err(CliError::NoCards(
                "IoTBOS has no call that lists an account's cards: give the numbers with \
                 --from FILE (or --from - to read standard input)"
                    .into(),
            ))
        }
        (Source::File(path), Provider::Iotbos) => Some(export::check_file::<CardNumber>(path)?),
        (Source::File(path), Provider::Tencent) => Some(export::check_file::<Iccid>(path)?),
        _ => None,
    };
    let client = Client::build(&settings, global)?;
    let out = match &args.out {
        Some(path) => Out::file(path, global.output, columns::CARD)?,
        None => Out::stdout(global.output, columns::CARD),
    };
    let mut emit = Emitter::new(out, provider);
    let visible = std::io::stderr().is_terminal();
    let progress = Progress::start(export::total(&client, &source, counted, visible).await);
    let stopped = client
        .run(export::Export {
            source: &source,
            emit: &mut emit,
            progress: &progress,
        })
        .await?;
    let written = emit.written();
    let destination = emit.destination().to_owned();
    let exit = finish(
        emit,
        &progress,
        stopped.interrupted,
        stopped.last.as_deref(),
    )?;
    match stopped.bad_input {
        Some(e) => {
            eprintln!("iotcard: stopped: {written} complete records written to {destination}");
            Err(e)
        }
        None => Ok(exit),
    }
}

/// Completes the output and says on stderr what was not answered, then
/// gives the exit status.
fn finish(
    emit: Emitter,
    progress: &Progress,
    interrupted: bool,
    last: Option<&str>,
) -> Result<Exit, CliError> {
    progress.finish();
    let destination = emit.destination().to_owned();
    let tally = emit.finish()?;
    for failure in &tally.failures {
        eprintln!("iotcard: {failure}");
    }
    if let Some(gaps) = tally.gaps() {
        eprintln!("iotcard: {gaps}");
    }
    if let Some(short) = &tally.short {
        eprintln!("iotcard: incomplete: {short}");
    }
    if interrupted {
        let last = last
            .map(|c| format!("; the last is card {c}"))
            .unwrap_or_default();
        eprintln!(
            "iotcard: interrupted: {} complete records written to {destination}{last}",
            tally.total()
        );
        return Ok(Exit::Interrupted);
    }
    Ok(tally.exit())
}
