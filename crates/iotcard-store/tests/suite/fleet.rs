//! Reading the fleet and one card's history.

use std::time::Duration;

use iotcard_model::{CardStatus, DataAmount, Operator, Plan, Remaining, Usage};
use iotcard_store::{FleetFilter, Store};

use crate::common::{account, full, sync, t, usage};

const DAY: Duration = Duration::from_secs(86_400);

fn keys(fleet: &[iotcard_store::FleetCard]) -> Vec<String> {
    fleet.iter().map(|c| c.card.key.clone()).collect()
}

pub async fn fleet_filters(store: &Store) {
    let iotbos = account(store, "default", "iotbos").await;
    let tencent = account(store, "shop2", "tencent").await;
    let day1 = t("2026-11-01T09:00:00+08:00");
    let day10 = t("2026-11-10T09:00:00+08:00");
    let mk = |key: &str, used: &str, included: Option<&str>, left: Option<&str>| {
        let mut s = usage(key, used, 0);
        s.operator = Some(Operator::ChinaUnicom);
        s.plan = included.map(|i| Plan {
            included_data: Some(DataAmount::provider_unit(i.parse().unwrap())),
            ..Plan::default()
        });
        s.remaining = left.map(|l| Remaining {
            sms_left: None,
            data_left: Some(DataAmount::provider_unit(l.parse().unwrap())),
        });
        s
    };
    // a: 90 of 100 included; b: 50 used + 50 left; c: silent since day 1;
    // d (other account): full snapshot, unknown status, expires 2027-01-31.
    sync(
        store,
        iotbos,
        day1,
        vec![
            mk("a", "10", Some("100"), None),
            mk("b", "10", None, Some("90")),
            mk("c", "7", None, None),
        ],
    )
    .await;
    sync(store, tencent, day1, vec![full("d")]).await;
    let mut b = mk("b", "50", None, Some("50"));
    b.status = Some(CardStatus::Suspended);
    sync(
        store,
        iotbos,
        day10,
        vec![
            mk("a", "90", Some("100"), None),
            b,
            mk("c", "7", None, None),
        ],
    )
    .await;
    let fleet =
        |filter: FleetFilter| async move { keys(&store.fleet(&filter, day10).await.unwrap()) };
    assert_eq!(fleet(FleetFilter::default()).await, ["a", "b", "c", "d"]);
    assert_eq!(
        fleet(FleetFilter {
            profiles: vec!["shop2".into()],
            ..Default::default()
        })
        .await,
        ["d"]
    );
    assert_eq!(
        fleet(FleetFilter {
            operators: vec![Operator::ChinaMobile],
            ..Default::default()
        })
        .await,
        ["d"]
    );
    assert_eq!(
        fleet(FleetFilter {
            statuses: vec![CardStatus::Suspended, CardStatus::Other("冻结".into())],
            ..Default::default()
        })
        .await,
        ["b", "d"]
    );
    // d expires 2027-01-31: 82 days after day 10.
    let expiring = |days: u64| FleetFilter {
        expiring_within: Some(DAY * days as u32),
        ..Default::default()
    };
    assert!(fleet(expiring(30)).await.is_empty());
    assert_eq!(fleet(expiring(90)).await, ["d"]);
    // a used 0.9, b 0.5, d 14.970 of 1024 MB... in another unit than its
    // included data's (provider unit): no share.
    let used_above = |share: &str| FleetFilter {
        used_above: Some(share.parse().unwrap()),
        ..Default::default()
    };
    assert_eq!(fleet(used_above("0.8")).await, ["a"]);
    assert_eq!(fleet(used_above("0.4")).await, ["a", "b"]);
    assert_eq!(fleet(used_above("0.9")).await, Vec::<String>::new());
    // c used nothing in 9 days; d was seen once (no daily growth) but only
    // for 9 days, so not silent for 30.
    let silent = |days: u64| FleetFilter {
        silent_for: Some(DAY * days as u32),
        ..Default::default()
    };
    assert_eq!(fleet(silent(5)).await, ["c", "d"]);
    assert!(fleet(silent(30)).await.is_empty());
    assert_eq!(
        fleet(FleetFilter {
            profiles: vec!["default".into()],
            silent_for: Some(DAY * 5),
            ..Default::default()
        })
        .await,
        ["c"]
    );
    let all = store.fleet(&FleetFilter::default(), day10).await.unwrap();
    assert_eq!(all[0].taken_at, day10);
    assert_eq!(all[0].card.first_seen, Some(day1));
    assert_eq!(
        all[0].snapshot.usage,
        Some(Usage {
            sms_used: Some(iotcard_model::SmsCount(0)),
            data_used: Some(DataAmount::provider_unit("90".parse().unwrap()))
        })
    );
}

pub async fn history_over_a_range(store: &Store) {
    let acc = account(store, "default", "tencent").await;
    for hour in 0..24 {
        let at = t(&format!("2026-11-30T{hour:02}:00:00Z"));
        sync(
            store,
            acc,
            at,
            vec![usage("1064800000001", &format!("{hour}.0"), hour)],
        )
        .await;
    }
    let card = store.find_cards("1064800000001").await.unwrap()[0].id;
    let history = store
        .history(card, t("2026-11-30T05:00:00Z"), t("2026-11-30T08:00:00Z"))
        .await
        .unwrap();
    let got: Vec<String> = history
        .iter()
        .map(|h| {
            format!(
                "{} {}",
                h.taken_at.to_rfc3339(),
                h.snapshot.usage.as_ref().unwrap().data_used.unwrap().amount
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "2026-11-30T05:00:00+00:00 5.0",
            "2026-11-30T06:00:00+00:00 6.0",
            "2026-11-30T07:00:00+00:00 7.0"
        ]
    );
    let missing = store
        .history(
            iotcard_store::CardId(999_999),
            t("2026-11-30T05:00:00Z"),
            t("2026-11-30T08:00:00Z"),
        )
        .await;
    assert!(missing.is_err());
}

pub async fn cards_are_found_by_any_number(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let other = account(store, "shop2", "iotbos").await;
    let at = t("2026-11-30T09:00:00+08:00");
    sync(store, acc, at, vec![full("1064800000001")]).await;
    sync(store, other, at, vec![full("1064800000001")]).await;
    for number in ["1064800000001", "898602b7091701054333", "1064878384333"] {
        let found = store.find_cards(number).await.unwrap();
        let profiles: Vec<&str> = found.iter().map(|c| c.profile.as_str()).collect();
        assert_eq!(profiles, ["default", "shop2"], "{number}");
    }
    assert!(store.find_cards("1064899999999").await.unwrap().is_empty());
    let card = store.find_cards("1064800000001").await.unwrap()[0].clone();
    assert_eq!(store.card(card.id).await.unwrap(), Some(card));
}
