//! The five data calls' answers, one module each. The plumbing every call
//! shares (its [`Query`] type, its parse function, the `num` and `State`
//! of its wire entry) is written once, by [`data_call!`]; each module keeps
//! only its own wire shape and how it maps to the model.

use crate::{Call, CardAnswers, IotbosError};

/// Declares one data call: its [`Query`] type, its public parse function,
/// and `Entry`, the marker type through which the module implements
/// [`CallEntry`](crate::answers::CallEntry) (how its per-card entry is read,
/// fast and tolerantly).
macro_rules! data_call {
    (
        $(#[$query_doc:meta])*
        query $query:ident = $call:expr;
        $(#[$parse_doc:meta])*
        fn $parse:ident -> $payload:ty;
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
        /// Read as the specs' README decides ("What real servers may do"):
        /// the body past a BOM in the charset its `Content-Type` names (GBK,
        /// GB18030; `text/html` is still JSON), every field name in any
        /// letter case, integers as numbers, numeric strings or integral
        /// floats, decimals exact from numbers or strings, `num` trimmed
        /// (an ICCID's letters in any case). A payload field that cannot be
        /// read is left empty and named in
        /// [`CardAnswer::problems`](crate::CardAnswer::problems); an entry
        /// whose `State` cannot be read is an
        /// [`EntryError`](crate::EntryError) under its card. A body that is
        /// still not the envelope is an error showing a redacted snippet of
        /// it (transient under a 2xx).
        ///
        /// Takes the whole response, under any HTTP status: its status,
        /// `Content-Type` and body are read, and its headers for
        /// `Retry-After` on an error
        /// ([`IotbosError::retry_after`](crate::IotbosError::retry_after)).
        pub fn $parse<B: AsRef<[u8]>>(
            response: &::http::Response<B>,
        ) -> Result<$crate::CardAnswers<$payload>, $crate::IotbosError> {
            $crate::answers::parse::<Entry, B>($call, response)
                .map_err(|e| e.with_headers(response.headers()))
        }

        /// This call's per-card entry, as both readers take it.
        struct Entry;
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
