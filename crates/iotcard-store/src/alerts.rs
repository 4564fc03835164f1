//! Alert state as the rule layer above keeps it between passes: one row per
//! rule, account and card, its body opaque JSON the store does not read.

use std::collections::HashSet;

use iotcard_model::Instant;

use crate::error::{Result, StoreError};
use crate::notices::AlertNotice;

/// An alert that is waiting out its rule's `for` duration.
pub const PENDING: &str = "pending";
/// An alert that fired (and has not resolved).
pub const FIRING: &str = "firing";

/// One alert's stored state (rule × account × card; `card` `None` is an
/// account-level alert, such as a `sync` rule's).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AlertRow {
    /// The rule's name.
    pub rule: String,
    /// The account's profile.
    pub profile: String,
    /// The card's key, or `None` for an account-level alert.
    pub card: Option<String>,
    /// [`PENDING`] or [`FIRING`].
    pub phase: String,
    /// When the alert entered its phase (kept to the second).
    pub since: Instant,
    /// The rule layer's state of the alert, as JSON; the store keeps it as
    /// given and never reads it.
    pub body: String,
}

impl AlertRow {
    /// The alert this row is the state of.
    pub fn key(&self) -> AlertKeyRef {
        AlertKeyRef {
            rule: self.rule.clone(),
            profile: self.profile.clone(),
            card: self.card.clone(),
        }
    }
}

/// Which alert: a rule, an account and (for a card-level alert) a card.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AlertKeyRef {
    /// The rule's name.
    pub rule: String,
    /// The account's profile.
    pub profile: String,
    /// The card's key, or `None` for an account-level alert.
    pub card: Option<String>,
}

/// What one rule evaluation changed in the alert state.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct AlertChanges {
    /// Alerts written (created or replaced whole).
    pub upserts: Vec<AlertRow>,
    /// Alerts gone (resolved, or their rule removed).
    pub removals: Vec<AlertKeyRef>,
    /// Notifications to stage with these changes, in the same transaction
    /// (see [`crate::Store::commit_page`]).
    pub notices: Vec<AlertNotice>,
}

/// What [`crate::Store::commit_evaluation`], [`crate::Store::commit_page`]
/// or [`crate::Store::queue_notices`] wrote.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CommitReport {
    /// Alert rows created or replaced.
    pub alerts_written: u64,
    /// Alert rows deleted (a removal of an alert the store did not have
    /// counts nothing).
    pub alerts_removed: u64,
    /// Outbox entries queued.
    pub queued: u64,
    /// Outbox entries skipped because their key was already in the outbox
    /// (delivered or not), or repeated in the same call.
    pub already_queued: u64,
    /// Notices staged.
    pub notices_staged: u64,
    /// Staged notices deleted because they were queued.
    pub notices_consumed: u64,
}

/// The card column's value: `''` for an account-level alert, so the key
/// can be a primary key on both backends (card keys are never empty).
pub(crate) fn card_column(card: &Option<String>) -> &str {
    card.as_deref().unwrap_or("")
}

/// The inverse of [`card_column`].
pub(crate) fn card_from_column(card: String) -> Option<String> {
    (!card.is_empty()).then_some(card)
}

fn check_key(rule: &str, profile: &str, card: &Option<String>) -> Result<()> {
    if rule.is_empty() {
        return Err(StoreError::Invalid(
            "an alert with an empty rule name".into(),
        ));
    }
    if profile.is_empty() {
        return Err(StoreError::Invalid(format!(
            "alert of rule {rule:?}: empty profile"
        )));
    }
    if card.as_deref() == Some("") {
        return Err(StoreError::Invalid(format!(
            "alert of rule {rule:?} in {profile:?}: an empty card key (use None for an \
             account-level alert)"
        )));
    }
    Ok(())
}

/// Refuses changes the backends could not apply the same way: bad keys or
/// phases, and an alert named twice (its final state would depend on the
/// order the statements ran in).
pub(crate) fn validate(changes: &AlertChanges) -> Result<()> {
    crate::notices::validate(&changes.notices)?;
    for row in &changes.upserts {
        if row.phase != PENDING && row.phase != FIRING {
            return Err(StoreError::Invalid(format!(
                "alert {:?} in {:?}: phase {:?} is neither {PENDING:?} nor {FIRING:?}",
                row.rule, row.profile, row.phase
            )));
        }
    }
    let keys = changes
        .upserts
        .iter()
        .map(|row| (&row.rule, &row.profile, &row.card))
        .chain(
            changes
                .removals
                .iter()
                .map(|k| (&k.rule, &k.profile, &k.card)),
        );
    let mut seen = HashSet::new();
    for (rule, profile, card) in keys {
        check_key(rule, profile, card)?;
        if !seen.insert((rule, profile, card)) {
            return Err(StoreError::Invalid(format!(
                "alert {rule:?} in {profile:?} for {} is changed twice in one commit",
                card.as_deref().unwrap_or("the account")
            )));
        }
    }
    Ok(())
}
