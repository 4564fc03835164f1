//! `[[rules]]` as the configuration file writes them, and their validation.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use iotcard_model::{CardStatus, Decimal, Instant, Operator};
use serde::{Deserialize, Deserializer, Serialize};

use crate::rules::{
    ExpiryRule, ForecastRule, QuotaRule, RemainingRule, SilentRule, SpikeRule, StatusRule, SyncRule,
};
use crate::{Measure, QuietHours, RulesError, Scope, Span, TimeZone};

/// The kinds of rule.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    /// Data (or SMS) used ≥ p% of the period's allowance, in steps.
    Quota,
    /// At the recent daily rate, the allowance runs out before the period ends.
    Forecast,
    /// Data left below an amount.
    Remaining,
    /// Plan or service expiry within N days.
    Expiry,
    /// A status change, or a status.
    Status,
    /// An active card used no data for N days.
    Silent,
    /// A day's usage above k × the previous 7 days' median.
    Spike,
    /// An account's syncs are stale or failing.
    Sync,
}

impl KindName {
    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            KindName::Quota => "quota",
            KindName::Forecast => "forecast",
            KindName::Remaining => "remaining",
            KindName::Expiry => "expiry",
            KindName::Status => "status",
            KindName::Silent => "silent",
            KindName::Spike => "spike",
            KindName::Sync => "sync",
        }
    }
}

impl fmt::Display for KindName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much an alert matters.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information.
    Info,
    /// Needs attention (the default).
    #[default]
    Warning,
    /// Needs attention now.
    Critical,
}

impl Severity {
    /// `info`, `warning` or `critical` (Alertmanager's `severity` label).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of data in MB: a number (`500`, `0.5`) or a string with a
/// unit (`"500MB"`, `"1.5GB"`, `"800KB"`; 1 GB = 1024 MB). It is compared
/// with the platform's figures as they are: MB for Tencent, the provider
/// unit for IoTBOS (which those platforms mean as MB).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize)]
pub struct Amount(pub Decimal);

impl FromStr for Amount {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| RulesError::InvalidNumber {
            what: "amount",
            input: s.to_owned(),
            reason,
        };
        let t = s.trim();
        let upper = t.to_ascii_uppercase();
        let (number, scale) = if let Some(n) = upper.strip_suffix("GB") {
            (n, Decimal::from(1024))
        } else if let Some(n) = upper.strip_suffix("MB") {
            (n, Decimal::ONE)
        } else if let Some(n) = upper.strip_suffix("KB") {
            (n, Decimal::ONE / Decimal::from(1024))
        } else {
            (upper.as_str(), Decimal::ONE)
        };
        let n = Decimal::from_str_exact(number.trim())
            .map_err(|_| err("expected a number of MB, or a number with MB, GB or KB"))?;
        if n.is_sign_negative() {
            return Err(err("must not be negative"));
        }
        n.checked_mul(scale)
            .map(Amount)
            .ok_or_else(|| err("out of range"))
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        number_or_text(d, "an amount of data: 500, or \"500MB\", \"1GB\"")
    }
}

/// A share of cards: a fraction (`0.2`) or a percentage (`"20%"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize)]
pub struct Share(pub Decimal);

impl FromStr for Share {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| RulesError::InvalidNumber {
            what: "share",
            input: s.to_owned(),
            reason,
        };
        let t = s.trim();
        let (number, percent) = match t.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (t, false),
        };
        let mut n = Decimal::from_str_exact(number)
            .map_err(|_| err("expected a fraction like 0.2 or a percentage like \"20%\""))?;
        if percent {
            n /= Decimal::ONE_HUNDRED;
        }
        if n.is_sign_negative() || n > Decimal::ONE {
            return Err(err("must be between 0 and 1 (0% and 100%)"));
        }
        Ok(Share(n))
    }
}

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        number_or_text(d, "a share: 0.2, or \"20%\"")
    }
}

/// Reads a TOML/JSON number or string through `FromStr`.
fn number_or_text<'de, D, T>(d: D, expecting: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = RulesError>,
{
    struct V<T>(&'static str, std::marker::PhantomData<T>);
    impl<T: FromStr<Err = RulesError>> serde::de::Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(E::custom)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
            // The shortest text that reads back as `v`: what was typed.
            self.visit_str(&v.to_string())
        }
    }
    d.deserialize_any(V(expecting, std::marker::PhantomData))
}

