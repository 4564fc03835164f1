//! Generated snapshots (decimals of any scale, negative amounts, unknown
//! statuses, any expiry offset) come back exactly from each backend.

#[path = "../suite/common.rs"]
#[allow(dead_code)]
mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, FixedOffset, TimeZone};
use iotcard_model::{
    CardKind, CardSnapshot, CardStatus, DataAmount, DataUnit, Decimal, Instant, Money,
    NetworkStatus, Operator, Plan, Remaining, SmsCount, Usage,
};
use iotcard_store::Store;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (any::<i64>(), 0u32..=18).prop_map(|(m, s)| Decimal::new(m, s)),
        (-10_000i64..10_000, 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s)),
        // Up to 28 digits, rust_decimal's limit.
        (
            -9_999_999_999_999_999_999_999_999_999i128..=9_999_999_999_999_999_999_999_999_999,
            0u32..=28
        )
            .prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s)),
    ]
}

fn amount() -> impl Strategy<Value = DataAmount> {
    (decimal(), any::<bool>()).prop_map(|(d, provider)| {
        DataAmount::new(
            d,
            if provider {
                DataUnit::ProviderUnit
            } else {
                DataUnit::Mb
            },
        )
    })
}

fn money() -> impl Strategy<Value = Money> {
    decimal().prop_map(Money::from_yuan)
}

fn raw(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    "[a-z0-9冻结停机_-]{1,8}".prop_filter("not a known name", move |s| !known.contains(&s.as_str()))
}

fn status() -> impl Strategy<Value = CardStatus> {
    prop_oneof![
        Just(CardStatus::Active),
        Just(CardStatus::Inactive),
        Just(CardStatus::Suspended),
        Just(CardStatus::Disabled),
        Just(CardStatus::Testing),
        Just(CardStatus::Silent),
        raw(&[
            "active",
            "inactive",
            "suspended",
            "disabled",
            "testing",
            "silent"
        ])
        .prop_map(CardStatus::Other),
    ]
}

fn network() -> impl Strategy<Value = NetworkStatus> {
    prop_oneof![
        Just(NetworkStatus::On),
        Just(NetworkStatus::Off),
        raw(&["on", "off"]).prop_map(NetworkStatus::Other),
    ]
}

fn kind() -> impl Strategy<Value = CardKind> {
    prop_oneof![
        Just(CardKind::Single),
        Just(CardKind::Pooled),
        raw(&["single", "pooled"]).prop_map(CardKind::Other),
    ]
}

fn instant() -> impl Strategy<Value = Instant> {
    (0i64..4_000_000_000, -48i32..=56).prop_map(|(secs, quarter_hours)| {
        let zone = FixedOffset::east_opt(quarter_hours * 900).unwrap();
        zone.from_utc_datetime(&DateTime::from_timestamp(secs, 0).unwrap().naive_utc())
    })
}

fn sms() -> impl Strategy<Value = Option<SmsCount>> {
    proptest::option::of(any::<i64>().prop_map(SmsCount))
}

fn snapshot() -> impl Strategy<Value = CardSnapshot> {
    let identity = (
        proptest::option::of(Just("898602B7091701054333".parse().unwrap())),
        proptest::option::of(Just("1064878384333".parse().unwrap())),
        proptest::option::of(proptest::sample::select(Operator::ALL.to_vec())),
        proptest::option::of(kind()),
        proptest::option::of(status()),
        proptest::option::of(network()),
    );
    let usage = proptest::option::of((sms(), proptest::option::of(amount())).prop_map(
        |(sms_used, data_used)| Usage {
            sms_used,
            data_used,
        },
    ));
    let remaining = proptest::option::of((sms(), proptest::option::of(amount())).prop_map(
        |(sms_left, data_left)| Remaining {
            sms_left,
            data_left,
        },
    ));
    let plan = proptest::option::of(
        (
            proptest::option::of("[a-zA-Z0-9 月包]{0,12}"),
            proptest::option::of(money()),
            sms(),
            proptest::option::of(money()),
            proptest::option::of(amount()),
            proptest::option::of(money()),
            proptest::option::of("[a-z0-9-]{1,10}"),
            proptest::option::of("[a-z0-9-]{1,10}"),
        )
            .prop_map(
                |(
                    name,
                    monthly_fee,
                    included_sms,
                    sms_overage_price,
                    included_data,
                    data_overage_price,
                    product_id,
                    pool_id,
                )| Plan {
                    name,
                    monthly_fee,
                    included_sms,
                    sms_overage_price,
                    included_data,
                    data_overage_price,
                    product_id,
                    pool_id,
                },
            ),
    );
    (
        identity,
        usage,
        remaining,
        plan,
        proptest::option::of(instant()),
    )
        .prop_map(
            |(
                (iccid, msisdn, operator, kind, status, network),
                usage,
                remaining,
                plan,
                expires_at,
            )| {
                CardSnapshot {
                    card: String::new(),
                    iccid,
                    msisdn,
                    operator,
                    kind,
                    status,
                    network,
                    usage,
                    remaining,
                    plan,
                    expires_at,
                }
            },
        )
}

