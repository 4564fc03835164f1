//! The thin async shell around [`iotbos_proto::Session`]: the state machine
//! decides, this drives it — it logs in when told to, wakes the waiters
//! when a login ends, and reads the clock (tokio's, so tests can pause it).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use iotbos_proto::{Lease, LifetimeBasis, Login, Refusal, Refusals, Session, SessionConfig, Step};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::{Error, SharedError};

/// One account's tokens, shared by every task of a client.
#[derive(Debug)]
pub(crate) struct Tokens {
    session: Mutex<Session<SharedError>>,
    ended: Notify,
    /// Whether the default lifetime has been logged: once per client, as a
    /// server that sends no usable lifetime sends none at every login.
    warned: AtomicBool,
}

impl Tokens {
    pub(crate) fn new(config: SessionConfig) -> Self {
        Self {
            session: Mutex::new(Session::new(config)),
            ended: Notify::new(),
            warned: AtomicBool::new(false),
        }
    }

    /// The current token if it is still good now, without logging in: what
    /// a request takes at the moment it is sent.
    pub(crate) fn current(&self) -> Option<Lease> {
        self.session().current(now())
    }

    fn session(&self) -> MutexGuard<'_, Session<SharedError>> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A token to use now, logging in with `login` if the session says so,
    /// or waiting for someone else's login.
    pub(crate) async fn lease<F, Fut>(&self, login: F) -> Result<Lease, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Login, Error>>,
    {
        let mut ticket = None;
        loop {
            // Registered before the session is asked, so a login that ends
            // in between still wakes us.
            let ended = self.ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let step = self.session().poll(now(), ticket.take());
            match step {
                Step::Use(lease) => return Ok(lease),
                Step::Fail(failure) => return Err(Error::Login(failure)),
                Step::Wait(t) => {
                    ticket = Some(t);
                    ended.await;
                }
                Step::Login(t) => {
                    ticket = Some(t);
                    let guard = InFlight {
                        tokens: self,
                        done: false,
                    };
                    let outcome = login().await;
                    guard.report(outcome);
                }
            }
        }
    }

    /// What a call refused with `lease`, the provider saying `info`, means;
    /// `history` is the call's own.
    pub(crate) fn refused(
        &self,
        lease: &Lease,
        info: Option<&str>,
        history: &mut Refusals,
    ) -> Refusal {
        self.session()
            .on_refused_saying(now(), lease, info, history)
    }

    /// Logins started so far.
    pub(crate) fn logins(&self) -> u64 {
        self.session().logins()
    }
}

/// The one login in flight: reports its outcome, or, if its task is
/// dropped first, that it never will (so the waiters are not stranded).
struct InFlight<'a> {
    tokens: &'a Tokens,
    done: bool,
}

impl InFlight<'_> {
    fn report(mut self, outcome: Result<Login, Error>) {
        {
            let mut session = self.tokens.session();
            match outcome {
                Ok(login) => {
                    let accepted = session.on_login(now(), login);
                    let lifetime = accepted.lifetime;
                    match lifetime.basis {
                        LifetimeBasis::Default(reason)
                            if !self.tokens.warned.swap(true, Ordering::Relaxed) =>
                        {
                            tracing::warn!(
                                lifetime = ?lifetime.duration,
                                "{reason}; using the default token lifetime (said once per client)"
                            );
                        }
                        basis => {
                            tracing::debug!(lifetime = ?lifetime.duration, ?basis, "logged in");
                        }
                    }
                }
                Err(error) => {
                    // The server's answer, when there was one (after
                    // retries: the last), says whether to hold off.
                    let error = Arc::new(error);
                    let answer = match error.root() {
                        Error::Iotbos(answer) => Some(answer),
                        _ => None,
                    };
                    session.on_login_failed(now(), error.clone(), answer);
                }
            }
        }
        self.done = true;
        self.tokens.ended.notify_waiters();
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.tokens.session().on_login_abandoned();
            self.tokens.ended.notify_waiters();
        }
    }
}

fn now() -> std::time::Instant {
    Instant::now().into_std()
}
