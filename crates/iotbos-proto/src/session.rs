//! The token lifecycle as a sans-IO state machine, the way `quinn-proto`
//! holds a connection: it says when a login is needed, hands out the token,
//! is told the time and each answer (refusals included), and decides what
//! they mean. It never reads a clock and never sends anything: a driver
//! (the facade, or your own loop) does the I/O and reports back.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use iotbos_proto::{parse_login, Refusal, Refusals, Session, SessionConfig, Step};
//!
//! let mut session: Session<String> = Session::new(SessionConfig::default());
//! let t0 = Instant::now();
//! // Nothing yet: the first caller is told to log in.
//! let Step::Login(ticket) = session.poll(t0, None) else { panic!() };
//! // Everyone else waits for that login.
//! assert!(matches!(session.poll(t0, None), Step::Wait(_)));
//! let login = parse_login(&http::Response::new(br#"{"status":1,"info":null,
//!     "data":{"accessToken":"T1","expiresTime":"2018/01/16 16:02:08"},"createtime":"2018/01/16 14:02:08"}"#))?;
//! session.on_login(t0, login);
//! let Step::Use(lease) = session.poll(t0, Some(ticket)) else { panic!() };
//! assert_eq!(lease.token().expose(), "T1");
//!
//! // The server refused a call made with it: perhaps it expired early.
//! // The token is replaced once, and the call asked again…
//! let mut refusals = Refusals::default();
//! assert_eq!(session.on_refused(t0, &lease, &mut refusals), Refusal::Retry);
//! assert!(matches!(session.poll(t0, None), Step::Login(_)));
//! # Ok::<(), iotbos_proto::IotbosError>(())
//! ```
//!
//! # The rules
//!
//! - **Single flight.** While a login is out, every other caller waits
//!   ([`Step::Wait`]) and is handed its outcome: 100 concurrent calls on a
//!   fresh session make one login, and a failed login fails them all once.
//! - **Usable until.** A token is used until its lifetime
//!   (`expiresTime - createtime`, by the server's own clock) less a margin,
//!   counted from when its answer arrived; never more than half the lifetime
//!   is given up to the margin. Without a readable `createtime`, the
//!   answer's HTTP `Date` is the start; a lifetime that is missing,
//!   unreadable, not positive or above 30 days is not believed:
//!   [`SessionConfig::default_lifetime`] is used instead, and the login says
//!   so ([`Accepted::lifetime`], [`crate::LoginTimes::lifetime`]).
//! - **A refused token is replaced once per token, not once per call.** A
//!   call refused with the current token drops it (the next poll logs in); a
//!   call refused with a token that has already been replaced simply asks
//!   again with the current one. A call refused while its token was good
//!   (the current one, within its lifetime), and then refused again while a
//!   newer token was good, is refused for a reason that is not the token
//!   ([`Refusal::NotAboutToken`]): report the provider's words and keep the
//!   token for everyone else. A token that ran out while the request was on
//!   the wire is no such evidence, so one early death of a token (a
//!   revocation) never costs a call its answer; two within one call's
//!   retries look like a refusal of the call.
//! - **No login storm.** A login the server refused, or whose answer could
//!   not be read, will fail the same way again: it is handed out for
//!   [`SessionConfig::failure_hold`] without asking. A login that got no
//!   answer (the network, a 5xx) is not held: the next poll tries again.

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::login::MAX_BELIEVED_LIFETIME;
use crate::{
    AccessToken, IotbosError, Lifetime, Login, DEFAULT_TOKEN_LIFETIME, DEFAULT_TOKEN_MARGIN,
};

/// How a [`Session`] treats time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// How long before its end a token is no longer handed out (default
    /// [`DEFAULT_TOKEN_MARGIN`]; never more than half the lifetime).
    pub margin: Duration,
    /// The lifetime assumed when a login's own is not believable (default
    /// [`DEFAULT_TOKEN_LIFETIME`], 2 hours, what IoTBOS documents); see
    /// [`LoginTimes::lifetime`](crate::LoginTimes::lifetime).
    pub default_lifetime: Duration,
    /// How long a login that will fail again is handed out without asking
    /// (default 30 s).
    pub failure_hold: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            margin: DEFAULT_TOKEN_MARGIN,
            default_lifetime: DEFAULT_TOKEN_LIFETIME,
            failure_hold: Duration::from_secs(30),
        }
    }
}

