//! Counters of what the simulator saw and did, readable in-process
//! ([`crate::RunningSimulator::stats`]) and at `GET /__sim/stats` on both
//! listeners.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// Declares a counter key (internal enum) and its public snapshot struct,
/// field for variant, so the two cannot drift apart.
macro_rules! counter_set {
    (
        $(#[$meta:meta])*
        $snapshot:ident by $key:ident {
            $( $(#[doc = $doc:literal])* $field:ident => $variant:ident, )+
        }
    ) => {
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub(crate) enum $key { $( $variant, )+ }

        impl $key {
            const COUNT: usize = [$( $key::$variant, )+].len();
        }

        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
        #[serde(default)]
        #[non_exhaustive]
        pub struct $snapshot {
            $( $(#[doc = $doc])* pub $field: u64, )+
        }

        impl $snapshot {
            fn read(cells: &[AtomicU64; $key::COUNT]) -> Self {
                Self { $( $field: cells[$key::$variant as usize].load(Ordering::Relaxed), )+ }
            }

            /// The sum of all counters.
            pub fn total(&self) -> u64 {
                0 $( + self.$field )+
            }
        }
    };
}

counter_set! {
    /// Requests received per call, whatever became of them (refused,
    /// faulted or answered).
    RequestCounts by Call {
        /// IoTBOS `/Api/token`.
        iotbos_login => IotbosLogin,
        /// IoTBOS `Exceed`.
        iotbos_usage => IotbosUsage,
        /// IoTBOS `Surplus`.
        iotbos_remaining => IotbosRemaining,
        /// IoTBOS `ExpireDate`.
        iotbos_expiry => IotbosExpiry,
        /// IoTBOS `ReturnState`.
        iotbos_state => IotbosState,
        /// IoTBOS `ReturnOperatorServicePackage`.
        iotbos_plan => IotbosPlan,
        /// Tencent `getappinfo`.
        tencent_getappinfo => TencentAppInfo,
        /// Tencent `getcardlist`.
        tencent_getcardlist => TencentCardList,
        /// Tencent `getcardinfo`.
        tencent_getcardinfo => TencentCardInfo,
        /// Requests to no known path, on either platform.
        unroutable => Unroutable,
    }
}

counter_set! {
    /// Requests refused, by reason.
    RefusalCounts by Refusal {
        /// A method the path does not take (HTTP 405).
        wrong_method => WrongMethod,
        /// No such path (HTTP 404).
        unknown_path => UnknownPath,
        /// IoTBOS login with a wrong or missing account or password.
        bad_credentials => BadCredentials,
        /// IoTBOS data call without `cardIdNums`.
        missing_card_numbers => MissingCardNumbers,
        /// IoTBOS data call with more numbers than the batch limit.
        too_many_numbers => TooManyNumbers,
        /// IoTBOS data call without `accessToken`.
        token_missing => TokenMissing,
        /// IoTBOS data call with a token never issued (or long forgotten).
        token_unknown => TokenUnknown,
        /// IoTBOS data call with an expired token.
        token_expired => TokenExpired,
        /// IoTBOS data call with a revoked token.
        token_revoked => TokenRevoked,
        /// Tencent: `sdkappid` missing or not this account's.
        sdkappid => SdkAppId,
        /// Tencent: `random` missing, not a positive integer, or with a leading zero.
        random => Random,
        /// Tencent: the body is not a JSON object (or too large).
        body => Body,
        /// Tencent: a required field is missing or has the wrong JSON type.
        field => Field,
        /// Tencent: `sig` missing or not 64 lower-case hex digits.
        sig_missing => SigMissing,
        /// Tencent: `sig` does not match.
        sig_mismatch => SigMismatch,
        /// Tencent: `time` missing, not a string, or not Unix seconds.
        time_invalid => TimeInvalid,
        /// Tencent: `time` more than 300 s from the server's clock.
        time_window => TimeWindow,
        /// Tencent: `limit` outside 1..=20.
        limit => Limit,
        /// Tencent: `teleoperator` outside 0..=3.
        teleoperator => Teleoperator,
        /// Tencent: `offset` below 0.
        offset => Offset,
        /// Tencent: `getcardinfo` for an ICCID not in the fleet.
        iccid_unknown => IccidUnknown,
    }
}

counter_set! {
    /// Faults injected, by kind.
    FaultCounts by FaultKind {
        /// Answers delayed by added latency (fixed or jitter).
        delayed => Delayed,
        /// HTTP 500/502/503 answers.
        server_error => ServerError,
        /// HTTP 429 answers with `Retry-After`.
        too_many_requests => TooManyRequests,
        /// Connections reset before the answer.
        reset => Reset,
        /// Bodies cut short of their `Content-Length`.
        truncated => Truncated,
        /// Bodies that are not valid JSON.
        malformed => Malformed,
        /// Bodies sent slowly, in small pieces.
        trickled => Trickled,
        /// Tokens revoked just before they were checked.
        token_revoked => TokenRevoked,
    }
}

/// A copy of every counter at one moment; also the JSON of `GET /__sim/stats`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Requests per call.
    pub requests: RequestCounts,
    /// Successful IoTBOS logins (tokens issued).
    pub logins: u64,
    /// Per-card entries answered (IoTBOS batch entries, Tencent cards).
    pub cards_answered: u64,
    /// Refusals by reason.
    pub refusals: RefusalCounts,
    /// Faults injected by kind.
    pub faults: FaultCounts,
}

/// The live counters.
#[derive(Debug)]
pub(crate) struct Stats {
    requests: [AtomicU64; Call::COUNT],
    refusals: [AtomicU64; Refusal::COUNT],
    faults: [AtomicU64; FaultKind::COUNT],
    logins: AtomicU64,
    cards_answered: AtomicU64,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            requests: std::array::from_fn(|_| AtomicU64::new(0)),
            refusals: std::array::from_fn(|_| AtomicU64::new(0)),
            faults: std::array::from_fn(|_| AtomicU64::new(0)),
            logins: AtomicU64::new(0),
            cards_answered: AtomicU64::new(0),
        }
    }
}

impl Stats {
    pub(crate) fn request(&self, call: Call) {
        self.requests[call as usize].fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn refusal(&self, reason: Refusal) {
        self.refusals[reason as usize].fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn fault(&self, kind: FaultKind) {
        self.faults[kind as usize].fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn login(&self) {
        self.logins.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn cards(&self, n: u64) {
        self.cards_answered.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: RequestCounts::read(&self.requests),
            logins: self.logins.load(Ordering::Relaxed),
            cards_answered: self.cards_answered.load(Ordering::Relaxed),
            refusals: RefusalCounts::read(&self.refusals),
            faults: FaultCounts::read(&self.faults),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_land_in_their_fields() {
        let stats = Stats::default();
        stats.request(Call::TencentCardList);
        stats.request(Call::TencentCardList);
        stats.refusal(Refusal::SigMismatch);
        stats.fault(FaultKind::Trickled);
        stats.login();
        stats.cards(100);
        let s = stats.snapshot();
        assert_eq!(s.requests.tencent_getcardlist, 2);
        assert_eq!(s.requests.total(), 2);
        assert_eq!(s.refusals.sig_mismatch, 1);
        assert_eq!(s.refusals.total(), 1);
        assert_eq!(s.faults.trickled, 1);
        assert_eq!((s.logins, s.cards_answered), (1, 100));
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(json["requests"]["tencent_getcardlist"], 2);
        assert_eq!(serde_json::from_value::<StatsSnapshot>(json).unwrap(), s);
    }
}
