//! The `Store` API of the watcher: alert state, the outbox, leases, and the
//! paged reads rules are evaluated over.

use std::time::Duration;

use chrono::NaiveDate;
use iotcard_model::Instant;

use crate::account::AccountId;
use crate::alerts::{self, AlertChanges, AlertRow, CommitReport};
use crate::daily::day_number;
use crate::error::{Result, StoreError};
use crate::lease::{self, whole_seconds, Lease};
use crate::notices::{self, StagedNotice};
use crate::outbox::{self, OutboxEntry, OutboxItem};
use crate::query::{CardDay, CardId, FleetCard, SnapshotParts, StatusChangeRow};
use crate::sqlite;
use crate::store::{seconds, Inner, Store};

impl Store {
    /// The stored state of every alert of these profiles (all when empty),
    /// by profile, rule and card (account-level alerts first).
    pub async fn alert_rows(&self, profiles: &[String]) -> Result<Vec<AlertRow>> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let profiles = profiles.to_vec();
                db.call(move |c| sqlite::alert_rows(c, &profiles)).await
            }
            Inner::Postgres(db) => db.alert_rows(profiles).await,
        }
    }

    /// Writes one evaluation's outcome in one transaction: the alert
    /// upserts and removals, the notices of `changes` (staged, as by
    /// [`Store::commit_page`]), and the outbox entries. An entry whose key
    /// is already in the outbox (delivered or not) is skipped and counted
    /// in [`CommitReport::already_queued`]: a notification is never queued
    /// twice.
    ///
    /// With `fence = Some(lease)`, the transaction first checks that the
    /// lease is still held by its holder with its token and has not expired
    /// at `now`; otherwise it writes nothing and fails with
    /// [`StoreError::LeaseLost`] (a watcher that lost its lease must not
    /// write stale state). On PostgreSQL the lease row stays locked until
    /// the commit, so it cannot change hands in between.
    ///
    /// An alert named twice in `changes` (two upserts, or an upsert and a
    /// removal) is refused as [`StoreError::Invalid`], as are empty names
    /// and unknown phases.
    pub async fn commit_evaluation(
        &self,
        changes: &AlertChanges,
        outbox: &[OutboxEntry],
        fence: Option<&Lease>,
        now: Instant,
    ) -> Result<CommitReport> {
        self.commit(changes, outbox, None, fence, now).await
    }

    /// Writes one page of an evaluation in one transaction: its alert
    /// upserts and removals, and its notices, staged (counted in
    /// [`CommitReport::notices_staged`]) until [`Store::queue_notices`]
    /// turns them into outbox entries. A watcher that stops between pages
    /// so loses no notification of the pages it committed. Fenced and
    /// validated exactly as [`Store::commit_evaluation`].
    pub async fn commit_page(
        &self,
        changes: &AlertChanges,
        fence: Option<&Lease>,
        now: Instant,
    ) -> Result<CommitReport> {
        self.commit(changes, &[], None, fence, now).await
    }

    /// A pass's last commit, in one transaction: queues the outbox entries
    /// made of `profile`'s staged notices (with the idempotency rules of
    /// [`Store::commit_evaluation`]) and deletes every staged notice of
    /// `profile` (counted in [`CommitReport::notices_consumed`]). Fenced
    /// the same way: with a lost lease, neither happens.
    pub async fn queue_notices(
        &self,
        profile: &str,
        outbox: &[OutboxEntry],
        fence: Option<&Lease>,
        now: Instant,
    ) -> Result<CommitReport> {
        notices::check_profile(profile)?;
        self.commit(&AlertChanges::default(), outbox, Some(profile), fence, now)
            .await
    }

    /// The one write path of the three commits above: `consume` names the
    /// profile whose staged notices the transaction deletes.
    async fn commit(
        &self,
        changes: &AlertChanges,
        outbox: &[OutboxEntry],
        consume: Option<&str>,
        fence: Option<&Lease>,
        now: Instant,
    ) -> Result<CommitReport> {
        alerts::validate(changes)?;
        outbox::validate(outbox)?;
        let now = seconds(now);
        match &self.inner {
            Inner::Sqlite(db) => {
                let changes = changes.clone();
                let outbox = outbox.to_vec();
                let consume = consume.map(str::to_owned);
                let fence = fence.cloned();
                db.call(move |c| {
                    sqlite::commit(
                        c,
                        &changes,
                        &outbox,
                        consume.as_deref(),
                        fence.as_ref(),
                        now,
                    )
                })
                .await
            }
            Inner::Postgres(db) => db.commit(changes, outbox, consume, fence, now).await,
        }
    }

    /// [`Store::latest_range`] with the card-level alert rows of `profile`
    /// for the cards it holds ([`Store::card_alert_rows`]): a watcher's page
    /// and its alert state, read together (on SQLite in one read
    /// transaction of one read-only connection, so both are of one moment).
    /// The snapshots hold only `parts` (what [`SnapshotParts::project`]
    /// leaves of them); what is not asked for is not read.
    ///
    /// With `seen_before`, only the cards last seen before it: those a
    /// pass that began then has not answered (a watcher evaluates the
    /// others as the pass writes them).
    pub async fn latest_range_with_alerts(
        &self,
        account: AccountId,
        profile: &str,
        after: CardId,
        upto: CardId,
        seen_before: Option<Instant>,
        parts: SnapshotParts,
    ) -> Result<(Vec<FleetCard>, Vec<AlertRow>)> {
        if upto.0 <= after.0 {
            return Ok((Vec::new(), Vec::new()));
        }
        let before = seen_before.map(seconds);
        match &self.inner {
            Inner::Sqlite(db) => {
                let profile = profile.to_owned();
                db.read(move |c| {
                    sqlite::latest_range_with_alerts(
                        c, account, &profile, after.0, upto.0, before, parts,
                    )
                })
                .await
            }
            Inner::Postgres(db) => {
                let most = u32::try_from(upto.0 - after.0).unwrap_or(u32::MAX);
                let mut cards = db
                    .latest_page_seen_before(account, after.0, most, before, parts)
                    .await?;
                cards.retain(|c| c.card.id.0 <= upto.0);
                self.with_card_alerts(profile, cards).await
            }
        }
    }

    /// The latest snapshots of `account`'s cards with these keys (those
    /// with a snapshot; in card-id order), with their card-level alert rows
    /// of `profile`, as [`Store::latest_range_with_alerts`] reads a range:
    /// a watcher evaluates each batch a pass writes this way, once it is
    /// committed.
    pub async fn latest_of_keys_with_alerts(
        &self,
        account: AccountId,
        profile: &str,
        keys: &[String],
        parts: SnapshotParts,
    ) -> Result<(Vec<FleetCard>, Vec<AlertRow>)> {
        if keys.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        match &self.inner {
            Inner::Sqlite(db) => {
                let (profile, keys) = (profile.to_owned(), keys.to_vec());
                db.read(move |c| {
                    sqlite::latest_of_keys_with_alerts(c, account, &profile, &keys, parts)
                })
                .await
            }
            Inner::Postgres(db) => {
                let cards = db.latest_of_keys(account, keys, parts).await?;
                self.with_card_alerts(profile, cards).await
            }
        }
    }

    async fn with_card_alerts(
        &self,
        profile: &str,
        cards: Vec<FleetCard>,
    ) -> Result<(Vec<FleetCard>, Vec<AlertRow>)> {
        let keys: Vec<String> = cards.iter().map(|c| c.card.key.clone()).collect();
        let alerts = self.card_alert_rows(profile, &keys).await?;
        Ok((cards, alerts))
    }

    /// The card-level alert rows of `profile` for these card keys (any
    /// rule), by card then rule: a page's alert state, read with the page
    /// in one statement.
    pub async fn card_alert_rows(&self, profile: &str, cards: &[String]) -> Result<Vec<AlertRow>> {
        if cards.is_empty() {
            return Ok(Vec::new());
        }
        match &self.inner {
            Inner::Sqlite(db) => {
                let (profile, cards) = (profile.to_owned(), cards.to_vec());
                db.read(move |c| sqlite::card_alert_rows(c, &profile, &cards))
                    .await
            }
            Inner::Postgres(db) => db.card_alert_rows(profile, cards).await,
        }
    }

    /// How many card-level alert rows `profile` has (an evaluation that saw
    /// them all on its pages need not look for those of unlisted cards).
    pub async fn card_alert_count(&self, profile: &str) -> Result<u64> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let profile = profile.to_owned();
                db.call(move |c| sqlite::card_alert_count(c, &profile))
                    .await
            }
            Inner::Postgres(db) => db.card_alert_count(profile).await,
        }
    }

    /// The account-level alert rows of `profile` (those with no card), by rule.
    pub async fn account_alert_rows(&self, profile: &str) -> Result<Vec<AlertRow>> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let profile = profile.to_owned();
                db.call(move |c| sqlite::account_alert_rows(c, &profile))
                    .await
            }
            Inner::Postgres(db) => db.account_alert_rows(profile).await,
        }
    }

    /// In pages, the card-level alert rows of `profile` whose card no page
    /// of [`Store::latest_page`] for `account` lists: the store has no
    /// card with that key in the account, or one without a snapshot (such
    /// alerts are resolved, as their card is gone). By card then rule, at
    /// most `limit`, strictly after the `(card, rule)` given (from the
    /// start when `None`): pass the last row's as the next `after`.
    pub async fn unlisted_alert_rows(
        &self,
        profile: &str,
        account: AccountId,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<AlertRow>> {
        // Card keys are never empty, so ('', '') is before every card-level row.
        let (card, rule) = after.unwrap_or(("", ""));
        match &self.inner {
            Inner::Sqlite(db) => {
                let (profile, card, rule) = (profile.to_owned(), card.to_owned(), rule.to_owned());
                db.call(move |c| {
                    sqlite::unlisted_alert_rows(c, &profile, account, (&card, &rule), limit)
                })
                .await
            }
            Inner::Postgres(db) => {
                db.unlisted_alert_rows(profile, account, (card, rule), limit)
                    .await
            }
        }
    }

    /// Up to `limit` staged notices of `profile` whose id is greater than
    /// `after_id`, in the order they were staged. Pass the last one's id as
    /// the next `after_id` (0 to start: ids are positive).
    pub async fn staged_notices(
        &self,
        profile: &str,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<StagedNotice>> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let profile = profile.to_owned();
                db.call(move |c| sqlite::staged_notices(c, &profile, after_id, limit))
                    .await
            }
            Inner::Postgres(db) => db.staged_notices(profile, after_id, limit).await,
        }
    }

    /// Whether `profile` has staged notices (a pass that stopped before its
    /// last commit left some to queue).
    pub async fn has_staged_notices(&self, profile: &str) -> Result<bool> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let profile = profile.to_owned();
                db.call(move |c| sqlite::has_staged_notices(c, &profile))
                    .await
            }
            Inner::Postgres(db) => db.has_staged_notices(profile).await,
        }
    }

    /// Claims up to `limit` undelivered entries due at `now` (`due_at <=
    /// now`) that no other holder's claim covers at `now`, and marks them
    /// claimed by `holder` until `now + claim_for` (rounded up to the
    /// second). Earliest due first (then in the order queued).
    ///
    /// Entries `holder` itself claimed are claimed again: a watcher that
    /// restarts under the same name gets its unfinished entries back at
    /// once, so a holder's name must be unique to one running process. On
    /// PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`: two watchers
    /// claiming at once never get the same row.
    pub async fn claim_outbox(
        &self,
        holder: &str,
        now: Instant,
        claim_for: Duration,
        limit: u32,
    ) -> Result<Vec<OutboxItem>> {
        outbox::check_holder(holder)?;
        let now = seconds(now);
        let until = now.saturating_add(whole_seconds(claim_for));
        match &self.inner {
            Inner::Sqlite(db) => {
                let holder = holder.to_owned();
                db.call(move |c| sqlite::claim_outbox(c, &holder, now, until, limit))
                    .await
            }
            Inner::Postgres(db) => db.claim_outbox(holder, now, until, limit).await,
        }
    }

    /// Records entry `id` as delivered at `now` after `attempts` attempts,
    /// and releases the claim. Only while `holder` still holds the claim
    /// (it may have run out, as long as nobody claimed the entry since):
    /// `Ok(false)` otherwise, and nothing changes.
    pub async fn outbox_delivered(
        &self,
        id: i64,
        holder: &str,
        attempts: u32,
        now: Instant,
    ) -> Result<bool> {
        outbox::check_holder(holder)?;
        let now = seconds(now);
        match &self.inner {
            Inner::Sqlite(db) => {
                let holder = holder.to_owned();
                db.call(move |c| sqlite::outbox_delivered(c, id, &holder, attempts, now))
                    .await
            }
            Inner::Postgres(db) => db.outbox_delivered(id, holder, attempts, now).await,
        }
    }

    /// Records a failed attempt of entry `id`: due again at `next_due`,
    /// `attempts` so far, `error` (already scrubbed of secrets by the
    /// caller) kept as its last error, and the claim released. The same
    /// condition and answer as [`Store::outbox_delivered`].
    pub async fn outbox_retry(
        &self,
        id: i64,
        holder: &str,
        attempts: u32,
        next_due: Instant,
        error: &str,
    ) -> Result<bool> {
        outbox::check_holder(holder)?;
        let next_due = seconds(next_due);
        match &self.inner {
            Inner::Sqlite(db) => {
                let holder = holder.to_owned();
                let error = error.to_owned();
                db.call(move |c| sqlite::outbox_retry(c, id, &holder, attempts, next_due, &error))
                    .await
            }
            Inner::Postgres(db) => db.outbox_retry(id, holder, attempts, next_due, error).await,
        }
    }

    /// For listings: with `pending_only`, up to `limit` undelivered entries,
    /// earliest due first; otherwise the newest `limit` entries, newest
    /// first.
    pub async fn outbox(&self, pending_only: bool, limit: u32) -> Result<Vec<OutboxItem>> {
        match &self.inner {
            Inner::Sqlite(db) => {
                db.call(move |c| sqlite::outbox(c, pending_only, limit))
                    .await
            }
            Inner::Postgres(db) => db.outbox(pending_only, limit).await,
        }
    }

    /// Takes the lease `name` for `holder` until `now + ttl` (rounded up to
    /// the second) if it is free, expired at `now`, or already `holder`'s
    /// (then it is renewed, same token). The token increases whenever the
    /// lease is taken anew. `None` when someone else holds it.
    ///
    /// One statement (an upsert whose update is conditional), so of two
    /// watchers racing for a free lease exactly one gets it.
    pub async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Instant,
        ttl: Duration,
    ) -> Result<Option<Lease>> {
        lease::check(name, holder, ttl)?;
        let now = seconds(now);
        let until = now.saturating_add(whole_seconds(ttl));
        match &self.inner {
            Inner::Sqlite(db) => {
                let (name, holder) = (name.to_owned(), holder.to_owned());
                db.call(move |c| sqlite::acquire_lease(c, &name, &holder, now, until))
                    .await
            }
            Inner::Postgres(db) => db.acquire_lease(name, holder, now, until).await,
        }
    }

    /// Renews a held lease until `now + ttl`: only with the same holder and
    /// token, and not expired at `now`. `None` means it was lost.
    pub async fn renew_lease(
        &self,
        lease: &Lease,
        now: Instant,
        ttl: Duration,
    ) -> Result<Option<Lease>> {
        lease::check(&lease.name, &lease.holder, ttl)?;
        let now = seconds(now);
        let until = now.saturating_add(whole_seconds(ttl));
        match &self.inner {
            Inner::Sqlite(db) => {
                let lease = lease.clone();
                db.call(move |c| sqlite::renew_lease(c, &lease, now, until))
                    .await
            }
            Inner::Postgres(db) => db.renew_lease(lease, now, until).await,
        }
    }

    /// Gives a lease up (if still held with this token), so another watcher
    /// can take it at once instead of waiting for it to expire.
    pub async fn release_lease(&self, lease: &Lease) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let lease = lease.clone();
                db.call(move |c| sqlite::release_lease(c, &lease)).await
            }
            Inner::Postgres(db) => db.release_lease(lease).await,
        }
    }

    /// Every lease ever taken, by name, expired and released ones included
    /// (compare `expires_at` with the time to tell).
    pub async fn leases(&self) -> Result<Vec<Lease>> {
        match &self.inner {
            Inner::Sqlite(db) => db.call(sqlite::leases).await,
            Inner::Postgres(db) => db.leases().await,
        }
    }

    /// Rule inputs in pages, so memory stays bounded over a million cards:
    /// the latest snapshot of each card of `account` whose id is greater
    /// than `after` (every card when `None`), in card-id order, at most
    /// `limit` (the same [`FleetCard`] as [`Store::fleet`]). Cards with no
    /// snapshot yet are skipped. Pass the last card's id as the next `after`.
    pub async fn latest_page(
        &self,
        account: AccountId,
        after: Option<CardId>,
        limit: u32,
    ) -> Result<Vec<FleetCard>> {
        let after = after.map_or(i64::MIN, |c| c.0);
        match &self.inner {
            Inner::Sqlite(db) => {
                db.call(move |c| sqlite::latest_page(c, account, after, limit))
                    .await
            }
            Inner::Postgres(db) => {
                db.latest_page(account, after, limit, SnapshotParts::ALL)
                    .await
            }
        }
    }

    /// [`Store::latest_page`] of `account`'s cards with `after < id <=
    /// upto`: ranges of ids, unlike pages, can be read at once and beside
    /// each other (on SQLite each read takes one of two read-only
    /// connections, so the writer is not held up). A range holds at most
    /// `upto - after` cards.
    pub async fn latest_range(
        &self,
        account: AccountId,
        after: CardId,
        upto: CardId,
    ) -> Result<Vec<FleetCard>> {
        self.latest_range_of(account, after, upto, SnapshotParts::ALL)
            .await
    }

    /// [`Store::latest_range`] with only `parts` of the snapshots.
    async fn latest_range_of(
        &self,
        account: AccountId,
        after: CardId,
        upto: CardId,
        parts: SnapshotParts,
    ) -> Result<Vec<FleetCard>> {
        if upto.0 <= after.0 {
            return Ok(Vec::new());
        }
        match &self.inner {
            Inner::Sqlite(db) => {
                db.read(move |c| sqlite::latest_range(c, account, after.0, upto.0, parts))
                    .await
            }
            Inner::Postgres(db) => {
                // The next cards after `after`, as many as the range can
                // hold: those past `upto` (when some in it have no snapshot)
                // belong to a later range.
                let most = u32::try_from(upto.0 - after.0).unwrap_or(u32::MAX);
                let mut page = db.latest_page(account, after.0, most, parts).await?;
                page.retain(|c| c.card.id.0 <= upto.0);
                Ok(page)
            }
        }
    }

    /// The least and greatest id of `account`'s cards (`None`: it has
    /// none), for reading its cards in ranges ([`Store::latest_range`]).
    pub async fn card_id_span(&self, account: AccountId) -> Result<Option<(CardId, CardId)>> {
        let span = match &self.inner {
            Inner::Sqlite(db) => db.call(move |c| sqlite::card_id_span(c, account)).await?,
            Inner::Postgres(db) => db.card_id_span(account).await?,
        };
        Ok(span.map(|(low, high)| (CardId(low), CardId(high))))
    }

    /// The daily usage of these cards over the days `from..=to` (China
    /// Standard Time), by card and day: what [`Store::daily_by_card`] gives
    /// for each, read for a whole page of rule inputs at once.
    pub async fn daily_of_cards(
        &self,
        cards: &[CardId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CardDay>> {
        if cards.is_empty() || from > to {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = cards.iter().map(|c| c.0).collect();
        let (from, to) = (day_number(from), day_number(to));
        match &self.inner {
            Inner::Sqlite(db) => {
                db.read(move |c| sqlite::daily_of_cards(c, &ids, from, to))
                    .await
            }
            Inner::Postgres(db) => {
                // Day numbers of dates chrono can hold fit in an i32.
                let day =
                    |d: i64| i32::try_from(d).unwrap_or(if d < 0 { i32::MIN } else { i32::MAX });
                db.daily_of_cards(&ids, day(from), day(to)).await
            }
        }
    }

    /// The status changes of these cards at or after `since`, oldest first
    /// (then by card), read from the status their snapshots reported. The
    /// first status a card reported is not a change, and neither is a
    /// snapshot without a status: a change is from the last status
    /// reported before it, so `from` and `to` are both `Some`.
    pub async fn status_changes(
        &self,
        cards: &[CardId],
        since: Instant,
    ) -> Result<Vec<StatusChangeRow>> {
        if cards.is_empty() {
            return Ok(Vec::new());
        }
        let since = seconds(since);
        let ids: Vec<i64> = cards.iter().map(|c| c.0).collect();
        match &self.inner {
            Inner::Sqlite(db) => {
                db.read(move |c| sqlite::status_changes(c, &ids, since))
                    .await
            }
            Inner::Postgres(db) => db.status_changes(&ids, since).await,
        }
    }
}

/// A stored attempt count (a negative or huge one is not what the store wrote).
pub(crate) fn attempts(stored: i64) -> Result<u32> {
    u32::try_from(stored)
        .map_err(|_| StoreError::Corrupt(format!("outbox.attempts {stored} is out of range")))
}
