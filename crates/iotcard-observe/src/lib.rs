//! What the iotcard watcher shows, rendered without I/O: its figures
//! ([`Figures`]: the store's aggregates after each pass and the watcher's
//! counters) as a `/metrics` body in the Prometheus text format or
//! OpenMetrics ([`render_metrics`]), a health verdict ([`health`]) and a
//! status page ([`render_status_page`]).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use iotcard_observe::{health, render_metrics, render_status_page, Figures, Format, WatchedAccount};
//! use iotcard_store::{CardCount, FleetAggregates};
//!
//! let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00").unwrap();
//! let figures = Arc::new(Figures {
//!     version: "0.1.0".into(),
//!     started_at: at,
//!     computed_at: at,
//!     aggregates: FleetAggregates {
//!         cards: vec![CardCount {
//!             profile: "default".into(),
//!             provider: "iotbos".into(),
//!             operator: Some("china_mobile".into()),
//!             status: Some("active".into()),
//!             cards: 3,
//!         }],
//!         ..FleetAggregates::default()
//!     },
//!     watched: vec![WatchedAccount { profile: "default".into(), interval: Duration::from_secs(900) }],
//!     severities: Default::default(),
//!     counters: Default::default(),
//!     per_card: Default::default(),
//! });
//! let body = render_metrics(&figures, Format::Prometheus).unwrap();
//! assert!(body.contains(
//!     r#"iotcard_cards{account="default",provider="iotbos",operator="china_mobile",status="active"} 3"#
//! ));
//! // Never synced, but started just now: healthy until 2 × 15 min + 5 min have passed.
//! assert!(health(&figures, at).is_ok());
//! assert!(!health(&figures, at + chrono::Duration::minutes(36)).is_ok());
//! assert!(render_status_page(&figures, at).unwrap().contains("<td class=\"num\">3</td>"));
//! ```
//!
//! # The metrics
//!
//! Names follow Prometheus' rules: the `iotcard_` prefix, base units
//! (bytes, seconds), `_total` counters, `_timestamp_seconds` times and
//! `_info` series of value 1 for metadata. Every HELP text says the
//! figures are computed after each pass, not on scrape. Per-card series
//! (`iotcard_card_data_used_bytes{account,card}` and its kin) appear only
//! when [`PerCardSeries::enabled`], at most [`PerCardSeries::limit`] of
//! them; `iotcard_card_series_dropped_total` counts what the cap left out.
//!
//! Data in MB is exported in bytes (1 MB = 1,048,576 bytes, as the
//! platforms bill); data in the provider's unstated unit (IoTBOS) goes to
//! its own `_provider_units` families, never converted on a guess.
//!
//! # Health
//!
//! An account is current while its latest successful sync is within two
//! of its intervals plus five minutes ([`WatchedAccount::staleness_bound`]);
//! before its first, the watcher's start counts as the last success.
//!
//! # The page
//!
//! Server-rendered HTML with auto-escaping templates ([`templates`]) and
//! one stylesheet ([`STYLESHEET`]) embedded in the page: no script and no
//! external asset. Other iotcard pages extend `base.html` to share it.
#![deny(missing_docs)]

mod error;
mod exposition;
mod figures;
mod health;
mod page;

pub use error::{ObserveError, Result};
pub use exposition::{render_metrics, Format, BYTES_PER_MB};
pub use figures::{
    Counters, Figures, PerCardSeries, WatchedAccount, DEFAULT_PER_CARD_LIMIT, DELIVERED, RETRIED,
    STALENESS_SLACK,
};
pub use health::{health, Health};
pub use page::{render_status_page, templates, STYLESHEET};