/// One `[[rules]]` table, exactly as written. Unknown keys are errors;
/// [`RuleSet::new`] checks that the keys given fit the rule's kind.
#[derive(Clone, PartialEq, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Unique; the alert's name (Alertmanager's `alertname`).
    pub name: String,
    /// The kind of rule.
    pub kind: KindName,
    /// Notifier names (`[notifiers.NAME]`).
    #[serde(default)]
    pub notify: Vec<String>,
    /// How long the condition must hold before the alert fires (`0s`).
    #[serde(rename = "for", default)]
    pub for_: Option<Span>,
    /// A firing alert notifies again after this; never when not given.
    #[serde(default)]
    pub renotify: Option<Span>,
    /// Notifications due in this daily window wait for its end.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// The quiet hours' zone (`Asia/Shanghai`).
    #[serde(default)]
    pub timezone: Option<TimeZone>,
    /// `info`, `warning` (the default) or `critical`.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Whether a resolution notifies (`true`).
    #[serde(default)]
    pub send_resolved: Option<bool>,
    /// How far below its threshold a value must fall to resolve (see each
    /// kind).
    #[serde(default)]
    pub hysteresis: Option<Decimal>,

    /// Scope: profiles.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Scope: operators.
    #[serde(default)]
    pub operators: Vec<Operator>,
    /// Scope: plan names.
    #[serde(default)]
    pub plans: Vec<String>,
    /// Scope: cards (key, ICCID or MSISDN).
    #[serde(default)]
    pub cards: Vec<String>,
    /// Scope: inventory tags.
    #[serde(default)]
    pub tags: Vec<String>,

    /// `quota`: percentages of the allowance.
    #[serde(default)]
    pub thresholds: Option<Vec<Decimal>>,
    /// `quota`, `forecast`: `data` (the default) or `sms`.
    #[serde(default)]
    pub measure: Option<Measure>,
    /// `forecast`: the days the daily rate is taken over (`7d`).
    #[serde(default)]
    pub lookback: Option<Span>,
    /// `remaining`: the amount of data.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// `expiry`: how far ahead; `status` (a change): how long a change
    /// counts.
    #[serde(default)]
    pub within: Option<Span>,
    /// `status`: the card is in this status.
    #[serde(default)]
    pub status: Option<CardStatus>,
    /// `status`: it changed from this status.
    #[serde(default)]
    pub from: Option<CardStatus>,
    /// `status`: it changed to this status.
    #[serde(default)]
    pub to: Option<CardStatus>,
    /// `silent`: days without data.
    #[serde(default)]
    pub days: Option<u32>,
    /// `spike`: the factor k.
    #[serde(default)]
    pub factor: Option<Decimal>,
    /// `spike`: a day below this amount is never a spike (`1`, MB).
    #[serde(default)]
    pub min_amount: Option<Amount>,
    /// `sync`: the last successful sync is older than this.
    #[serde(default)]
    pub older_than: Option<Span>,
    /// `sync`: the last pass failed for more than this share of its cards.
    #[serde(default)]
    pub share: Option<Share>,
}

/// What a validated rule checks, with its kind's settings.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum RuleKind {
    /// See [`QuotaRule`].
    Quota(QuotaRule),
    /// See [`ForecastRule`].
    Forecast(ForecastRule),
    /// See [`RemainingRule`].
    Remaining(RemainingRule),
    /// See [`ExpiryRule`].
    Expiry(ExpiryRule),
    /// See [`StatusRule`].
    Status(StatusRule),
    /// See [`SilentRule`].
    Silent(SilentRule),
    /// See [`SpikeRule`].
    Spike(SpikeRule),
    /// See [`SyncRule`].
    Sync(SyncRule),
}

