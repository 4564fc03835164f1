//! The token state machine, checked exhaustively: every interleaving of a
//! few concurrent calls, logins, ticks of a fake clock, early token
//! revocations and refusals that are not about the token, explored to the
//! end. No call that the server would answer with a valid token ever ends
//! without its answer, logins stay bounded, and a refusal that is not about
//! the token is reported after at most one fresh token.

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use iotbos_proto::{
    AccessToken, Lease, Login, LoginTimes, Refusal, Refusals, Session, SessionConfig, Stamp, Step,
    Ticket,
};
use iotcard_model::china_standard_time;

const TICK: Duration = Duration::from_secs(1);

/// A login the server answers with a `lifetime` of whole ticks.
fn login(generation: u64, lifetime: u64) -> Login {
    let created = china_standard_time()
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .expect("a valid instant");
    Login::new(
        AccessToken::new(format!("T{generation}")),
        LoginTimes::new(
            Stamp::Read(created),
            Stamp::Read(created + chrono::Duration::seconds(lifetime as i64)),
            None,
        ),
    )
}

/// Where one call stands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Call {
    /// About to poll, with the ticket of its last wait or login, and the
    /// generation of its last refusal.
    Polling(Option<u64>, Refusals),
    /// Logging in (the one in flight).
    LoggingIn(u64, Refusals),
    /// Waiting for someone else's login.
    Waiting(u64, Refusals),
    /// Its request is on the wire with this lease, sent at this tick.
    Sending(u64, u64, Refusals),
    /// Answered.
    Answered,
    /// Reported the provider's refusal (not about the token).
    Reported,
}

/// The world: the session, the calls, the server, the clock.
#[derive(Clone, Debug)]
struct World {
    session: Session<String>,
    calls: Vec<Call>,
    leases: Vec<Option<Lease>>,
    tickets: Vec<Option<Ticket>>,
    /// Ticks since the start.
    now: u64,
    /// Each minted token's generation and the tick at which the server
    /// stops taking it.
    server_tokens: Vec<(u64, u64)>,
    /// Server-side revocations made (every token dies at once).
    revocations: u32,
    /// Ticks left to spend.
    ticks_left: u32,
    /// The call index the server refuses whatever the token (a refusal
    /// that is not about the token), if any.
    always_refused: Option<usize>,
}

/// What the scenario is.
#[derive(Clone, Copy, Debug)]
struct Scenario {
    calls: usize,
    /// The lifetime the login answer states, in ticks.
    stated_lifetime: u64,
    /// The lifetime the server really gives, in ticks: the stated one, or
    /// longer (a server more generous than it says). Tokens that die
    /// early are revocations.
    real_lifetime: u64,
    /// The margin, in ticks.
    margin: u64,
    ticks: u32,
    revocations: u32,
    always_refused: Option<usize>,
}

impl World {
    fn new(s: Scenario) -> Self {
        let config = SessionConfig::default()
            .margin(TICK * s.margin as u32)
            .failure_hold(Duration::from_secs(3600));
        World {
            session: Session::new(config),
            calls: vec![Call::Polling(None, Refusals::default()); s.calls],
            leases: vec![None; s.calls],
            tickets: vec![None; s.calls],
            now: 0,
            server_tokens: Vec::new(),
            revocations: 0,
            ticks_left: s.ticks,
            always_refused: s.always_refused,
        }
    }

    fn key(&self) -> String {
        format!(
            "{:?}|{:?}|{}|{:?}|{}|{}",
            self.session,
            self.calls,
            self.now,
            self.server_tokens,
            self.revocations,
            self.ticks_left
        )
    }

    fn instant(&self, base: Instant) -> Instant {
        base + TICK * self.now as u32
    }

    fn token_valid(&self, generation: u64) -> bool {
        self.server_tokens
            .iter()
            .any(|(g, dies)| *g == generation && self.now < *dies)
    }
}

#[derive(Default, Debug)]
struct Findings {
    worlds: usize,
    ends: usize,
    max_logins: u64,
}

