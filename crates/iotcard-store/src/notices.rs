//! Notices: the notifications one page of a rule evaluation calls for,
//! staged in the store in the page's own transaction, so a watcher that
//! stops between pages loses none. The pass's last commit
//! ([`crate::Store::queue_notices`]) turns them into outbox entries and
//! deletes them in one transaction.

use iotcard_model::Instant;

use crate::error::{Result, StoreError};

/// A notification staged by a page commit, before it becomes outbox entries.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AlertNotice {
    /// The account's profile (a pass consumes its profile's notices).
    pub profile: String,
    /// The rule that called for it.
    pub rule: String,
    /// When the rule layer wants it sent (kept to the second).
    pub notify_at: Instant,
    /// The rule layer's notice, as JSON; the store keeps it as given and
    /// never reads it.
    pub body: String,
}

/// A staged notice as stored.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StagedNotice {
    /// Its id in the store: increases in the order notices were staged.
    pub id: i64,
    /// The notice.
    pub notice: AlertNotice,
}

/// Refuses notices no pass could consume: without a profile, a notice is
/// never queued; without a rule, it says nothing about what fired.
pub(crate) fn validate(notices: &[AlertNotice]) -> Result<()> {
    for notice in notices {
        if notice.profile.is_empty() {
            return Err(StoreError::Invalid(format!(
                "a notice of rule {:?} with an empty profile",
                notice.rule
            )));
        }
        if notice.rule.is_empty() {
            return Err(StoreError::Invalid(format!(
                "a notice in {:?} with an empty rule name",
                notice.profile
            )));
        }
    }
    Ok(())
}

/// Refuses an empty profile where one names whose notices to consume.
pub(crate) fn check_profile(profile: &str) -> Result<()> {
    if profile.is_empty() {
        return Err(StoreError::Invalid(
            "an empty profile for staged notices".into(),
        ));
    }
    Ok(())
}
