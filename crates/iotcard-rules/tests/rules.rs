//! Every rule fires, re-notifies, respects quiet hours and resolves, with
//! an injected clock.

mod support;

use chrono::TimeDelta;
use iotcard_model::{CardStatus, Decimal};
use iotcard_rules::{Figures, Phase, StatusChange, TransitionKind::*};
use support::*;

const QUOTA: &str = r#"
[[rules]]
name = "quota"
kind = "quota"
thresholds = [80, 90, 100]
notify = ["ops"]
"#;

fn quota_step(t: &iotcard_rules::Transition) -> Option<Decimal> {
    match &t.figures {
        Figures::Quota { step, .. } => *step,
        other => panic!("{other:?}"),
    }
}

#[test]
fn quota_goes_up_in_steps_and_down_only_past_the_margin() {
    let mut run = Run::new(rules(QUOTA));
    let t0 = at("2026-03-10T12:00:00+08:00");
    let step = |run: &mut Run, i: i64, used: i64| {
        let now = t0 + TimeDelta::hours(i);
        run.at(
            now,
            &one(account("acme", "iotbos", vec![card("c1", used, 1000, now)])),
        )
    };
    assert!(step(&mut run, 0, 500).is_empty());
    let fired = step(&mut run, 1, 850);
    assert_eq!(kinds(&fired), [Firing]);
    assert_eq!(quota_step(&fired[0]), Some(Decimal::from(80)));
    assert_eq!(fired[0].key.to_string(), "quota acme/c1");
    assert_eq!(fired[0].notify_at, Some(fired[0].at));
    let up = step(&mut run, 2, 920);
    assert_eq!(kinds(&up), [Firing], "a step up notifies");
    assert_eq!(quota_step(&up[0]), Some(Decimal::from(90)));
    assert!(step(&mut run, 3, 880).is_empty(), "88% holds the 90% step");
    let key = fired[0].key.clone();
    assert_eq!(run.state.get(&key).unwrap().step, Some(Decimal::from(90)));
    assert!(step(&mut run, 4, 840).is_empty(), "84% steps down silently");
    assert_eq!(run.state.get(&key).unwrap().step, Some(Decimal::from(80)));
    assert_eq!(
        kinds(&step(&mut run, 5, 910)),
        [Firing],
        "back up a step notifies"
    );
    assert!(step(&mut run, 6, 760).is_empty(), "76% holds the 80% step");
    let resolved = step(&mut run, 7, 740);
    assert_eq!(kinds(&resolved), [Resolved]);
    assert_eq!(
        resolved[0].figures.to_string(),
        "data used 740 MB of 1000 MB (74.00%)"
    );
    assert_eq!(resolved[0].since, t0 + TimeDelta::hours(1));
    assert!(run.state.is_empty());
}

#[test]
fn quota_of_sms_and_of_used_plus_left_without_a_plan_figure() {
    let set = rules(
        "[[rules]]\nname = \"sms\"\nkind = \"quota\"\nmeasure = \"sms\"\nthresholds = [50]\n\
         [[rules]]\nname = \"data\"\nkind = \"quota\"\nthresholds = [50]\n",
    );
    let now = at("2026-03-10T12:00:00+08:00");
    let mut c = card("c1", 600, 1000, now);
    c.snapshot.plan = None; // allowance = used + left
    let usage = c.snapshot.usage.as_mut().unwrap();
    usage.sms_used = Some(iotcard_model::SmsCount(30));
    c.snapshot.remaining.as_mut().unwrap().sms_left = Some(iotcard_model::SmsCount(20));
    let (t, _) = iotcard_rules::evaluate(
        &set,
        &one(account("a", "tencent", vec![c])),
        &Default::default(),
        now,
    );
    let shown: Vec<String> = t
        .iter()
        .map(|t| format!("{}: {}", t.key, t.figures))
        .collect();
    assert_eq!(
        shown,
        [
            "sms a/c1: SMS used 30 of 50 (60.00%), past the 50% step",
            "data a/c1: data used 600 MB of 1000 MB (60.00%), past the 50% step"
        ]
    );
}

