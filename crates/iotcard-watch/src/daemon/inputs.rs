//! The rules' inputs, read from the store a page of cards at a time: each
//! card's latest snapshot, and — only when a rule reads them — its recent
//! daily usage, status changes and inventory tags.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Duration as Delta, NaiveDate};
use iotcard_model::{china_standard_time, Instant};
use iotcard_rules::rules::StatusMode;
use iotcard_rules::{CardInput, DayUsage, PassOutcome, RuleKind, RuleSet, StatusChange, SyncInfo};
use iotcard_store::{AccountId, CardId, FleetCard, RunOutcome, SnapshotParts, Store, SyncRun};
use tokio::task::JoinHandle;

use crate::daemon::alerts::states_from_rows;
use crate::daemon::card_set::CardSet;
use crate::daemon::evaluator::{Evaluated, Evaluator};
use crate::error::WatchError;

/// What the rules read beyond the latest snapshots.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Needs {
    /// Days of daily usage, today included (0: none).
    pub days: u32,
    /// How far back status changes count (`None`: not read at all).
    pub status_since: Option<Option<Delta>>,
    /// Whether a rule is scoped by inventory tags.
    pub tags: bool,
    /// The parts of each card's latest snapshot the rules read.
    pub snapshot: SnapshotParts,
}

impl Default for Needs {
    fn default() -> Self {
        Self {
            days: 0,
            status_since: None,
            tags: false,
            snapshot: SnapshotParts::ESSENTIAL,
        }
    }
}

impl Needs {
    /// What `rules` read: `forecast` its look-back, `silent` its days,
    /// `spike` the week before; `status` rules with `from`/`to` the
    /// changes within their `within` (all of them when one has none); a
    /// rule scoped by tags the cards' tags; of the snapshots, what
    /// [`RuleSet::snapshot_reads`] says.
    pub fn of(rules: &RuleSet) -> Self {
        let reads = rules.snapshot_reads();
        let mut needs = Needs {
            snapshot: SnapshotParts {
                identifiers: reads.identifiers,
                operator: reads.operator,
                plan_name: reads.plan_name,
                ..SnapshotParts::ESSENTIAL
            },
            ..Needs::default()
        };
        for rule in rules.rules() {
            needs.tags |= !rule.scope.tags.is_empty();
            let days = match &rule.kind {
                RuleKind::Forecast(f) => f.lookback_days + 1,
                RuleKind::Silent(s) => s.days + 1,
                RuleKind::Spike(_) => 8,
                RuleKind::Status(s) => {
                    if matches!(s.mode, StatusMode::Changed { .. }) {
                        let within = s.within.map(|w| w.as_delta());
                        needs.status_since = Some(match needs.status_since {
                            None => within,
                            Some(None) => None,
                            Some(Some(before)) => within.map(|w| w.max(before)),
                        });
                    }
                    0
                }
                _ => 0,
            };
            needs.days = needs.days.max(days);
        }
        needs
    }
}

/// The rules' view of a page of cards at `now`.
pub async fn card_inputs(
    store: &Store,
    page: Vec<FleetCard>,
    needs: Needs,
    now: Instant,
) -> Result<Vec<CardInput>, WatchError> {
    let ids: Vec<_> = page.iter().map(|c| c.card.id).collect();
    let mut changes = match needs.status_since {
        None => Vec::new(),
        Some(within) => {
            // "For ever" is as far back as the store keeps history.
            let since = within.map_or(Instant::MIN_UTC.fixed_offset(), |w| now - w);
            store
                .status_changes(&ids, since)
                .await
                .map_err(WatchError::store("reading status changes"))?
        }
    };
    changes.sort_by_key(|c| (c.card, c.at));
    let today = now.with_timezone(&china_standard_time()).date_naive();
    let first_day = first_day(today, needs.days);
    // Only rules that look back over days (forecast, silent, spike) pay
    // for the page's daily usage (one read, by card and day).
    let mut days = if needs.days > 0 {
        store
            .daily_of_cards(&ids, first_day, today)
            .await
            .map_err(WatchError::store("reading daily usage"))?
    } else {
        Vec::new()
    };
    days.sort_by_key(|d| (d.card, d.day));
    let mut tags = if needs.tags {
        store
            .tags_of(&ids)
            .await
            .map_err(WatchError::store("reading inventory tags"))?
    } else {
        Vec::new()
    };
    tags.sort();
    let (mut changes, mut days) = (changes.into_iter().peekable(), days.into_iter().peekable());
    let mut tags = tags.into_iter().peekable();
    let mut out = Vec::with_capacity(page.len());
    for card in page {
        let id = card.card.id;
        while changes.next_if(|c| c.card < id).is_some() {}
        while days.next_if(|d| d.card < id).is_some() {}
        while tags.next_if(|t| t.card < id).is_some() {}
        let mut input = CardInput {
            key: card.card.key,
            taken_at: Some(card.taken_at),
            snapshot: card.snapshot,
            ..CardInput::default()
        };
        while let Some(c) = changes.next_if(|c| c.card == id) {
            input.status_changes.push(StatusChange {
                at: c.at,
                from: c.from,
                to: c.to,
            });
        }
        while let Some(t) = tags.next_if(|t| t.card == id) {
            input.tags.push(t.tag);
        }
        while let Some(d) = days.next_if(|d| d.card == id) {
            input.days.push(DayUsage {
                day: d.day,
                data_used: d.data_used,
                sms_used: d.sms_used,
                period_reset: d.period_reset,
            });
        }
        out.push(input);
    }
    Ok(out)
}

