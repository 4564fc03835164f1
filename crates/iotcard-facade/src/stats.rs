//! What a client has sent since it was built: requests by call and
//! retries, for an exporter (`iotcard watch` serves them as
//! `iotcard_requests_total` and `iotcard_retries_total`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Counters one client shares between all its tasks. Cheap to update: a
/// request takes one short lock (the calls are a handful of names).
#[derive(Debug, Default)]
pub struct CallStats {
    requests: Mutex<BTreeMap<&'static str, u64>>,
    retries: AtomicU64,
}

impl CallStats {
    /// Counts one request of `call` sent (each attempt is one).
    pub(crate) fn sent(&self, call: &'static str) {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests.entry(call).or_default() += 1;
    }

    /// Counts one retry about to be waited for.
    pub(crate) fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests sent so far, by call name (`usage`, `card_info`, …), sorted.
    pub fn requests(&self) -> Vec<(&'static str, u64)> {
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        requests.iter().map(|(call, n)| (*call, *n)).collect()
    }

    /// Retries so far: attempts after the first, over every call.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_call_and_retries() {
        let stats = CallStats::default();
        assert!(stats.requests().is_empty());
        stats.sent("usage");
        stats.sent("status");
        stats.sent("usage");
        stats.retried();
        assert_eq!(stats.requests(), [("status", 1), ("usage", 2)]);
        assert_eq!(stats.retries(), 1);
    }
}