#[test]
fn for_holds_an_alert_pending_and_a_short_blip_never_notifies() {
    let mut run = Run::new(rules(&format!("{QUOTA}for = \"1h\"\n")));
    let t0 = at("2026-03-10T12:00:00+08:00");
    let eval = |run: &mut Run, minutes: i64, used: i64| {
        let now = t0 + TimeDelta::minutes(minutes);
        run.at(
            now,
            &one(account("acme", "iotbos", vec![card("c1", used, 1000, now)])),
        )
    };
    assert_eq!(kinds(&eval(&mut run, 0, 850)), [Pending]);
    assert!(!run.log[0].notifies());
    assert!(eval(&mut run, 30, 850).is_empty());
    assert!(
        eval(&mut run, 40, 700).is_empty(),
        "cleared while pending: nothing to say"
    );
    assert!(run.state.is_empty());
    assert_eq!(kinds(&eval(&mut run, 50, 850)), [Pending]);
    assert!(eval(&mut run, 109, 850).is_empty());
    let fired = eval(&mut run, 110, 860);
    assert_eq!(kinds(&fired), [Firing]);
    assert_eq!(fired[0].since, t0 + TimeDelta::minutes(50));
}

#[test]
fn renotify_and_quiet_hours_defer_but_never_drop() {
    let set = rules(&format!(
        "{QUOTA}renotify = \"24h\"\nquiet_hours = \"22:00-08:00\"\ntimezone = \"Asia/Shanghai\"\n"
    ));
    let mut run = Run::new(set);
    let eval = |run: &mut Run, now: &str, used: i64| {
        let now = at(now);
        run.at(
            now,
            &one(account("acme", "iotbos", vec![card("c1", used, 1000, now)])),
        )
    };
    let fired = eval(&mut run, "2026-03-10T23:00:00+08:00", 850);
    assert_eq!(kinds(&fired), [Firing]);
    assert_eq!(fired[0].notify_at, Some(at("2026-03-11T08:00:00+08:00")));
    // Renotify counts from when the notification went: 08:00.
    assert!(eval(&mut run, "2026-03-11T23:30:00+08:00", 860).is_empty());
    assert!(eval(&mut run, "2026-03-12T07:59:00+08:00", 860).is_empty());
    let again = eval(&mut run, "2026-03-12T08:10:00+08:00", 860);
    assert_eq!(kinds(&again), [Renotify]);
    assert_eq!(again[0].notify_at, Some(at("2026-03-12T08:10:00+08:00")));
    // And again a day later.
    let night = eval(&mut run, "2026-03-13T09:00:00+08:00", 860);
    assert_eq!(kinds(&night), [Renotify]);
    let r = eval(&mut run, "2026-03-14T02:00:00+08:00", 100);
    assert_eq!(kinds(&r), [Resolved]);
    assert_eq!(r[0].notify_at, Some(at("2026-03-14T08:00:00+08:00")));
}

#[test]
fn a_rule_may_keep_its_resolutions_to_itself() {
    let mut run = Run::new(rules(&format!("{QUOTA}send_resolved = false\n")));
    let now = at("2026-03-10T12:00:00+08:00");
    run.at(
        now,
        &one(account("a", "iotbos", vec![card("c1", 900, 1000, now)])),
    );
    let r = run.at(
        now,
        &one(account("a", "iotbos", vec![card("c1", 10, 1000, now)])),
    );
    assert_eq!(kinds(&r), [Resolved]);
    assert!(!r[0].notifies());
}

#[test]
fn forecast_says_on_which_day_the_allowance_runs_out() {
    let mut run = Run::new(rules("[[rules]]\nname = \"f\"\nkind = \"forecast\"\n"));
    let now = at("2026-03-10T12:00:00+08:00");
    let mut c = card("c1", 600, 1000, now);
    c.days = days(day("2026-03-10"), &[40, 40, 40, 40, 40, 40, 40, 5]);
    let t = run.at(now, &one(account("a", "iotbos", vec![c.clone()])));
    assert_eq!(kinds(&t), [Firing]);
    let Figures::Forecast {
        runs_out_on,
        period_ends_on,
        daily_rate,
        ..
    } = &t[0].figures
    else {
        panic!()
    };
    assert_eq!(*daily_rate, Decimal::from(40));
    // 400 MB left at 40 a day: ten days from now.
    assert_eq!(*runs_out_on, Some(day("2026-03-20")));
    assert_eq!(*period_ends_on, day("2026-03-31"));
    assert!(t[0]
        .figures
        .to_string()
        .contains("runs out on 2026-03-20, before the period ends on 2026-03-31"));
    // A slower week: no longer runs out, even with the margin.
    c.days = days(day("2026-03-10"), &[5, 5, 5, 5, 5, 5, 5, 5]);
    let later = at("2026-03-10T13:00:00+08:00");
    c.taken_at = Some(later);
    assert_eq!(
        kinds(&run.at(later, &one(account("a", "iotbos", vec![c])))),
        [Resolved]
    );
}