impl RuleKind {
    /// The kind's name.
    pub fn name(&self) -> KindName {
        match self {
            RuleKind::Quota(_) => KindName::Quota,
            RuleKind::Forecast(_) => KindName::Forecast,
            RuleKind::Remaining(_) => KindName::Remaining,
            RuleKind::Expiry(_) => KindName::Expiry,
            RuleKind::Status(_) => KindName::Status,
            RuleKind::Silent(_) => KindName::Silent,
            RuleKind::Spike(_) => KindName::Spike,
            RuleKind::Sync(_) => KindName::Sync,
        }
    }
}

/// A validated rule.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Rule {
    /// Its name.
    pub name: String,
    /// What it checks.
    pub kind: RuleKind,
    /// Notifier names.
    pub notify: Vec<String>,
    /// How long the condition must hold before firing.
    pub for_: Span,
    /// Re-notification interval, if any.
    pub renotify: Option<Span>,
    /// Quiet hours, if any.
    pub quiet_hours: Option<QuietHours>,
    /// The quiet hours' zone.
    pub timezone: TimeZone,
    /// Severity.
    pub severity: Severity,
    /// Whether resolutions notify.
    pub send_resolved: bool,
    /// Which accounts and cards.
    pub scope: Scope,
}

impl Rule {
    /// Validates one rule's table.
    pub fn from_config(config: RuleConfig) -> Result<Self, RulesError> {
        let invalid = |problem: String| RulesError::InvalidRule {
            rule: config.name.clone(),
            problem,
        };
        if config.name.trim().is_empty() {
            return Err(invalid("`name` must not be empty".into()));
        }
        let kind = config.kind;
        for (key, set, kinds) in kind_keys(&config) {
            if set && !kinds.contains(&kind) {
                let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                return Err(invalid(format!(
                    "`{key}` does not apply to the {kind} kind of rule (only to {})",
                    names.join(", ")
                )));
            }
        }
        if kind == KindName::Sync
            && !(config.operators.is_empty()
                && config.plans.is_empty()
                && config.cards.is_empty()
                && config.tags.is_empty())
        {
            return Err(invalid(
                "a sync rule is about accounts: its scope takes `profiles` only".into(),
            ));
        }
        if config.renotify.is_some_and(Span::is_zero) {
            return Err(invalid(
                "`renotify` must be longer than 0s (leave it out to notify once)".into(),
            ));
        }
        let mut notify = config.notify.clone();
        let mut seen = BTreeSet::new();
        notify.retain(|n| seen.insert(n.clone()));
        if let Some(empty) = notify.iter().find(|n| n.trim().is_empty()) {
            return Err(invalid(format!("`notify` has an empty name {empty:?}")));
        }
        let kind = match kind {
            KindName::Quota => RuleKind::Quota(QuotaRule::from_config(&config).map_err(invalid)?),
            KindName::Forecast => {
                RuleKind::Forecast(ForecastRule::from_config(&config).map_err(invalid)?)
            }
            KindName::Remaining => {
                RuleKind::Remaining(RemainingRule::from_config(&config).map_err(invalid)?)
            }
            KindName::Expiry => {
                RuleKind::Expiry(ExpiryRule::from_config(&config).map_err(invalid)?)
            }
            KindName::Status => {
                RuleKind::Status(StatusRule::from_config(&config).map_err(invalid)?)
            }
            KindName::Silent => {
                RuleKind::Silent(SilentRule::from_config(&config).map_err(invalid)?)
            }
            KindName::Spike => RuleKind::Spike(SpikeRule::from_config(&config).map_err(invalid)?),
            KindName::Sync => RuleKind::Sync(SyncRule::from_config(&config).map_err(invalid)?),
        };
        Ok(Rule {
            name: config.name,
            kind,
            notify,
            for_: config.for_.unwrap_or_default(),
            renotify: config.renotify,
            quiet_hours: config.quiet_hours,
            timezone: config.timezone.unwrap_or_default(),
            severity: config.severity.unwrap_or_default(),
            send_resolved: config.send_resolved.unwrap_or(true),
            scope: Scope::new(
                config.profiles,
                config.operators,
                config.plans,
                config.cards,
                config.tags,
            ),
        })
    }

    /// When a notification due at `now` goes: after the quiet hours.
    pub fn release(&self, now: Instant) -> Instant {
        match self.quiet_hours {
            Some(q) => q.release(now, self.timezone),
            None => now,
        }
    }

