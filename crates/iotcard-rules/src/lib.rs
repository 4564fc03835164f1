//! Alert rules for fleets of IoT SIM cards: a pure function of (snapshots,
//! previous alert state, now).
//!
//! ```
//! use iotcard_model::{CardSnapshot, DataAmount, Plan, Usage};
//! use iotcard_rules::{
//!     evaluate, AccountInput, AlertStates, CardInput, Inputs, RuleConfig, RuleSet,
//!     TransitionKind,
//! };
//!
//! #[derive(serde::Deserialize)]
//! struct Config {
//!     rules: Vec<RuleConfig>,
//! }
//! let config: Config = toml::from_str(r#"
//!     [[rules]]
//!     name = "quota"
//!     kind = "quota"
//!     thresholds = [80, 90, 100]
//!     notify = ["ops"]
//!     renotify = "24h"
//!     quiet_hours = "22:00-08:00"
//!     timezone = "Asia/Shanghai"
//! "#)?;
//! let rules = RuleSet::new(config.rules)?;
//!
//! let now = "2026-03-10T12:00:00+08:00".parse()?;
//! let card = CardInput {
//!     key: "1064804085884".into(),
//!     taken_at: Some(now),
//!     snapshot: CardSnapshot {
//!         usage: Some(Usage { data_used: Some(DataAmount::mb(910.into())), ..Usage::default() }),
//!         plan: Some(Plan { included_data: Some(DataAmount::mb(1000.into())), ..Plan::default() }),
//!         ..CardSnapshot::default()
//!     },
//!     ..CardInput::default()
//! };
//! let inputs = Inputs {
//!     accounts: vec![AccountInput {
//!         profile: "acme".into(),
//!         provider: "iotbos".into(),
//!         cards: vec![card],
//!         ..AccountInput::default()
//!     }],
//! };
//! let (transitions, state) = evaluate(&rules, &inputs, &AlertStates::new(), now);
//! assert_eq!(transitions.len(), 1);
//! assert_eq!(transitions[0].kind, TransitionKind::Firing);
//! assert_eq!(
//!     transitions[0].figures.to_string(),
//!     "data used 910 MB of 1000 MB (91.00%), past the 90% step"
//! );
//! // The same evaluation again notifies nobody.
//! let (again, _) = evaluate(&rules, &inputs, &state, now);
//! assert!(again.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The configuration's `[[rules]]` tables deserialize into [`RuleConfig`]
//! (unknown keys are errors); [`RuleSet::new`] validates them, with errors
//! naming the rule, and [`Rule::explain`] says what each does. The inputs
//! ([`Inputs`]) are provider-neutral: per account its syncs and cards, per
//! card its latest snapshot, recent daily usage and status changes.
//! [`evaluate`] gives [`Transition`]s (pending, firing, renotify,
//! resolved, each with the figures that made it and when to notify) and
//! the next [`AlertStates`], a serializable value for the store, so a
//! restart neither repeats nor forgets a notification. [`replay`] runs
//! rules over stored history.
//!
//! # Semantics
//!
//! - **An alert** is one rule for one card of one account ([`AlertKey`]),
//!   or for the account itself (`sync`). It has no state until its
//!   condition holds; it is then pending or firing until it resolves.
//! - **`for`**: a condition that holds goes *pending* ([`TransitionKind::Pending`],
//!   no notification) and *fires* at the first evaluation at least `for`
//!   after it began to hold; one that clears while pending goes away
//!   silently. `for = "0s"` (the default) fires at once.
//! - **Hysteresis**: an alert that holds is kept until its value is past
//!   the threshold by a margin: `quota` and `forecast` by `hysteresis`
//!   percentage points (5), `remaining` by an amount (a tenth of `amount`),
//!   `expiry` by days (0), the `sync` failure share by points (5). A quota
//!   alert goes up a step as soon as usage crosses it (a notification), and
//!   down a step only below the step less the margin (silently).
//! - **`renotify`**: a firing alert notifies again once `renotify` has
//!   passed since its last notification; never when not given.
//! - **Quiet hours**: a notification due inside them (firing, renotify,
//!   resolved) carries [`Transition::notify_at`] at their end, in the
//!   rule's time zone; it is deferred, never dropped, and re-notification
//!   counts from when it goes.
//! - **Resolved**: a firing alert whose condition no longer holds, or whose
//!   card left the rule's scope or its account's list, resolves with the
//!   figures now (a notification unless `send_resolved = false`).
//! - **Unknown figures** (no snapshot, no usage, too little history) leave
//!   an alert as it is: a platform that stops answering neither fires nor
//!   resolves the cards' alerts; the `sync` rule says so, once.
//! - **Periods**: IoTBOS counts by calendar month in China Standard Time:
//!   after midnight CST on the 1st, a snapshot of the previous month counts
//!   as nothing used yet (quota and forecast alerts resolve). Tencent
//!   reports its own period; a new one shows as usage dropping.
//!
//! The crate reads no clock and does no I/O: `now` is always an argument.
#![deny(missing_docs)]

mod changes;
mod config;
mod duration;
mod error;
mod evaluate;
mod figures;
mod inputs;
mod quiet;
mod reads;
mod replay;
mod rfc3339;
pub mod rules;
mod scope;
mod state;

pub use config::{Amount, KindName, Rule, RuleConfig, RuleKind, RuleSet, Severity, Share};
pub use duration::Span;
pub use error::RulesError;
pub use evaluate::{evaluate, evaluate_in_place, resolve_absent};
pub use figures::{Figures, Measure};
pub use inputs::{
    AccountInput, CardInput, DayUsage, Inputs, PassOutcome, PeriodKind, StatusChange, SyncInfo,
};
pub use quiet::{QuietHours, TimeZone};
pub use reads::SnapshotReads;
pub use replay::{replay, replay_from};
pub use scope::Scope;
pub use state::{
    AlertKey, AlertRecord, AlertState, AlertStates, Phase, StateChanges, Transition, TransitionKind,
};