/// One range of cards, evaluated.
pub(crate) struct Page {
    /// How many cards it held.
    pub cards: u64,
    /// Their ids.
    pub ids: Vec<CardId>,
    /// What the rules made of them and their stored alert state (`None`:
    /// no card, so nothing to evaluate).
    pub evaluated: Option<Evaluated>,
}

/// Which cards of the account a page holds.
#[derive(Clone, Debug)]
pub(crate) enum Pick {
    /// Those with `after < id <= upto`; with `seen_before`, only those
    /// last seen before it, and not in `skip`.
    Range {
        after: CardId,
        upto: CardId,
        seen_before: Option<Instant>,
        skip: Option<Arc<CardSet>>,
    },
    /// Those with these keys (a batch a pass committed).
    Keys(Vec<String>),
}

/// Where the pages of one account's evaluation are read from: ranges of
/// card ids, which (unlike pages of so many cards after the last) can be
/// read ahead, beside each other, and the batches a pass commits.
#[derive(Clone)]
pub(crate) struct PageSource {
    pub store: Store,
    pub account: AccountId,
    /// The account's profile, which alert rows are kept under.
    pub profile: String,
    pub needs: Needs,
    /// The rules each page is evaluated with, once read (beside the other
    /// pages, rather than one page at a time where the digests are built).
    pub evaluator: Arc<Evaluator>,
}

impl PageSource {
    /// The cards `pick` names, read with their alert state and evaluated
    /// at `now`.
    async fn read(&self, pick: &Pick, now: Instant) -> Result<Page, WatchError> {
        let (store, account, profile, parts) = (
            &self.store,
            self.account,
            &self.profile,
            self.needs.snapshot,
        );
        let read = match pick {
            Pick::Range {
                after,
                upto,
                seen_before,
                skip,
            } => store
                .latest_range_with_alerts(account, profile, *after, *upto, *seen_before, parts)
                .await
                .map(|(mut cards, mut rows)| {
                    if let Some(skip) = skip {
                        cards.retain(|c| !skip.contains(c.card.id));
                        let keys: BTreeSet<&str> =
                            cards.iter().map(|c| c.card.key.as_str()).collect();
                        rows.retain(|r| r.card.as_deref().is_some_and(|k| keys.contains(k)));
                    }
                    (cards, rows)
                }),
            Pick::Keys(keys) => {
                store
                    .latest_of_keys_with_alerts(account, profile, keys, parts)
                    .await
            }
        };
        let (page, rows) = read.map_err(WatchError::store(
            "reading the latest snapshots and their alerts",
        ))?;
        // No card, no alert rows: they are the cards'.
        if page.is_empty() {
            return Ok(Page {
                cards: 0,
                ids: Vec::new(),
                evaluated: None,
            });
        }
        let ids = page.iter().map(|c| c.card.id).collect();
        let alerts = states_from_rows(rows)?;
        let cards = card_inputs(&self.store, page, self.needs, now).await?;
        Ok(Page {
            cards: cards.len() as u64,
            ids,
            evaluated: Some(
                self.evaluator
                    .evaluate(alerts, SyncInfo::default(), cards, now)?,
            ),
        })
    }