#[test]
fn remaining_fires_below_the_amount_and_resolves_above_it_plus_the_margin() {
    let mut run = Run::new(rules(
        "[[rules]]\nname = \"low\"\nkind = \"remaining\"\namount = \"100MB\"\n",
    ));
    let now = at("2026-03-10T12:00:00+08:00");
    let left = |run: &mut Run, l: i64| {
        run.at(
            now,
            &one(account(
                "a",
                "tencent",
                vec![card("c1", 1000 - l, 1000, now)],
            )),
        )
    };
    assert!(left(&mut run, 150).is_empty());
    assert_eq!(kinds(&left(&mut run, 80)), [Firing]);
    assert!(left(&mut run, 105).is_empty(), "within the 10 MB margin");
    let r = left(&mut run, 120);
    assert_eq!(kinds(&r), [Resolved]);
    assert_eq!(r[0].figures.to_string(), "data left 120 MB, below 100 MB");
}

#[test]
fn expiry_fires_within_n_days_and_resolves_on_renewal() {
    let mut run = Run::new(rules(
        "[[rules]]\nname = \"exp\"\nkind = \"expiry\"\nwithin = \"30d\"\n",
    ));
    let now = at("2026-03-10T12:00:00+08:00");
    let expiring = |run: &mut Run, on: &str| {
        let mut c = card("c1", 0, 1000, now);
        c.snapshot.expires_at = Some(at(on));
        run.at(now, &one(account("a", "iotbos", vec![c])))
    };
    assert!(expiring(&mut run, "2026-05-01T00:00:00+08:00").is_empty());
    let t = expiring(&mut run, "2026-03-20T12:00:00+08:00");
    assert_eq!(kinds(&t), [Firing]);
    assert_eq!(
        t[0].figures,
        Figures::Expiry {
            expires_at: Some(at("2026-03-20T12:00:00+08:00")),
            days_left: Some(10)
        }
    );
    assert!(
        expiring(&mut run, "2026-03-01T00:00:00+08:00").is_empty(),
        "expired still fires"
    );
    assert_eq!(
        kinds(&expiring(&mut run, "2027-03-20T12:00:00+08:00")),
        [Resolved]
    );
}

#[test]
fn status_is_in_and_status_changed_from_to() {
    let set = rules(
        "[[rules]]\nname = \"disabled\"\nkind = \"status\"\nstatus = \"disabled\"\n\
         [[rules]]\nname = \"stopped\"\nkind = \"status\"\nfrom = \"active\"\nto = \"suspended\"\n",
    );
    let mut run = Run::new(set);
    let now = at("2026-03-10T12:00:00+08:00");
    let with = |status: CardStatus, changes: Vec<StatusChange>| {
        let mut c = card("c1", 0, 1000, now);
        c.snapshot.status = Some(status);
        c.status_changes = changes;
        one(account("a", "iotbos", vec![c]))
    };
    let change = |from: CardStatus, to: CardStatus, when: &str| StatusChange {
        at: at(when),
        from: Some(from),
        to: Some(to),
    };
    let t = run.at(now, &with(CardStatus::Disabled, vec![]));
    assert_eq!(kinds(&t), [Firing]);
    assert_eq!(t[0].key.rule, "disabled");
    assert_eq!(
        kinds(&run.at(now, &with(CardStatus::Active, vec![]))),
        [Resolved]
    );
    // Testing → suspended is not the change asked for.
    let other = change(
        CardStatus::Testing,
        CardStatus::Suspended,
        "2026-03-10T11:00:00+08:00",
    );
    assert!(run
        .at(now, &with(CardStatus::Suspended, vec![other]))
        .is_empty());
    let stop = change(
        CardStatus::Active,
        CardStatus::Suspended,
        "2026-03-10T11:30:00+08:00",
    );
    let t = run.at(now, &with(CardStatus::Suspended, vec![stop.clone()]));
    assert_eq!(kinds(&t), [Firing]);
    assert_eq!(
        t[0].figures.to_string(),
        "status suspended (changed from active at 2026-03-10 11:30:00 +08:00)"
    );
    assert!(run
        .at(now, &with(CardStatus::Suspended, vec![stop.clone()]))
        .is_empty());
    let back = change(
        CardStatus::Suspended,
        CardStatus::Active,
        "2026-03-10T11:50:00+08:00",
    );
    assert_eq!(
        kinds(&run.at(now, &with(CardStatus::Active, vec![stop, back]))),
        [Resolved]
    );
}

