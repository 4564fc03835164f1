//! Properties over random rules, fleets and clocks: evaluation never
//! panics, is idempotent at a fixed `now`, and its state survives the
//! store.

mod support;

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use iotcard_model::{
    CardSnapshot, CardStatus, DataAmount, DataUnit, Decimal, Instant, Plan, Remaining, SmsCount,
    Usage,
};
use iotcard_rules::{
    evaluate, evaluate_in_place, resolve_absent, AccountInput, AlertStates, CardInput, DayUsage,
    Inputs, PassOutcome, PeriodKind, RuleSet, StatusChange, SyncInfo, TransitionKind,
};
use proptest::prelude::*;
use support::rules;

const KINDS: &[&str] = &[
    "kind = \"quota\"\nthresholds = [50, 80, 100]",
    "kind = \"quota\"\nmeasure = \"sms\"\nthresholds = [90]\nhysteresis = 0",
    "kind = \"forecast\"\nlookback = \"3d\"",
    "kind = \"remaining\"\namount = 100",
    "kind = \"expiry\"\nwithin = \"30d\"\nhysteresis = 2",
    "kind = \"status\"\nstatus = \"disabled\"",
    "kind = \"status\"\nfrom = \"active\"\nwithin = \"2d\"",
    "kind = \"silent\"\ndays = 2",
    "kind = \"spike\"\nfactor = 2\nmin_amount = 0",
    "kind = \"sync\"\nolder_than = \"1h\"\nshare = 0.3",
];

fn rule_set() -> impl Strategy<Value = RuleSet> {
    proptest::collection::vec(
        (
            0..KINDS.len(),
            prop_oneof![Just("0s"), Just("30m"), Just("2h")],
            proptest::option::of(prop_oneof![Just("1h"), Just("1d")]),
            proptest::option::of(prop_oneof![Just("22:00-08:00"), Just("09:00-17:00")]),
            any::<bool>(),
        ),
        1..6,
    )
    .prop_map(|specs| {
        let mut text = String::new();
        for (i, (kind, for_, renotify, quiet, scoped)) in specs.into_iter().enumerate() {
            text.push_str(&format!(
                "[[rules]]\nname = \"r{i}\"\n{}\nfor = \"{for_}\"\n",
                KINDS[kind]
            ));
            if let Some(r) = renotify {
                text.push_str(&format!("renotify = \"{r}\"\n"));
            }
            if let Some(q) = quiet {
                text.push_str(&format!("quiet_hours = \"{q}\"\n"));
            }
            if scoped {
                text.push_str("profiles = [\"a0\"]\n");
            }
        }
        rules(&text)
    })
}

fn amount() -> impl Strategy<Value = Option<DataAmount>> {
    proptest::option::of(
        (
            prop_oneof![-2000i64..3000, Just(i64::MAX), Just(i64::MIN)],
            0u32..4,
            any::<bool>(),
        )
            .prop_map(|(n, scale, mb)| {
                DataAmount::new(
                    Decimal::new(n, scale),
                    if mb {
                        DataUnit::Mb
                    } else {
                        DataUnit::ProviderUnit
                    },
                )
            }),
    )
}

fn status() -> impl Strategy<Value = Option<CardStatus>> {
    proptest::option::of(prop_oneof![
        Just(CardStatus::Active),
        Just(CardStatus::Disabled),
        Just(CardStatus::Suspended),
        Just(CardStatus::Other("冻结".into())),
    ])
}

fn base() -> Instant {
    "2026-01-31T12:00:00Z".parse().unwrap()
}

fn card() -> impl Strategy<Value = CardInput> {
    (
        0u8..6,
        proptest::option::of(-200_000i64..200_000),
        (
            amount(),
            amount(),
            amount(),
            proptest::option::of(-5i64..60),
        ),
        status(),
        proptest::collection::vec((0i64..12, amount()), 0..10),
        proptest::collection::vec((-100_000i64..100_000, status(), status()), 0..3),
        proptest::option::of(-1_000_000i64..5_000_000),
    )
        .prop_map(
            |(key, taken, (used, left, included, sms), status, days, changes, expiry)| {
                let t = |secs: i64| base() + TimeDelta::seconds(secs);
                let today = NaiveDate::from_ymd_opt(2026, 2, 5).unwrap();
                CardInput {
                    key: format!("c{key}"),
                    tags: vec![],
                    taken_at: taken.map(t),
                    snapshot: CardSnapshot {
                        status,
                        usage: Some(Usage {
                            data_used: used,
                            sms_used: sms.map(SmsCount),
                        }),
                        remaining: Some(Remaining {
                            data_left: left,
                            sms_left: sms.map(|s| SmsCount(50 - s)),
                        }),
                        plan: Some(Plan {
                            included_data: included,
                            included_sms: Some(SmsCount(50)),
                            ..Plan::default()
                        }),
                        expires_at: expiry.map(t),
                        ..CardSnapshot::default()
                    },
                    days: {
                        let mut d: BTreeMap<NaiveDate, DayUsage> = BTreeMap::new();
                        for (back, used) in days {
                            let day = today - TimeDelta::days(back);
                            d.insert(
                                day,
                                DayUsage {
                                    day,
                                    data_used: used,
                                    sms_used: Some(SmsCount(back)),
                                    period_reset: back == 3,
                                },
                            );
                        }
                        d.into_values().collect()
                    },
                    status_changes: changes
                        .into_iter()
                        .map(|(secs, from, to)| StatusChange {
                            at: t(secs),
                            from,
                            to,
                        })
                        .collect(),
                }
            },
        )
}

