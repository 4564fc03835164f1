//! `iotcard-bench`: the measuring side of `cargo xtask bench` and
//! `cargo xtask soak`. Every subcommand prints one JSON line on standard
//! output, for the xtask (which has only the standard library) to read.
//!
//! - `facade` polls the usage of every card in a file through
//!   [`iotcard_facade::IotbosClient`]; `baseline` polls the same cards the
//!   way a quick hand-written client does (reqwest + `serde_json::Value`).
//!   Both report the cards, the wall time, and this process's CPU time and
//!   peak resident memory from getrusage(2).
//! - `peak-rss [--stdin FILE] [--stdout FILE] -- CMD…` runs a command and
//!   reports its wall time, CPU time and peak resident memory.
//! - `sim-stats` reads a simulator's `GET /__sim/stats`, flattened.
//! - `compare` checks a soak export against a clean one, card by card.

mod args;
mod baseline;
mod clock;
mod compare;
mod error;
mod facade;
mod history_read;
mod numbers;
mod peak_rss;
mod poll;
mod rusage;
mod sim_stats;

use std::process::ExitCode;

use clap::Parser;

use args::{Args, Command};
use error::BenchError;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("iotcard-bench: {}", chain(&error));
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), BenchError> {
    let line = match args.command {
        Command::Facade(poll) => runtime()?.block_on(facade::poll(&poll))?.to_json(),
        Command::Baseline(poll) => runtime()?.block_on(baseline::poll(&poll))?.to_json(),
        Command::PeakRss {
            stdin,
            stdout,
            command,
        } => peak_rss::run(
            &command,
            &peak_rss::Streams {
                stdin: stdin.as_deref(),
                stdout: stdout.as_deref(),
            },
        )?,
        Command::SimStats { endpoint } => runtime()?.block_on(sim_stats::fetch(&endpoint))?,
        Command::Compare(files) => compare::run(&files)?,
        Command::HistoryRead(args) => runtime()?.block_on(history_read::run(&args))?,
    };
    println!("{line}");
    Ok(())
}

/// `error` and each cause below it, joined with `": "`: every error here
/// shows one level in Display, its cause in `source()`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// The runtime `#[tokio::main]` gives: one worker per core. Both pollers
/// run on it, so neither gets a scheduler the other lacks.
fn runtime() -> Result<tokio::runtime::Runtime, BenchError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(BenchError::Runtime)
}