#[test]
fn silent_fires_for_an_active_card_without_data_for_n_days() {
    let mut run = Run::new(rules(
        "[[rules]]\nname = \"quiet\"\nkind = \"silent\"\ndays = 3\n",
    ));
    let now = at("2026-03-10T12:00:00+08:00");
    let input = |status: CardStatus, used: &[i64]| {
        let mut c = card("c1", 100, 1000, now);
        c.snapshot.status = Some(status);
        c.days = days(day("2026-03-10"), used);
        one(account("a", "iotbos", vec![c]))
    };
    assert!(
        run.at(now, &input(CardStatus::Active, &[5, 5, 0, 0]))
            .is_empty(),
        "2 days"
    );
    let t = run.at(now, &input(CardStatus::Active, &[5, 5, 0, 0, 0]));
    assert_eq!(kinds(&t), [Firing]);
    assert_eq!(
        t[0].figures.to_string(),
        "no data used for 3 days (last on 2026-03-07)"
    );
    assert_eq!(
        kinds(&run.at(now, &input(CardStatus::Active, &[5, 0, 0, 0, 1]))),
        [Resolved]
    );
    assert!(
        run.at(now, &input(CardStatus::Disabled, &[0, 0, 0, 0, 0]))
            .is_empty(),
        "only active cards"
    );
    let t = run.at(now, &input(CardStatus::Active, &[0, 0, 0]));
    assert_eq!(t[0].figures.to_string(), "no data used for at least 3 days");
}

#[test]
fn spike_fires_above_k_times_the_weeks_median() {
    let mut run = Run::new(rules(
        "[[rules]]\nname = \"spike\"\nkind = \"spike\"\nfactor = 3\n",
    ));
    let now = at("2026-03-10T12:00:00+08:00");
    let input = |used: &[i64]| {
        let mut c = card("c1", 100, 1000, now);
        c.days = days(day("2026-03-10"), used);
        one(account("a", "iotbos", vec![c]))
    };
    assert!(
        run.at(now, &input(&[10, 12, 11, 9, 10, 13, 10, 30]))
            .is_empty(),
        "3 × 10 is not above 30"
    );
    let t = run.at(now, &input(&[10, 12, 11, 9, 10, 13, 10, 31]));
    assert_eq!(kinds(&t), [Firing]);
    assert_eq!(
        t[0].figures,
        Figures::Spike {
            day: day("2026-03-10"),
            used: Decimal::from(31),
            median: Decimal::from(10),
            factor: Decimal::from(3)
        }
    );
    // The next day is ordinary: resolved.
    let next = at("2026-03-11T12:00:00+08:00");
    let mut c = card("c1", 100, 1000, next);
    c.days = days(day("2026-03-11"), &[12, 11, 9, 10, 13, 10, 31, 12]);
    assert_eq!(
        kinds(&run.at(next, &one(account("a", "iotbos", vec![c])))),
        [Resolved]
    );
    // Too few days for a median: nothing said.
    assert!(run.at(now, &input(&[1, 100])).is_empty());
}

#[test]
fn sync_fires_when_the_last_success_is_old_and_resolves_when_fresh() {
    let mut run = Run::new(rules(
        "[[rules]]\nname = \"stale\"\nkind = \"sync\"\nolder_than = \"2h\"\n",
    ));
    let now = at("2026-03-10T12:00:00+08:00");
    let input = |last: Option<&str>| {
        let mut a = account("acme", "iotbos", vec![]);
        a.sync = sync(last.map(at), now, 10, 0);
        one(a)
    };
    assert!(run
        .at(now, &input(Some("2026-03-10T10:30:00+08:00")))
        .is_empty());
    let t = run.at(now, &input(Some("2026-03-10T09:00:00+08:00")));
    assert_eq!(kinds(&t), [Firing]);
    assert_eq!(t[0].key.to_string(), "stale acme");
    assert_eq!(t[0].key.card, None);
    assert_eq!(
        t[0].figures.to_string(),
        "last successful sync 2026-03-10 09:00:00 +08:00 (3h ago); last pass: 0 of 10 cards failed (stale)"
    );
    assert_eq!(
        kinds(&run.at(now, &input(Some("2026-03-10T11:59:00+08:00")))),
        [Resolved]
    );
    assert_eq!(
        kinds(&run.at(now, &input(None))),
        [Firing],
        "never succeeded"
    );
}

