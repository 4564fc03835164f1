//! The situations issue 15 names: the month rollover in China Standard
//! Time, a Tencent period reset, a platform down for an hour, a value
//! teetering on a threshold, a restart, and a replay of stored history.

mod support;

use chrono::TimeDelta;
use iotcard_model::{Decimal, Instant};
use iotcard_rules::{replay, Figures, Inputs, TransitionKind::*};
use support::*;

const QUOTA: &str = "[[rules]]\nname = \"quota\"\nkind = \"quota\"\nthresholds = [80, 90]\n";

#[test]
fn the_month_rolls_over_at_midnight_china_standard_time_not_utc() {
    let mut run = Run::new(rules(QUOTA));
    // Jan 31 23:50 CST: the last snapshot of January, 95% used.
    let taken = at("2026-01-31T15:50:00Z");
    let input = one(account(
        "acme",
        "iotbos",
        vec![card("c1", 950, 1000, taken)],
    ));
    assert_eq!(kinds(&run.at(taken, &input)), [Firing]);
    // 23:59 CST (still Jan 31 in UTC and in CST): still January's figures.
    assert!(run.at(at("2026-01-31T15:59:00Z"), &input).is_empty());
    // 00:05 CST on Feb 1 (still Jan 31 in UTC): an IoTBOS month has ended,
    // the January snapshot says nothing of February: resolved.
    let r = run.at(at("2026-01-31T16:05:00Z"), &input);
    assert_eq!(kinds(&r), [Resolved]);
    let Figures::Quota { used, percent, .. } = &r[0].figures else {
        panic!()
    };
    assert_eq!((*used, *percent), (Decimal::ZERO, Decimal::ZERO));
    // February's first snapshot: nothing to say.
    let feb = at("2026-01-31T17:00:00Z");
    let input = one(account("acme", "iotbos", vec![card("c1", 20, 1000, feb)]));
    assert!(run.at(feb, &input).is_empty());
    assert_eq!(run.kinds(), [Firing, Resolved]);
}

#[test]
fn a_reported_period_does_not_end_with_the_calendar() {
    // Tencent reports its period's figures: the same snapshot across the
    // CST midnight stays what it is until the platform says otherwise.
    let mut run = Run::new(rules(QUOTA));
    let taken = at("2026-01-31T15:50:00Z");
    let input = one(account("t", "tencent", vec![card("c1", 950, 1000, taken)]));
    assert_eq!(kinds(&run.at(taken, &input)), [Firing]);
    assert!(run.at(at("2026-01-31T16:05:00Z"), &input).is_empty());
}

#[test]
fn a_forecast_after_the_rollover_counts_to_the_end_of_the_new_month() {
    let set = rules("[[rules]]\nname = \"f\"\nkind = \"forecast\"\n");
    let mut run = Run::new(set);
    // Jan 31 08:00 CST: 960 of 1000 used at 100 a day, 16 hours to go.
    let jan = at("2026-01-31T00:00:00Z");
    let mut c = card("c1", 960, 1000, jan);
    c.days = days(day("2026-01-31"), &[100, 100, 100, 100, 100, 100, 100, 60]);
    let t = run.at(jan, &one(account("acme", "iotbos", vec![c.clone()])));
    assert_eq!(kinds(&t), [Firing]);
    let Figures::Forecast {
        runs_out_on,
        period_ends_on,
        ..
    } = &t[0].figures
    else {
        panic!()
    };
    assert_eq!(*period_ends_on, day("2026-01-31"));
    // 40 MB at 100 a day: 9.6 hours, 17:36 CST.
    assert_eq!(*runs_out_on, Some(day("2026-01-31")));
    // Feb 1 00:30 CST: a new period, the January figure is stale.
    let feb = at("2026-01-31T16:30:00Z");
    let r = run.at(feb, &one(account("acme", "iotbos", vec![c])));
    assert_eq!(kinds(&r), [Resolved]);
    let Figures::Forecast { period_ends_on, .. } = &r[0].figures else {
        panic!()
    };
    assert_eq!(*period_ends_on, day("2026-02-28"));
}

