//! The IoTBOS platform: `GET /Api/token` and the five
//! `GET /Api/TerminalInfo/*` calls, strictly.
//!
//! Refusals use the platform's envelope (`status: 0` and an `info` text).
//! A refused login or data call is HTTP 200, as the platform's own
//! envelope implies; a wrong method is HTTP 405 (with `Allow: GET`) and an
//! unknown path HTTP 404, each with the same envelope.
//!
//! Paths match ignoring ASCII case (`/api/terminalinfo/surplus` is
//! `/Api/TerminalInfo/Surplus`). The spec writes each path in one casing and
//! says nothing of case; the real server is ASP.NET on IIS, whose routing
//! ignores case by default, so a strict simulator must not refuse what it
//! would serve. Otherwise a path is exact: no trailing slash, no decoding.

mod render;

use std::borrow::Cow;

use http::{Method, StatusCode};
use iotcard_model::Secret;

use crate::dialect::Dialect;
use crate::fleet::IotbosCall;
use crate::reply::Reply;
use crate::shared::Shared;
use crate::stats::{Call, FaultKind, Refusal};
use crate::tokens::TokenCheck;

/// The simulator's IoTBOS refusal texts (`info`), Chinese as the platform
/// writes, with an English gloss for operators reading a log. The platform
/// documents none; a refused batch over the limit says
/// `号码数量超过上限N (at most N numbers per call, got M)`.
pub mod info {
    /// Login without `account` or `password`.
    pub const LOGIN_MISSING: &str = "账号和密码不能为空 (account and password are required)";
    /// Login with wrong credentials.
    pub const LOGIN_WRONG: &str = "账号或密码错误 (wrong account or password)";
    /// Data call without `accessToken`.
    pub const TOKEN_MISSING: &str = "accessToken不能为空 (accessToken is required)";
    /// Data call with a token never issued.
    pub const TOKEN_UNKNOWN: &str = "accessToken无效 (unknown accessToken)";
    /// Data call with an expired token.
    pub const TOKEN_EXPIRED: &str = "accessToken已过期 (accessToken expired)";
    /// Data call with a revoked token.
    pub const TOKEN_REVOKED: &str = "accessToken已失效 (accessToken revoked)";
    /// Data call without `cardIdNums`.
    pub const NUMBERS_MISSING: &str = "cardIdNums不能为空 (cardIdNums is required)";
    /// Any method but GET.
    pub const WRONG_METHOD: &str = "请求方式错误，仅支持GET (only GET is allowed)";
    /// No such path.
    pub const UNKNOWN_PATH: &str = "接口不存在 (no such API)";
}

/// The login path as the spec writes it (the PDF's `/Api/ token` is an
/// extraction artifact).
const LOGIN_PATH: &str = "/Api/token";

/// A known IoTBOS path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Route {
    Login,
    Data(IotbosCall),
}

impl Route {
    /// The path's route, ignoring ASCII case (see the module's docs).
    pub(crate) fn of(path: &str) -> Option<Self> {
        if path.eq_ignore_ascii_case(LOGIN_PATH) {
            return Some(Route::Login);
        }
        IotbosCall::ALL
            .into_iter()
            .find(|c| c.path().eq_ignore_ascii_case(path))
            .map(Route::Data)
    }

    pub(crate) fn counter(route: Option<Self>) -> Call {
        match route {
            None => Call::Unroutable,
            Some(Route::Login) => Call::IotbosLogin,
            Some(Route::Data(IotbosCall::Usage)) => Call::IotbosUsage,
            Some(Route::Data(IotbosCall::Remaining)) => Call::IotbosRemaining,
            Some(Route::Data(IotbosCall::Expiry)) => Call::IotbosExpiry,
            Some(Route::Data(IotbosCall::State)) => Call::IotbosState,
            Some(Route::Data(IotbosCall::Plan)) => Call::IotbosPlan,
        }
    }
}

/// The query parameters the platform reads; the first occurrence of each wins.
#[derive(Default)]
struct Query<'q> {
    account: Option<Cow<'q, str>>,
    password: Option<Cow<'q, str>>,
    access_token: Option<Cow<'q, str>>,
    card_numbers: Option<Cow<'q, str>>,
}

