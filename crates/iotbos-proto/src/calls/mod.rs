//! The five data calls' answers, one module each. The plumbing every call
//! shares (its [`Query`] type, its parse function, the `num` and `State`
//! of its wire entry) is written once, by [`data_call!`]; each module keeps
//! only its own wire shape and how it maps to the model.

use crate::{Call, CardAnswers, IotbosError};

/// Declares one data call: its [`Query`] type, its public parse function,
/// and its wire entry, `Entry<'a>`, with `num` and `State` already there and
/// [`WireEntry`](crate::answers::WireEntry) implemented over the module's
/// own `Entry::payload(self) -> Result<Option<Payload>, String>`.
macro_rules! data_call {
    (
        $(#[$query_doc:meta])*
        query $query:ident = $call:expr;
        $(#[$parse_doc:meta])*
        fn $parse:ident -> $payload:ty;
        entry<$lt:lifetime> { $($fields:tt)* }
    ) => {
        $(#[$query_doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $query;

        impl $crate::Query for $query {
            const CALL: $crate::Call = $call;
            type Payload = $payload;
            fn parse<B: AsRef<[u8]>>(
                response: &::http::Response<B>,
            ) -> Result<$crate::CardAnswers<$payload>, $crate::IotbosError> {
                $parse(response)
            }
        }

        $(#[$parse_doc])*
        ///
        /// Takes the whole response, under any HTTP status: its status and
        /// body are read, and its headers for `Retry-After` on an error
        /// ([`IotbosError::retry_after`](crate::IotbosError::retry_after)).
        pub fn $parse<B: AsRef<[u8]>>(
            response: &::http::Response<B>,
        ) -> Result<$crate::CardAnswers<$payload>, $crate::IotbosError> {
            $crate::answers::parse::<Entry<'_>>($call, response.status(), response.body().as_ref())
                .map_err(|e| e.with_headers(response.headers()))
        }

        /// One per-card entry of this call's answer, borrowed from the body.
        #[derive(::serde::Deserialize)]
        struct Entry<$lt> {
            #[serde(borrow)]
            num: ::std::borrow::Cow<$lt, str>,
            #[serde(rename = "State")]
            state: i64,
            $($fields)*
        }

        impl $crate::answers::WireEntry for Entry<'_> {
            type Payload = $payload;
            fn num(&self) -> &str {
                &self.num
            }
            fn state(&self) -> i64 {
                self.state
            }
            fn into_payload(self) -> Result<Option<$payload>, String> {
                self.payload()
            }
        }
    };
}

mod counts;
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
    /// Reads the answer to this call: the call's own parser
    /// ([`parse_usage`], …), under any HTTP status.
    fn parse<B: AsRef<[u8]>>(
        response: &http::Response<B>,
    ) -> Result<CardAnswers<Self::Payload>, IotbosError>;
}
