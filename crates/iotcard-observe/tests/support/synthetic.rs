//! Figures for tests and benches: a small fleet with every family, and a
//! fleet of a million cards with realistic label sets.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use iotcard_model::Instant;
use iotcard_observe::{Counters, Figures, PerCardSeries, WatchedAccount, DELIVERED, RETRIED};
use iotcard_store::{
    AccountId, AccountSync, AccountUsage, CardCount, CardUsage, ExpiringCount, FiringAlerts,
    FleetAggregates, RunCounts, RunId, RunOutcome, SyncRun,
};

pub fn t(text: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(text).expect("an RFC 3339 time")
}

pub const NOW: &str = "2026-11-30T09:00:00+08:00";

fn run(profile: &str, account: i64, started: &str, seconds: i64, outcome: RunOutcome) -> SyncRun {
    let started_at = t(started);
    SyncRun {
        id: RunId(account * 100),
        account: AccountId(account),
        profile: profile.into(),
        started_at,
        ended_at: Some(started_at + chrono::Duration::seconds(seconds)),
        outcome,
        counts: RunCounts {
            asked: 1000,
            answered: 990,
            not_found: 7,
            failed: 3,
        },
        first_errors: vec![],
    }
}

pub fn sync(profile: &str, account: i64, provider: &str, finished: Option<&str>) -> AccountSync {
    AccountSync {
        account: AccountId(account),
        profile: profile.into(),
        provider: provider.into(),
        endpoint_host: format!("{provider}.example.com"),
        last_success: finished.map(|f| t(f) + chrono::Duration::seconds(42)),
        last_run: finished.map(|f| run(profile, account, f, 42, RunOutcome::Finished)),
    }
}

/// Two accounts, every family populated, per-card series on.
pub fn small() -> Figures {
    let at = t(NOW);
    let mut severities = BTreeMap::new();
    severities.insert("quota".to_owned(), "warning".to_owned());
    severities.insert("sync".to_owned(), "critical".to_owned());
    let mut counters = Counters::default();
    counters
        .requests
        .insert(("default".into(), "card_info".into()), 1200);
    counters
        .requests
        .insert(("shop2".into(), "batch_card_info".into()), 12);
    counters.retries.insert("default".into(), 4);
    counters.notifications.insert(("ops".into(), DELIVERED), 3);
    counters.notifications.insert(("ops".into(), RETRIED), 1);
    Figures {
        version: "0.1.0".into(),
        started_at: t("2026-11-30T08:00:00+08:00"),
        computed_at: at,
        aggregates: FleetAggregates {
            cards: vec![
                CardCount {
                    profile: "default".into(),
                    provider: "iotbos".into(),
                    operator: Some("china_mobile".into()),
                    status: Some("active".into()),
                    cards: 2,
                },
                CardCount {
                    profile: "default".into(),
                    provider: "iotbos".into(),
                    operator: None,
                    status: Some("suspended".into()),
                    cards: 1,
                },
                CardCount {
                    profile: "shop2".into(),
                    provider: "tencent".into(),
                    operator: Some("china_unicom".into()),
                    status: None,
                    cards: 1,
                },
            ],
            usage: vec![
                AccountUsage {
                    profile: "default".into(),
                    data_used_mb: 0.0,
                    data_left_mb: 0.0,
                    data_used_provider_unit: 68.5,
                    data_left_provider_unit: -8.0,
                    sms_used: 12,
                    figures: 4,
                },
                AccountUsage {
                    profile: "shop2".into(),
                    data_used_mb: 14.97,
                    data_left_mb: 15.03,
                    data_used_provider_unit: 0.0,
                    data_left_provider_unit: 0.0,
                    sms_used: 1,
                    figures: 2,
                },
            ],
            expiring: vec![ExpiringCount {
                profile: "default".into(),
                within_7d: 1,
                within_30d: 2,
            }],
            alerts: vec![
                FiringAlerts {
                    profile: "default".into(),
                    rule: "quota".into(),
                    alerts: 2,
                    cards: 2,
                    since: t("2026-11-30T08:30:00+08:00"),
                },
                FiringAlerts {
                    profile: "shop2".into(),
                    rule: "sync".into(),
                    alerts: 1,
                    cards: 0,
                    since: t("2026-11-30T08:45:00+08:00"),
                },
            ],
            syncs: vec![
                sync("default", 1, "iotbos", Some("2026-11-30T08:50:00+08:00")),
                sync("shop2", 2, "tencent", Some("2026-11-30T08:51:00+08:00")),
            ],
            outbox_pending: 2,
            per_card: vec![
                card("default", "1064800000001", Some(50.5), None, true),
                card("default", "1064800000002", Some(18.0), Some(-8.0), true),
                card("default", "1064800000003", None, None, true),
                card(
                    "shop2",
                    "898602b7091701054333",
                    Some(14.97),
                    Some(15.03),
                    false,
                ),
            ],
            per_card_total: 4,
        },
        watched: vec![
            WatchedAccount {
                profile: "default".into(),
                interval: Duration::from_secs(900),
            },
            WatchedAccount {
                profile: "shop2".into(),
                interval: Duration::from_secs(900),
            },
        ],
        severities,
        counters,
        per_card: PerCardSeries {
            enabled: true,
            limit: 10_000,
        },
    }
}

