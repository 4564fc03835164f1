//! IoTBOS access tokens: issued at login, refused once expired or revoked.
//!
//! Lifetimes run on the monotonic clock, not the fleet clock, so a token of
//! 1 s really dies after 1 s even when answers are frozen in 2018. Token
//! texts come from the seed, so a replayed run issues the same tokens.
//!
//! The table is its own module, not part of `iotbos`, because three others
//! hold or use it: the IoTBOS handler issues and checks tokens, `Shared`
//! owns the table for every connection, and the running handle revokes.
//! Living here, it lets `Shared` be built without knowing the handler.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::clock::monotonic_now;
use crate::fleet::hash::mix;

/// How long an expired or revoked token is still recognised as such (and
/// refused with that reason) before it is forgotten and becomes "unknown".
const REMEMBER: Duration = Duration::from_secs(600);

/// Why a token was refused, or that it is good.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TokenCheck {
    Valid,
    Unknown,
    Expired,
    Revoked,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    deadline: Instant,
    revoked_at: Option<Instant>,
}

impl Entry {
    fn forgettable(&self, now: Instant) -> bool {
        let dead_since = match self.revoked_at {
            Some(at) => at.min(self.deadline),
            None => self.deadline,
        };
        now.saturating_duration_since(dead_since) > REMEMBER
    }
}

#[derive(Debug)]
pub(crate) struct Tokens {
    seed: u64,
    ttl: Duration,
    issued: AtomicU64,
    table: Mutex<HashMap<Box<str>, Entry>>,
}

impl Tokens {
    pub(crate) fn new(seed: u64, ttl: Duration) -> Self {
        Self {
            seed,
            ttl,
            issued: AtomicU64::new(0),
            table: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Entry>> {
        // Entries are inserted or updated whole; a poisoned table is consistent.
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new token, valid for the configured lifetime from now.
    pub(crate) fn issue(&self) -> String {
        let n = self.issued.fetch_add(1, Ordering::Relaxed) + 1;
        let token = uuid_text(
            mix(self.seed ^ 0x70CE_0001 ^ mix(n)),
            mix(self.seed ^ 0x70CE_0002 ^ mix(n)),
        );
        let now = monotonic_now();
        let mut table = self.table();
        table.retain(|_, e| !e.forgettable(now));
        table.insert(
            token.clone().into_boxed_str(),
            Entry {
                deadline: now + self.ttl,
                revoked_at: None,
            },
        );
        token
    }

    /// Checks `token`; with `revoke_first`, revokes it before checking (the
    /// revocation fault). Returns whether this call revoked a live token.
    pub(crate) fn check(&self, token: &str, revoke_first: bool) -> (TokenCheck, bool) {
        let now = monotonic_now();
        let mut table = self.table();
        let Some(entry) = table.get_mut(token) else {
            return (TokenCheck::Unknown, false);
        };
        let mut revoked_now = false;
        if revoke_first && entry.revoked_at.is_none() && now < entry.deadline {
            entry.revoked_at = Some(now);
            revoked_now = true;
        }
        let verdict = if entry.revoked_at.is_some() {
            TokenCheck::Revoked
        } else if now >= entry.deadline {
            TokenCheck::Expired
        } else {
            TokenCheck::Valid
        };
        (verdict, revoked_now)
    }

    /// Revokes every live token.
    pub(crate) fn revoke_all(&self) {
        let now = monotonic_now();
        for entry in self.table().values_mut() {
            entry.revoked_at.get_or_insert(now);
        }
    }
}

/// 128 bits as a lower-case UUID (version 4 layout), like the spec's
/// `7dc1f8e0-4b67-466f-8312-2bb7d6e93f2d`.
fn uuid_text(hi: u64, lo: u64) -> String {
    let hi = (hi & !0xF000) | 0x4000;
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62);
    let hex = format!("{hi:016x}{lo:016x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_of_a_token() {
        let tokens = Tokens::new(1, Duration::from_millis(200));
        let t = tokens.issue();
        assert_eq!(t.len(), 36);
        assert_eq!(t.as_bytes()[14], b'4');
        assert_eq!(tokens.check(&t, false), (TokenCheck::Valid, false));
        assert_eq!(tokens.check("nope", false), (TokenCheck::Unknown, false));
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(tokens.check(&t, false).0, TokenCheck::Expired);
        // An expired token is not "revoked" by the fault.
        assert_eq!(tokens.check(&t, true), (TokenCheck::Expired, false));

        let u = tokens.issue();
        assert_ne!(t, u);
        assert_eq!(tokens.check(&u, true), (TokenCheck::Revoked, true));
        let v = tokens.issue();
        tokens.revoke_all();
        assert_eq!(tokens.check(&v, false).0, TokenCheck::Revoked);
    }

    #[test]
    fn same_seed_same_tokens() {
        let a = Tokens::new(5, Duration::from_secs(1));
        let b = Tokens::new(5, Duration::from_secs(1));
        let c = Tokens::new(6, Duration::from_secs(1));
        let (ta, tb, tc) = (a.issue(), b.issue(), c.issue());
        assert_eq!(ta, tb);
        assert_ne!(ta, tc);
    }
}
