//! Writing snapshots: exactness, idempotence, atomicity, compactness.

use iotcard_model::{CardSnapshot, CardStatus, Plan};
use iotcard_store::{Batch, FleetFilter, Observation, Store, StoreError, SCHEMA_VERSION};

use crate::common::{self, account, batch, full, sync, t, usage};

pub async fn round_trip_is_exact(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let at = t("2026-11-30T09:00:00+08:00");
    let mut bare = CardSnapshot {
        card: "1064800000002".into(),
        ..CardSnapshot::default()
    };
    bare.usage = Some(Default::default());
    sync(store, acc, at, vec![full("1064800000001"), bare.clone()]).await;
    let fleet = store.fleet(&FleetFilter::default(), at).await.unwrap();
    assert_eq!(fleet.len(), 2);
    assert_eq!(fleet[0].snapshot, full("1064800000001"));
    assert_eq!(fleet[1].snapshot, bare, "Some(Usage::default()) stays Some");
    assert_eq!(fleet[0].taken_at, at);
    assert_eq!(fleet[0].card.first_seen, Some(at));
    let plan = fleet[0].snapshot.plan.as_ref().unwrap();
    assert_eq!(plan.monthly_fee.unwrap().to_string(), "1.00");
    assert_eq!(plan.included_data.unwrap().amount.to_string(), "1024.000");
    let expiry = fleet[0].snapshot.expires_at.unwrap();
    assert_eq!(
        expiry.to_rfc3339(),
        "2027-01-31T23:59:59+08:00",
        "the offset comes back"
    );
    let history = store
        .history(fleet[0].card.id, at, t("2026-12-01T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].snapshot, full("1064800000001"));
}

pub async fn rewriting_is_idempotent(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let at = t("2026-11-30T09:00:00+08:00");
    let run = store.begin_run(acc, at).await.unwrap();
    let cards: Vec<CardSnapshot> = (0..50)
        .map(|i| usage(&format!("10648000{i:05}"), "10", 1))
        .collect();
    let first = store
        .write_snapshots(run, &batch(at, cards.clone()))
        .await
        .unwrap();
    assert_eq!((first.written, first.duplicates), (50, 0));
    // The same batch again (a retried commit), and a batch repeating a card.
    let again = store
        .write_snapshots(run, &batch(at, cards.clone()))
        .await
        .unwrap();
    assert_eq!((again.written, again.duplicates), (0, 50));
    let twice = store
        .write_snapshots(run, &batch(at, vec![cards[0].clone(), cards[0].clone()]))
        .await
        .unwrap();
    assert_eq!((twice.written, twice.duplicates), (0, 2));
    let stats = store.stats().await.unwrap();
    assert_eq!(
        (stats.cards, stats.snapshots, stats.states, stats.daily),
        (50, 50, 50, 50)
    );
    let card = store.find_cards("1064800000000").await.unwrap()[0].id;
    let days = store
        .daily_by_card(card, at.date_naive(), at.date_naive())
        .await
        .unwrap();
    assert_eq!(
        days[0].snapshots, 1,
        "a duplicate is not counted in its day"
    );
}

pub async fn a_failed_batch_writes_nothing(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let at = t("2026-11-30T09:00:00+08:00");
    let run = store.begin_run(acc, at).await.unwrap();
    let mut broken = batch(at, vec![usage("1064800000001", "1", 1), usage("", "2", 2)]);
    broken.not_found = 3;
    let error = store.write_snapshots(run, &broken).await.unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
    assert!(error.to_string().contains("card key"), "{error}");
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.cards, stats.snapshots), (0, 0));
    let runs = store.sync_runs(&[], 10).await.unwrap();
    assert_eq!(
        runs[0].counts.not_found, 0,
        "counters go with their snapshots"
    );
}

pub async fn an_unchanged_state_is_stored_once(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    for hour in 0..6 {
        let at = t(&format!("2026-11-30T{hour:02}:00:00+08:00"));
        let mut snapshot = full("1064800000001");
        snapshot.usage.as_mut().unwrap().data_used = Some(iotcard_model::DataAmount::mb(
            format!("{}.5", 10 + hour).parse().unwrap(),
        ));
        sync(store, acc, at, vec![snapshot]).await;
    }
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.snapshots, stats.states), (6, 1));
}

