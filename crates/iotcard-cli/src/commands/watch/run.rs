//! `watch [--once]`: the thin shell over iotcard-watch's [`Watcher`]. It
//! builds the plan from the config, opens the store, stops on SIGTERM or
//! Ctrl-C, and on SIGHUP builds the plan again from the config file: a
//! config that does not check is refused (logged, with why) and the
//! running plan kept.

use std::sync::Arc;

use futures::FutureExt;
use iotcard_facade::SystemClock;
use iotcard_sync::Grade;
use iotcard_watch::daemon::{AccountReport, PassReport};
use iotcard_watch::{OnceReport, RetryPolicy, Server, StatusBoard, Watcher};

use super::delivery::deliverer;
use super::plan;
use crate::cli::GlobalArgs;
use crate::commands::history::location;
use crate::config::Env;
use crate::error::CliError;
use crate::exit::Exit;
use crate::signals;
use crate::watch_args::WatchArgs;

pub async fn run(global: &GlobalArgs, env: Env, args: &WatchArgs) -> Result<Exit, CliError> {
    // Installed first: from here on a SIGHUP reloads instead of ending the
    // process, even while the store opens.
    #[cfg(unix)]
    let hangups = signals::hangups();
    let built = plan::build(global, &env)?;
    let store = location::open(global, &built.sources).await?;
    // The outbox retries with its own backoff: one attempt per round, so a
    // receiver that is down holds no other notification up.
    let deliverer = Arc::new(deliverer(RetryPolicy::once(), None)?);
    let mut watcher = Watcher::builder(store.clone(), deliverer).lease_ttl(built.config.lease_ttl);
    if let Some(holder) = &built.config.holder {
        watcher = watcher.holder(holder.clone());
    }
    // Bound before the first pass: a port in use is an error at start, not
    // a silent watcher without metrics.
    let server = match args.listen_on() {
        Some(address) => {
            let board = Arc::new(
                StatusBoard::new(
                    store,
                    Arc::new(SystemClock::default()),
                    env!("CARGO_PKG_VERSION"),
                    built.config.per_card,
                )
                .map_err(CliError::Watch)?,
            );
            board.refresh(&built.plan).await.map_err(CliError::Watch)?;
            watcher = watcher.status_board(board.clone());
            let server = Server::bind(address, board)
                .await
                .map_err(CliError::Watch)?;
            let bound = server.local_addr().map_err(CliError::Watch)?;
            tracing::info!(address = %bound, "serving /metrics, /healthz and the status page");
            Some(server)
        }
        None => None,
    };
    let watcher = watcher.build().map_err(CliError::Watch)?;
    tracing::info!(
        holder = watcher.holder(),
        accounts = built.plan.accounts.len(),
        rules = built.plan.rules.rules().len(),
        notifiers = built.plan.notifiers.len(),
        "watching"
    );
    if args.once {
        let report = watcher
            .once(&built.plan, signals::stop_requested())
            .await
            .map_err(CliError::Watch)?;
        return Ok(report_once(&report));
    }
    let (plans, receiver) = tokio::sync::watch::channel(Arc::new(built.plan));
    #[cfg(unix)]
    let reloader = hangups.map(|mut hangups| {
        let global = global.clone();
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                match plan::build(&global, &env) {
                    Ok(next) => {
                        tracing::info!(
                            accounts = next.plan.accounts.len(),
                            rules = next.plan.rules.rules().len(),
                            "config reloaded on SIGHUP"
                        );
                        plans.send_replace(Arc::new(next.plan));
                    }
                    Err(e) => tracing::error!(
                        error = %e,
                        "config reload on SIGHUP refused; the running configuration stays in force"
                    ),
                }
            }
        })
    });
    #[cfg(not(unix))]
    let _keep = plans;
    let ran = match server {
        None => watcher.run(receiver, signals::stop_requested()).await,
        Some(server) => {
            let stop = signals::stop_requested().boxed().shared();
            let (watcher_done, watcher_ended) = tokio::sync::oneshot::channel::<()>();
            // The server stops with the watcher, whether signalled or failed.
            let serving = tokio::spawn(server.serve({
                let stop = stop.clone();
                async move {
                    tokio::select! {
                        () = stop => {}
                        _ = watcher_ended => {}
                    }
                }
            }));
            let ran = watcher.run(receiver, stop).await;
            drop(watcher_done);
            if let Err(e) = serving.await {
                tracing::warn!(error = %e, "the status server ended abnormally");
            }
            ran
        }
    };
    #[cfg(unix)]
    if let Some(task) = reloader {
        task.abort();
    }
    ran.map_err(CliError::Watch)?;
    eprintln!("iotcard: watch stopped (a pass in flight committed what it had and is recorded as interrupted)");
    Ok(Exit::Interrupted)
}

/// One line per account and one for delivery on stderr; the exit status
/// as `sync` gives it, and 4 when a notification could not be delivered.
fn report_once(report: &OnceReport) -> Exit {
    let mut worst = Exit::Success;
    for account in &report.accounts {
        eprintln!("iotcard: {}", account_line(account));
        worst = worst.max(account_exit(account));
    }
    let d = &report.delivery;
    eprintln!(
        "iotcard: watch: {} notification{} delivered{}",
        d.delivered,
        if d.delivered == 1 { "" } else { "s" },
        if d.retried > 0 {
            format!(
                ", {} not delivered (kept in the outbox for the next run)",
                d.retried
            )
        } else {
            String::new()
        }
    );
    if d.retried > 0 {
        worst = worst.max(Exit::Failed);
    }
    worst
}

fn account_exit(account: &AccountReport) -> Exit {
    if account.evaluation_error.is_some() {
        return Exit::Failed;
    }
    match &account.pass {
        PassReport::Synced(s) if s.interrupted => Exit::Interrupted,
        PassReport::Synced(s) => match s.grade() {
            Grade::Complete => Exit::Success,
            Grade::Incomplete => Exit::Incomplete,
            _ => Exit::Failed,
        },
        PassReport::Failed(_) => Exit::Failed,
        PassReport::Skipped { .. } => Exit::Success,
        _ => Exit::Failed,
    }
}

/// `watch acme: 40 answered, 1 not found, 0 failed; 41 cards evaluated,
/// 3 alerts changed, 2 notifications queued`.
fn account_line(account: &AccountReport) -> String {
    let pass = match &account.pass {
        PassReport::Synced(s) => format!(
            "{} answered, {} not found, {} failed{}",
            s.answered,
            s.not_found,
            s.failed,
            if s.interrupted { " (interrupted)" } else { "" }
        ),
        PassReport::Failed(why) => format!("the pass failed: {why}"),
        PassReport::Skipped { holder } => {
            format!("skipped: the watcher {holder} holds the account")
        }
        other => format!("{other:?}"),
    };
    let evaluation = match (&account.evaluation, &account.evaluation_error) {
        (_, Some(why)) => format!("the rules could not be evaluated: {why}"),
        (Some(e), None) => format!(
            "{} cards evaluated, {} alert change{}, {} notification{} queued",
            e.cards,
            e.transitions,
            if e.transitions == 1 { "" } else { "s" },
            e.queued,
            if e.queued == 1 { "" } else { "s" }
        ),
        (None, None) => "not evaluated".to_owned(),
    };
    format!("watch {}: {pass}; {evaluation}", account.profile)
}
