//! Turnkey async clients (work in progress: retry, rate and token machinery).
#![deny(missing_docs)]

pub mod rate;
pub mod retry;
pub mod token;