pub async fn state_changes_show_in_history(store: &Store) {
    let acc = account(store, "default", "tencent").await;
    let statuses = [
        CardStatus::Active,
        CardStatus::Active,
        CardStatus::Suspended,
        CardStatus::Suspended,
        CardStatus::Other("9".into()),
        CardStatus::Active,
    ];
    for (day, status) in statuses.iter().enumerate() {
        let mut snapshot = usage("1064800000001", &format!("{day}"), 0);
        snapshot.status = Some(status.clone());
        if day >= 3 {
            snapshot.plan = Some(Plan {
                name: Some("bigger".into()),
                ..Plan::default()
            });
        }
        sync(
            store,
            acc,
            t(&format!("2026-11-0{}T09:00:00+08:00", day + 1)),
            vec![snapshot],
        )
        .await;
    }
    assert_eq!(store.stats().await.unwrap().states, 5);
    let card = store.find_cards("1064800000001").await.unwrap()[0].id;
    let history = store
        .history(card, t("2026-11-01T00:00:00Z"), t("2026-12-01T00:00:00Z"))
        .await
        .unwrap();
    let got: Vec<_> = history
        .iter()
        .map(|h| h.snapshot.status.clone().unwrap())
        .collect();
    assert_eq!(got, statuses);
    assert!(history[2].snapshot.plan.is_none() && history[3].snapshot.plan.is_some());
}

pub async fn older_snapshots_fill_in_as_if_in_order(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let times = [
        "2026-11-01T09:00:00+08:00",
        "2026-11-02T09:00:00+08:00",
        "2026-11-02T21:00:00+08:00",
        "2026-11-04T09:00:00+08:00",
        "2026-12-01T09:00:00+08:00",
    ];
    let figures = ["10", "15", "17.5", "30", "2"];
    let status = |i: usize| {
        if i == 2 {
            CardStatus::Suspended
        } else {
            CardStatus::Active
        }
    };
    let snap = |key: &str, i: usize| {
        let mut s = usage(key, figures[i], i as i64);
        s.status = Some(status(i));
        s
    };
    // One card in order, one in a scrambled order, one batch each.
    let run = store.begin_run(acc, t(times[0])).await.unwrap();
    for (i, time) in times.iter().enumerate() {
        store
            .write_snapshots(run, &batch(t(time), vec![snap("1064800000001", i)]))
            .await
            .unwrap();
    }
    for i in [3, 0, 4, 2, 1] {
        store
            .write_snapshots(run, &batch(t(times[i]), vec![snap("1064800000002", i)]))
            .await
            .unwrap();
    }
    // And several times of one card in a single batch, out of order.
    let mixed = Batch {
        snapshots: [4, 1, 0, 3, 2]
            .into_iter()
            .map(|i| Observation {
                taken_at: t(times[i]),
                snapshot: snap("1064800000003", i),
            })
            .collect(),
        ..Batch::default()
    };
    store.write_snapshots(run, &mixed).await.unwrap();
    let range = (t("2026-10-01T00:00:00Z"), t("2027-01-01T00:00:00Z"));
    let days = (range.0.date_naive(), range.1.date_naive());
    let mut want = None;
    for key in ["1064800000001", "1064800000002", "1064800000003"] {
        let card = store.find_cards(key).await.unwrap()[0].clone();
        let history: Vec<_> = store
            .history(card.id, range.0, range.1)
            .await
            .unwrap()
            .into_iter()
            .map(|h| (h.taken_at, h.snapshot.status, h.snapshot.usage))
            .collect();
        let daily: Vec<_> = store
            .daily_by_card(card.id, days.0, days.1)
            .await
            .unwrap()
            .into_iter()
            .map(|mut d| {
                d.card = iotcard_store::CardId(0);
                d
            })
            .collect();
        assert_eq!(card.first_seen, Some(t(times[0])), "{key}");
        assert_eq!(card.last_seen, Some(t(times[4])), "{key}");
        match &want {
            None => want = Some((history, daily)),
            Some(want) => assert_eq!(&(history, daily), want, "{key} differs from in-order"),
        }
    }
    let (_, daily) = want.unwrap();
    let figures: Vec<_> = daily
        .iter()
        .map(|d| (d.day.to_string(), d.data_used.map(|a| a.amount.to_string())))
        .collect();
    assert_eq!(
        figures,
        [
            ("2026-11-01".into(), None),
            ("2026-11-02".into(), Some("7.5".into())),
            ("2026-11-04".into(), Some("12.5".into())),
            ("2026-12-01".into(), Some("2".into())),
        ]
    );
}

