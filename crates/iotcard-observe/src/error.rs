//! The crate's one error type.

use thiserror::Error;

/// Why a rendering failed. Rendering reads only the figures given, so an
/// error is a bug in a template or an encoder, never bad input.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ObserveError {
    /// The metrics encoder refused to write (a `fmt::Error`).
    #[error("encoding the metrics failed")]
    Encode(#[source] std::fmt::Error),
    /// A status page template failed to load or render.
    #[error("rendering the status page failed")]
    Template(#[source] minijinja::Error),
}

/// The crate's result type.
pub type Result<T, E = ObserveError> = std::result::Result<T, E>;