fn explore(
    base: Instant,
    s: Scenario,
    world: World,
    seen: &mut HashSet<String>,
    found: &mut Findings,
) {
    if !seen.insert(world.key()) {
        return;
    }
    found.worlds += 1;
    let mut moved = false;
    for i in 0..world.calls.len() {
        if let Some(next) = step(base, s, &world, i) {
            moved = true;
            explore(base, s, next, seen, found);
        }
    }
    // An answer takes at most the margin to come back (latency beyond the
    // margin lets a token run out on the wire, which the session counts as
    // no evidence; a real margin is a minute).
    let on_time = world.calls.iter().all(|c| match c {
        Call::Sending(_, sent, _) => world.now + 1 - sent <= s.margin,
        _ => true,
    });
    if world.ticks_left > 0 && on_time {
        let mut next = world.clone();
        next.ticks_left -= 1;
        next.now += 1;
        moved = true;
        explore(base, s, next, seen, found);
    }
    if world.revocations < s.revocations && !world.server_tokens.is_empty() {
        let mut next = world.clone();
        next.revocations += 1;
        let now = next.now;
        for token in &mut next.server_tokens {
            token.1 = token.1.min(now);
        }
        moved = true;
        explore(base, s, next, seen, found);
    }
    if !moved {
        check_end(s, &world);
        found.ends += 1;
        found.max_logins = found.max_logins.max(world.session.logins());
    }
}

/// Call `i` takes its next step, if it can.
fn step(base: Instant, s: Scenario, world: &World, i: usize) -> Option<World> {
    let mut w = world.clone();
    let now = w.instant(base);
    match w.calls[i].clone() {
        Call::Polling(_, refused) => {
            let ticket = w.tickets[i].take();
            match w.session.poll(now, ticket) {
                Step::Use(lease) => {
                    w.calls[i] = Call::Sending(lease.generation(), w.now, refused);
                    w.leases[i] = Some(lease);
                }
                Step::Login(t) => {
                    w.tickets[i] = Some(t);
                    w.calls[i] = Call::LoggingIn(0, refused);
                }
                Step::Wait(t) => {
                    w.tickets[i] = Some(t);
                    w.calls[i] = Call::Waiting(0, refused);
                }
                Step::Fail(e) => panic!("logins never fail here: {e}"),
            }
        }
        Call::LoggingIn(_, refused) => {
            let generation = w.session.generation() + 1;
            w.server_tokens.push((generation, w.now + s.real_lifetime));
            w.session
                .on_login(now, login(generation, s.stated_lifetime));
            w.calls[i] = Call::Polling(None, refused);
        }
        Call::Waiting(_, refused) => {
            if w.session.logging_in() {
                return None;
            }
            w.calls[i] = Call::Polling(None, refused);
        }
        Call::Sending(generation, _, mut refused) => {
            let lease = w.leases[i].take().expect("a lease while sending");
            let refused_for_call = w.always_refused == Some(i);
            if w.token_valid(generation) && !refused_for_call {
                w.calls[i] = Call::Answered;
            } else {
                // The server's words say which: a dead token, or the call.
                let info = if refused_for_call { "call" } else { "token" };
                match w
                    .session
                    .on_refused_saying(now, &lease, Some(info), &mut refused)
                {
                    Refusal::Retry => w.calls[i] = Call::Polling(None, refused),
                    Refusal::NotAboutToken => w.calls[i] = Call::Reported,
                }
            }
        }
        Call::Answered | Call::Reported => return None,
    }
    Some(w)
}

/// Where no move is left, every call has ended as it should have.
fn check_end(s: Scenario, world: &World) {
    for (i, call) in world.calls.iter().enumerate() {
        match (call, s.always_refused == Some(i)) {
            (Call::Answered, false) | (Call::Reported, true) => {}
            (other, refused) => panic!(
                "call {i} ended {other:?} (refused for itself: {refused}) in {s:?}\n{world:#?}"
            ),
        }
    }
    // One login to start, one per token the server killed (by expiry or
    // revocation) that a call then met, and one for a call refused for its
    // own sake: never one per call.
    let killed = world.server_tokens.len() as u64;
    let bound = 1 + killed + u64::from(s.always_refused.is_some());
    assert!(
        world.session.logins() <= bound,
        "{} logins, bound {bound}: {s:?}\n{world:#?}",
        world.session.logins()
    );
}