pub async fn a_newer_schema_is_refused(store: &Store) {
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    let url = store.url().clone();
    match &url {
        iotcard_store::StoreUrl::Sqlite(_) => {
            common::raw(
                store,
                &format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1),
            )
            .await;
        }
        _ => {
            common::raw(
                store,
                &format!("INSERT INTO schema_version VALUES ({})", SCHEMA_VERSION + 1),
            )
            .await;
        }
    }
    let error = Store::open_url(url).await.unwrap_err();
    match &error {
        StoreError::TooNew { found, supported } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected TooNew, got {other}"),
    }
    assert!(error.to_string().contains("upgrade iotcard"), "{error}");
}

pub async fn views_have_the_documented_columns(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let at = t("2026-11-30T09:00:00+08:00");
    sync(store, acc, at, vec![full("1064800000001")]).await;
    sync(
        store,
        acc,
        t("2026-12-01T09:00:00+08:00"),
        vec![full("1064800000001")],
    )
    .await;
    let documented: [(&str, &[&str]); 4] = [
        (
            "latest_snapshot",
            &[
                "card_id",
                "profile",
                "provider",
                "card",
                "iccid",
                "msisdn",
                "operator",
                "kind",
                "taken_at",
                "status",
                "network",
                "sms_used",
                "data_used",
                "sms_left",
                "data_left",
                "data_unit",
                "plan_name",
                "monthly_fee",
                "included_sms",
                "sms_overage_price",
                "included_data",
                "data_overage_price",
                "product_id",
                "pool_id",
                "expires_at",
                "first_seen",
                "last_seen",
                "inventory",
            ],
        ),
        (
            "card_history",
            &[
                "card_id",
                "profile",
                "card",
                "taken_at",
                "status",
                "network",
                "sms_used",
                "data_used",
                "sms_left",
                "data_left",
                "data_unit",
                "plan_name",
                "included_data",
                "expires_at",
            ],
        ),
        (
            "daily_usage",
            &[
                "card_id",
                "profile",
                "card",
                "day",
                "data_used",
                "data_unit",
                "sms_used",
                "snapshots",
                "covers_from",
                "period_reset",
            ],
        ),
        (
            "sync_runs",
            &[
                "run_id",
                "profile",
                "provider",
                "started_at",
                "ended_at",
                "outcome",
                "cards_asked",
                "cards_answered",
                "cards_not_found",
                "cards_failed",
                "first_errors",
            ],
        ),
    ];
    for (view, want) in documented {
        assert_eq!(common::columns(store, view).await, want, "{view}");
    }
    let latest = common::texts(
        store,
        "SELECT CAST(data_used AS TEXT), CAST(data_left AS TEXT), CAST(monthly_fee AS TEXT), status, data_unit FROM latest_snapshot",
        "SELECT data_used::text, data_left::text, monthly_fee::text, status, data_unit FROM latest_snapshot",
    )
    .await;
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        latest,
        [vec![
            some("14.970"),
            some("-8359"),
            some("1.00"),
            some("冻结"),
            some("mb")
        ]]
    );
    let rows = common::texts(
        store,
        "SELECT day, CAST(period_reset AS TEXT) FROM daily_usage ORDER BY day",
        "SELECT day::text, CASE WHEN period_reset THEN '1' ELSE '0' END FROM daily_usage ORDER BY day",
    )
    .await;
    assert_eq!(
        rows,
        [
            vec![some("2026-11-30"), some("0")],
            vec![some("2026-12-01"), some("1")]
        ]
    );
    let history = common::texts(
        store,
        "SELECT CAST(count(*) AS TEXT) FROM card_history",
        "SELECT count(*)::text FROM card_history",
    )
    .await;
    assert_eq!(history, [vec![some("2")]]);
    let runs = common::texts(
        store,
        "SELECT outcome, started_at FROM sync_runs ORDER BY run_id",
        "SELECT outcome, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM sync_runs ORDER BY run_id",
    )
    .await;
    assert_eq!(runs[0], [some("finished"), some("2026-11-30T01:00:00Z")]);
}
