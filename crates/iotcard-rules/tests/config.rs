//! The `[[rules]]` contract of issue 15: the keys work as shown, unknown
//! keys and misplaced keys are errors naming the rule, and each rule
//! explains itself.

mod support;

use iotcard_model::{CardStatus, Decimal, Operator};
use iotcard_rules::rules::StatusMode;
use iotcard_rules::{KindName, RuleKind, RulesError, Severity, Span};
use support::{rules, try_rules};

/// The rules exactly as the issue's contract writes them.
const CONTRACT: &str = r#"
[[rules]]
name = "quota"                   # unique; the alert's name (Alertmanager label `alertname`)
kind = "quota"                   # quota | forecast | remaining | expiry | status | silent | spike | sync
thresholds = [80, 90, 100]       # quota: percent of the period's allowance
notify = ["ops", "am"]
for = "0s"
renotify = "24h"
quiet_hours = "22:00-08:00"
timezone = "Asia/Shanghai"
severity = "warning"
profiles = ["acme"]              # scope; also operators, plans, cards, tags

[[rules]]
name = "expiring"
kind = "expiry"
within = "30d"
notify = ["wx", "mail"]

[[rules]]
name = "disabled"
kind = "status"
status = "disabled"              # is in; or from = "active", to = "disabled" for a change
notify = ["team"]

[[rules]]
name = "stale"
kind = "sync"
older_than = "2h"
notify = ["ops"]
"#;

#[test]
fn the_issue_contract_parses_as_written() {
    let set = rules(CONTRACT);
    let names: Vec<&str> = set.rules().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["quota", "expiring", "disabled", "stale"]);
    let quota = set.get("quota").unwrap();
    let RuleKind::Quota(q) = &quota.kind else {
        panic!("{:?}", quota.kind)
    };
    assert_eq!(q.thresholds, [80, 90, 100].map(Decimal::from));
    assert_eq!(q.hysteresis, Decimal::from(5));
    assert_eq!(quota.notify, ["ops", "am"]);
    assert_eq!(quota.for_, Span::ZERO);
    assert_eq!(quota.renotify, Some(Span::from_secs(86_400)));
    assert_eq!(quota.quiet_hours.unwrap().to_string(), "22:00-08:00");
    assert_eq!(quota.timezone.to_string(), "Asia/Shanghai");
    assert_eq!(quota.severity, Severity::Warning);
    assert_eq!(quota.scope.profiles, ["acme"]);
    assert!(quota.send_resolved);
    let RuleKind::Expiry(e) = &set.get("expiring").unwrap().kind else {
        panic!()
    };
    assert_eq!(e.within, Span::from_days(30));
    let RuleKind::Status(s) = &set.get("disabled").unwrap().kind else {
        panic!()
    };
    assert_eq!(s.mode, StatusMode::Is(CardStatus::Disabled));
    let stale = set.get("stale").unwrap();
    assert_eq!(stale.kind.name(), KindName::Sync);
    assert!(stale.is_account_level());
    set.check_notifiers(&["ops", "am", "wx", "mail", "team"])
        .unwrap();
    assert_eq!(
        set.check_notifiers(&["ops", "am", "wx", "mail"])
            .unwrap_err(),
        RulesError::UnknownNotifier {
            rule: "disabled".into(),
            notifier: "team".into()
        }
    );
}

#[test]
fn every_kind_and_key_parses() {
    let set = rules(
        r#"
        [[rules]]
        name = "q"
        kind = "quota"
        measure = "sms"
        thresholds = [100, 50.5]
        hysteresis = 2
        operators = ["mobile", "china_unicom"]
        plans = ["1G"]
        cards = ["1064804085884"]
        tags = ["van"]
        severity = "critical"
        send_resolved = false
        [[rules]]
        name = "f"
        kind = "forecast"
        lookback = "14d"
        [[rules]]
        name = "r"
        kind = "remaining"
        amount = "1GB"
        [[rules]]
        name = "c"
        kind = "status"
        from = "active"
        to = "suspended"
        within = "7d"
        [[rules]]
        name = "s"
        kind = "silent"
        days = 3
        for = "1h"
        [[rules]]
        name = "k"
        kind = "spike"
        factor = 3
        min_amount = 50
        [[rules]]
        name = "y"
        kind = "sync"
        older_than = "2h"
        share = "50%"
        timezone = "Europe/Berlin"
        "#,
    );
    let q = set.get("q").unwrap();
    let RuleKind::Quota(quota) = &q.kind else {
        panic!()
    };
    assert_eq!(quota.thresholds, [Decimal::new(505, 1), Decimal::from(100)]);
    assert_eq!(
        q.scope.operators,
        [Operator::ChinaMobile, Operator::ChinaUnicom]
    );
    assert!(!q.send_resolved);
    let RuleKind::Remaining(r) = &set.get("r").unwrap().kind else {
        panic!()
    };
    assert_eq!(r.amount, Decimal::from(1024));
    assert_eq!(r.hysteresis, Decimal::new(1024, 1));
    let RuleKind::Sync(y) = &set.get("y").unwrap().kind else {
        panic!()
    };
    assert_eq!(y.share, Some(Decimal::new(5, 1)));
    assert_eq!(set.get("s").unwrap().for_, Span::from_secs(3600));
    let RuleKind::Forecast(f) = &set.get("f").unwrap().kind else {
        panic!()
    };
    assert_eq!(f.lookback_days, 14);
}