impl SessionConfig {
    /// The same with `margin`.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The same with `default_lifetime`.
    pub fn default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = lifetime;
        self
    }

    /// The same with `failure_hold`.
    pub fn failure_hold(mut self, hold: Duration) -> Self {
        self.failure_hold = hold;
        self
    }
}

/// A token handed out by a [`Session`], with the generation (which login)
/// that minted it, so a refusal can say which token it was about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    token: Arc<AccessToken>,
    generation: u64,
    until: Instant,
}

impl Lease {
    /// The token, for the request.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }

    /// Which login minted it: 1 for the first, and so on.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Until when it is good by its lifetime (less the margin).
    pub fn usable_until(&self) -> Instant {
        self.until
    }
}

/// Proof of having waited: hand it back to [`Session::poll`] so a login
/// that failed while you waited fails you too, instead of you knocking
/// again at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket(u64);

/// What a caller does next.
#[derive(Clone, Debug)]
pub enum Step<E> {
    /// Send the call with this token.
    Use(Lease),
    /// Log in now (you are the one login in flight), then report the
    /// outcome with [`Session::on_login`] or [`Session::on_login_failed`],
    /// and poll again with the ticket.
    Login(Ticket),
    /// Someone else is logging in: wait until they report, then poll again
    /// with the ticket.
    Wait(Ticket),
    /// The login failed; report this for the call.
    Fail(E),
}

/// What a login's success means, for the driver's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Which login this was.
    pub generation: u64,
    /// The lifetime used, and whether it is the login's own or
    /// [`SessionConfig::default_lifetime`] ([`Lifetime::used_default`]).
    pub lifetime: Lifetime,
}

/// One call's record of the refusals it met, for [`Session::on_refused`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Refusals {
    /// The generation of the first token that refused this call while it
    /// was still good.
    fresh: Option<u64>,
}

/// What a refused call means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The refusal may be about the token: poll again (for a fresh one) and
    /// ask again, keeping the call's [`Refusals`].
    Retry,
    /// A token newer than the one of this call's first refusal was refused
    /// too: the refusal is about the call, not the token. Report it; the
    /// token stays for everyone else.
    NotAboutToken,
}

#[derive(Clone, Debug)]
struct Current {
    lease: Lease,
}

#[derive(Clone, Debug)]
enum LoginState<E> {
    Idle,
    InFlight,
    Failed { failure: E, at: Instant, held: bool },
}

/// The token lifecycle of one IoTBOS account; see the [module](self) docs.
#[derive(Clone, Debug)]
pub struct Session<E> {
    config: SessionConfig,
    current: Option<Current>,
    login: LoginState<E>,
    /// The generation of the newest token minted.
    generation: u64,
    /// The last token dropped because a call was refused with it, and the
    /// provider's words then.
    replaced: Option<(u64, Option<String>)>,
    /// Logins finished, either way.
    completions: u64,
    /// Logins started.
    logins: u64,
}

impl<E: Clone> Session<E> {
    /// A session with no token yet: the first poll logs in.
    pub fn new(config: SessionConfig) -> Self {
        Self {
            config,
            current: None,
            login: LoginState::Idle,
            generation: 0,
            replaced: None,
            completions: 0,
            logins: 0,
        }
    }

    /// What to do at `now`. `ticket` is what a [`Step::Wait`] or
    /// [`Step::Login`] handed you, when you come back after it.
    pub fn poll(&mut self, now: Instant, ticket: Option<Ticket>) -> Step<E> {
        if let Some(current) = &self.current {
            if now < current.lease.until {
                return Step::Use(current.lease.clone());
            }
            self.current = None;
        }
        match &self.login {
            LoginState::InFlight => return Step::Wait(Ticket(self.completions)),
            LoginState::Failed { failure, at, held } => {
                let finished_while_waiting = ticket.is_some_and(|t| t.0 < self.completions);
                let still_held =
                    *held && now.saturating_duration_since(*at) < self.config.failure_hold;
                if finished_while_waiting || still_held {
                    return Step::Fail(failure.clone());
                }
            }
            LoginState::Idle => {}
        }
        self.login = LoginState::InFlight;
        self.logins += 1;
        Step::Login(Ticket(self.completions))
    }

