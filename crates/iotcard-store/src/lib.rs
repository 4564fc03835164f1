//! Fleet history for iotcard: every sync's card snapshots, the daily usage
//! derived from them, and the sync runs, in one SQLite file by default or a
//! shared PostgreSQL database.
//!
//! ```
//! use iotcard_store::{AccountSpec, Batch, FleetFilter, Observation, Store};
//! use iotcard_model::{CardSnapshot, CardStatus, DataAmount, SmsCount, Usage};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let url = format!("sqlite://{}", dir.path().join("history.sqlite3").display());
//! let store = Store::open(&url).await?;
//!
//! let account = store.account(&AccountSpec::new("default", "iotbos", "sys.iotbos.com")).await?;
//! let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00")?;
//! let run = store.begin_run(account, now).await?;
//! let snapshot = CardSnapshot {
//!     card: "1064804085884".into(),
//!     status: Some(CardStatus::Active),
//!     usage: Some(Usage {
//!         sms_used: Some(SmsCount(6)),
//!         data_used: Some(DataAmount::provider_unit("14.970".parse()?)),
//!     }),
//!     ..CardSnapshot::default()
//! };
//! let batch = Batch {
//!     snapshots: vec![Observation { taken_at: now, snapshot: snapshot.clone() }],
//!     asked: 1,
//!     ..Batch::default()
//! };
//! store.write_snapshots(run, &batch).await?;
//! store.finish_run(run, now).await?;
//!
//! let fleet = store.fleet(&FleetFilter::default(), now).await?;
//! assert_eq!(fleet.len(), 1);
//! assert_eq!(fleet[0].snapshot, snapshot); // exact: 14.970 keeps its three places
//! # Ok(())
//! # }
//! ```
//!
//! # Backends
//!
//! [`Store::open`] takes a URL: `sqlite://PATH` (created with its directory;
//! WAL mode, so `sqlite3` can read it while a sync writes) or
//! `postgres://USER@HOST/DATABASE` (`tokio-postgres`, no TLS: use a local
//! or tunnelled server). [`default_url`] gives the default file under the
//! XDG data directory. Both backends behave the same; the same test suite
//! runs against each. The store needs a tokio runtime: SQLite work runs on
//! its blocking threads.
//!
//! Opening a store applies the schema migrations it lacks; a store written
//! by a newer iotcard is refused ([`StoreError::TooNew`]).
//!
//! # Writing
//!
//! A sync calls [`Store::begin_run`] (which marks a run of the same account
//! left open by a crash as interrupted), then [`Store::write_snapshots`] per
//! batch, then [`Store::finish_run`] or [`Store::mark_interrupted`]. A batch
//! is one transaction, counters included: it is stored whole or not at
//! all. A snapshot is keyed by card and time (to the second): writing the
//! same one again changes nothing, and one already stored is never
//! overwritten. Time is always an argument; the store never reads a clock.
//!
//! # The schema: a stable interface
//!
//! Query these views with `sqlite3` or Grafana's PostgreSQL data source;
//! their names and columns are the same on both backends and only grow.
//! Times are ISO 8601 UTC text in SQLite (`2026-11-30T01:00:00Z`) and
//! `timestamptz` in PostgreSQL; decimals are exact (SQLite: an integer, or
//! text with every digit as the provider wrote it; PostgreSQL: `numeric`).
//!
//! * `latest_snapshot`: one row per card with a snapshot — `card_id`,
//!   `profile`, `provider`, `card` (the provider's key), `iccid`, `msisdn`,
//!   `operator`, `kind`, `taken_at`, `status`, `network`, `sms_used`,
//!   `data_used`, `sms_left`, `data_left`, `data_unit` (`mb` or
//!   `provider_unit`), `plan_name`, `monthly_fee`, `included_sms`,
//!   `sms_overage_price`, `included_data`, `data_overage_price`,
//!   `product_id`, `pool_id`, `expires_at`, `first_seen`, `last_seen`,
//!   `inventory`.
//! * `card_history`: every kept snapshot — `card_id`, `profile`, `card`,
//!   `taken_at`, `status`, `network`, `sms_used`, `data_used`, `sms_left`,
//!   `data_left`, `data_unit`, `plan_name`, `included_data`, `expires_at`.
//! * `daily_usage`: one row per card and day (China Standard Time) —
//!   `card_id`, `profile`, `card`, `day`, `data_used`, `data_unit`,
//!   `sms_used`, `snapshots`, `covers_from`, `period_reset`. See
//!   [`CardDay`] for what the figures mean.
//! * `sync_runs`: `run_id`, `profile`, `provider`, `started_at`, `ended_at`,
//!   `outcome` (`running`, `finished`, `interrupted`), `cards_asked`,
//!   `cards_answered`, `cards_not_found`, `cards_failed`, `first_errors`
//!   (one a line).
//!
//! * `alert_state`: the watcher's alerts ([`Store::alert_rows`]) —
//!   `profile`, `rule`, `card` (NULL for an account-level alert), `phase`
//!   (`pending` or `firing`), `since`, `body` (the rule layer's JSON).
//! * `notification_outbox`: every queued notification ([`Store::outbox`]) —
//!   `id`, `idempotency_key`, `notifier`, `rule`, `profile`, `payload`
//!   (JSON), `created_at`, `due_at`, `attempts`, `last_error`,
//!   `delivered_at` (NULL while pending), `claimed_by`, `claimed_until`.
//! * `watch_leases`: which watcher holds what ([`Store::leases`]) — `name`,
//!   `holder`, `token`, `expires_at` (a released lease shows the epoch).
//!
//! The tables under them (`accounts`, `cards`, `card_state`, `snapshots`,
//! `daily`, `runs`, `alerts`, `outbox`, `leases`, `alert_notices`) are this crate's business and may change between schema
//! versions. They are compact by design: `snapshots` holds only the figures
//! that change every sync, clustered by card and time (SQLite `WITHOUT
//! ROWID`; in PostgreSQL, the primary key index); the rarely-changing state
//! (status, plan, expiry, identity) is a row of `card_state` written only
//! when it changed.
//!
//! # Watching
//!
//! `iotcard watch` keeps its state here, so a restart neither repeats nor
//! forgets a notification, and several watchers can share one PostgreSQL
//! store:
//!
//! * Leases ([`Store::acquire_lease`], [`Store::renew_lease`],
//!   [`Store::release_lease`]) keep one watcher at a time on an account;
//!   a lease another watcher stops renewing is taken over once it expires,
//!   with a greater fencing token.
//! * Rules read their inputs page by page ([`Store::latest_page`],
//!   [`Store::status_changes`]) and write their outcome in one transaction
//!   ([`Store::commit_evaluation`]): the alert state and the notifications
//!   it calls for, fenced by the lease, each notification under an
//!   idempotency key that is never queued twice. Over a large fleet a
//!   pass commits page by page instead: it reads each page's alert rows
//!   ([`Store::card_alert_rows`], [`Store::account_alert_rows`], and
//!   [`Store::unlisted_alert_rows`] for cards no page lists), commits its
//!   alert changes and stages its notices ([`Store::commit_page`]), and
//!   ends with [`Store::queue_notices`], which turns the staged notices
//!   ([`Store::staged_notices`]) into outbox entries in one fenced
//!   transaction, so a watcher stopping between pages loses none.
//! * Delivery claims due notifications ([`Store::claim_outbox`]; two
//!   watchers never claim the same one) and records the outcome
//!   ([`Store::outbox_delivered`], [`Store::outbox_retry`]).
//!
//! Alert bodies and notification payloads are JSON the layers above write;
//! the store keeps them as given. Their times are kept to the second, as
//! every time in the store.
//!
//! # Retention
//!
//! [`Store::prune`] keeps raw snapshots 35 days and daily rows two years by
//! default ([`Retention`]); a card's latest snapshot is always kept.
#![deny(missing_docs)]

