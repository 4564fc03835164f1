//! Daily usage from month-to-date counters, and retention.

use std::time::Duration;

use chrono::NaiveDate;
use iotcard_store::{CardDay, Retention, Store};

use crate::common::{account, sync, t, usage};

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// `(day, data, sms, snapshots, covers_from, reset)` of one row.
type Row = (
    String,
    Option<String>,
    Option<i64>,
    u32,
    Option<String>,
    bool,
);

fn rows(days: &[CardDay]) -> Vec<Row> {
    days.iter()
        .map(|d| {
            (
                d.day.to_string(),
                d.data_used.map(|a| a.amount.to_string()),
                d.sms_used.map(|s| s.0),
                d.snapshots,
                d.covers_from.map(|c| c.to_rfc3339()),
                d.period_reset,
            )
        })
        .collect()
}

async fn card_days(store: &Store, key: &str) -> Vec<CardDay> {
    let card = store.find_cards(key).await.unwrap()[0].id;
    store
        .daily_by_card(card, day("2026-01-01"), day("2027-12-31"))
        .await
        .unwrap()
}

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

pub async fn iotbos_month_rolls_over_in_cst(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let key = "1064800000001";
    // 23:00 CST on Nov 30th is 15:00 UTC, still November; 00:30 CST on
    // Dec 1st is 16:30 UTC on Nov 30th, already the new month. The counter
    // happens to read more than before the boundary: it is still a new month.
    for (at, used, sms) in [
        ("2026-11-30T08:00:00+08:00", "100.50", 10),
        ("2026-11-30T23:00:00+08:00", "120.50", 12),
        ("2026-11-30T16:30:00Z", "130", 1),
        ("2026-12-01T12:00:00+08:00", "131.25", 2),
    ] {
        sync(store, acc, t(at), vec![usage(key, used, sms)]).await;
    }
    assert_eq!(
        rows(&card_days(store, key).await),
        [
            (
                "2026-11-30".into(),
                s("20.00"),
                Some(2),
                2,
                s("2026-11-30T00:00:00+00:00"),
                false
            ),
            (
                "2026-12-01".into(),
                s("131.25"),
                Some(2),
                2,
                s("2026-11-30T15:00:00+00:00"),
                true
            ),
        ]
    );
}

pub async fn tencent_period_resets_on_a_drop(store: &Store) {
    let acc = account(store, "tencent", "tencent").await;
    let key = "1064800000002";
    // Tencent's period is not the calendar month: growth across Nov/Dec is
    // plain growth; the drop on Dec 3rd is the reset.
    for (at, used) in [
        ("2026-11-30T12:00:00+08:00", "1.000"),
        ("2026-12-01T12:00:00+08:00", "3.500"),
        ("2026-12-02T12:00:00+08:00", "9.000"),
        ("2026-12-03T12:00:00+08:00", "0.250"),
        ("2026-12-04T12:00:00+08:00", "1.250"),
    ] {
        sync(store, acc, t(at), vec![usage(key, used, 0)]).await;
    }
    let got: Vec<_> = rows(&card_days(store, key).await)
        .into_iter()
        .map(|(d, data, _, _, _, reset)| (d, data, reset))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-11-30".into(), None, false),
            ("2026-12-01".into(), s("2.500"), false),
            ("2026-12-02".into(), s("5.500"), false),
            ("2026-12-03".into(), s("0.250"), true),
            ("2026-12-04".into(), s("1.000"), false),
        ]
    );
}

pub async fn a_missing_day_is_covered_by_the_next(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let key = "1064800000003";
    for (at, used) in [
        ("2026-11-10T09:00:00+08:00", "10"),
        ("2026-11-11T09:00:00+08:00", "12"),
        // nothing on the 12th
        ("2026-11-13T09:00:00+08:00", "20"),
    ] {
        sync(store, acc, t(at), vec![usage(key, used, 0)]).await;
    }
    let got = rows(&card_days(store, key).await);
    let days: Vec<&str> = got.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(days, ["2026-11-10", "2026-11-11", "2026-11-13"]);
    assert_eq!(got[2].1, s("8"));
    assert_eq!(
        got[2].4,
        s("2026-11-11T01:00:00+00:00"),
        "the row says it spans the gap"
    );
}

