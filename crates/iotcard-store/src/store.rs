//! The one `Store` API over both backends.

use std::fmt;

use chrono::NaiveDate;
use iotcard_model::{CardNumber, Instant};

use crate::account::{Account, AccountId, AccountSpec};
use crate::aggregate::FleetAggregates;
use crate::error::{Context, Result, StoreError};
use crate::fleet;
use crate::postgres::Postgres;
use crate::query::{AccountDay, CardDay, CardId, CardInfo, FleetCard, FleetFilter, HistoryEntry};
use crate::retention::{PruneReport, Retention, StoreStats};
use crate::run::{Batch, RunId, RunOutcome, SyncRun, WriteReport};
use crate::sqlite::{self, Sqlite};
use crate::url::StoreUrl;

/// Which database a store is in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// An open store: cheap to clone, and usable from several tasks at once
/// (each backend serializes its own work on one connection).
#[derive(Clone)]
pub struct Store {
    url: StoreUrl,
    pub(crate) inner: Inner,
}

#[derive(Clone)]
pub(crate) enum Inner {
    Sqlite(Sqlite),
    Postgres(Postgres),
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("url", &self.url).finish()
    }
}

pub(crate) fn seconds(at: Instant) -> i64 {
    at.timestamp()
}

impl Store {
    /// Opens the store at `url` (see [`StoreUrl`]), creating and migrating
    /// it as needed.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_url(StoreUrl::parse(url)?).await
    }

    /// [`Store::open`] with a parsed URL.
    pub async fn open_url(url: StoreUrl) -> Result<Self> {
        let inner = match &url {
            StoreUrl::Sqlite(path) => {
                let path = path.clone();
                let sqlite = tokio::task::spawn_blocking(move || Sqlite::open(&path))
                    .await
                    .map_err(StoreError::Worker)??;
                Inner::Sqlite(sqlite)
            }
            StoreUrl::Postgres(text) => Inner::Postgres(Postgres::open(text).await?),
        };
        Ok(Self { url, inner })
    }

    /// Where the store is (a PostgreSQL password shown as `***`).
    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// Which backend it is.
    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Caps the SQLite page cache at `kib` KiB for this connection (the
    /// default, 64 MiB, favours reads of a large store; a long sync bounds
    /// its memory with less, since it touches each page about once).
    /// PostgreSQL keeps its cache in the server: no effect there.
    pub async fn set_sqlite_cache_kib(&self, kib: u32) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(db) => {
                db.call(move |c| {
                    c.pragma_update(None, "cache_size", -i64::from(kib))
                        .context("setting the cache size")
                })
                .await
            }
            Inner::Postgres(_) => Ok(()),
        }
    }

    /// The store's schema version (after migration, [`crate::SCHEMA_VERSION`]).
    pub async fn schema_version(&self) -> Result<i64> {
        match &self.inner {
            Inner::Sqlite(db) => db.call(sqlite::schema_version).await,
            Inner::Postgres(db) => db.schema_version().await,
        }
    }

    /// Records an account (by profile; a known profile gets the provider and
    /// host given) and returns its id.
    pub async fn account(&self, spec: &AccountSpec) -> Result<AccountId> {
        spec.validate()?;
        match &self.inner {
            Inner::Sqlite(db) => {
                let spec = spec.clone();
                db.call(move |c| sqlite::upsert_account(c, &spec)).await
            }
            Inner::Postgres(db) => db.upsert_account(spec).await,
        }
    }

    /// Every account, by profile.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        match &self.inner {
            Inner::Sqlite(db) => db.call(sqlite::accounts).await,
            Inner::Postgres(db) => db.accounts().await,
        }
    }

    /// Starts a sync run of `account` at `now`. A run of the same account
    /// still open is marked interrupted at `now` first: it was left by a
    /// process that died. That holds only while one process at a time syncs
    /// an account; the store does not check it (whichever host the open run
    /// came from, it is closed). Several watchers on one store keep to one
    /// sync per account through a lease ([`Store::acquire_lease`]), so an
    /// open run of another watcher is one whose lease expired.
    pub async fn begin_run(&self, account: AccountId, now: Instant) -> Result<RunId> {
        let now = seconds(now);
        let id = match &self.inner {
            Inner::Sqlite(db) => db.call(move |c| sqlite::begin_run(c, account, now)).await?,
            Inner::Postgres(db) => db.begin_run(account, now).await?,
        };
        Ok(RunId(id))
    }

    /// Writes one batch in one transaction: all of it, or (on an error)
    /// none of it. Snapshots already stored for the same card and second
    /// are skipped and counted as duplicates. Refused once the run ended.
    pub async fn write_snapshots(&self, run: RunId, batch: &Batch) -> Result<WriteReport> {
        let batch = crate::ingest::prepare_batch(batch)?;
        match &self.inner {
            Inner::Sqlite(db) => {
                db.call(move |c| sqlite::write_snapshots(c, run.0, &batch))
                    .await
            }
            Inner::Postgres(db) => db.write_snapshots(run.0, &batch).await,
        }
    }

    /// Ends a run normally. Ending a run that already ended changes nothing.
    pub async fn finish_run(&self, run: RunId, now: Instant) -> Result<()> {
        self.end_run(run, now, RunOutcome::Finished).await
    }

    /// Ends a run as interrupted (a signal, a fatal error).
    pub async fn mark_interrupted(&self, run: RunId, now: Instant) -> Result<()> {
        self.end_run(run, now, RunOutcome::Interrupted).await
    }

    async fn end_run(&self, run: RunId, now: Instant, outcome: RunOutcome) -> Result<()> {
        let now = seconds(now);
        match &self.inner {
            Inner::Sqlite(db) => {
                db.call(move |c| sqlite::end_run(c, run.0, now, outcome))
                    .await
            }
            Inner::Postgres(db) => db.end_run(run.0, now, outcome).await,
        }
    }

    /// Adds cards to an account's inventory (the cards a sync asks IoTBOS
    /// about); returns how many were not in it already.
    pub async fn inventory_add(&self, account: AccountId, cards: &[CardNumber]) -> Result<u64> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let cards = cards.to_vec();
                db.call(move |c| sqlite::inventory_add(c, account, &cards))
                    .await
            }
            Inner::Postgres(db) => db.inventory_add(account, cards).await,
        }
    }

    /// Takes cards out of the inventory (their history stays); returns how
    /// many were in it.
    pub async fn inventory_remove(&self, account: AccountId, cards: &[CardNumber]) -> Result<u64> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let cards = cards.to_vec();
                db.call(move |c| sqlite::inventory_remove(c, account, &cards))
                    .await
            }
            Inner::Postgres(db) => db.inventory_remove(account, cards).await,
        }
    }

    /// An account's inventory, sorted.
    pub async fn inventory(&self, account: AccountId) -> Result<Vec<CardNumber>> {
        match &self.inner {
            Inner::Sqlite(db) => db.call(move |c| sqlite::inventory(c, account)).await,
            Inner::Postgres(db) => db.inventory(account).await,
        }
    }

    /// Up to `limit` of an account's inventory cards whose keys sort after
    /// `after` (`""` for the first page), sorted: a sync reads a large
    /// inventory page by page instead of holding it whole.
    pub async fn inventory_page(
        &self,
        account: AccountId,
        after: &str,
        limit: u32,
    ) -> Result<Vec<CardNumber>> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let after = after.to_owned();
                db.call(move |c| sqlite::inventory_page(c, account, &after, limit))
                    .await
            }
            Inner::Postgres(db) => db.inventory_page(account, after, limit).await,
        }
    }

    /// The latest snapshot of every card matching `filter`, by profile and
    /// card key. `now` is what "expiring within" and "silent for" count from.
    pub async fn fleet(&self, filter: &FleetFilter, now: Instant) -> Result<Vec<FleetCard>> {
        let now = seconds(now);
        match &self.inner {
            Inner::Sqlite(db) => {
                let filter = filter.clone();
                db.call(move |c| sqlite::fleet(c, &filter, now)).await
            }
            Inner::Postgres(db) => db.fleet(filter, now).await,
        }
    }

    /// Cards whose key, ICCID or MSISDN is `number`, in any account.
    pub async fn find_cards(&self, number: &str) -> Result<Vec<CardInfo>> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let number = number.to_owned();
                db.call(move |c| sqlite::find_cards(c, &number)).await
            }
            Inner::Postgres(db) => db.find_cards(number).await,
        }
    }

    /// One card.
    pub async fn card(&self, card: CardId) -> Result<Option<CardInfo>> {
        match &self.inner {
            Inner::Sqlite(db) => db.call(move |c| sqlite::card(c, card)).await,
            Inner::Postgres(db) => db.card(card).await,
        }
    }

    /// One card's kept snapshots taken in `from..to`, oldest first.
    pub async fn history(
        &self,
        card: CardId,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<HistoryEntry>> {
        let (from, to) = (seconds(from), seconds(to));
        match &self.inner {
            Inner::Sqlite(db) => db.call(move |c| sqlite::history(c, card, from, to)).await,
            Inner::Postgres(db) => db.history(card, from, to).await,
        }
    }

    /// One card's daily usage over the days `from..=to` (China Standard Time).
    pub async fn daily_by_card(
        &self,
        card: CardId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CardDay>> {
        let rows = self.daily_rows(Some(card), &[], from, to).await?;
        Ok(rows.into_iter().map(|(_, _, day)| day).collect())
    }

    /// Every card's daily usage over `from..=to`, for the given profiles
    /// (every account when empty), by card and day.
    pub async fn daily_by_cards(
        &self,
        profiles: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CardDay>> {
        let rows = self.daily_rows(None, profiles, from, to).await?;
        Ok(rows.into_iter().map(|(_, _, day)| day).collect())
    }

    /// Daily usage summed per account over `from..=to`, exactly, one row
    /// per account, day and data unit.
    pub async fn daily_by_account(
        &self,
        profiles: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<AccountDay>> {
        Ok(fleet::by_account(
            self.daily_rows(None, profiles, from, to).await?,
        ))
    }

    async fn daily_rows(
        &self,
        card: Option<CardId>,
        profiles: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(AccountId, String, CardDay)>> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let profiles = profiles.to_vec();
                db.call(move |c| sqlite::daily(c, card, &profiles, from, to))
                    .await
            }
            Inner::Postgres(db) => db.daily(card, profiles, from, to).await,
        }
    }

    /// The latest `limit` runs of the given profiles (all when empty), newest first.
    pub async fn sync_runs(&self, profiles: &[String], limit: u32) -> Result<Vec<SyncRun>> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let profiles = profiles.to_vec();
                db.call(move |c| sqlite::sync_runs(c, &profiles, limit))
                    .await
            }
            Inner::Postgres(db) => db.sync_runs(profiles, limit).await,
        }
    }

    /// Deletes what `keep` no longer keeps, counted back from `now`.
    pub async fn prune(&self, now: Instant, keep: &Retention) -> Result<PruneReport> {
        let now = seconds(now);
        let keep = *keep;
        match &self.inner {
            Inner::Sqlite(db) => db.call(move |c| sqlite::prune(c, now, &keep)).await,
            Inner::Postgres(db) => db.prune(now, &keep).await,
        }
    }

    /// How many rows of each kind the store holds, and its size.
    pub async fn stats(&self) -> Result<StoreStats> {
        match &self.inner {
            Inner::Sqlite(db) => db.call(sqlite::stats).await,
            Inner::Postgres(db) => db.stats().await,
        }
    }

    /// The exporter's figures as of `now` ([`FleetAggregates`]): card
    /// counts, usage sums, expiring cards, firing alerts, every account's
    /// latest syncs and pending notifications, each family one `GROUP BY`
    /// over the store, all from one consistent read. `per_card_limit`
    /// bounds the per-card rows read (0 reads none).
    pub async fn aggregates(&self, now: Instant, per_card_limit: u32) -> Result<FleetAggregates> {
        let now = seconds(now);
        match &self.inner {
            Inner::Sqlite(db) => {
                db.call(move |c| sqlite::aggregates(c, now, per_card_limit))
                    .await
            }
            Inner::Postgres(db) => db.aggregates(now, per_card_limit).await,
        }
    }

    /// The fleet report's figures over `scope` ([`crate::ReportFigures`]):
    /// one pass over every card's latest state before the period's end,
    /// tallied in exact decimals, plus the daily fleet sums and the
    /// period's syncs, all from one consistent read. Only aggregates and
    /// bounded top lists are kept, whatever the fleet's size.
    pub async fn report(&self, scope: &crate::ReportScope) -> Result<crate::ReportFigures> {
        if scope.until <= scope.since {
            return Err(crate::StoreError::Invalid(format!(
                "the report's period ends ({}) before it starts ({})",
                scope.until, scope.since
            )));
        }
        match &self.inner {
            Inner::Sqlite(db) => {
                let scope = scope.clone();
                db.call(move |c| sqlite::report(c, &scope)).await
            }
            Inner::Postgres(db) => db.report(scope).await,
        }
    }
}
