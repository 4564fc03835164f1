//! The one error type of the crate.

use iotcard_store::StoreError;

/// Why a sync pass stopped before it could record its outcome.
///
/// Card-level problems (not found, a failed request) are not errors: they
/// are counted in the [`crate::Summary`]. `Display` says what went wrong in
/// one line; the store's error is the [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The store refused or failed an operation.
    #[error("the store failed {doing}")]
    Store {
        /// What the sync was doing (`writing a batch`).
        doing: &'static str,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// The task writing batches to the store died (it panicked, or the
    /// runtime shut down under it).
    #[error("the store writer stopped unexpectedly")]
    Writer(#[source] tokio::task::JoinError),
    /// The clock reads a time the store cannot keep (before 1970 or past
    /// the year 262,000).
    #[error("the clock reads a time the store cannot keep")]
    Clock,
}

impl SyncError {
    pub(crate) fn store(doing: &'static str) -> impl FnOnce(StoreError) -> Self {
        move |source| SyncError::Store { doing, source }
    }
}
