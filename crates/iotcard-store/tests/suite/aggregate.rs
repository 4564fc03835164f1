//! The exporter's figures ([`Store::aggregates`]) equal what the store's
//! other reads say: the fleet, the runs and the alert rows.

use std::collections::BTreeMap;
use std::time::Duration;

use iotcard_model::{CardStatus, DataAmount, DataUnit, Operator, Remaining};
use iotcard_store::{
    AlertChanges, AlertRow, FleetFilter, OutboxEntry, RunOutcome, Store, FIRING, PENDING,
};

use crate::common::{account, batch, full, sync, t, usage};

fn alert(rule: &str, card: Option<&str>, phase: &str, since: &str) -> AlertRow {
    AlertRow {
        rule: rule.into(),
        profile: "default".into(),
        card: card.map(Into::into),
        phase: phase.into(),
        since: t(since),
        body: "{}".into(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

pub async fn aggregates_equal_the_fleet_and_the_runs(store: &Store) {
    let iotbos = account(store, "default", "iotbos").await;
    let tencent = account(store, "shop2", "tencent").await;
    let idle = account(store, "idle", "iotbos").await;
    let day1 = t("2026-11-01T09:00:00+08:00");
    let day10 = t("2026-11-10T09:00:00+08:00");
    let mut b = usage("b", "50.5", 3);
    b.status = Some(CardStatus::Suspended);
    b.operator = Some(Operator::ChinaUnicom);
    b.remaining = Some(Remaining {
        sms_left: None,
        data_left: Some(DataAmount::provider_unit("-8".parse().unwrap())),
    });
    b.expires_at = Some(t("2026-11-15T00:00:00+08:00"));
    let mut c = usage("c", "7", 1);
    c.expires_at = Some(t("2026-12-01T00:00:00+08:00"));
    sync(
        store,
        iotbos,
        day1,
        vec![usage("a", "1", 1), usage("z", "9", 9)],
    )
    .await;
    sync(store, tencent, day1, vec![full("d"), full("e")]).await;
    // The second pass of `default` supersedes the first: `a` moves on, `z`
    // keeps its day-1 snapshot as its latest.
    sync(store, iotbos, day10, vec![usage("a", "10.25", 2), b, c]).await;
    // An interrupted pass after the finished one: the last run, not the last success.
    let broken = store.begin_run(tencent, day10).await.unwrap();
    store
        .write_snapshots(broken, &batch(day10, vec![]))
        .await
        .unwrap();
    store.mark_interrupted(broken, day10).await.unwrap();
    store
        .commit_evaluation(
            &AlertChanges {
                upserts: vec![
                    alert("quota", Some("a"), FIRING, "2026-11-10T09:00:00+08:00"),
                    alert("quota", Some("b"), FIRING, "2026-11-09T09:00:00+08:00"),
                    alert("quota", Some("c"), PENDING, "2026-11-08T09:00:00+08:00"),
                    alert("sync", None, FIRING, "2026-11-10T08:00:00+08:00"),
                ],
                removals: vec![],
                notices: vec![],
            },
            &[OutboxEntry {
                key: "k1".into(),
                notifier: "ops".into(),
                rule: "quota".into(),
                profile: "default".into(),
                payload: "{}".into(),
                created_at: day10,
                due_at: day10,
            }],
            None,
            day10,
        )
        .await
        .unwrap();

    let got = store.aggregates(day10, 3).await.unwrap();
    let fleet = store.fleet(&FleetFilter::default(), day10).await.unwrap();

    // Cards by account, operator and status: the fleet, counted.
    let mut want: BTreeMap<(String, Option<String>, Option<String>), u64> = BTreeMap::new();
    for card in &fleet {
        let key = (
            card.card.profile.clone(),
            card.snapshot.operator.as_ref().map(|o| o.name().to_owned()),
            card.snapshot.status.as_ref().map(|s| s.as_str().to_owned()),
        );
        *want.entry(key).or_default() += 1;
    }
    let mut counted: BTreeMap<(String, Option<String>, Option<String>), u64> = BTreeMap::new();
    for row in &got.cards {
        let provider = if row.profile == "shop2" {
            "tencent"
        } else {
            "iotbos"
        };
        assert_eq!(row.provider, provider, "{row:?}");
        counted.insert(
            (
                row.profile.clone(),
                row.operator.clone(),
                row.status.clone(),
            ),
            row.cards,
        );
    }
    assert_eq!(counted, want);
    assert_eq!(got.per_card_total, fleet.len() as u64);
    assert_eq!(got.per_card_total, 6);

    // Usage: the fleet's exact decimals, summed per account and unit.
    for profile in ["default", "shop2"] {
        let row = got
            .usage
            .iter()
            .find(|u| u.profile == profile)
            .expect("a usage row per account with cards");
        let (mut used_mb, mut used_pu, mut left_mb, mut left_pu, mut sms) =
            (0.0, 0.0, 0.0, 0.0, 0i64);
        for card in fleet.iter().filter(|c| c.card.profile == profile) {
            let add = |amount: Option<DataAmount>, mb: &mut f64, pu: &mut f64| {
                if let Some(a) = amount {
                    let value = a.amount.to_string().parse::<f64>().unwrap();
                    match a.unit {
                        DataUnit::Mb => *mb += value,
                        _ => *pu += value,
                    }
                }
            };
            let usage = card.snapshot.usage.clone().unwrap_or_default();
            let remaining = card.snapshot.remaining.clone().unwrap_or_default();
            add(usage.data_used, &mut used_mb, &mut used_pu);
            add(remaining.data_left, &mut left_mb, &mut left_pu);
            sms += usage.sms_used.map_or(0, |s| s.0);
        }
        assert!(close(row.data_used_mb, used_mb), "{row:?} vs {used_mb}");
        assert!(close(row.data_used_provider_unit, used_pu), "{row:?}");
        assert!(close(row.data_left_mb, left_mb), "{row:?}");
        assert!(close(row.data_left_provider_unit, left_pu), "{row:?}");
        assert_eq!(row.sms_used, sms, "{row:?}");
        let figures = fleet
            .iter()
            .filter(|c| c.card.profile == profile)
            .map(|c| {
                let used = c
                    .snapshot
                    .usage
                    .as_ref()
                    .and_then(|u| u.data_used)
                    .is_some();
                let left = c
                    .snapshot
                    .remaining
                    .as_ref()
                    .and_then(|r| r.data_left)
                    .is_some();
                u64::from(used) + u64::from(left)
            })
            .sum::<u64>();
        assert_eq!(row.figures, figures, "{row:?}");
    }
    let default = got.usage.iter().find(|u| u.profile == "default").unwrap();
    assert!(close(
        default.data_used_provider_unit,
        10.25 + 50.5 + 7.0 + 9.0
    ));
    assert!(close(default.data_left_provider_unit, -8.0));
    assert_eq!(default.figures, 5);

    // Expiring: what the fleet filter returns for the same windows.
    for (days, pick) in [(7u64, 0usize), (30, 1)] {
        let filter = FleetFilter {
            expiring_within: Some(Duration::from_secs(days * 86_400)),
            ..FleetFilter::default()
        };
        let expected = store.fleet(&filter, day10).await.unwrap();
        for profile in ["default", "shop2"] {
            let want = expected
                .iter()
                .filter(|c| c.card.profile == profile)
                .count() as u64;
            let have = got
                .expiring
                .iter()
                .find(|e| e.profile == profile)
                .map_or(0, |e| [e.within_7d, e.within_30d][pick]);
            assert_eq!(have, want, "{profile} within {days} days");
        }
    }
    let default_expiring = got
        .expiring
        .iter()
        .find(|e| e.profile == "default")
        .unwrap();
    assert_eq!(
        (default_expiring.within_7d, default_expiring.within_30d),
        (1, 2)
    );

    // Alerts: firing only, by rule, counting cards apart from account-level ones.
    assert_eq!(got.alerts.len(), 2, "{:?}", got.alerts);
    assert_eq!(
        (
            got.alerts[0].rule.as_str(),
            got.alerts[0].alerts,
            got.alerts[0].cards
        ),
        ("quota", 2, 2)
    );
    assert_eq!(got.alerts[0].since, t("2026-11-09T09:00:00+08:00"));
    assert_eq!(
        (
            got.alerts[1].rule.as_str(),
            got.alerts[1].alerts,
            got.alerts[1].cards
        ),
        ("sync", 1, 0)
    );
    assert_eq!(got.outbox_pending, 1);

    // Syncs: every account by profile; the latest ended run is what
    // sync_runs lists first, the last success the latest finished one.
    let profiles: Vec<&str> = got.syncs.iter().map(|s| s.profile.as_str()).collect();
    assert_eq!(profiles, ["default", "idle", "shop2"]);
    for sync in &got.syncs {
        let runs = store
            .sync_runs(std::slice::from_ref(&sync.profile), 100)
            .await
            .unwrap();
        assert_eq!(sync.last_run.as_ref(), runs.first(), "{}", sync.profile);
        let success = runs
            .iter()
            .find(|r| r.outcome == RunOutcome::Finished)
            .and_then(|r| r.ended_at);
        assert_eq!(sync.last_success, success, "{}", sync.profile);
        assert_eq!(sync.endpoint_host, "sys.example.com");
    }
    let idle_sync = got.syncs.iter().find(|s| s.account == idle).unwrap();
    assert_eq!(
        (idle_sync.last_run.as_ref(), idle_sync.last_success),
        (None, None)
    );
    let shop2 = got.syncs.iter().find(|s| s.profile == "shop2").unwrap();
    assert_eq!(
        shop2.last_run.as_ref().map(|r| r.outcome),
        Some(RunOutcome::Interrupted)
    );
    assert_eq!(shop2.last_success, Some(day1));

    // Per card: the first `limit` cards by profile and key, their units kept.
    let keys: Vec<(&str, &str)> = got
        .per_card
        .iter()
        .map(|c| (c.profile.as_str(), c.card.as_str()))
        .collect();
    assert_eq!(keys, [("default", "a"), ("default", "b"), ("default", "c")]);
    assert_eq!(got.per_card[1].data_used, Some(50.5));
    assert!(got.per_card[1].used_in_provider_unit);
    assert_eq!(got.per_card[1].data_left, Some(-8.0));
    assert_eq!(got.per_card[2].data_left, None);
    let all = store.aggregates(day10, 100).await.unwrap();
    assert_eq!(all.per_card.len(), 6);
    let d = all.per_card.iter().find(|c| c.card == "d").unwrap();
    assert_eq!(d.data_used, Some(14.97));
    assert!(!d.used_in_provider_unit && d.left_in_provider_unit);
    assert!(store
        .aggregates(day10, 0)
        .await
        .unwrap()
        .per_card
        .is_empty());
}

pub async fn an_empty_store_has_empty_aggregates(store: &Store) {
    let got = store
        .aggregates(t("2026-11-10T09:00:00+08:00"), 10)
        .await
        .unwrap();
    assert_eq!(got, iotcard_store::FleetAggregates::default());
}