#[test]
fn a_tencent_period_reset_resolves_the_quota_alert() {
    let mut run = Run::new(rules(QUOTA));
    let t0 = at("2026-03-14T10:00:00+08:00");
    let input = |used: i64, now: Instant| {
        let mut c = card("c1", used, 1000, now);
        c.days = vec![iotcard_rules::DayUsage {
            day: day("2026-03-14"),
            data_used: Some(mb(5)),
            sms_used: None,
            period_reset: used < 100,
        }];
        one(account("t", "tencent", vec![c]))
    };
    assert_eq!(kinds(&run.at(t0, &input(950, t0))), [Firing]);
    let t1 = t0 + TimeDelta::hours(1);
    let r = run.at(t1, &input(20, t1));
    assert_eq!(kinds(&r), [Resolved]);
    assert_eq!(
        r[0].figures.to_string(),
        "data used 20 MB of 1000 MB (2.00%)"
    );
    // Climbing again through the new period fires anew.
    let t2 = t0 + TimeDelta::days(20);
    assert_eq!(kinds(&run.at(t2, &input(850, t2))), [Firing]);
}

#[test]
fn a_platform_down_for_an_hour_gives_one_alert_and_one_resolution() {
    let set = rules(
        "[[rules]]\nname = \"sync\"\nkind = \"sync\"\nolder_than = \"2h\"\nshare = 0.5\n\
         renotify = \"24h\"\nnotify = [\"ops\"]\n\
         [[rules]]\nname = \"quota\"\nkind = \"quota\"\nthresholds = [80]\n",
    );
    let mut run = Run::new(set);
    let t0 = at("2026-03-10T12:00:00+08:00");
    let snapshot_at = t0 - TimeDelta::minutes(1);
    let cards: Vec<_> = (0..100)
        .map(|i| card(&format!("c{i}"), 10 * i, 1000, snapshot_at))
        .collect();
    let mut last_success = snapshot_at;
    // A pass a minute: up for 10 minutes, down for 60, up again for 10.
    for minute in 0..80 {
        let now = t0 + TimeDelta::minutes(minute);
        let down = (10..70).contains(&minute);
        if !down {
            last_success = now;
        }
        let mut a = account("acme", "iotbos", cards.clone());
        a.sync = sync(Some(last_success), now, 100, if down { 100 } else { 0 });
        run.at(now, &Inputs { accounts: vec![a] });
    }
    let sync_log: Vec<_> = run.log.iter().filter(|t| t.key.rule == "sync").collect();
    assert_eq!(
        sync_log.iter().map(|t| t.kind).collect::<Vec<_>>(),
        [Firing, Resolved],
        "{sync_log:#?}"
    );
    assert_eq!(sync_log[0].at, t0 + TimeDelta::minutes(10));
    assert_eq!(sync_log[1].at, t0 + TimeDelta::minutes(70));
    assert!(sync_log[0]
        .figures
        .to_string()
        .contains("100 of 100 cards failed (failing)"));
    // The cards' own alerts did not flap while their snapshots went stale.
    let quota: Vec<_> = run.log.iter().filter(|t| t.key.rule == "quota").collect();
    assert_eq!(quota.len(), 20, "the 20 cards at 80% or more, once each");
    assert!(quota.iter().all(|t| t.kind == Firing && t.at == t0));
}

#[test]
fn a_platform_down_longer_than_older_than_gives_one_stale_alert() {
    let mut run = Run::new(rules(
        "[[rules]]\nname = \"stale\"\nkind = \"sync\"\nolder_than = \"2h\"\n",
    ));
    let t0 = at("2026-03-10T12:00:00+08:00");
    for minute in (0..300).step_by(5) {
        let now = t0 + TimeDelta::minutes(minute);
        let mut a = account("acme", "iotbos", vec![]);
        // Down from the start for 4 hours; the first success after it at 240.
        let last = if minute >= 240 {
            now
        } else {
            t0 - TimeDelta::minutes(1)
        };
        a.sync = sync(Some(last), now, 10, if minute >= 240 { 0 } else { 10 });
        run.at(now, &one(a));
    }
    assert_eq!(run.kinds(), [Firing, Resolved]);
    assert_eq!(run.log[0].at, t0 + TimeDelta::minutes(120));
    assert_eq!(run.log[1].at, t0 + TimeDelta::minutes(240));
}