#[test]
fn scope_limits_the_cards_and_a_card_leaving_it_resolves() {
    let set = rules(&format!("{QUOTA}profiles = [\"acme\"]\ntags = [\"van\"]\n"));
    let mut run = Run::new(set);
    let now = at("2026-03-10T12:00:00+08:00");
    let tagged = |key: &str, tags: &[&str]| {
        let mut c = card(key, 900, 1000, now);
        c.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        c
    };
    let shop = account("shop", "iotbos", vec![tagged("s1", &["van"])]);
    let acme = account(
        "acme",
        "iotbos",
        vec![tagged("a1", &["van"]), tagged("a2", &["pos"])],
    );
    let t = run.at(
        now,
        &iotcard_rules::Inputs {
            accounts: vec![shop.clone(), acme],
        },
    );
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].key.to_string(), "quota acme/a1");
    // A chunk of acme's cards leaves the others alone.
    let mut chunk = account("acme", "iotbos", vec![tagged("a2", &["van"])]);
    chunk.partial = true;
    assert_eq!(kinds(&run.at(now, &one(chunk))), [Firing]);
    assert_eq!(run.state.len(), 2);
    // Another account's evaluation keeps acme's alerts.
    assert!(run.at(now, &one(shop)).is_empty());
    assert_eq!(run.state.len(), 2);
    // a1 loses its tag, a2 is gone: both resolve, in key order.
    let t = run.at(
        now,
        &one(account("acme", "iotbos", vec![tagged("a1", &[])])),
    );
    let shown: Vec<String> = t.iter().map(|t| format!("{} {}", t.kind, t.key)).collect();
    assert_eq!(shown, ["resolved quota acme/a1", "resolved quota acme/a2"]);
    assert!(run.state.is_empty());
}

#[test]
fn a_card_without_a_snapshot_keeps_its_alert() {
    let mut run = Run::new(rules(QUOTA));
    let now = at("2026-03-10T12:00:00+08:00");
    run.at(
        now,
        &one(account("a", "iotbos", vec![card("c1", 900, 1000, now)])),
    );
    let mut blank = card("c1", 0, 1000, now);
    blank.taken_at = None;
    assert!(run
        .at(now, &one(account("a", "iotbos", vec![blank])))
        .is_empty());
    let key = run.log[0].key.clone();
    assert_eq!(run.state.get(&key).unwrap().phase, Phase::Firing);
}

#[test]
fn alerts_of_a_removed_rule_are_dropped() {
    let mut run = Run::new(rules(QUOTA));
    let now = at("2026-03-10T12:00:00+08:00");
    let input = one(account("a", "iotbos", vec![card("c1", 900, 1000, now)]));
    run.at(now, &input);
    run.rules = rules("[[rules]]\nname = \"other\"\nkind = \"quota\"\nthresholds = [99]\n");
    assert!(run.at(now, &input).is_empty());
    assert!(run.state.is_empty());
}

#[test]
fn transitions_have_a_stable_idempotency_key() {
    let mut run = Run::new(rules(QUOTA));
    let now = at("2026-03-10T12:00:00+08:00");
    let t = run.at(
        now,
        &one(account("a", "iotbos", vec![card("c1", 900, 1000, now)])),
    );
    assert_eq!(
        t[0].idempotency_key(),
        format!("quota|a|c1|firing|{}", now.timestamp())
    );
    assert_eq!(
        t[0].to_string(),
        "2026-03-10 12:00:00 +08:00 firing quota a/c1: data used 900 MB of 1000 MB (90.00%), past the 90% step"
    );
    let json = serde_json::to_value(&t[0]).unwrap();
    assert_eq!(json["kind"], "firing");
    assert_eq!(json["figures"]["kind"], "quota");
    assert_eq!(json["figures"]["percent"], "90.00");
}

