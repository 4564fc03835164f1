//! `rules check`: the watcher's tables are valid; what each rule does.

use std::io::Write;

use crate::config::WatchConfig;
use crate::error::CliError;
use crate::exit::Exit;

/// Prints each rule's explanation on stdout, then one line on what is
/// watched and notified. Loading the config has already checked it: a bad
/// rule never gets here (its error names the rule, exit status 2).
pub fn run(config: &WatchConfig) -> Result<Exit, CliError> {
    let mut out = std::io::stdout().lock();
    let write = |out: &mut std::io::StdoutLock<'_>, line: &str| {
        writeln!(out, "{line}").map_err(|source| CliError::WriteOutput {
            to: "standard output".into(),
            source,
        })
    };
    for line in config.rules.explain() {
        write(&mut out, &line)?;
    }
    write(&mut out, &summary(config))?;
    out.flush().map_err(|source| CliError::WriteOutput {
        to: "standard output".into(),
        source,
    })?;
    Ok(Exit::Success)
}

/// `3 rules and 2 notifiers (ops: dingtalk, am: webhook) are valid;
/// watching acme every 1h, shop every 15m.`
pub fn summary(config: &WatchConfig) -> String {
    let rules = config.rules.rules().len();
    let notifiers: Vec<String> = config
        .notifiers
        .iter()
        .map(|n| format!("{}: {}", n.name(), n.kind().as_str()))
        .collect();
    let watching: Vec<String> = config
        .profiles
        .iter()
        .map(|(name, s)| {
            let every = iotcard_rules::Span::from_secs(s.interval.as_secs());
            let budget = s
                .requests_per_minute
                .map(|n| format!(" (at most {n} requests a minute)"))
                .unwrap_or_default();
            format!("{name} every {every}{budget}")
        })
        .collect();
    format!(
        "{rules} rule{} and {} notifier{}{} are valid; {}.",
        if rules == 1 { "" } else { "s" },
        notifiers.len(),
        if notifiers.len() == 1 { "" } else { "s" },
        if notifiers.is_empty() {
            String::new()
        } else {
            format!(" ({})", notifiers.join(", "))
        },
        if watching.is_empty() {
            "no profile configures a platform to watch".to_owned()
        } else {
            format!("watching {}", watching.join(", "))
        }
    )
}