fn inputs() -> impl Strategy<Value = Inputs> {
    proptest::collection::vec(
        (
            0u8..2,
            any::<bool>(),
            proptest::collection::vec(card(), 0..6),
            proptest::option::of(-20_000i64..1000),
            proptest::option::of((0u64..20, 0u64..20)),
            any::<bool>(),
        ),
        1..3,
    )
    .prop_map(|mut accounts| {
        // Each account once, each card once in it (the inputs' contract).
        accounts.sort_by_key(|a| a.0);
        accounts.dedup_by_key(|a| a.0);
        for a in &mut accounts {
            a.2.sort_by(|x, y| x.key.cmp(&y.key));
            a.2.dedup_by(|x, y| x.key == y.key);
        }
        accounts
    })
    .prop_map(|accounts| Inputs {
        accounts: accounts
            .into_iter()
            .map(|(p, iotbos, cards, success, pass, partial)| AccountInput {
                profile: format!("a{p}"),
                provider: if iotbos { "iotbos" } else { "tencent" }.into(),
                period: if iotbos {
                    PeriodKind::CalendarMonth
                } else {
                    PeriodKind::Reported
                },
                sync: SyncInfo {
                    last_success: success.map(|s| base() + TimeDelta::seconds(s)),
                    last_pass: pass.map(|(asked, failed)| PassOutcome {
                        ended_at: base(),
                        asked,
                        answered: asked.saturating_sub(failed),
                        failed,
                    }),
                },
                cards,
                partial,
            })
            .collect(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Evaluations at increasing times over changing fleets never panic;
    /// each, repeated at the same `now` with its own state, says nothing
    /// more; the state survives JSON; every resolution follows a firing.
    #[test]
    fn evaluation_is_total_and_idempotent(
        rules in rule_set(),
        steps in proptest::collection::vec((inputs(), 0i64..200_000), 1..6),
    ) {
        let mut state = AlertStates::new();
        let mut now = base();
        let mut firing = std::collections::BTreeSet::new();
        for (inputs, advance) in steps {
            now += TimeDelta::seconds(advance);
            let (transitions, next) = evaluate(&rules, &inputs, &state, now);
            for t in &transitions {
                prop_assert_eq!(t.at, now);
                if let Some(n) = t.notify_at {
                    prop_assert!(n >= now && n <= now + TimeDelta::days(1), "{t}");
                }
                match t.kind {
                    TransitionKind::Pending => prop_assert!(!t.notifies()),
                    TransitionKind::Firing => { firing.insert(t.key.clone()); }
                    TransitionKind::Renotify => prop_assert!(firing.contains(&t.key), "{t}"),
                    TransitionKind::Resolved => prop_assert!(firing.remove(&t.key), "{t}"),
                }
            }
            let (again, same) = evaluate(&rules, &inputs, &next, now);
            prop_assert!(again.is_empty(), "{again:#?}");
            prop_assert_eq!(&same, &next);
            let json = serde_json::to_string(&next).unwrap();
            let back: AlertStates = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, &next);
            state = back;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The changes tracked while evaluating (in chunks or whole, cards gone
    /// resolved, rules changed in between) are exactly the difference
    /// between the state before and after: what a store writes back is
    /// the same whichever way it is found.
    #[test]
    fn tracked_changes_are_the_difference(
        rules in rule_set(),
        other_rules in rule_set(),
        steps in proptest::collection::vec((inputs(), 0i64..200_000, any::<bool>()), 1..6),
    ) {
        let mut state = AlertStates::new();
        let mut now = base();
        for (step, (inputs, advance, gone)) in steps.into_iter().enumerate() {
            now += TimeDelta::seconds(advance);
            // Every third step under other rules: alerts of rules gone go.
            let rules = if step % 3 == 2 { &other_rules } else { &rules };
            let before = state.clone();
            state.track_changes();
            evaluate_in_place(rules, &inputs, &mut state, now);
            if gone {
                for account in &inputs.accounts {
                    let listed: Vec<&str> = account.cards.iter().map(|c| c.key.as_str()).collect();
                    resolve_absent(rules, &mut state, &account.profile, |k| listed.contains(&k), now);
                }
            }
            let tracked = state.take_changes();
            prop_assert_eq!(tracked, Some(state.changes_since(&before)));
            prop_assert_eq!(state.take_changes().map(|c| c.is_empty()), Some(true));
        }
    }
}

proptest! {
    /// The configuration's value readers refuse, never panic.
    #[test]
    fn value_readers_never_panic(s in "\\PC{0,24}", digits in "[0-9]{1,25}[smhdw]{0,2}") {
        let _ = s.parse::<iotcard_rules::Span>();
        let _ = digits.parse::<iotcard_rules::Span>();
        let _ = s.parse::<iotcard_rules::QuietHours>();
        let _ = s.parse::<iotcard_rules::TimeZone>();
        let _ = s.parse::<iotcard_rules::Amount>();
        let _ = s.parse::<iotcard_rules::Share>();
        let _ = toml::from_str::<toml::Value>(&format!("[[rules]]\nname = \"x\"\nkind = \"quota\"\n{s}"))
            .ok()
            .map(|_| support::try_rules(&format!("[[rules]]\nname = \"x\"\nkind = \"quota\"\n{s}")));
    }

    /// A span prints in a form that reads back as itself.
    #[test]
    fn spans_round_trip(secs in 0u64..(100 * 366 * 86_400)) {
        let span = iotcard_rules::Span::from_secs(secs);
        prop_assert_eq!(span.to_string().parse::<iotcard_rules::Span>().unwrap(), span);
    }
}

/// The scopes that read more of a snapshot than the rules themselves.
const SCOPES: &[&str] = &[
    "",
    "operators = [\"mobile\"]",
    "plans = [\"p1\"]",
    "cards = [\"898602b7091701054333\", \"1064878384333\"]",
    "operators = [\"china_unicom\"]\nplans = [\"p2\"]",
];

fn scoped_rule_set() -> impl Strategy<Value = RuleSet> {
    proptest::collection::vec((0..KINDS.len(), 0..SCOPES.len()), 1..6).prop_map(|specs| {
        let mut text = String::new();
        for (i, (kind, scope)) in specs.into_iter().enumerate() {
            // A sync rule is about accounts: it takes no card scope.
            let scope = if KINDS[kind].contains("sync") {
                ""
            } else {
                SCOPES[scope]
            };
            text.push_str(&format!(
                "[[rules]]\nname = \"r{i}\"\n{}\n{scope}\n",
                KINDS[kind]
            ));
        }
        rules(&text)
    })
}

/// A card with the parts of a snapshot no rule reads filled at random, and
/// the scopes' identifiers, operator and plan name too.
fn whole_card() -> impl Strategy<Value = CardInput> {
    use iotcard_model::{CardKind, Money, NetworkStatus, Operator};
    (
        card(),
        any::<[bool; 4]>(),
        proptest::option::of(prop_oneof![
            Just(Operator::ChinaMobile),
            Just(Operator::ChinaUnicom)
        ]),
        proptest::option::of(prop_oneof![Just("p1"), Just("p2"), Just("p3")]),
        proptest::option::of(0i64..1000),
    )
        .prop_map(
            |(mut card, [iccid, msisdn, pooled, on], operator, plan, price)| {
                let s = &mut card.snapshot;
                s.iccid = iccid.then(|| "898602b7091701054333".parse().unwrap());
                s.msisdn = msisdn.then(|| "1064878384333".parse().unwrap());
                s.operator = operator;
                s.kind = Some(if pooled {
                    CardKind::Pooled
                } else {
                    CardKind::Single
                });
                s.network = Some(if on {
                    NetworkStatus::On
                } else {
                    NetworkStatus::Off
                });
                let price = price.map(|p| Money::from_yuan(Decimal::new(p, 2)));
                let plan_of = s.plan.get_or_insert_with(Plan::default);
                plan_of.name = plan.map(Into::into);
                plan_of.monthly_fee = price;
                plan_of.sms_overage_price = price;
                plan_of.data_overage_price = price;
                plan_of.product_id = Some("product".into());
                plan_of.pool_id = plan.map(|p| format!("pool-{p}"));
                card
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Evaluating only what `snapshot_reads` says the rules read gives the
    /// transitions and the state that evaluating the whole snapshots gives,
    /// pass after pass.
    #[test]
    fn the_rules_read_only_what_they_say(
        rules in scoped_rule_set(),
        steps in proptest::collection::vec(
            (proptest::collection::vec(whole_card(), 0..8), 0i64..200_000),
            1..5,
        ),
    ) {
        let reads = rules.snapshot_reads();
        let (mut whole_state, mut kept_state) = (AlertStates::new(), AlertStates::new());
        let mut now = base();
        for (mut cards, advance) in steps {
            now += TimeDelta::seconds(advance);
            cards.sort_by(|x, y| x.key.cmp(&y.key));
            cards.dedup_by(|x, y| x.key == y.key);
            let inputs = |cards: Vec<CardInput>| Inputs {
                accounts: vec![AccountInput {
                    profile: "a0".into(),
                    provider: "iotbos".into(),
                    period: PeriodKind::CalendarMonth,
                    sync: SyncInfo::default(),
                    cards,
                    partial: false,
                }],
            };
            let kept: Vec<CardInput> = cards
                .iter()
                .cloned()
                .map(|mut c| {
                    reads.keep(&mut c.snapshot);
                    c
                })
                .collect();
            let whole = evaluate_in_place(&rules, &inputs(cards), &mut whole_state, now);
            let only = evaluate_in_place(&rules, &inputs(kept), &mut kept_state, now);
            prop_assert_eq!(only, whole);
            prop_assert_eq!(&kept_state, &whole_state);
        }
    }
}