    /// The login succeeded with `login`, its answer arriving at `now`.
    pub fn on_login(&mut self, now: Instant, login: Login) -> Accepted {
        self.completions += 1;
        let lifetime = login.lifetime(self.config.default_lifetime);
        let usable = lifetime.usable_for(self.config.margin);
        self.generation += 1;
        self.current = Some(Current {
            lease: Lease {
                token: Arc::new(login.into_token()),
                generation: self.generation,
                until: now + usable,
            },
        });
        self.login = LoginState::Idle;
        Accepted {
            generation: self.generation,
            lifetime,
        }
    }

    /// The login failed at `now` with `error`, handed to whoever waited.
    /// `answer` is what the server answered, if it did: a refusal, or an
    /// answer that cannot be read, will be the same next time, so it is
    /// held for [`SessionConfig::failure_hold`]; a login that got no answer
    /// (the network) or one that says "try later" (a 5xx, 429) is not, and
    /// the next poll tries again.
    pub fn on_login_failed(&mut self, now: Instant, error: E, answer: Option<&IotbosError>) {
        self.completions += 1;
        let held = answer.is_some_and(|a| !matches!(a, IotbosError::HttpStatus { .. }));
        self.login = LoginState::Failed {
            failure: error,
            at: now,
            held,
        };
    }

    /// The login that [`Step::Login`] started will not report (its task was
    /// cancelled): the next poll starts another.
    pub fn on_login_abandoned(&mut self) {
        if matches!(self.login, LoginState::InFlight) {
            self.login = LoginState::Idle;
            self.completions += 1;
        }
    }

    /// A call made with `lease` was refused (IoTBOS `status` 0), the
    /// refusal arriving at `now`. `history` is the call's own record of
    /// refusals (start each call with [`Refusals::default`]); it is updated
    /// here.
    ///
    /// Only a refusal that came while the token was still good by its
    /// lifetime counts as evidence: a token that ran out while the request
    /// was on the wire (an answer slower than the margin) says nothing about
    /// the call. And only one about the current token: see
    /// [`on_refused_saying`](Self::on_refused_saying) for calls refused
    /// together.
    pub fn on_refused(&mut self, now: Instant, lease: &Lease, history: &mut Refusals) -> Refusal {
        self.on_refused_saying(now, lease, None, history)
    }

    /// [`on_refused`](Self::on_refused), with the provider's `info` of the
    /// refusal. Calls refused together with one token (a wave of batches
    /// all too large for the server) are each told the first time, not one
    /// per login: a refusal with the token that a refusal just replaced
    /// counts as evidence when it says the very same `info` as that one did
    /// (the same reason, from the same server). One with other words, or
    /// none, may be the token dying with its successor (one revocation can
    /// take two tokens), and the call just asks again.
    pub fn on_refused_saying(
        &mut self,
        now: Instant,
        lease: &Lease,
        info: Option<&str>,
        history: &mut Refusals,
    ) -> Refusal {
        let is_current = self
            .current
            .as_ref()
            .is_some_and(|c| c.lease.generation == lease.generation);
        let same_as_replaced = self.replaced.as_ref().is_some_and(|(generation, said)| {
            *generation == lease.generation && info.is_some() && said.as_deref() == info
        });
        let fresh = now < lease.until && (is_current || same_as_replaced);
        if fresh && history.fresh.is_some_and(|g| g < lease.generation) {
            return Refusal::NotAboutToken;
        }
        if fresh && history.fresh.is_none() {
            history.fresh = Some(lease.generation);
        }
        if is_current {
            // Replaced once per token: whoever reports this token next
            // finds a newer one (or a login in flight) and just asks again.
            self.current = None;
            self.replaced = Some((lease.generation, info.map(str::to_owned)));
        }
        Refusal::Retry
    }

    /// The current token at `now`, if there is one still good, without
    /// starting a login: for a driver that takes the token at the last
    /// moment before sending (a call that waited for a request slot may
    /// find its token replaced, or run out, meanwhile). `None` means poll.
    pub fn current(&self, now: Instant) -> Option<Lease> {
        self.current
            .as_ref()
            .filter(|c| now < c.lease.until)
            .map(|c| c.lease.clone())
    }

    /// Logins started so far.
    pub fn logins(&self) -> u64 {
        self.logins
    }

    /// The newest token's generation (0 before the first login).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether a login is out now.
    pub fn logging_in(&self) -> bool {
        matches!(self.login, LoginState::InFlight)
    }
}
