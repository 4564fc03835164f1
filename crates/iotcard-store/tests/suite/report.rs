//! The fleet report's figures ([`Store::report`]) over a small month whose
//! every figure is worked out by hand below.

use iotcard_model::{DataAmount, Decimal, Money, Plan, SmsCount};
use iotcard_store::{ReportScope, Store};

use crate::common::{account, sync, t, usage};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn priced(key: &str, used: &str, sms: i64) -> iotcard_model::CardSnapshot {
    let mut card = usage(key, used, sms);
    card.plan = Some(Plan {
        monthly_fee: Some(Money::from_yuan(d("5.50"))),
        included_data: Some(DataAmount::provider_unit(d("100"))),
        data_overage_price: Some(Money::from_yuan(d("0.015"))),
        included_sms: Some(SmsCount(10)),
        sms_overage_price: Some(Money::from_yuan(d("0.10"))),
        ..Plan::default()
    });
    card
}

fn november() -> ReportScope {
    ReportScope {
        since: t("2026-11-01T00:00:00+08:00"),
        until: t("2026-12-01T00:00:00+08:00"),
        profiles: Vec::new(),
    }
}

pub async fn report_figures_over_a_month(store: &Store) {
    let a = account(store, "default", "iotbos").await;
    let b = account(store, "other", "iotbos").await;
    // October: the counters end the month high; November starts again.
    sync(
        store,
        a,
        t("2026-10-30T09:00:00+08:00"),
        vec![priced("x", "40", 2), priced("y", "1", 0)],
    )
    .await;
    sync(
        store,
        a,
        t("2026-11-02T09:00:00+08:00"),
        vec![priced("x", "10.25", 3), priced("y", "1", 0)],
    )
    .await;
    sync(
        store,
        a,
        t("2026-11-20T09:00:00+08:00"),
        vec![
            priced("x", "130.5", 15),
            priced("y", "1", 0),
            priced("z", "0", 0),
        ],
    )
    .await;
    // `y` is not answered by the last sync: gone.
    sync(
        store,
        a,
        t("2026-11-29T09:00:00+08:00"),
        vec![priced("x", "131", 15), priced("z", "0", 0)],
    )
    .await;
    // December's figures are outside the period.
    sync(
        store,
        a,
        t("2026-12-02T09:00:00+08:00"),
        vec![priced("x", "999", 99)],
    )
    .await;
    sync(
        store,
        b,
        t("2026-11-29T10:00:00+08:00"),
        vec![usage("q", "3", 1)],
    )
    .await;

    let figures = store.report(&november()).await.unwrap();
    let [fa, fb] = &figures.accounts[..] else {
        panic!("two accounts: {:?}", figures.accounts)
    };
    assert_eq!(
        (fa.profile.as_str(), fb.profile.as_str()),
        ("default", "other")
    );
    assert_eq!((fa.cards, fa.added, fa.gone), (3, 1, 1));
    // x: 10.25 after the rollover, then +120.25 and +0.5 → 131; y: its
    // unchanged 1 counts again across the month's boundary; z nothing.
    assert_eq!(fa.data_used_provider_unit, d("132"));
    assert_eq!(fa.sms_used, 15);
    assert_eq!((fa.over_80, fa.over_100), (1, 1));
    // 3 × 5.50 + 31 × 0.015 + 5 × 0.10 = 16.50 + 0.465 + 0.50, half a cent up
    assert_eq!(fa.cost.fees, d("16.50"));
    assert_eq!(fa.cost.data_overage, d("0.465"));
    assert_eq!(fa.cost.sms_overage, d("0.50"));
    assert_eq!(fa.cost.total(), d("17.47"));
    assert_eq!((fb.cost.priced_cards, fb.cost.unpriced_cards), (0, 1));
    // y last used data on the 2nd, z never; x on the 29th.
    assert_eq!((fa.silent, fb.silent), (2, 1));
    let silent: Vec<_> = figures.silent.iter().map(|c| c.card.as_str()).collect();
    assert_eq!(silent, ["q", "z", "y"]);
    let top: Vec<_> = figures
        .top_data
        .iter()
        .map(|c| (c.card.as_str(), c.data_used))
        .collect();
    assert_eq!(top, [("x", d("131")), ("y", d("1"))]);
    assert_eq!(figures.over_allowance.len(), 1);
    assert_eq!(figures.over_allowance[0].percent, d("131.0"));
    let days: Vec<_> = figures
        .daily
        .iter()
        .map(|day| (day.day.to_string(), day.data_used_provider_unit))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-02".to_string(), d("11.25")),
            ("2026-11-20".to_string(), d("120.25")),
            ("2026-11-29".to_string(), d("0.5")),
        ]
    );
    let health = &figures.sync[0];
    assert_eq!((health.passes, health.failures), (3, 0));
    assert_eq!(health.longest_gap_seconds, Some(18 * 86_400));
    let cards: u64 = figures.cards.iter().map(|g| g.cards).sum();
    assert_eq!(cards, 4);
    let histogram: u64 = figures
        .histogram
        .iter()
        .map(|b| b.cards_provider_unit)
        .sum();
    assert_eq!(histogram, 4);

    // One account only.
    let mut scope = november();
    scope.profiles = vec!["other".into()];
    let other = store.report(&scope).await.unwrap();
    assert_eq!(other.accounts.len(), 1);
    assert_eq!(other.accounts[0].cards, 1);
    // q's one snapshot starts its counter off and adds nothing.
    assert!(other.top_data.is_empty());

    // A period that ends before it starts is refused.
    scope.until = scope.since;
    let error = store.report(&scope).await.unwrap_err();
    assert!(error.to_string().contains("ends"), "{error}");
}