mod account;
mod aggregate;
mod alerts;
mod daily;
mod error;
mod fleet;
mod ingest;
mod lease;
mod migrate;
mod notices;
mod outbox;
mod postgres;
mod query;
mod report;
mod retention;
mod run;
mod runs;
mod sqlite;
mod state;
mod store;
mod tags;
mod url;
mod watch;

pub use account::{Account, AccountId, AccountSpec};
pub use aggregate::{
    AccountSync, AccountUsage, CardCount, CardUsage, ExpiringCount, FiringAlerts, FleetAggregates,
};
pub use alerts::{AlertChanges, AlertKeyRef, AlertRow, CommitReport, FIRING, PENDING};
pub use error::{Result, StoreError};
pub use lease::Lease;
pub use migrate::SUPPORTED as SCHEMA_VERSION;
pub use notices::{AlertNotice, StagedNotice};
pub use outbox::{OutboxEntry, OutboxItem};
pub use query::{
    AccountDay, CardDay, CardId, CardInfo, FleetCard, FleetFilter, HistoryEntry, SnapshotParts,
    StatusChangeRow,
};
pub use report::{
    AccountFigures, AllowanceCard, CardGroup, Cost, ExpiringCard, FleetDay, ReportFigures,
    ReportScope, SilentCard, SyncHealth, TopCard, UsageBucket, EXPIRY_WINDOWS, HISTOGRAM_EDGES,
    SILENT_DAYS, TOP_CARDS,
};
pub use retention::{PruneReport, Retention, StoreStats};
pub use run::{
    Batch, Observation, RunCounts, RunId, RunOutcome, SyncRun, WriteReport, FIRST_ERRORS,
};
pub use store::{Backend, Store};
pub use tags::{check_tags, CardTag, MAX_TAG_CHARS};
pub use url::{default_url, StoreUrl};
