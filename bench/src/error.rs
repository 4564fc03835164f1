//! What can stop a measurement.
//!
//! As in the facade, Display shows one level and the cause is in
//! `source()`; `main` prints the whole chain.

use std::path::PathBuf;

/// Why a subcommand could not measure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchError {
    /// The async runtime did not start.
    #[error("cannot start the tokio runtime")]
    Runtime(#[source] std::io::Error),
    /// The history store failed.
    #[error("the store failed")]
    Store(#[source] iotcard_store::StoreError),
    /// A file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line of a numbers file is not an IoTBOS card number.
    #[error("{path} line {line}: {text:?} is not a card number")]
    BadNumber {
        /// The file.
        path: PathBuf,
        /// Its line, from 1.
        line: usize,
        /// The text found there.
        text: String,
        /// Why it is not one.
        #[source]
        source: iotcard_facade::ModelError,
    },
    /// A line of an export is not a JSON record with a `card`.
    #[error("{path} line {line} is not an export record: {reason}")]
    BadRecord {
        /// The file.
        path: PathBuf,
        /// Its line, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The facade client could not be built.
    #[error("cannot build the IoTBOS client")]
    Client(#[source] iotcard_facade::Error),
    /// The baseline's HTTP client failed.
    #[error("baseline HTTP request failed")]
    Http(#[source] reqwest::Error),
    /// An answer did not have the shape the baseline expects.
    #[error("baseline: {0}")]
    Answer(String),
    /// A command could not be run.
    #[error("cannot run `{command}`")]
    Spawn {
        /// The command line.
        command: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// getrusage(2) failed.
    #[error("getrusage failed")]
    Rusage(#[source] std::io::Error),
}
