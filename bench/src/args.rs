//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// End-to-end measurements of iotcard against the simulator.
#[derive(Debug, Parser)]
#[command(name = "iotcard-bench", version)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Poll the usage of every card in a file through IotbosClient::usage.
    Facade(PollArgs),
    /// Poll the same cards with reqwest + serde_json::Value, by hand.
    Baseline(PollArgs),
    /// Run a command and report its peak resident memory and CPU time.
    PeakRss {
        /// Give the command this file as its standard input (default: ours).
        #[arg(long, value_name = "FILE")]
        stdin: Option<PathBuf>,
        /// Send the command's standard output to this file (default: ours,
        /// where the figures line follows it).
        #[arg(long, value_name = "FILE")]
        stdout: Option<PathBuf>,
        /// The command and its arguments (after `--`).
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Print a simulator's `GET /__sim/stats` as one flat JSON object
    /// (`requests.iotbos_usage`, `faults.reset`, …).
    SimStats {
        /// The simulator's IoTBOS base URL.
        #[arg(long, env = "IOTCARD_IOTBOS_ENDPOINT")]
        endpoint: String,
    },
    /// Check a soak export against a clean export of the same cards.
    Compare(CompareArgs),
    /// Write one card's hourly snapshots into a store, then time reading
    /// its history back.
    HistoryRead(HistoryReadArgs),
}

/// What `history-read` writes and reads.
#[derive(Debug, clap::Args)]
pub struct HistoryReadArgs {
    /// The store (sqlite://PATH or postgres://…), created if need be.
    #[arg(long)]
    pub store: String,
    /// Hourly snapshots to write (8,760 is a year).
    #[arg(long, default_value_t = 8_760)]
    pub hours: u32,
    /// Reads timed; the median is reported.
    #[arg(long, default_value_t = 21)]
    pub runs: u32,
}

/// What to poll, and how.
#[derive(Debug, clap::Args)]
pub struct PollArgs {
    /// A file of card numbers, one per line.
    #[arg(long)]
    pub numbers: PathBuf,
    /// Card numbers per request.
    #[arg(long)]
    pub batch: usize,
    /// Requests in flight at once.
    #[arg(long)]
    pub concurrency: usize,
    /// The IoTBOS base URL.
    #[arg(long, env = "IOTCARD_IOTBOS_ENDPOINT")]
    pub endpoint: String,
    /// The IoTBOS account.
    #[arg(long, env = "IOTCARD_IOTBOS_ACCOUNT")]
    pub account: String,
    /// The IoTBOS password (best given in the environment, where a process
    /// list does not show it).
    #[arg(long, env = "IOTCARD_IOTBOS_PASSWORD", hide_env_values = true)]
    pub password: String,
}

/// The files `compare` reads.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The card numbers both exports were asked for, one per line.
    #[arg(long)]
    pub numbers: PathBuf,
    /// The export from a fault-free simulator.
    #[arg(long)]
    pub reference: PathBuf,
    /// The export under faults.
    #[arg(long)]
    pub candidate: PathBuf,
}
