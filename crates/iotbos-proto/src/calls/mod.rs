//! The five data calls' answers, one module each.

use http::StatusCode;

use crate::{Call, CardAnswers, IotbosError};

mod expiry;
mod plan;
mod remaining;
mod state;
mod usage;

pub use expiry::{parse_expiry, ExpiryQuery};
pub use plan::{parse_plan, PlanQuery};
pub use remaining::{parse_remaining, RemainingQuery};
pub use state::{parse_state, StateQuery};
pub use usage::{parse_usage, UsageQuery};

/// A data call with its typed per-card answer, for code generic over the
/// five (a client's batch loop, a benchmark).
///
/// ```
/// use iotbos_proto::{Query, RemainingQuery};
/// fn call_name<Q: Query>() -> &'static str { Q::CALL.name() }
/// assert_eq!(call_name::<RemainingQuery>(), "remaining");
/// ```
pub trait Query {
    /// Which call.
    const CALL: Call;
    /// What one card's answer holds.
    type Payload: Clone + std::fmt::Debug + PartialEq + Send + Sync + 'static;
    /// Reads the answer to this call.
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Self::Payload>, IotbosError>;
}
