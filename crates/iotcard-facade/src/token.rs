//! A credential cache with single-flight refresh.
//!
//! Many tasks ask for the token at once; when it is missing or stale exactly
//! one of them logs in while the rest wait for that login's outcome, success
//! or failure, instead of each trying in turn (100 concurrent calls on a
//! fresh client make one login, and a refused login is refused once, not 100
//! times).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::time::Instant;

/// A token handed out by the cache, with the generation that issued it so a
/// caller can report it stale without discarding a newer one.
#[derive(Debug)]
pub struct Lease<T> {
    /// The token.
    pub value: Arc<T>,
    /// Which login produced it.
    pub generation: u64,
}

impl<T> Clone for Lease<T> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            generation: self.generation,
        }
    }
}

#[derive(Debug)]
struct Cached<T> {
    lease: Lease<T>,
    valid_until: Instant,
}

#[derive(Debug)]
enum Last<E> {
    Never,
    /// `completion` numbers finished logins, so a waiter can tell whether
    /// this failure happened while it queued.
    Failed {
        completion: u64,
        error: E,
        at: Instant,
    },
    Succeeded,
}

/// The cache. `T` is the token, `E` the login error (cloned to every waiter
/// of a failed login, so keep it cheap: an `Arc` of the real error).
#[derive(Debug)]
pub struct TokenCache<T, E> {
    current: RwLock<Option<Cached<T>>>,
    /// Held while logging in; the value is the outcome of the last attempt.
    refresh: tokio::sync::Mutex<Last<E>>,
    attempts: AtomicU64,
    completions: AtomicU64,
    generation: AtomicU64,
    /// How long a failure that `sticky` says will recur is handed out
    /// again instead of logging in (a wrong password stays wrong: a job
    /// of 20,000 batches must not knock 20,000 times).
    hold: std::time::Duration,
    sticky: fn(&E) -> bool,
}

impl<T, E: Clone> Default for TokenCache<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, E: Clone> TokenCache<T, E> {
    /// An empty cache: the first [`TokenCache::get`] logs in.
    pub fn new() -> Self {
        Self {
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(Last::Never),
            attempts: AtomicU64::new(0),
            completions: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            hold: std::time::Duration::ZERO,
            sticky: |_| false,
        }
    }

    /// A cache that, for `hold` after a login failure for which `sticky`
    /// is true, returns that failure without logging in again.
    pub fn with_failure_hold(hold: std::time::Duration, sticky: fn(&E) -> bool) -> Self {
        Self {
            hold,
            sticky,
            ..Self::new()
        }
    }

    fn fresh(&self) -> Option<Lease<T>> {
        let now = Instant::now();
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|c| c.valid_until > now)
            .map(|c| c.lease.clone())
    }

    /// A valid token, logging in with `login` if there is none. `login`
    /// returns the token and the instant until which it may be used (its
    /// lifetime applied to when its answer arrived, less a margin).
    pub async fn get<F, Fut>(&self, login: F) -> Result<Lease<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(T, Instant), E>>,
    {
        if let Some(lease) = self.fresh() {
            return Ok(lease);
        }
        let seen = self.completions.load(Ordering::Acquire);
        let mut last = self.refresh.lock().await;
        if let Some(lease) = self.fresh() {
            return Ok(lease);
        }
        // A login finished while we queued and it failed: share its error
        // rather than knocking again at once.
        if let Last::Failed {
            completion,
            error,
            at,
        } = &*last
        {
            let held = (self.sticky)(error) && at.elapsed() < self.hold;
            if *completion > seen || held {
                return Err(error.clone());
            }
        }
        self.attempts.fetch_add(1, Ordering::AcqRel);
        let outcome = login().await;
        let completion = self.completions.fetch_add(1, Ordering::AcqRel) + 1;
        match outcome {
            Ok((token, valid_until)) => {
                let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
                let lease = Lease {
                    value: Arc::new(token),
                    generation,
                };
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Cached {
                    lease: lease.clone(),
                    valid_until,
                });
                *last = Last::Succeeded;
                Ok(lease)
            }
            Err(error) => {
                *last = Last::Failed {
                    completion,
                    error: error.clone(),
                    at: Instant::now(),
                };
                Err(error)
            }
        }
    }

    /// Forgets the token of `generation` (the server refused it). A newer
    /// token, got by another task meanwhile, is kept.
    pub fn invalidate(&self, generation: u64) {
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        if guard
            .as_ref()
            .is_some_and(|c| c.lease.generation == generation)
        {
            *guard = None;
        }
    }

    /// How many logins were started.
    pub fn logins(&self) -> u64 {
        self.attempts.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test]
    async fn one_login_for_many_concurrent_callers() {
        let cache = Arc::new(TokenCache::<String, Arc<str>>::new());
        let logins = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let (cache, logins) = (cache.clone(), logins.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async {
                        logins.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(("tok".to_string(), Instant::now() + Duration::from_secs(60)))
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(*t.await.unwrap().value, "tok");
        }
        assert_eq!(logins.load(Ordering::SeqCst), 1);
        assert_eq!(cache.logins(), 1);
    }

    #[tokio::test]
    async fn a_failed_login_is_shared_by_its_waiters() {
        let cache = Arc::new(TokenCache::<String, Arc<str>>::new());
        let logins = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (cache, logins) = (cache.clone(), logins.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async {
                        logins.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Err::<(String, Instant), _>(Arc::from("refused"))
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(&*t.await.unwrap().unwrap_err(), "refused");
        }
        assert_eq!(logins.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_sticky_failure_is_held_then_tried_again() {
        let cache = TokenCache::<u32, Arc<str>>::with_failure_hold(Duration::from_secs(5), |e| {
            &**e == "refused"
        });
        let n = AtomicUsize::new(0);
        let login = || async {
            n.fetch_add(1, Ordering::SeqCst);
            Err::<(u32, Instant), _>(Arc::from("refused"))
        };
        for _ in 0..10 {
            assert!(cache.get(login).await.is_err());
        }
        assert_eq!(n.load(Ordering::SeqCst), 1, "held");
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(cache.get(login).await.is_err());
        assert_eq!(n.load(Ordering::SeqCst), 2, "tried again after the hold");
    }

    #[tokio::test(start_paused = true)]
    async fn expiry_and_invalidation_force_a_new_login() {
        let cache = TokenCache::<u32, Arc<str>>::new();
        let n = AtomicUsize::new(0);
        let login = || async {
            let k = n.fetch_add(1, Ordering::SeqCst) as u32;
            Ok((k, Instant::now() + Duration::from_secs(10)))
        };
        let a = cache.get(login).await.unwrap();
        assert_eq!(*cache.get(login).await.unwrap().value, *a.value);
        tokio::time::advance(Duration::from_secs(11)).await;
        let b = cache.get(login).await.unwrap();
        assert_ne!(*b.value, *a.value, "stale token replaced");
        cache.invalidate(a.generation); // old generation: no effect
        assert_eq!(*cache.get(login).await.unwrap().value, *b.value);
        cache.invalidate(b.generation);
        let c = cache.get(login).await.unwrap();
        assert_ne!(*c.value, *b.value);
        assert_eq!(cache.logins(), 3);
    }
}