pub fn card(profile: &str, key: &str, used: Option<f64>, left: Option<f64>, pu: bool) -> CardUsage {
    CardUsage {
        profile: profile.into(),
        card: key.into(),
        data_used: used,
        used_in_provider_unit: pu,
        data_left: left,
        left_in_provider_unit: pu,
    }
}

pub const STATUSES: [&str; 8] = [
    "active",
    "suspended",
    "inactive",
    "testing",
    "stock",
    "deactivated",
    "cancelled",
    "unknown",
];
pub const OPERATORS: [&str; 4] = ["china_mobile", "china_unicom", "china_telecom", "other"];

/// A million cards over 20 accounts × 4 operators × 8 statuses, with
/// `per_card_rows` cards read for per-card series (the store reads as many
/// as the cap) and the cap at `limit`.
pub fn million(per_card_rows: usize, limit: u32) -> Figures {
    const CARDS: u64 = 1_000_000;
    const ACCOUNTS: u64 = 20;
    let mut figures = small();
    let a = &mut figures.aggregates;
    a.cards.clear();
    a.usage.clear();
    a.expiring.clear();
    a.syncs.clear();
    a.per_card.clear();
    let sets = (OPERATORS.len() * STATUSES.len()) as u64;
    let per_set = CARDS / ACCOUNTS / sets;
    // What the even split leaves over goes to each account's first set.
    let spare = CARDS / ACCOUNTS - per_set * sets;
    figures.watched.clear();
    for n in 0..ACCOUNTS {
        let profile = format!("account-{n:02}");
        let provider = if n % 2 == 0 { "iotbos" } else { "tencent" };
        for operator in OPERATORS {
            for status in STATUSES {
                a.cards.push(CardCount {
                    profile: profile.clone(),
                    provider: provider.into(),
                    operator: Some(operator.into()),
                    status: Some(status.into()),
                    cards: per_set
                        + if a.cards.len() as u64 % sets == 0 {
                            spare
                        } else {
                            0
                        },
                });
            }
        }
        a.usage.push(AccountUsage {
            profile: profile.clone(),
            data_used_mb: 1.5e6,
            data_left_mb: 2.5e6,
            data_used_provider_unit: 3.0e6,
            data_left_provider_unit: -1.0,
            sms_used: 50_000,
            figures: 2 * CARDS / ACCOUNTS,
        });
        a.expiring.push(ExpiringCount {
            profile: profile.clone(),
            within_7d: 100,
            within_30d: 1000,
        });
        a.syncs.push(sync(
            &profile,
            n as i64 + 1,
            provider,
            Some("2026-11-30T08:50:00+08:00"),
        ));
        figures.watched.push(WatchedAccount {
            profile,
            interval: Duration::from_secs(900),
        });
    }
    a.per_card_total = CARDS;
    a.per_card = (0..per_card_rows)
        .map(|i| {
            let profile = format!("account-{:02}", i as u64 * ACCOUNTS / CARDS);
            card(
                &profile,
                &format!("10648{i:08}"),
                Some(i as f64 * 0.5),
                Some(1024.0),
                i % 2 == 0,
            )
        })
        .collect();
    figures.per_card = PerCardSeries {
        enabled: true,
        limit,
    };
    figures.counters.card_series_dropped = figures.per_card.dropped(&figures.aggregates);
    figures
}
