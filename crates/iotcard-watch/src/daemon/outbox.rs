//! Delivering what the outbox holds: claim what is due, send each digest
//! under its notifier's rate, record the outcome — delivered, or due again
//! after a backoff. An entry is never dropped: one whose notifier is gone
//! from the config, or that the receiver refuses, waits for the operator
//! at the longest backoff.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::join_all;
use iotcard_model::Instant;
use iotcard_notify::{backoff, Digest};
use iotcard_store::OutboxItem;

use crate::daemon::plan::WatchPlan;
use crate::daemon::report::DeliveryReport;
use crate::daemon::watcher::Shared;
use crate::error::chain;
use crate::error::WatchError;

/// How the outbox is worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboxPolicy {
    /// The wait before the first retry of an entry (doubled per attempt).
    pub base: Duration,
    /// The longest wait between attempts.
    pub cap: Duration,
    /// How long a claim keeps other watchers off the entries claimed; an
    /// entry not sent by half of it is left for the claim to lapse.
    pub claim_for: Duration,
    /// Entries claimed at a time.
    pub batch: u32,
}

impl Default for OutboxPolicy {
    /// 30 s doubled up to 5 min; claims of 10 min, 100 entries at a time.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(300),
            claim_for: Duration::from_secs(600),
            batch: 100,
        }
    }
}

/// Delivers everything due now, a claimed batch at a time, until nothing
/// due is left unclaimed (or `stop` says to stop between sends).
pub(crate) async fn deliver_due(
    shared: &Shared,
    plan: &WatchPlan,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<DeliveryReport, WatchError> {
    let mut report = DeliveryReport::default();
    loop {
        let claimed_at = shared.now()?;
        let items = shared
            .store
            .claim_outbox(
                &shared.holder,
                claimed_at,
                shared.outbox.claim_for,
                shared.outbox.batch,
            )
            .await
            .map_err(WatchError::store("claiming outbox entries"))?;
        if items.is_empty() {
            return Ok(report);
        }
        let claimed = items.len();
        let mut by_notifier: BTreeMap<String, Vec<OutboxItem>> = BTreeMap::new();
        for item in items {
            by_notifier
                .entry(item.notifier.clone())
                .or_default()
                .push(item);
        }
        // Notifiers are independent (each has its own rate); one notifier's
        // entries go one at a time, oldest claim first.
        let rounds = by_notifier
            .into_values()
            .map(|items| deliver_in_order(shared, plan, items, claimed_at, stop));
        let mut handled = 0;
        for r in join_all(rounds).await {
            let r = r?;
            handled += r.delivered + r.retried + r.claims_lost;
            report.delivered += r.delivered;
            report.retried += r.retried;
            report.claims_lost += r.claims_lost;
        }
        if handled < claimed as u64 || stop() {
            // Some were left for their claim to lapse: not due again now.
            return Ok(report);
        }
    }
}

async fn deliver_in_order(
    shared: &Shared,
    plan: &WatchPlan,
    items: Vec<OutboxItem>,
    claimed_at: Instant,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<DeliveryReport, WatchError> {
    let mut report = DeliveryReport::default();
    let deadline = claimed_at
        + chrono::Duration::from_std(shared.outbox.claim_for / 2).unwrap_or(chrono::Duration::MAX);
    for item in items {
        if stop() || shared.now()? >= deadline {
            break;
        }
        let outcome = deliver_one(shared, plan, &item).await;
        let now = shared.now()?;
        let kept = match outcome {
            Ok(attempts) => {
                let kept = shared
                    .store
                    .outbox_delivered(item.id, &shared.holder, item.attempts + attempts, now)
                    .await
                    .map_err(WatchError::store("recording a delivery"))?;
                if kept {
                    report.delivered += 1;
                    if let Some(board) = &shared.board {
                        board.count_notification(&item.notifier, iotcard_observe::DELIVERED);
                    }
                }
                kept
            }
            Err((attempts, error)) => {
                let total = item.attempts + attempts;
                let wait = backoff(total, shared.outbox.base, shared.outbox.cap, shared.draw());
                let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                let kept = shared
                    .store
                    .outbox_retry(item.id, &shared.holder, total, next, &error)
                    .await
                    .map_err(WatchError::store("recording a failed delivery"))?;
                if kept {
                    report.retried += 1;
                    if let Some(board) = &shared.board {
                        board.count_notification(&item.notifier, iotcard_observe::RETRIED);
                    }
                    tracing::warn!(
                        notifier = item.notifier,
                        rule = item.rule,
                        key = item.key,
                        attempts = total,
                        retry_at = %next,
                        error,
                        "notification not delivered; retrying later"
                    );
                }
                kept
            }
        };
        if !kept {
            report.claims_lost += 1;
            tracing::warn!(
                notifier = item.notifier,
                key = item.key,
                "the outbox entry's claim was taken over before its outcome was recorded"
            );
        }
    }
    Ok(report)
}

/// Sends one entry: the attempts made, or those and why it did not go.
async fn deliver_one(
    shared: &Shared,
    plan: &WatchPlan,
    item: &OutboxItem,
) -> Result<u32, (u32, String)> {
    let Some(notifier) = plan.notifiers.get(&item.notifier) else {
        return Err((
            0,
            format!(
                "notifier `{}` is not configured (the entry waits for it)",
                item.notifier
            ),
        ));
    };
    let digest: Digest = match serde_json::from_str(&item.payload) {
        Ok(d) => d,
        Err(source) => {
            let e = WatchError::Payload {
                key: item.key.clone(),
                source,
            };
            return Err((0, chain(&e)));
        }
    };
    let delivery = shared.deliverer.deliver(notifier, &digest).await;
    let attempts = u32::try_from(delivery.attempts.len()).unwrap_or(u32::MAX);
    match delivery.error() {
        None => Ok(attempts),
        Some(e) => Err((attempts, chain(e))),
    }
}