/// The fake clock's zero: any instant will do, the clock only adds ticks.
#[allow(clippy::disallowed_methods)]
fn base() -> Instant {
    Instant::now()
}

fn run(s: Scenario) -> Findings {
    let base = base();
    let mut seen = HashSet::new();
    let mut found = Findings::default();
    explore(base, s, World::new(s), &mut seen, &mut found);
    assert!(found.ends > 0, "some interleaving ends: {s:?}");
    found
}

#[test]
fn every_interleaving_of_expiry_and_refusal_ends_with_every_answer() {
    let mut total = 0;
    for calls in 1..=3 {
        for (stated, real) in [(4, 4), (2, 2), (3, 5), (6, 6)] {
            for margin in [0, 1, 2] {
                for revocations in [0, 1] {
                    let s = Scenario {
                        calls,
                        stated_lifetime: stated,
                        real_lifetime: real,
                        margin,
                        ticks: 5,
                        revocations,
                        always_refused: None,
                    };
                    total += run(s).worlds;
                }
            }
        }
    }
    assert!(total > 10_000, "explored {total} worlds");
}

#[test]
fn a_refusal_not_about_the_token_is_reported_after_one_fresh_token() {
    for calls in 1..=3 {
        for revocations in [0, 1] {
            let s = Scenario {
                calls,
                stated_lifetime: 5,
                real_lifetime: 5,
                margin: 1,
                ticks: 4,
                revocations,
                always_refused: Some(0),
            };
            let found = run(s);
            assert!(
                found.max_logins >= 2,
                "the refused call did try a fresh token"
            );
        }
    }
}

#[test]
fn concurrent_refusals_of_one_token_replace_it_once() {
    let mut session: Session<String> = Session::new(SessionConfig::default());
    let t0 = base();
    let Step::Login(ticket) = session.poll(t0, None) else {
        panic!()
    };
    session.on_login(t0, login(1, 7200));
    let leases: Vec<Lease> = (0..10)
        .map(|_| match session.poll(t0, Some(ticket)) {
            Step::Use(lease) => lease,
            other => panic!("{other:?}"),
        })
        .collect();
    // All ten were refused with token 1 (it expired server-side early).
    let verdicts: Vec<Refusal> = leases
        .iter()
        .map(|l| session.on_refused(t0, l, &mut Refusals::default()))
        .collect();
    assert!(verdicts.iter().all(|v| *v == Refusal::Retry));
    // One of them logs in; the other nine wait for it.
    let steps: Vec<Step<String>> = (0..10).map(|_| session.poll(t0, None)).collect();
    assert_eq!(
        steps.iter().filter(|s| matches!(s, Step::Login(_))).count(),
        1
    );
    assert_eq!(
        steps.iter().filter(|s| matches!(s, Step::Wait(_))).count(),
        9
    );
    session.on_login(t0, login(2, 7200));
    assert_eq!(session.logins(), 2);
    let Step::Use(fresh) = session.poll(t0, None) else {
        panic!()
    };
    assert_eq!(fresh.generation(), 2);
    // A late report about token 1 drops nothing.
    assert_eq!(
        session.on_refused(t0, &leases[3], &mut Refusals::default()),
        Refusal::Retry
    );
    assert!(matches!(session.poll(t0, None), Step::Use(l) if l.generation() == 2));
}