#[test]
fn an_account_evaluated_in_chunks_resolves_its_gone_cards_at_the_end() {
    let set = rules(QUOTA);
    let mut run = Run::new(set.clone());
    let now = at("2026-03-10T12:00:00+08:00");
    let chunk = |keys: &[&str]| {
        let mut a = account(
            "a",
            "iotbos",
            keys.iter().map(|k| card(k, 900, 1000, now)).collect(),
        );
        a.partial = true;
        one(a)
    };
    run.at(now, &chunk(&["c1", "c2"]));
    run.at(now, &chunk(&["c3"]));
    assert_eq!(run.state.len(), 3);
    // The next pass: c2 is gone; chunks of what is left, then the sweep.
    let later = now + TimeDelta::hours(1);
    assert!(run.at(later, &chunk(&["c1"])).is_empty());
    assert!(run.at(later, &chunk(&["c3"])).is_empty());
    let present = ["c1", "c3"];
    let r =
        iotcard_rules::resolve_absent(&set, &mut run.state, "a", |k| present.contains(&k), later);
    assert_eq!(kinds(&r), [Resolved]);
    assert_eq!(r[0].key.to_string(), "quota a/c2");
    assert_eq!(run.state.len(), 2);
    let again =
        iotcard_rules::resolve_absent(&set, &mut run.state, "a", |k| present.contains(&k), later);
    assert!(again.is_empty());
}

#[test]
fn the_sync_failure_share_has_a_margin() {
    let mut run = Run::new(rules(
        "[[rules]]\nname = \"failing\"\nkind = \"sync\"\nshare = \"50%\"\n",
    ));
    let now = at("2026-03-10T12:00:00+08:00");
    let pass = |run: &mut Run, failed: u64| {
        let mut a = account("acme", "iotbos", vec![]);
        a.sync = sync(Some(now), now, 100, failed);
        run.at(now, &one(a))
    };
    assert!(pass(&mut run, 50).is_empty(), "half is not more than half");
    assert_eq!(kinds(&pass(&mut run, 52)), [Firing]);
    assert!(pass(&mut run, 47).is_empty(), "within 5 points");
    assert_eq!(kinds(&pass(&mut run, 44)), [Resolved]);
    // No pass yet: nothing known, nothing said.
    let mut a = account("acme", "iotbos", vec![]);
    a.sync = iotcard_rules::SyncInfo::default();
    assert!(run.at(now, &one(a)).is_empty());
}

#[test]
fn status_changes_to_or_from_only_and_within() {
    let set = rules(
        "[[rules]]\nname = \"to\"\nkind = \"status\"\nto = \"disabled\"\nwithin = \"1d\"\n\
         [[rules]]\nname = \"from\"\nkind = \"status\"\nfrom = \"active\"\n",
    );
    let mut run = Run::new(set);
    let changed = at("2026-03-10T11:00:00+08:00");
    let input = |now, status: CardStatus, from: CardStatus| {
        let mut c = card("c1", 0, 1000, now);
        c.snapshot.status = Some(status.clone());
        c.status_changes = vec![StatusChange {
            at: changed,
            from: Some(from),
            to: Some(status),
        }];
        one(account("a", "iotbos", vec![c]))
    };
    let now = at("2026-03-10T12:00:00+08:00");
    let t = run.at(now, &input(now, CardStatus::Disabled, CardStatus::Testing));
    assert_eq!(
        t.iter().map(|t| t.key.rule.as_str()).collect::<Vec<_>>(),
        ["to"],
        "testing → disabled is a change to disabled, not from active"
    );
    // A day after the change it no longer counts.
    let later = changed + TimeDelta::days(1) + TimeDelta::minutes(1);
    let r = run.at(
        later,
        &input(later, CardStatus::Disabled, CardStatus::Testing),
    );
    assert_eq!(kinds(&r), [Resolved]);
    let t = run.at(
        later,
        &input(later, CardStatus::Suspended, CardStatus::Active),
    );
    assert_eq!(
        t.iter().map(|t| t.key.rule.as_str()).collect::<Vec<_>>(),
        ["from"]
    );
}

#[test]
fn a_forecast_without_history_says_nothing() {
    let mut run = Run::new(rules("[[rules]]\nname = \"f\"\nkind = \"forecast\"\n"));
    let now = at("2026-03-10T12:00:00+08:00");
    // 99% used but no day of history: no rate, no forecast (quota's job).
    assert!(run
        .at(
            now,
            &one(account("a", "iotbos", vec![card("c1", 990, 1000, now)]))
        )
        .is_empty());
    // Only today's figure: still no complete day.
    let mut c = card("c1", 990, 1000, now);
    c.days = days(day("2026-03-10"), &[500]);
    assert!(run
        .at(now, &one(account("a", "iotbos", vec![c])))
        .is_empty());
}
