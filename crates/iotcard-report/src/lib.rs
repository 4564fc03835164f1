//! The iotcard fleet report: the store's figures for a period
//! ([`iotcard_store::Store::report`]) as one [`Report`] value, rendered as
//! JSON, Markdown, CSV or one self-contained HTML page with inline SVG
//! charts. No I/O: the caller reads the store and writes the file.
//!
//! ```
//! use iotcard_report::{Period, Report};
//! use iotcard_store::{AccountFigures, ReportFigures};
//!
//! let period = Period::month("2026-11").unwrap();
//! let figures = ReportFigures {
//!     accounts: vec![AccountFigures {
//!         profile: "default".into(),
//!         provider: "iotbos".into(),
//!         cards: 2,
//!         data_used_provider_unit: "1536.25".parse().unwrap(),
//!         ..AccountFigures::default()
//!     }],
//!     ..ReportFigures::default()
//! };
//! let report = Report::new(&period, &figures, period.until);
//! let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
//! assert_eq!(json["usage"]["data_used_provider_unit"], "1536.25");
//! assert_eq!(json["fleet"]["cards"], 2);
//! let page = report.to_html().unwrap();
//! assert!(page.contains("<svg") && !page.contains("<script"));
//! assert!(report.to_markdown().contains("| default |"));
//! assert!(report.to_csv().unwrap().starts_with("section,account,figure,value\n"));
//! ```
//!
//! # The figures
//!
//! Amounts are exact decimal strings, as elsewhere in the CLI; money is in
//! yuan, each account's total to the cent. Data in MB and data in IoTBOS'
//! unstated unit are summed apart, never converted. Only aggregates and
//! bounded top lists ([`iotcard_store::TOP_CARDS`]) are kept, so the page
//! stays small whatever the fleet's size.
//!
//! # The page
//!
//! One file: the shared iotcard stylesheet inline
//! ([`iotcard_observe::STYLESHEET`]), charts as inline SVG with a title
//! and a text alternative each, real `<table>`s with headers, no script
//! and no external asset. Every figure the page prints in a table carries
//! the JSON pointer of the same figure in [`Report::to_json`]
//! (`data-figure="/usage/sms_used"`), so the two can be checked against
//! each other.
#![deny(missing_docs)]

mod charts;
mod csv_out;
mod error;
mod html;
mod markdown;
mod period;
mod report;

pub use error::{ReportError, Result};
pub use period::Period;
pub use report::{
    AccountAttention, AccountCards, AccountCost, AccountSync, AccountUsage, AllowanceCard,
    Attention, Bucket, Cost, Count, Day, Expiring, ExpiringCard, Fleet, Group, PeriodFigures,
    Report, SilentCard, TopCard, Usage,
};