#[test]
fn a_refused_or_unreadable_login_is_held_and_a_failed_one_is_not() {
    let t0 = base();
    let refused = iotbos_proto::parse_login(&support::ok(
        br#"{"status":0,"info":"wrong password","data":null}"#,
    ))
    .unwrap_err();
    let unreadable =
        iotbos_proto::parse_login(&support::ok(br#"{"status":1,"data":{"accessToken":"#))
            .unwrap_err();
    for answer in [refused, unreadable] {
        let mut session: Session<String> = Session::new(SessionConfig::default());
        let Step::Login(ticket) = session.poll(t0, None) else {
            panic!()
        };
        session.on_login_failed(t0, answer.to_string(), Some(&answer));
        assert!(matches!(session.poll(t0, Some(ticket)), Step::Fail(e) if e == answer.to_string()));
        // Held: 29 s later still failed without asking…
        assert!(matches!(
            session.poll(t0 + Duration::from_secs(29), None),
            Step::Fail(_)
        ));
        assert_eq!(session.logins(), 1);
        // …and asked again once the hold is over.
        assert!(matches!(
            session.poll(t0 + Duration::from_secs(30), None),
            Step::Login(_)
        ));
    }
    // No answer at all: waiters of that login fail once, then the next
    // caller tries again at once.
    let mut session: Session<String> = Session::new(SessionConfig::default());
    let Step::Login(mine) = session.poll(t0, None) else {
        panic!()
    };
    let Step::Wait(theirs) = session.poll(t0, None) else {
        panic!()
    };
    session.on_login_failed(t0, "connection refused".to_owned(), None);
    assert!(matches!(session.poll(t0, Some(mine)), Step::Fail(e) if e == "connection refused"));
    assert!(matches!(session.poll(t0, Some(theirs)), Step::Fail(_)));
    assert!(matches!(session.poll(t0, None), Step::Login(_)));
}

#[test]
fn a_cancelled_login_lets_the_next_caller_log_in() {
    let t0 = base();
    let mut session: Session<String> = Session::new(SessionConfig::default());
    assert!(matches!(session.poll(t0, None), Step::Login(_)));
    let Step::Wait(ticket) = session.poll(t0, None) else {
        panic!()
    };
    session.on_login_abandoned();
    assert!(matches!(session.poll(t0, Some(ticket)), Step::Login(_)));
}

#[test]
fn lifetimes_are_believed_up_to_thirty_days_with_the_margin_taken_off() {
    let t0 = base();
    for (stated_s, expect_usable, default) in [
        (7200, 7140, false),
        (60, 30, false),
        (30 * 24 * 3600, 30 * 24 * 3600 - 60, false),
        (30 * 24 * 3600 + 1, 7200 - 60, true),
    ] {
        let mut session: Session<String> = Session::new(SessionConfig::default());
        assert!(matches!(session.poll(t0, None), Step::Login(_)));
        let accepted = session.on_login(t0, login(1, stated_s));
        assert_eq!(accepted.lifetime.used_default(), default, "{stated_s}");
        let usable = Duration::from_secs(expect_usable);
        assert!(matches!(
            session.poll(t0 + usable - Duration::from_millis(1), None),
            Step::Use(_)
        ));
        assert!(
            matches!(session.poll(t0 + usable, None), Step::Login(_)),
            "{stated_s}"
        );
    }
}

#[test]
fn calls_refused_together_for_one_reason_cost_one_login_not_one_each() {
    let t0 = base();
    let mut session: Session<String> = Session::new(SessionConfig::default());
    assert!(matches!(session.poll(t0, None), Step::Login(_)));
    session.on_login(t0, login(1, 7200));
    let Step::Use(first) = session.poll(t0, None) else {
        panic!()
    };
    let too_many = Some("号码数量超过上限7");
    let mut histories = [Refusals::default(); 10];
    // Ten calls refused with token 1 for the same reason: the first
    // replaces it; every one of them counts it.
    for history in &mut histories {
        assert_eq!(
            session.on_refused_saying(t0, &first, too_many, history),
            Refusal::Retry
        );
    }
    assert!(matches!(session.poll(t0, None), Step::Login(_)));
    session.on_login(t0, login(2, 7200));
    let Step::Use(second) = session.poll(t0, None) else {
        panic!()
    };
    for history in &mut histories {
        assert_eq!(
            session.on_refused_saying(t0, &second, too_many, history),
            Refusal::NotAboutToken
        );
    }
    assert_eq!(session.logins(), 2, "one login for the ten calls");
    // A late refusal with token 1 in other words (it may have died with
    // its successor) is no evidence: that call just asks again.
    let mut late = Refusals::default();
    assert_eq!(
        session.on_refused_saying(t0, &first, Some("token revoked"), &mut late),
        Refusal::Retry
    );
    assert_eq!(
        session.on_refused_saying(t0, &second, too_many, &mut late),
        Refusal::Retry,
        "token 2 is the first fresh token that call met"
    );
}