impl<'q> Query<'q> {
    fn parse(query: Option<&'q str>) -> Self {
        let mut q = Query::default();
        for (key, value) in crate::query::pairs(query.unwrap_or_default()) {
            let slot = match &*key {
                "account" => &mut q.account,
                "password" => &mut q.password,
                "accessToken" => &mut q.access_token,
                "cardIdNums" => &mut q.card_numbers,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        q
    }
}

/// Answers one IoTBOS request.
pub(crate) fn handle(
    shared: &Shared,
    route: Option<Route>,
    method: &Method,
    query: Option<&str>,
    revoke_token: bool,
    dialect: Dialect,
) -> Reply {
    let now = shared.clock.unix_seconds();
    let refuse = |reason: Refusal, status: StatusCode, text: &str| {
        shared.stats.refusal(reason);
        Reply {
            status,
            body: render::refusal(text, now, dialect),
            allow: (status == StatusCode::METHOD_NOT_ALLOWED).then_some("GET"),
        }
    };
    let Some(route) = route else {
        return refuse(
            Refusal::UnknownPath,
            StatusCode::NOT_FOUND,
            info::UNKNOWN_PATH,
        );
    };
    if method != Method::GET {
        return refuse(
            Refusal::WrongMethod,
            StatusCode::METHOD_NOT_ALLOWED,
            info::WRONG_METHOD,
        );
    }
    let q = Query::parse(query);
    match route {
        Route::Login => {
            let (Some(account), Some(password)) = (q.account, q.password) else {
                return refuse(Refusal::BadCredentials, StatusCode::OK, info::LOGIN_MISSING);
            };
            let creds = &shared.credentials;
            // Compare the password as a Secret: constant time in its length.
            let password_ok = Secret::new(password.into_owned()) == creds.iotbos_password;
            if account != creds.iotbos_account.as_str() || !password_ok {
                return refuse(Refusal::BadCredentials, StatusCode::OK, info::LOGIN_WRONG);
            }
            let token = shared.tokens.issue();
            shared.stats.login();
            // The wire has whole seconds: expiresTime − createtime is the
            // lifetime rounded down (the server enforces the exact one).
            let ttl = i64::try_from(shared.tokens.ttl().as_secs()).unwrap_or(i64::MAX);
            Reply::ok(render::login(&token, now, now.saturating_add(ttl), dialect))
        }
        Route::Data(call) => {
            let Some(token) = q.access_token else {
                return refuse(Refusal::TokenMissing, StatusCode::OK, info::TOKEN_MISSING);
            };
            let (verdict, revoked_now) = shared.tokens.check(&token, revoke_token);
            if revoked_now {
                shared.stats.fault(FaultKind::TokenRevoked);
            }
            match verdict {
                TokenCheck::Valid => {}
                TokenCheck::Unknown => {
                    return refuse(Refusal::TokenUnknown, StatusCode::OK, info::TOKEN_UNKNOWN)
                }
                TokenCheck::Expired => {
                    return refuse(Refusal::TokenExpired, StatusCode::OK, info::TOKEN_EXPIRED)
                }
                TokenCheck::Revoked => {
                    return refuse(Refusal::TokenRevoked, StatusCode::OK, info::TOKEN_REVOKED)
                }
            }
            let numbers = match q.card_numbers {
                Some(n) if !n.is_empty() => n,
                _ => {
                    return refuse(
                        Refusal::MissingCardNumbers,
                        StatusCode::OK,
                        info::NUMBERS_MISSING,
                    )
                }
            };
            // Split on commas exactly as given: an empty piece is a number
            // nobody has (State 0), and a number asked twice is answered
            // twice, in place.
            // `batch-limit=K` lowers the limit to K for as long as it is on.
            let max = dialect.batch_limit().map_or(shared.iotbos_max_batch, |k| {
                shared
                    .iotbos_max_batch
                    .min(usize::try_from(k).unwrap_or(usize::MAX))
            });
            // 13-digit numbers and a comma each: a close guess, no scan.
            let expected = numbers.len() / 14 + 1;
            match render::batch(
                call,
                numbers.split(','),
                expected,
                max,
                now,
                dialect,
                &shared.fleet,
            ) {
                Ok((body, count)) => {
                    shared.stats.cards(count as u64);
                    Reply::ok(body)
                }
                Err(count) => {
                    let text = format!(
                        "号码数量超过上限{max} (at most {max} numbers per call, got {count})"
                    );
                    refuse(Refusal::TooManyNumbers, StatusCode::OK, &text)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use http::{Method, StatusCode};
    use proptest::prelude::*;

    use super::*;

    /// Every path the platform serves, as the spec writes it.
    fn canonical(i: usize) -> &'static str {
        IotbosCall::ALL.get(i).map_or(LOGIN_PATH, |c| c.path())
    }

    /// `path` with the ASCII letters at the set bits of `flips` in the other case.
    fn recase(path: &str, flips: u64) -> String {
        path.chars()
            .enumerate()
            .map(|(i, c)| match (flips >> (i % 64)) & 1 {
                1 if c.is_ascii_lowercase() => c.to_ascii_uppercase(),
                1 => c.to_ascii_lowercase(),
                _ => c,
            })
            .collect()
    }

    #[test]
    fn every_canonical_path_routes_to_its_own_call() {
        assert_eq!(Route::of("/Api/token"), Some(Route::Login));
        for call in IotbosCall::ALL {
            assert_eq!(Route::of(call.path()), Some(Route::Data(call)));
        }
        assert_eq!(
            Route::of("/api/terminalinfo/surplus"),
            Some(Route::Data(IotbosCall::Remaining))
        );
    }

    #[test]
    fn only_ascii_case_is_ignored() {
        // U+017F (long s) and U+212A (Kelvin) fold to `s` and `k` in Unicode,
        // not in ASCII; a space, a slash or a percent escape is a different path.
        for path in [
            "/Api/TerminalInfo/\u{17F}urplus",
            "/Api/to\u{212A}en",
            "/Api/TerminalInfo/Surplus/",
            "/Api/TerminalInfo/Surplus ",
            "/Api/TerminalInfo/%53urplus",
            "/Api//token",
            "Api/token",
            "/Api/TerminalInfo",
            "",
        ] {
            assert_eq!(Route::of(path), None, "{path:?}");
        }
    }

    proptest! {
        /// Any ASCII casing of a served path routes as the canonical path does.
        #[test]
        fn paths_route_whatever_their_ascii_case(i in 0usize..6, flips in any::<u64>()) {
            let path = canonical(i);
            prop_assert!(Route::of(path).is_some());
            prop_assert_eq!(Route::of(&recase(path, flips)), Route::of(path));
        }

        /// A served path with one character more or one fewer, in any case,
        /// is no path at all.
        #[test]
        fn near_misses_route_nowhere(i in 0usize..6, flips in any::<u64>(), at in any::<prop::sample::Index>(), extra in any::<char>(), insert in any::<bool>()) {
            let mut path: Vec<char> = recase(canonical(i), flips).chars().collect();
            if insert {
                path.insert(at.index(path.len() + 1), extra);
            } else {
                path.remove(at.index(path.len()));
            }
            let path: String = path.into_iter().collect();
            prop_assert_eq!(Route::of(&path), None, "{:?}", path);
        }

        /// Whatever the query, IoTBOS answers with its envelope, never a panic.
        #[test]
        fn iotbos_never_panics(query in ".{0,200}", with_token in any::<bool>(), call in 0usize..5) {
            let s = Shared::for_tests(100);
            let token = s.tokens.issue();
            let query = if with_token { format!("accessToken={token}&{query}") } else { query };
            let route = Some(Route::Data(IotbosCall::ALL[call]));
            let reply = handle(&s, route, &Method::GET, Some(&query), false, Dialect::CANONICAL);
            prop_assert_eq!(reply.status, StatusCode::OK);
            let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            prop_assert!(json["status"] == 0 || json["status"] == 1);
        }
    }
}
