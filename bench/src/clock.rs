//! Now, on the monotonic clock: the one place iotcard-bench reads it.
//!
//! The workspace's `clippy.toml` bans `Instant::now` so that library code
//! takes its time from a builder; this crate is a measuring tool, and the
//! wall time of a poll or a child process is one of the figures it reports.

use std::time::Instant;

#[allow(clippy::disallowed_methods)]
pub fn now() -> Instant {
    Instant::now()
}
