//! The one error type of the crate.

use thiserror::Error;

/// Why a store operation failed.
///
/// `Display` says what went wrong in one line; the underlying database or
/// I/O error, when there is one, is the [`std::error::Error::source`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store URL could not be understood.
    #[error("bad store URL {url:?}: {reason}")]
    BadUrl {
        /// The URL as given (a PostgreSQL password in it is replaced by `***`).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No default store location could be worked out from the environment.
    #[error("no default store location: {0}")]
    NoDefaultLocation(&'static str),
    /// The store was written by a newer iotcard, whose schema this version
    /// does not know.
    #[error(
        "the store has schema version {found}, newer than the {supported} this iotcard \
         supports: upgrade iotcard"
    )]
    TooNew {
        /// The schema version found in the store.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// The store's directory could not be created.
    #[error("cannot create the store directory {path}")]
    CreateDir {
        /// The directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("SQLite: {context}")]
    Sqlite {
        /// What the store was doing.
        context: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// PostgreSQL failed (or the connection to it).
    #[error("PostgreSQL: {context}")]
    Postgres {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// A value read back from the store is not what this crate writes (the
    /// store was edited by hand, or is damaged).
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// An argument was refused before anything was written.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A run, account or card named by id does not exist.
    #[error("no such {what} {id}")]
    NotFound {
        /// `run`, `account` or `card`.
        what: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// A watcher's write was fenced by a lease it no longer holds (it
    /// expired, or another watcher took it over): nothing was written.
    #[error("the lease {name:?} is no longer held (expired or taken over): nothing was written")]
    LeaseLost {
        /// The lease's name.
        name: String,
    },
    /// The blocking SQLite worker died (it panicked or the runtime shut down).
    #[error("the SQLite worker stopped")]
    Worker(#[source] tokio::task::JoinError),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Adds "what the store was doing" to a driver error.
pub(crate) trait Context<T> {
    fn context(self, context: &'static str) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, rusqlite::Error> {
    fn context(self, context: &'static str) -> Result<T> {
        self.map_err(|source| StoreError::Sqlite { context, source })
    }
}

impl<T> Context<T> for std::result::Result<T, tokio_postgres::Error> {
    fn context(self, context: &'static str) -> Result<T> {
        self.map_err(|source| StoreError::Postgres { context, source })
    }
}
