//! The flags of the watcher's commands: `watch`, `rules`, `alerts` and
//! `notify`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use crate::quantities::parse_span;

/// Options of `watch`.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// One pass of every account, the rules, delivery of what is due, then exit
    /// (for cron and tests)
    #[arg(long)]
    pub once: bool,

    /// Serve /metrics, /healthz and the status page on ADDRESS (not with --once)
    #[arg(
        long,
        value_name = "ADDRESS",
        default_value = DEFAULT_LISTEN,
        conflicts_with_all = ["no_listen", "once"]
    )]
    pub listen: SocketAddr,

    /// Serve no HTTP at all
    #[arg(long)]
    pub no_listen: bool,
}

/// Where `watch` serves its metrics by default: this host only (the
/// exporter's port in Prometheus' default port allocations, 9464).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

impl WatchArgs {
    /// The address to serve on, unless told not to or running once.
    pub fn listen_on(&self) -> Option<SocketAddr> {
        (!self.no_listen && !self.once).then_some(self.listen)
    }
}

/// `rules`: the `[[rules]]` of the config file.
#[derive(Debug, Clone, Subcommand)]
pub enum RulesCommand {
    /// Check the rules and notifiers and say what each rule does
    Check,
    /// When each rule would have fired and resolved, from the stored history
    Replay(ReplayArgs),
}

/// Options of `rules replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// How far back: 30d, 12h, 2w (a bare number is days)
    #[arg(long, value_name = "SPAN", value_parser = parse_span, default_value = "30d")]
    pub since: Duration,
}

/// Options of `alerts`.
#[derive(Debug, Clone, Args)]
pub struct AlertsArgs {
    /// Only the alerts firing now (not pending ones)
    #[arg(long)]
    pub firing: bool,
}

/// `notify`: the `[notifiers.NAME]` of the config file.
#[derive(Debug, Clone, Subcommand)]
pub enum NotifyCommand {
    /// Send a sample notification through notifier NAME
    Test {
        /// The notifier, as named in `[notifiers.NAME]`
        #[arg(value_name = "NAME")]
        name: String,
    },
}

/// How log lines are written on stderr.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, ValueEnum)]
pub enum LogFormat {
    /// Lines for reading
    #[default]
    Text,
    /// One JSON object per line
    Json,
}