static CARDS: AtomicU64 = AtomicU64::new(0);

fn round_trips(store: Store, runtime: &tokio::runtime::Runtime, cases: u32) {
    let account = runtime.block_on(common::account(&store, "default", "tencent"));
    let run = runtime
        .block_on(store.begin_run(account, common::t("2026-11-30T00:00:00Z")))
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(snapshot(), instant()), |(mut snapshot, taken_at)| {
            snapshot.card = format!("card-{}", CARDS.fetch_add(1, Ordering::Relaxed));
            let (entry, written) = runtime.block_on(async {
                let report = store
                    .write_snapshots(run, &common::batch(taken_at, vec![snapshot.clone()]))
                    .await
                    .unwrap();
                let card = store.find_cards(&snapshot.card).await.unwrap()[0].id;
                let history = store
                    .history(card, taken_at, taken_at + chrono::Duration::seconds(1))
                    .await
                    .unwrap();
                (history, report.written)
            });
            prop_assert_eq!(written, 1);
            prop_assert_eq!(entry.len(), 1);
            prop_assert_eq!(entry[0].taken_at, taken_at);
            // `==` on decimals ignores the scale; their text does not.
            prop_assert_eq!(format!("{:?}", entry[0].snapshot), format!("{snapshot:?}"));
            prop_assert_eq!(&entry[0].snapshot, &snapshot);
            let offset = snapshot.expires_at.map(|e| *e.offset());
            prop_assert_eq!(entry[0].snapshot.expires_at.map(|e| *e.offset()), offset);
            Ok(())
        })
        .unwrap();
}

static PROFILES: AtomicU64 = AtomicU64::new(0);

/// Whatever the writes — in order, late, several snapshots of a card in
/// one batch, fields coming and going — each card's latest snapshot as
/// the card keeps it (what the watcher reads) is its history's latest,
/// to the last digit of every decimal.
fn latest_is_the_history_s(store: Store, runtime: &tokio::runtime::Runtime, cases: u32) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let writes = proptest::collection::vec(
        proptest::collection::vec((0..3usize, 0..48i64, snapshot()), 1..4),
        1..6,
    );
    runner
        .run(&writes, |batches| {
            let profile = format!("p{}", PROFILES.fetch_add(1, Ordering::Relaxed));
            let start = common::t("2026-11-01T00:00:00+08:00");
            let (pages, ranged, fleet) = runtime.block_on(async {
                let account = common::account(&store, &profile, "tencent").await;
                let run = store.begin_run(account, start).await.unwrap();
                for batch in &batches {
                    let mut written = common::batch(start, []);
                    for (card, hours, snapshot) in batch {
                        let mut snapshot = snapshot.clone();
                        snapshot.card = format!("card-{card}");
                        written.snapshots.push(iotcard_store::Observation {
                            taken_at: start + chrono::Duration::hours(*hours),
                            snapshot,
                        });
                    }
                    store.write_snapshots(run, &written).await.unwrap();
                }
                let pages = store.latest_page(account, None, 10).await.unwrap();
                let ranged = match store.card_id_span(account).await.unwrap() {
                    Some((low, high)) => store
                        .latest_range(account, iotcard_store::CardId(low.0 - 1), high)
                        .await
                        .unwrap(),
                    None => Vec::new(),
                };
                let mut fleet = store
                    .fleet(
                        &iotcard_store::FleetFilter {
                            profiles: vec![profile.clone()],
                            ..Default::default()
                        },
                        start,
                    )
                    .await
                    .unwrap();
                fleet.sort_by_key(|c| c.card.id);
                (pages, ranged, fleet)
            });
            // `==` on decimals ignores the scale; their text does not.
            prop_assert_eq!(format!("{pages:?}"), format!("{fleet:?}"));
            prop_assert_eq!(format!("{ranged:?}"), format!("{fleet:?}"));
            Ok(())
        })
        .unwrap();
}

#[test]
fn sqlite_keeps_the_latest_snapshot_of_any_writes() {
    let runtime = runtime();
    let db = runtime.block_on(common::sqlite());
    latest_is_the_history_s(db.store.clone(), &runtime, 96);
}

#[test]
fn postgres_keeps_the_latest_snapshot_of_any_writes() {
    let runtime = runtime();
    let Some(db) = runtime.block_on(common::postgres()) else {
        return;
    };
    latest_is_the_history_s(db.store.clone(), &runtime, 48);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn sqlite_round_trips_generated_snapshots() {
    let runtime = runtime();
    let db = runtime.block_on(common::sqlite());
    round_trips(db.store.clone(), &runtime, 256);
}

#[test]
fn postgres_round_trips_generated_snapshots() {
    let runtime = runtime();
    let Some(db) = runtime.block_on(common::postgres()) else {
        return;
    };
    round_trips(db.store.clone(), &runtime, 128);
}
