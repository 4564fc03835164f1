//! `/healthz`: 200 while every watched account synced within its bound,
//! 503 naming the accounts otherwise.

#[path = "support/synthetic.rs"]
mod synthetic;

use std::time::Duration;

use iotcard_observe::{health, WatchedAccount, STALENESS_SLACK};
use synthetic::{small, sync, t};

#[test]
fn current_accounts_are_healthy() {
    let figures = small();
    // Last successes 08:50:42 and 08:51:42, bound 2 × 15 min + 5 min.
    let verdict = health(&figures, t("2026-11-30T09:25:42+08:00"));
    assert!(verdict.is_ok(), "{verdict:?}");
    assert_eq!(
        (verdict.status_code(), verdict.body().as_str()),
        (200, "ok\n")
    );
}

#[test]
fn a_stale_account_is_named_with_its_age_and_bound() {
    let figures = small();
    let verdict = health(&figures, t("2026-11-30T09:26:00+08:00"));
    assert_eq!(verdict.status_code(), 503);
    assert_eq!(verdict.problems.len(), 1, "{verdict:?}");
    let body = verdict.body();
    assert!(body.contains("account \"default\""), "{body}");
    assert!(body.contains("2026-11-30T00:50:42Z"), "{body}");
    assert!(
        body.contains("35m ago") && body.contains("bound of 35m"),
        "{body}"
    );
    assert!(body.contains("latest pass was finished"), "{body}");
    // Later both are stale: one line each.
    let verdict = health(&figures, t("2026-11-30T12:00:00+08:00"));
    assert_eq!(verdict.problems.len(), 2);
    assert!(verdict.body().contains("\"shop2\""));
}

#[test]
fn an_account_never_synced_counts_from_the_watchers_start() {
    let mut figures = small();
    figures.watched.push(WatchedAccount {
        profile: "new".into(),
        interval: Duration::from_secs(60),
    });
    figures
        .aggregates
        .syncs
        .push(sync("new", 3, "iotbos", None));
    // Started 08:00; bound 2 min + slack.
    let bound = Duration::from_secs(120) + STALENESS_SLACK;
    let started = figures.started_at;
    let within = started + chrono::Duration::from_std(bound).unwrap();
    // The other accounts' last successes are at 08:50: look before then
    // with them made current.
    for s in &mut figures.aggregates.syncs {
        if s.profile != "new" {
            s.last_success = Some(started);
        }
    }
    assert!(health(&figures, within).is_ok());
    let verdict = health(&figures, within + chrono::Duration::seconds(1));
    assert_eq!(verdict.problems.len(), 1, "{verdict:?}");
    assert!(
        verdict.problems[0]
            .starts_with("account \"new\": no successful sync in the 7m since the watcher started"),
        "{verdict:?}"
    );
    // Not in the store at all (no row yet): the same.
    figures.aggregates.syncs.retain(|s| s.profile != "new");
    assert_eq!(
        health(&figures, within + chrono::Duration::seconds(1))
            .problems
            .len(),
        1
    );
}

#[test]
fn accounts_not_watched_do_not_count() {
    let mut figures = small();
    figures.watched.retain(|w| w.profile == "shop2");
    let verdict = health(&figures, t("2026-11-30T09:26:30+08:00"));
    assert!(verdict.is_ok(), "{verdict:?}");
}