pub async fn a_card_that_disappears_and_returns(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let (gone, stays) = ("1064800000004", "1064800000005");
    sync(
        store,
        acc,
        t("2026-11-20T09:00:00+08:00"),
        vec![usage(gone, "5", 1), usage(stays, "1", 0)],
    )
    .await;
    sync(
        store,
        acc,
        t("2026-11-21T09:00:00+08:00"),
        vec![usage(gone, "6", 1), usage(stays, "2", 0)],
    )
    .await;
    // Not found for a while (other cards go on), back within the month…
    for d in 22..=26 {
        sync(
            store,
            acc,
            t(&format!("2026-11-{d}T09:00:00+08:00")),
            vec![usage(stays, "3", 0)],
        )
        .await;
    }
    sync(
        store,
        acc,
        t("2026-11-27T09:00:00+08:00"),
        vec![usage(gone, "16", 3), usage(stays, "3", 0)],
    )
    .await;
    // …then gone again, back in the next month.
    sync(
        store,
        acc,
        t("2026-12-02T09:00:00+08:00"),
        vec![usage(gone, "4", 0)],
    )
    .await;
    let got = rows(&card_days(store, gone).await);
    assert_eq!(
        got.iter()
            .map(|r| (r.0.as_str(), r.1.clone(), r.5))
            .collect::<Vec<_>>(),
        [
            ("2026-11-20", None, false),
            ("2026-11-21", s("1"), false),
            ("2026-11-27", s("10"), false),
            ("2026-12-02", s("4"), true),
        ]
    );
    assert_eq!(got[2].4, s("2026-11-21T01:00:00+00:00"));
    let card = store.find_cards(gone).await.unwrap()[0].clone();
    assert_eq!(card.last_seen, Some(t("2026-12-02T09:00:00+08:00")));
    assert_eq!(card.first_seen, Some(t("2026-11-20T09:00:00+08:00")));
}

pub async fn account_days_sum_exactly(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let other = account(store, "shop2", "iotbos").await;
    sync(
        store,
        acc,
        t("2026-11-01T09:00:00+08:00"),
        vec![usage("a", "0.10", 1), usage("b", "0", 0)],
    )
    .await;
    sync(
        store,
        acc,
        t("2026-11-02T09:00:00+08:00"),
        vec![usage("a", "0.30", 3), usage("b", "0.1", 5)],
    )
    .await;
    sync(
        store,
        other,
        t("2026-11-02T09:00:00+08:00"),
        vec![usage("a", "7", 0)],
    )
    .await;
    let days = store
        .daily_by_account(&["default".into()], day("2026-11-02"), day("2026-11-02"))
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].profile, "default");
    assert_eq!(
        days[0].data_used.unwrap().amount.to_string(),
        "0.30",
        "0.20 + 0.1, exactly"
    );
    assert_eq!((days[0].sms_used.0, days[0].cards), (7, 2));
    let all = store
        .daily_by_account(&[], day("2026-11-01"), day("2026-11-30"))
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let cards = store
        .daily_by_cards(&["shop2".into()], day("2026-11-01"), day("2026-11-30"))
        .await
        .unwrap();
    assert_eq!(cards.len(), 1);
}

pub async fn prune_keeps_what_is_still_needed(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let (busy, quiet) = ("1064800000006", "1064800000007");
    // quiet is seen once, 100 days ago; busy daily for 60 days, its status
    // changing on day 10 and day 50.
    let base = t("2026-08-01T09:00:00+08:00");
    let at = |d: i64| base + chrono::Duration::days(d);
    let mut q = usage(quiet, "1", 0);
    q.status = Some(iotcard_model::CardStatus::Disabled);
    sync(store, acc, at(0), vec![q.clone()]).await;
    for d in 40..100 {
        let mut snapshot = usage(busy, &format!("{d}"), 0);
        if d >= 50 {
            snapshot.status = Some(iotcard_model::CardStatus::Suspended);
        }
        if d >= 90 {
            snapshot.status = Some(iotcard_model::CardStatus::Silent);
        }
        sync(store, acc, at(d), vec![snapshot]).await;
    }
    let now = at(100);
    let before = store.stats().await.unwrap();
    let report = store
        .prune(
            now,
            &Retention {
                daily: Duration::from_secs(86_400 * 45),
                ..Retention::default()
            },
        )
        .await
        .unwrap();
    let after = store.stats().await.unwrap();
    // busy keeps days 65..99 (35 days); quiet keeps its only snapshot.
    assert_eq!(after.snapshots, 35 + 1);
    assert_eq!(report.snapshots, before.snapshots - after.snapshots);
    // busy's Suspended (in effect at day 65) and Silent stay, Active goes;
    // quiet's one state stays.
    assert_eq!(after.states, 3);
    assert_eq!(report.states, 1);
    assert!(report.daily > 0 && after.daily > 0);
    let fleet = store.fleet(&Default::default(), now).await.unwrap();
    assert_eq!(fleet.len(), 2, "the quiet card's latest snapshot is kept");
    assert_eq!(fleet[1].snapshot, q);
    let card = store.find_cards(busy).await.unwrap()[0].id;
    let history = store.history(card, at(0), now).await.unwrap();
    assert_eq!(history.len(), 35);
    assert_eq!(history[0].taken_at, at(65));
    assert_eq!(
        history[0].snapshot.status,
        Some(iotcard_model::CardStatus::Suspended)
    );
    assert_eq!(
        history[34].snapshot.status,
        Some(iotcard_model::CardStatus::Silent)
    );
    // Pruning again removes nothing more; runs older than two years would go.
    let again = store.prune(now, &Retention::default()).await.unwrap();
    assert_eq!((again.snapshots, again.states), (0, 0));
}
