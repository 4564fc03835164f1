//! The crate's one error type.

use thiserror::Error;

/// Why a report could not be made or rendered.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The period asked for is not one (a month that does not parse, an
    /// end before the start).
    #[error("the report's period is not valid: {0}")]
    Period(String),
    /// A template failed to load or render (a bug, never bad input).
    #[error("rendering the HTML report failed")]
    Template(#[source] minijinja::Error),
    /// A chart could not be drawn (a bug, never bad input).
    #[error("drawing the chart {0:?} failed")]
    Chart(
        &'static str,
        #[source] Box<dyn std::error::Error + Send + Sync>,
    ),
    /// The JSON encoder failed.
    #[error("writing the report as JSON failed")]
    Json(#[source] serde_json::Error),
    /// The CSV writer failed.
    #[error("writing the report as CSV failed")]
    Csv(#[source] csv::Error),
}

/// The crate's result type.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