    /// Whether its alerts are per account (`sync`) rather than per card.
    pub fn is_account_level(&self) -> bool {
        matches!(self.kind, RuleKind::Sync(_))
    }

    /// The rule in one sentence (for `iotcard rules check`).
    pub fn explain(&self) -> String {
        let what = match &self.kind {
            RuleKind::Quota(r) => r.explain(),
            RuleKind::Forecast(r) => r.explain(),
            RuleKind::Remaining(r) => r.explain(),
            RuleKind::Expiry(r) => r.explain(),
            RuleKind::Status(r) => r.explain(),
            RuleKind::Silent(r) => r.explain(),
            RuleKind::Spike(r) => r.explain(),
            RuleKind::Sync(r) => r.explain(),
        };
        let mut s = format!(
            "{} ({}, {}): {what}",
            self.name,
            self.kind.name(),
            self.severity
        );
        match self.scope.describe() {
            Some(scope) => s.push_str(&format!("; for {scope}")),
            None if self.is_account_level() => s.push_str("; for every account"),
            None => s.push_str("; for every card"),
        }
        if self.for_.is_zero() {
            s.push_str("; fires at once");
        } else {
            s.push_str(&format!("; fires once it has held for {}", self.for_));
        }
        match self.renotify {
            Some(every) => s.push_str(&format!(", again every {every} while it holds")),
            None => s.push_str(", notifies once"),
        }
        if let Some(q) = self.quiet_hours {
            s.push_str(&format!(
                "; notifications due {q} ({}) wait until {}",
                self.timezone,
                q.end().format("%H:%M")
            ));
        }
        if !self.send_resolved {
            s.push_str("; resolutions are not sent");
        }
        if self.notify.is_empty() {
            s.push_str("; notifies nobody (no `notify`)");
        } else {
            s.push_str(&format!("; notifies {}", self.notify.join(", ")));
        }
        s.push('.');
        s
    }
}

/// Every kind-specific key: whether it is set, and which kinds take it.
fn kind_keys(c: &RuleConfig) -> [(&'static str, bool, &'static [KindName]); 14] {
    use KindName::*;
    [
        ("thresholds", c.thresholds.is_some(), &[Quota]),
        ("measure", c.measure.is_some(), &[Quota, Forecast]),
        ("lookback", c.lookback.is_some(), &[Forecast]),
        ("amount", c.amount.is_some(), &[Remaining]),
        ("within", c.within.is_some(), &[Expiry, Status]),
        ("status", c.status.is_some(), &[Status]),
        ("from", c.from.is_some(), &[Status]),
        ("to", c.to.is_some(), &[Status]),
        ("days", c.days.is_some(), &[Silent]),
        ("factor", c.factor.is_some(), &[Spike]),
        ("min_amount", c.min_amount.is_some(), &[Spike]),
        ("older_than", c.older_than.is_some(), &[Sync]),
        ("share", c.share.is_some(), &[Sync]),
        (
            "hysteresis",
            c.hysteresis.is_some(),
            &[Quota, Forecast, Remaining, Expiry, Sync],
        ),
    ]
}

/// Validated rules with unique names, in the order written.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// Validates every rule; the first problem found is the error.
    pub fn new(configs: Vec<RuleConfig>) -> Result<Self, RulesError> {
        let mut names = BTreeSet::new();
        let mut rules = Vec::with_capacity(configs.len());
        for config in configs {
            if !names.insert(config.name.clone()) {
                return Err(RulesError::DuplicateName { rule: config.name });
            }
            rules.push(Rule::from_config(config)?);
        }
        Ok(Self { rules })
    }

    /// The rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// A rule by name.
    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Checks that every notifier a rule names is `known`.
    pub fn check_notifiers(&self, known: &[&str]) -> Result<(), RulesError> {
        for rule in &self.rules {
            if let Some(missing) = rule.notify.iter().find(|n| !known.contains(&n.as_str())) {
                return Err(RulesError::UnknownNotifier {
                    rule: rule.name.clone(),
                    notifier: missing.clone(),
                });
            }
        }
        Ok(())
    }

    /// One sentence per rule.
    pub fn explain(&self) -> Vec<String> {
        self.rules.iter().map(Rule::explain).collect()
    }
}
