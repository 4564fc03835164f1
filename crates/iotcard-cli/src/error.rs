//! Everything that can stop a command, each with the exit status it means.

use std::io;
use std::path::PathBuf;

use crate::exit::Exit;
use crate::provider::Provider;

/// Why a command stopped. The message is shown on stderr as `iotcard: <message>`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A setting has no value anywhere it may come from.
    #[error("{setting} is not set: {hint}")]
    MissingSetting {
        /// The setting, as an operator calls it ("IoTBOS password").
        setting: &'static str,
        /// Where it may come from.
        hint: String,
    },

    /// A setting has a value that cannot work.
    #[error("{setting} {shown} (from {origin}) {reason}")]
    InvalidSetting {
        /// The setting, as an operator calls it.
        setting: &'static str,
        /// The value as it may be shown (never a secret).
        shown: String,
        /// Where the value came from (an environment variable or a file table).
        origin: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Neither or both platforms are configured and none was chosen.
    #[error("{0}")]
    NoProvider(String),

    /// An explicitly named config file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },

    /// The config file is not valid TOML or not the documented layout.
    ///
    /// Holds the parser's message and position only: the parser's full
    /// rendering quotes the offending line, which may hold a password.
    #[error(
        "config file {} is not valid{}: {message}",
        path.display(),
        line.map(|l| format!(" (line {l})")).unwrap_or_default()
    )]
    ConfigParse {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the problem, when the parser knows it.
        line: Option<usize>,
        /// The parser's message, without the quoted source line.
        message: String,
    },

    /// A value of the watcher's tables (`[watch]`, a profile's
    /// `watch_interval`, a rule's scope) cannot work.
    #[error("config file {}: {place} {reason}", path.display())]
    InvalidWatch {
        /// The file.
        path: PathBuf,
        /// The key and its table (`` `interval` under [watch] ``).
        place: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Some `[notifiers.NAME]` tables cannot make a notifier; each is named.
    #[error("config file {}: {}", path.display(), problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Notifiers {
        /// The file.
        path: PathBuf,
        /// One problem per notifier (they name the notifier and the key,
        /// never a secret).
        problems: Vec<iotcard_notify::NotifyError>,
    },

    /// A `[[rules]]` table cannot make a rule, or names a notifier no
    /// `[notifiers.NAME]` defines.
    #[error("config file {}: [[rules]]: {source}", path.display())]
    Rules {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the rule.
        source: iotcard_rules::RulesError,
    },

    /// `notify test NAME` names no notifier.
    #[error("unknown notifier {name:?}: {known}")]
    UnknownNotifier {
        /// The name asked for.
        name: String,
        /// What the file does define.
        known: String,
    },

    /// The HTTP transport for notifications could not be set up (a CA
    /// file without certificates).
    #[error("cannot set up the notifications' HTTP client: {}", with_sources(.0))]
    Transport(#[source] iotcard_transport::TransportError),

    /// The deliverer could not be set up (an unreadable CA file, or one
    /// that is not PEM).
    #[error("cannot set up delivery: {}", with_sources(.0))]
    Delivery(#[source] iotcard_watch::WatchError),

    /// The watcher stopped on a failure, or refused its plan.
    #[error("watch: {}", with_sources(.0))]
    Watch(#[source] iotcard_watch::WatchError),

    /// `--profile NAME` names no profile.
    #[error("unknown profile {name:?}: {known}")]
    UnknownProfile {
        /// The profile asked for.
        name: String,
        /// What the file does define.
        known: String,
    },

    /// The chosen platform has no call for this command.
    #[error("`{command}` is not offered by {provider}: {why}")]
    NotOffered {
        /// The command.
        command: &'static str,
        /// The platform.
        provider: Provider,
        /// What it lacks and what to do instead.
        why: &'static str,
    },

    /// A card number cannot be valid for the chosen platform.
    #[error("{}invalid card number {value:?} for {provider}: {reason}", at.as_deref().unwrap_or(""))]
    InvalidCard {
        /// The value as given.
        value: String,
        /// The platform it was meant for.
        provider: Provider,
        /// Why it cannot be valid.
        reason: String,
        /// Where it was read (`numbers.txt line 7: `), when not an argument.
        at: Option<String>,
    },

    /// Card numbers were asked for but none were given.
    #[error("no card numbers given: {0}")]
    NoCards(String),

    /// Card numbers could not be read.
    #[error("cannot read card numbers from {from}: {source}")]
    ReadCards {
        /// The file, or standard input.
        from: String,
        /// Why.
        source: io::Error,
    },

    /// The simulator could not start.
    #[cfg(feature = "simulator")]
    #[error("the simulator cannot start: {}", with_sources(.0))]
    Simulator(#[source] iotcard_sim::SimError),

    /// `sim --robot`: the robot could not listen.
    #[cfg(feature = "simulator")]
    #[error("the simulator's robot cannot start: {0}")]
    Robot(#[source] io::Error),

    /// The async runtime could not start (out of threads or file handles).
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] io::Error),

    /// The facade refused the settings (an endpoint it cannot use, a CA
    /// file without certificates…); nothing was sent.
    #[error("cannot set up the {provider} client: {}", with_sources(.source))]
    ClientSetup {
        /// The platform.
        provider: Provider,
        /// The facade's reason.
        source: iotcard_facade::Error,
    },

    /// A call that is not per card (the account, the card list) failed.
    #[error("{what} failed: {}", with_hint(source))]
    Platform {
        /// What was asked (`Tencent getappinfo`).
        what: String,
        /// The facade's error, after retries.
        source: iotcard_facade::Error,
    },

    /// A step of the demo did not end as the tour expects.
    #[cfg(feature = "simulator")]
    #[error("the demo went wrong: {0}")]
    Demo(String),

    /// The fleet history store could not be opened or failed.
    #[error("the store {what}: {}", with_sources(.source))]
    Store {
        /// What was being done (`cannot be opened`, `failed reading the fleet`).
        what: &'static str,
        /// The store's error (a PostgreSQL password in its URL shown as `***`).
        source: iotcard_store::StoreError,
    },

    /// A sync pass stopped on a store failure.
    #[error("sync of profile {profile:?} stopped: {}", with_sources(.source))]
    Sync {
        /// The profile being synced.
        profile: String,
        /// Why.
        source: iotcard_sync::SyncError,
    },

    /// A card asked about is not in the store.
    #[error("{0}")]
    NotInStore(String),

    /// The fleet report could not be made (a bad period) or rendered.
    #[error("{}", with_sources(.0))]
    Report(iotcard_report::ReportError),

    /// Writing the records failed (disk full, closed pipe, …).
    #[error("cannot write the output to {to}: {source}")]
    WriteOutput {
        /// Standard output or the file.
        to: String,
        /// Why.
        source: io::Error,
    },
}

impl CliError {
    /// The exit status this error means.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::MissingSetting { .. }
            | CliError::InvalidSetting { .. }
            | CliError::NoProvider(_)
            | CliError::ConfigRead { .. }
            | CliError::ConfigParse { .. }
            | CliError::UnknownProfile { .. }
            | CliError::InvalidWatch { .. }
            | CliError::Notifiers { .. }
            | CliError::Rules { .. }
            | CliError::UnknownNotifier { .. }
            | CliError::Transport(_)
            | CliError::Delivery(_)
            | CliError::NotOffered { .. }
            | CliError::ClientSetup { .. }
            | CliError::InvalidCard { .. }
            | CliError::NoCards(_)
            | CliError::ReadCards { .. }
            | CliError::NotInStore(_) => Exit::Usage,
            // A URL that cannot be understood or a store written by a
            // newer iotcard is the operator's to fix; anything else failed.
            CliError::Store { source, .. } => match source {
                iotcard_store::StoreError::BadUrl { .. }
                | iotcard_store::StoreError::NoDefaultLocation(_)
                | iotcard_store::StoreError::TooNew { .. }
                | iotcard_store::StoreError::Invalid(_) => Exit::Usage,
                _ => Exit::Failed,
            },
            CliError::Sync { .. } => Exit::Failed,
            CliError::Report(e) => match e {
                iotcard_report::ReportError::Period(_) => Exit::Usage,
                _ => Exit::Failed,
            },
            CliError::Watch(e) => match e {
                iotcard_watch::WatchError::InvalidPlan { .. } => Exit::Usage,
                _ => Exit::Failed,
            },
            #[cfg(feature = "simulator")]
            CliError::Simulator(e) => match e {
                iotcard_sim::SimError::InvalidSetting { .. }
                | iotcard_sim::SimError::FleetTooLarge { .. } => Exit::Usage,
                _ => Exit::Failed,
            },
            #[cfg(feature = "simulator")]
            CliError::Demo(_) | CliError::Robot(_) => Exit::Failed,
            CliError::WriteOutput { .. } | CliError::Runtime(_) | CliError::Platform { .. } => {
                Exit::Failed
            }
        }
    }

    /// Whether this is stdout closing under us (`iotcard … | head`), which
    /// is the reader's choice, not a failure worth a message.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, CliError::WriteOutput { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// A platform failure's message, with what to do when the cause is a
/// certificate this machine does not trust.
pub fn with_hint(error: &iotcard_facade::Error) -> String {
    let text = with_sources(error);
    if error.is_untrusted_certificate() {
        format!(
            "{text} (the server's certificate is not trusted: set IOTCARD_CA_FILE, or \
             `ca_file` in the config file, to a PEM file of its CA)"
        )
    } else {
        text
    }
}

/// `error: source: source…`: the whole chain, for errors whose own
/// message leaves the cause to `source()` (as the library crates' do).
pub fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(source) = next {
        let shown = source.to_string();
        // Some errors repeat their source in their own message.
        if !text.ends_with(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        next = source.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_and_input_mistakes_are_usage_errors() {
        let not_offered = CliError::NotOffered {
            command: "cards",
            provider: Provider::Iotbos,
            why: "no such call",
        };
        assert_eq!(not_offered.exit(), Exit::Usage);
        assert_eq!(
            not_offered.to_string(),
            "`cards` is not offered by IoTBOS: no such call"
        );
        let bad = CliError::InvalidCard {
            value: "12ab".into(),
            provider: Provider::Iotbos,
            reason: "must be digits".into(),
            at: Some("numbers.txt line 3: ".into()),
        };
        assert_eq!(bad.exit(), Exit::Usage);
        assert_eq!(
            bad.to_string(),
            "numbers.txt line 3: invalid card number \"12ab\" for IoTBOS: must be digits"
        );
    }

    #[cfg(feature = "simulator")]
    #[test]
    fn sources_are_chained_once() {
        let bind = iotcard_sim::SimError::Bind {
            platform: "IoTBOS",
            addr: "127.0.0.1:80".parse().unwrap(),
            source: io::Error::new(io::ErrorKind::PermissionDenied, "permission denied"),
        };
        let e = CliError::Simulator(bind);
        assert_eq!(
            e.to_string(),
            "the simulator cannot start: cannot listen for IoTBOS on 127.0.0.1:80: permission denied"
        );
        assert_eq!(e.exit(), Exit::Failed);
    }

    #[test]
    fn closed_pipe_is_recognised() {
        let closed = CliError::WriteOutput {
            to: "standard output".into(),
            source: io::ErrorKind::BrokenPipe.into(),
        };
        assert!(closed.is_closed_pipe());
        assert_eq!(closed.exit(), Exit::Failed);
        let full = CliError::WriteOutput {
            to: "out.jsonl".into(),
            source: io::Error::other("disk full"),
        };
        assert!(!full.is_closed_pipe());
    }
}