#[test]
fn errors_name_the_rule_and_the_problem() {
    let cases: &[(&str, &str)] = &[
        (
            "name = \"q\"\nkind = \"quota\"",
            "rule \"q\": a quota rule needs `thresholds`",
        ),
        (
            "name = \"q\"\nkind = \"quota\"\nthresholds = []",
            "rule \"q\": `thresholds` must list at least one percentage",
        ),
        (
            "name = \"q\"\nkind = \"quota\"\nthresholds = [0]",
            "rule \"q\": `thresholds`: 0 is not a percentage above 0",
        ),
        (
            "name = \"e\"\nkind = \"expiry\"\nwithin = \"30d\"\nthresholds = [80]",
            "rule \"e\": `thresholds` does not apply to the expiry kind of rule (only to quota)",
        ),
        (
            "name = \"e\"\nkind = \"expiry\"",
            "rule \"e\": an expiry rule needs `within`",
        ),
        (
            "name = \"d\"\nkind = \"status\"\nstatus = \"disabled\"\nto = \"active\"",
            "rule \"d\": give `status` (the card is in it) or `from`/`to` (a change), not both",
        ),
        (
            "name = \"y\"\nkind = \"sync\"",
            "rule \"y\": a sync rule needs `older_than`",
        ),
        (
            "name = \"y\"\nkind = \"sync\"\nolder_than = \"2h\"\ntags = [\"van\"]",
            "rule \"y\": a sync rule is about accounts",
        ),
        (
            "name = \"s\"\nkind = \"silent\"\ndays = 0",
            "rule \"s\": `days` must be between 1 and 366",
        ),
        (
            "name = \"k\"\nkind = \"spike\"\nfactor = 1",
            "rule \"k\": `factor` must be above 1",
        ),
        (
            "name = \"s\"\nkind = \"silent\"\ndays = 3\nhysteresis = 1",
            "rule \"s\": `hysteresis` does not apply to the silent kind of rule",
        ),
        (
            "name = \"q\"\nkind = \"quota\"\nthresholds = [80]\nrenotify = \"0s\"",
            "rule \"q\": `renotify` must be longer than 0s",
        ),
        (
            "name = \"\"\nkind = \"quota\"\nthresholds = [80]",
            "`name` must not be empty",
        ),
    ];
    for (body, want) in cases {
        let err = try_rules(&format!("[[rules]]\n{body}\n")).unwrap_err();
        assert!(err.contains(want), "{body}\n got: {err}\nwant: {want}");
    }
}

#[test]
fn unknown_keys_and_bad_values_are_refused_by_the_reader() {
    let cases: &[(&str, &str)] = &[
        (
            "thresholds = [80]\ncolour = \"red\"",
            "unknown field `colour`",
        ),
        ("thresholds = [80]\nfor = \"5\"", "invalid duration \"5\""),
        (
            "thresholds = [80]\nquiet_hours = \"22-08\"",
            "invalid quiet hours",
        ),
        (
            "thresholds = [80]\ntimezone = \"Asia/Beijing\"",
            "unknown time zone \"Asia/Beijing\"",
        ),
        (
            "thresholds = [80]\nseverity = \"page\"",
            "unknown variant `page`",
        ),
        (
            "thresholds = [80]\noperators = [\"vodafone\"]",
            "unknown variant `vodafone`",
        ),
    ];
    for (body, want) in cases {
        let err = try_rules(&format!(
            "[[rules]]\nname = \"q\"\nkind = \"quota\"\n{body}\n"
        ))
        .unwrap_err();
        assert!(err.contains(want), "{body}\n got: {err}\nwant: {want}");
    }
    let err = try_rules("[[rules]]\nname = \"q\"\nkind = \"quota\"\nthresholds = [80]\n[[rules]]\nname = \"q\"\nkind = \"expiry\"\nwithin = \"1d\"\n").unwrap_err();
    assert_eq!(
        err,
        "rule name \"q\" is used by more than one rule (names must be unique)"
    );
    let err = try_rules("[[rules]]\nname = \"r\"\nkind = \"remaining\"\namount = \"lots\"\n")
        .unwrap_err();
    assert!(err.contains("invalid amount \"lots\""), "{err}");
    let err = try_rules("[[rules]]\nname = \"y\"\nkind = \"sync\"\nshare = 2\n").unwrap_err();
    assert!(err.contains("invalid share \"2\""), "{err}");
}

#[test]
fn each_rule_explains_itself_in_a_sentence() {
    let set = rules(CONTRACT);
    let explained = set.explain();
    assert_eq!(
        explained[0],
        "quota (quota, warning): data used at 80%, 90%, 100% of the period's allowance (the \
         alert carries the highest step; it steps down or resolves below the step less 5 \
         points); for profiles acme; fires at once, again every 1d while it holds; \
         notifications due 22:00-08:00 (Asia/Shanghai) wait until 08:00; notifies ops, am."
    );
    assert_eq!(
        explained[1],
        "expiring (expiry, warning): the card's service or plan expires within 30d (or has \
         expired); for every card; fires at once, notifies once; notifies wx, mail."
    );
    assert_eq!(
        explained[2],
        "disabled (status, warning): the card's status is disabled; for every card; fires at \
         once, notifies once; notifies team."
    );
    assert_eq!(
        explained[3],
        "stale (sync, warning): the account's last successful sync is older than 2h (one \
         alert per account); for every account; fires at once, notifies once; notifies ops."
    );
    for line in explained {
        assert!(line.ends_with('.'), "{line}");
    }
}