/// Usage wobbling around 80%, two hundred times.
fn teeter(hysteresis: Option<&str>) -> Vec<iotcard_rules::TransitionKind> {
    let mut text = QUOTA.to_owned();
    if let Some(h) = hysteresis {
        text.push_str(&format!("hysteresis = {h}\n"));
    }
    let mut run = Run::new(rules(&text));
    let t0 = at("2026-03-10T12:00:00+08:00");
    for i in 0..200 {
        let now = t0 + TimeDelta::minutes(10 * i);
        // 797, 803, 799, 801, ... (79.7% to 80.3%), within 1 point of 80%.
        let used = 800 + [-3, 3, -1, 1, -2, 2][(i % 6) as usize];
        run.at(
            now,
            &one(account("a", "iotbos", vec![card("c1", used, 1000, now)])),
        );
    }
    // Then well below.
    let end = t0 + TimeDelta::days(3);
    run.at(
        end,
        &one(account("a", "iotbos", vec![card("c1", 600, 1000, end)])),
    );
    run.kinds()
}

#[test]
fn a_value_teetering_on_a_threshold_does_not_flap() {
    assert_eq!(teeter(None), [Firing, Resolved]);
    assert_eq!(
        teeter(Some("0.5")),
        [Firing, Resolved],
        "half a point still covers ±0.3"
    );
    // Without a margin it would notify on every wobble: the margin matters.
    let flapping = teeter(Some("0"));
    assert!(flapping.len() > 100, "{}", flapping.len());
}

#[test]
fn a_restart_neither_repeats_nor_forgets_a_notification() {
    let set = rules(&format!("{QUOTA}renotify = \"6h\"\n"));
    let t0 = at("2026-03-10T12:00:00+08:00");
    let input = |now| one(account("a", "iotbos", vec![card("c1", 850, 1000, now)]));
    let mut first = Run::new(set.clone());
    assert_eq!(kinds(&first.at(t0, &input(t0))), [Firing]);
    // The store keeps the state as JSON; a new process reads it back.
    let stored = serde_json::to_string_pretty(&first.state).unwrap();
    assert!(stored.contains("\"rule\": \"quota\""), "{stored}");
    let mut second = Run::new(set);
    second.state = serde_json::from_str(&stored).unwrap();
    let t1 = t0 + TimeDelta::hours(1);
    assert!(second.at(t1, &input(t1)).is_empty(), "not repeated");
    let t2 = t0 + TimeDelta::hours(6);
    assert_eq!(
        kinds(&second.at(t2, &input(t2))),
        [Renotify],
        "not forgotten"
    );
}

#[test]
fn replay_shows_when_each_rule_would_have_fired() {
    let set = rules(&format!(
        "{QUOTA}[[rules]]\nname = \"stale\"\nkind = \"sync\"\nolder_than = \"2h\"\n"
    ));
    let start = at("2026-03-01T09:00:00+08:00");
    // Thirty days of one card using 40 MB a day, with one sync gap.
    let history = (0..30).map(|d| {
        let now = start + TimeDelta::days(d);
        let mut a = account("acme", "iotbos", vec![card("c1", 40 * (d + 1), 1000, now)]);
        let last = if d == 10 {
            now - TimeDelta::hours(5)
        } else {
            now
        };
        a.sync = sync(Some(last), now, 1, 0);
        (now, one(a))
    });
    let shown: Vec<String> = replay(&set, history)
        .iter()
        .map(|t| format!("{} {} {}", t.at.date_naive(), t.kind, t.key))
        .collect();
    assert_eq!(
        shown,
        [
            "2026-03-11 firing stale acme",
            "2026-03-12 resolved stale acme",
            "2026-03-20 firing quota acme/c1",
            "2026-03-23 firing quota acme/c1",
        ]
    );
}

#[test]
fn the_store_writes_only_the_alerts_that_changed() {
    let mut run = Run::new(rules(QUOTA));
    let now = at("2026-03-10T12:00:00+08:00");
    let input = |used: [i64; 3]| {
        let cards = used
            .iter()
            .enumerate()
            .map(|(i, u)| card(&format!("c{i}"), *u, 1000, now))
            .collect();
        one(account("a", "iotbos", cards))
    };
    run.at(now, &input([850, 950, 100]));
    let before = run.state.clone();
    // c0 unchanged, c1 resolves, c2 fires.
    run.at(now, &input([850, 100, 900]));
    let changes = run.state.changes_since(&before);
    let upserts: Vec<String> = changes.upserts.iter().map(|r| r.key.to_string()).collect();
    let removals: Vec<String> = changes.removals.iter().map(ToString::to_string).collect();
    assert_eq!(upserts, ["quota a/c2"]);
    assert_eq!(removals, ["quota a/c1"]);
    assert!(run.state.changes_since(&run.state).is_empty());
}
