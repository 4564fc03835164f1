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
