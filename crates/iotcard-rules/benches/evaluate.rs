//! Rule evaluation for one pass over a fleet (issue 15's target: 1,000,000
//! cards in at most 2 s).
//!
//! `cargo bench -p iotcard-rules --bench evaluate`; the fleet sizes come
//! from `IOTCARD_RULES_BENCH_CARDS` (comma-separated, default `1000000`;
//! a quick run sets e.g. `10000`). Nine rules, one of every kind (two
//! `status`), over ten accounts; about 2% of the cards over a quota step,
//! some expiring, silent, spiking or disabled. Two cases per size:
//! `first` from no alerts (every alert fires), `steady` from the state the
//! first pass left (the usual pass: few transitions, the alerts' state
//! copied and updated).

use std::hint::black_box;

use chrono::{NaiveDate, TimeDelta};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use iotcard_model::{
    CardSnapshot, CardStatus, DataAmount, Decimal, Instant, Operator, Plan, Remaining, Usage,
};
use iotcard_rules::{
    evaluate, AccountInput, AlertStates, CardInput, DayUsage, Inputs, PassOutcome, PeriodKind,
    RuleConfig, RuleSet, StatusChange, SyncInfo,
};

const RULES: &str = r#"
[[rules]]
name = "quota"
kind = "quota"
thresholds = [80, 90, 100]
renotify = "24h"
quiet_hours = "22:00-08:00"
[[rules]]
name = "forecast"
kind = "forecast"
[[rules]]
name = "low"
kind = "remaining"
amount = "50MB"
[[rules]]
name = "expiring"
kind = "expiry"
within = "30d"
[[rules]]
name = "disabled"
kind = "status"
status = "disabled"
[[rules]]
name = "suspended"
kind = "status"
from = "active"
to = "suspended"
[[rules]]
name = "silent"
kind = "silent"
days = 3
[[rules]]
name = "spike"
kind = "spike"
factor = 3
[[rules]]
name = "stale"
kind = "sync"
older_than = "2h"
share = 0.5
"#;

fn rules() -> RuleSet {
    #[derive(serde::Deserialize)]
    struct Config {
        rules: Vec<RuleConfig>,
    }
    let config: Config = toml::from_str(RULES).expect("the bench's rules parse");
    RuleSet::new(config.rules).expect("the bench's rules are valid")
}

/// A small deterministic generator (no entropy: the fleet is the same on
/// every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn mb(n: u64) -> DataAmount {
    DataAmount::mb(Decimal::from(n))
}

fn fleet(cards: usize, now: Instant) -> Inputs {
    let mut rng = Lcg(15);
    let today = NaiveDate::from_ymd_opt(2026, 3, 14).expect("a date");
    let accounts = 10;
    let per = cards.div_ceil(accounts);
    let mut out = Vec::with_capacity(accounts);
    for a in 0..accounts {
        let n = per.min(cards.saturating_sub(a * per));
        let mut list = Vec::with_capacity(n);
        for i in 0..n {
            let allowance = 1024;
            // Most cards well under their allowance; 2% over a step.
            let used = if rng.below(50) == 0 {
                820 + rng.below(250)
            } else {
                rng.below(600)
            };
            let silent = rng.below(100) == 0;
            let spike = rng.below(200) == 0;
            let days: Vec<DayUsage> = (0..8)
                .map(|d| {
                    let base = if silent { 0 } else { 10 + rng.below(20) };
                    let used = if spike && d == 7 { base * 5 } else { base };
                    DayUsage {
                        day: today - TimeDelta::days(7 - d),
                        data_used: Some(mb(used)),
                        sms_used: None,
                        period_reset: false,
                    }
                })
                .collect();
            let status = match rng.below(500) {
                0 => CardStatus::Disabled,
                1 => CardStatus::Suspended,
                _ => CardStatus::Active,
            };
            let status_changes = if status == CardStatus::Suspended {
                vec![StatusChange {
                    at: now - TimeDelta::hours(3),
                    from: Some(CardStatus::Active),
                    to: Some(CardStatus::Suspended),
                }]
            } else {
                Vec::new()
            };
            let expires_in = TimeDelta::days(5 + rng.below(700) as i64);
            let key = format!("1064{a:02}{i:07}");
            list.push(CardInput {
                key: key.clone(),
                tags: Vec::new(),
                taken_at: Some(now - TimeDelta::minutes(10)),
                snapshot: CardSnapshot {
                    card: key,
                    operator: Some(Operator::ChinaMobile),
                    status: Some(status),
                    usage: Some(Usage {
                        data_used: Some(mb(used)),
                        sms_used: None,
                    }),
                    remaining: Some(Remaining {
                        data_left: Some(DataAmount::mb(
                            Decimal::from(allowance) - Decimal::from(used),
                        )),
                        sms_left: None,
                    }),
                    plan: Some(Plan {
                        name: Some("1G".into()),
                        included_data: Some(mb(allowance)),
                        ..Plan::default()
                    }),
                    expires_at: Some(now + expires_in),
                    ..CardSnapshot::default()
                },
                days,
                status_changes,
            });
        }
        out.push(AccountInput {
            profile: format!("account{a}"),
            provider: "iotbos".into(),
            period: PeriodKind::CalendarMonth,
            sync: SyncInfo {
                last_success: Some(now - TimeDelta::minutes(10)),
                last_pass: Some(PassOutcome {
                    ended_at: now - TimeDelta::minutes(10),
                    asked: n as u64,
                    answered: n as u64,
                    failed: 0,
                }),
            },
            cards: list,
            partial: false,
        });
    }
    Inputs { accounts: out }
}

fn sizes() -> Vec<usize> {
    let text = std::env::var("IOTCARD_RULES_BENCH_CARDS").unwrap_or_else(|_| "1000000".into());
    text.split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .expect("IOTCARD_RULES_BENCH_CARDS: card counts, comma-separated")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rules = rules();
    let now: Instant = "2026-03-14T12:00:00+08:00".parse().expect("an instant");
    let mut group = c.benchmark_group("evaluate");
    group.sample_size(10);
    for cards in sizes() {
        let inputs = fleet(cards, now);
        let empty = AlertStates::new();
        let (fired, state) = evaluate(&rules, &inputs, &empty, now);
        eprintln!(
            "{cards} cards: the first pass gives {} transitions, {} alerts",
            fired.len(),
            state.len()
        );
        group.throughput(Throughput::Elements(cards as u64));
        group.bench_with_input(BenchmarkId::new("first", cards), &inputs, |b, inputs| {
            b.iter(|| black_box(evaluate(&rules, inputs, &empty, now)))
        });
        let later = now + TimeDelta::minutes(60);
        group.bench_with_input(BenchmarkId::new("steady", cards), &inputs, |b, inputs| {
            b.iter(|| black_box(evaluate(&rules, inputs, &state, later)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
