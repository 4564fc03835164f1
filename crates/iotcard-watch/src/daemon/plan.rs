//! What a watcher watches: the accounts with their schedules, the rules,
//! the notifiers. Built by the CLI from the config file; a new plan (a
//! SIGHUP reload) replaces the old one as a whole.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use iotcard_notify::Notifier;
use iotcard_rules::RuleSet;
use iotcard_store::AccountSpec;

use crate::daemon::account::AccountSync;
use crate::error::WatchError;

/// How much of an interval a pass may move either way by default: a tenth,
/// so accounts configured alike do not all hit their platforms at once.
pub const DEFAULT_JITTER: f64 = 0.1;

/// One account to sync on its own schedule.
#[derive(Clone)]
#[non_exhaustive]
pub struct WatchedAccount {
    /// The account (its profile names its lease and its alerts).
    pub spec: AccountSpec,
    /// How to run one pass (a client built with the account's request
    /// budget).
    pub sync: Arc<dyn AccountSync>,
    /// Between the end of one pass and the start of the next (jittered).
    pub interval: Duration,
}

impl WatchedAccount {
    /// `spec`, synced through `sync` every `interval`.
    pub fn new(spec: AccountSpec, sync: Arc<dyn AccountSync>, interval: Duration) -> Self {
        Self {
            spec,
            sync,
            interval,
        }
    }

    /// The profile's name.
    pub fn profile(&self) -> &str {
        &self.spec.profile
    }
}

impl fmt::Debug for WatchedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchedAccount")
            .field("profile", &self.spec.profile)
            .field("provider", &self.spec.provider)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// Everything one watcher does: which accounts, how often, which rules,
/// which notifiers.
///
/// [`validate`](Self::validate) refuses a plan that cannot work (a profile
/// twice, a zero interval, a rule notifying a notifier that does not
/// exist), naming the problem; the watcher checks it before using it, so a
/// bad reload leaves the old plan running.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WatchPlan {
    /// The accounts, each profile once.
    pub accounts: Vec<WatchedAccount>,
    /// The alert rules.
    pub rules: RuleSet,
    /// The notifiers, by name.
    pub notifiers: BTreeMap<String, Notifier>,
    /// The share of an interval a pass may start early or late, in
    /// `0..1` (default [`DEFAULT_JITTER`]).
    pub jitter: f64,
}

impl WatchPlan {
    /// A plan of `rules` and `notifiers`, with no account yet.
    pub fn new(rules: RuleSet, notifiers: impl IntoIterator<Item = Notifier>) -> Self {
        Self {
            accounts: Vec::new(),
            rules,
            notifiers: notifiers
                .into_iter()
                .map(|n| (n.name().to_owned(), n))
                .collect(),
            jitter: DEFAULT_JITTER,
        }
    }

    /// This plan, watching one more account.
    pub fn account(mut self, account: WatchedAccount) -> Self {
        self.accounts.push(account);
        self
    }

    /// This plan with `share` of jitter.
    pub fn jitter(mut self, share: f64) -> Self {
        self.jitter = share;
        self
    }

    /// The account of `profile`, if watched.
    pub fn find(&self, profile: &str) -> Option<&WatchedAccount> {
        self.accounts.iter().find(|a| a.spec.profile == profile)
    }

    /// Checks the plan as a whole; the error names the first problem.
    pub fn validate(&self) -> Result<(), WatchError> {
        let invalid = |problem: String| WatchError::InvalidPlan { problem };
        if !(self.jitter.is_finite() && (0.0..1.0).contains(&self.jitter)) {
            return Err(invalid(format!(
                "the jitter share must be at least 0 and less than 1, not {}",
                self.jitter
            )));
        }
        let mut profiles = BTreeSet::new();
        for account in &self.accounts {
            let profile = &account.spec.profile;
            account
                .spec
                .validate()
                .map_err(|e| invalid(format!("account `{profile}`: {e}")))?;
            if !profiles.insert(profile.as_str()) {
                return Err(invalid(format!("account `{profile}` is listed twice")));
            }
            if account.interval.is_zero() {
                return Err(invalid(format!(
                    "account `{profile}`: the interval between passes must be longer than 0s"
                )));
            }
        }
        let known: Vec<&str> = self.notifiers.keys().map(String::as_str).collect();
        self.rules
            .check_notifiers(&known)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(())
    }
}