    /// Starts reading what `pick` names in a task of its own, so the store
    /// reads it while the rules evaluate what came before.
    pub fn prefetch(&self, pick: Pick, now: Instant) -> Prefetch {
        let source = self.clone();
        let task = {
            let pick = pick.clone();
            tokio::spawn(async move { source.read(&pick, now).await })
        };
        Prefetch {
            task,
            source: self.clone(),
            pick,
            now,
        }
    }
}

/// A page being read ([`PageSource::prefetch`]); the read stops when this
/// is dropped unawaited (an evaluation that failed or was cancelled).
pub(crate) struct Prefetch {
    task: JoinHandle<Result<Page, WatchError>>,
    source: PageSource,
    pick: Pick,
    now: Instant,
}

impl Prefetch {
    /// The page, once read.
    pub async fn page(mut self) -> Result<Page, WatchError> {
        match (&mut self.task).await {
            Ok(page) => page,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // The task was cancelled (the runtime is shutting down): the
            // page is read here instead.
            Err(_) => self.source.read(&self.pick, self.now).await,
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the store's runs say of an account's syncs: the last pass, and the
/// last that succeeded (finished with at least one card answered, or with
/// nothing to ask and nothing failed).
pub fn sync_info(runs: &[SyncRun]) -> SyncInfo {
    let ended = |r: &SyncRun| r.ended_at.filter(|_| r.outcome != RunOutcome::Running);
    let last_pass = runs.iter().find_map(|r| {
        ended(r).map(|ended_at| PassOutcome {
            ended_at,
            asked: r.counts.asked,
            answered: r.counts.answered,
            failed: r.counts.failed,
        })
    });
    let last_success = runs
        .iter()
        .filter(|r| r.outcome == RunOutcome::Finished)
        .filter(|r| r.counts.answered > 0 || (r.counts.asked == 0 && r.counts.failed == 0))
        .find_map(ended);
    SyncInfo {
        last_success,
        last_pass,
    }
}

/// The first day of daily usage a look-back of `days` reads, `today`
/// being the last.
fn first_day(today: NaiveDate, days: u32) -> NaiveDate {
    today - Delta::days(i64::from(days.saturating_sub(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotcard_model::{
        CardKind, CardSnapshot, CardStatus, DataAmount, Money, NetworkStatus, Operator, Plan,
    };

    fn whole() -> CardSnapshot {
        CardSnapshot {
            card: "1064800000001".into(),
            iccid: Some("898602b7091701054333".parse().unwrap()),
            msisdn: Some("1064878384333".parse().unwrap()),
            operator: Some(Operator::ChinaMobile),
            kind: Some(CardKind::Pooled),
            status: Some(CardStatus::Active),
            network: Some(NetworkStatus::On),
            plan: Some(Plan {
                name: Some("1GB".into()),
                monthly_fee: Some(Money::from_yuan(1.into())),
                sms_overage_price: Some(Money::from_yuan(1.into())),
                data_overage_price: Some(Money::from_yuan(1.into())),
                included_data: Some(DataAmount::mb(1024.into())),
                product_id: Some("p".into()),
                pool_id: Some("q".into()),
                ..Plan::default()
            }),
            ..CardSnapshot::default()
        }
    }

    #[test]
    fn the_store_reads_what_the_rules_keep_of_a_snapshot() {
        let scopes = [
            "",
            "cards = [\"898602b7091701054333\"]",
            "operators = [\"mobile\"]",
            "plans = [\"1GB\"]",
            "cards = [\"1\"]\noperators = [\"mobile\"]\nplans = [\"1GB\"]",
        ];
        for scope in scopes {
            let rules = crate::daemon::test_rules::rules(&format!(
                "[[rules]]\nname = \"q\"\nkind = \"quota\"\nthresholds = [80]\nnotify = []\n{scope}\n"
            ));
            let (mut read, mut kept) = (whole(), whole());
            Needs::of(&rules).snapshot.project(&mut read);
            rules.snapshot_reads().keep(&mut kept);
            assert_eq!(read, kept, "{scope}");
        }
    }
}
