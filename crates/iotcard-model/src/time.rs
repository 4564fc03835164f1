//! Instants, and the providers' zone.

use chrono::{DateTime, FixedOffset};

/// A point in time, kept with the offset the provider meant.
///
/// Serialized as RFC 3339 (`2018-01-16T16:02:08+08:00`).
pub type Instant = DateTime<FixedOffset>;

/// China Standard Time, UTC+8: the zone of every zone-less date the
/// providers send. China has no daylight saving, so a fixed offset is exact.
pub fn china_standard_time() -> FixedOffset {
    // 8 hours is always within FixedOffset's ±24 h range.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}
