//! The login answer, and how long its token can be used.
//!
//! Reading and deciding are apart: [`parse_login`] keeps what the answer
//! says about time as it came (read, absent or unreadable, per field), and
//! [`LoginTimes::lifetime`] decides the lifetime from that and a default the
//! caller supplies. A login whose times cannot be read still yields its
//! token: failing it would be an outage of the whole account over a date
//! style, and logging in again would only get the same answer.

use std::ops::Add;
use std::time::Duration;

use http::header::DATE;
use http::{HeaderMap, StatusCode};
use iotcard_model::{china_standard_time, Instant};
use iotcard_wire::{date_value, text, DateError, Object, RawValue};

use crate::envelope::{self, json_error};
use crate::{AccessToken, IotbosError};

/// How long before the token's end a client should stop using it, by
/// default: a minute covers the round trip and a clock that runs a little
/// fast, and is small against the 2 hours IoTBOS gives.
pub const DEFAULT_TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// The lifetime assumed when a login's own is not believable, by default:
/// 2 hours, what IoTBOS documents (its example's `expiresTime` is two hours
/// after its `createtime`).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 3600);

/// The longest token lifetime believed: anything longer is a server whose
/// clocks or fields are off.
pub const MAX_BELIEVED_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

const CALL: &str = "login";

/// A successful login: the token, and what its answer said about time.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Login {
    token: AccessToken,
    times: LoginTimes,
}

/// What one date field of the login answer held.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Stamp {
    /// A date, read in any style servers write (China Standard Time unless
    /// a zone is written).
    Read(Instant),
    /// No date: the field is missing, `null`, `""` or an empty .NET date.
    Absent,
    /// Something that is not a date.
    Unreadable(DateError),
}

impl Stamp {
    /// The instant, when one was read.
    pub fn instant(&self) -> Option<Instant> {
        match self {
            Stamp::Read(at) => Some(*at),
            Stamp::Absent | Stamp::Unreadable(_) => None,
        }
    }
}

/// What a login answer said about its token's time, each field as it came.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct LoginTimes {
    /// The envelope's `createtime`: when the server answered, by the same
    /// clock as `expiresTime`.
    pub created: Stamp,
    /// `data.expiresTime`: when the token stops working.
    pub expires: Stamp,
    /// The answer's HTTP `Date` header, when it had a readable one: when
    /// the server answered, by the HTTP server's clock.
    pub answered: Option<Instant>,
}

/// A token's lifetime and what it was decided from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Lifetime {
    /// How long the token lives, counted from the answer's arrival.
    pub duration: Duration,
    /// What it was decided from.
    pub basis: LifetimeBasis,
}

/// Where a [`Lifetime`] comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum LifetimeBasis {
    /// `expiresTime - createtime`, as documented.
    Stated,
    /// `expiresTime` less the answer's HTTP `Date`: the answer had no
    /// readable `createtime`.
    AgainstDate,
    /// The caller's default: the answer's own is not believable.
    Default(DefaultReason),
}

/// Why a login's own lifetime was not believed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum DefaultReason {
    /// `expiresTime` is missing or empty.
    NoExpiry,
    /// `expiresTime` is not a date.
    UnreadableExpiry,
    /// Neither `createtime` nor the HTTP `Date` could be read: nothing to
    /// count from.
    NoStart,
    /// The token expires at or before the answer was made.
    NotPositive,
    /// The lifetime is longer than [`MAX_BELIEVED_LIFETIME`].
    TooLong,
}

impl std::fmt::Display for DefaultReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DefaultReason::NoExpiry => "the login answer has no expiresTime",
            DefaultReason::UnreadableExpiry => "the login answer's expiresTime is not a date",
            DefaultReason::NoStart => "the login answer has neither createtime nor a Date header",
            DefaultReason::NotPositive => "the login answer's expiresTime is not after its start",
            DefaultReason::TooLong => "the login answer's lifetime is over 30 days",
        })
    }
}

impl LoginTimes {
    /// The token's lifetime: `expiresTime - createtime`; without a readable
    /// `createtime`, `expiresTime` less the HTTP `Date`; and `default` when
    /// neither gives one in `(0, 30 days]` (missing, unreadable, not
    /// positive, absurd). Both ends of a difference come from the server, so
    /// the local clock and zone never enter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use iotbos_proto::{DefaultReason, LifetimeBasis, LoginTimes, Stamp};
    /// let at = |t| Stamp::Read(iotcard_wire::china_date(t).unwrap().unwrap());
    /// let default = Duration::from_secs(7200);
    /// let times = LoginTimes::new(at("2018/01/16 14:02:08"), at("2018/01/16 14:32:08"), None);
    /// assert_eq!(times.lifetime(default).duration, Duration::from_secs(1800));
    /// let odd = LoginTimes::new(at("2018/01/16 14:02:08"), at("2018/01/16 14:02:08"), None);
    /// assert_eq!(odd.lifetime(default).duration, default);
    /// assert_eq!(odd.lifetime(default).basis, LifetimeBasis::Default(DefaultReason::NotPositive));
    /// ```
    pub fn lifetime(&self, default: Duration) -> Lifetime {
        let fallback = |reason| Lifetime {
            duration: default,
            basis: LifetimeBasis::Default(reason),
        };
        let expires = match &self.expires {
            Stamp::Read(at) => *at,
            Stamp::Absent => return fallback(DefaultReason::NoExpiry),
            Stamp::Unreadable(_) => return fallback(DefaultReason::UnreadableExpiry),
        };
        let (start, basis) = match (self.created.instant(), self.answered) {
            (Some(created), _) => (created, LifetimeBasis::Stated),
            (None, Some(answered)) => (answered, LifetimeBasis::AgainstDate),
            (None, None) => return fallback(DefaultReason::NoStart),
        };
        match (expires - start).to_std() {
            Ok(duration) if duration.is_zero() => fallback(DefaultReason::NotPositive),
            Err(_) => fallback(DefaultReason::NotPositive),
            Ok(duration) if duration > MAX_BELIEVED_LIFETIME => fallback(DefaultReason::TooLong),
            Ok(duration) => Lifetime { duration, basis },
        }
    }

    /// Times as read: `createtime`, `expiresTime`, the HTTP `Date`.
    pub fn new(created: Stamp, expires: Stamp, answered: Option<Instant>) -> Self {
        Self {
            created,
            expires,
            answered,
        }
    }
}

impl Lifetime {
    /// Whether the login's own lifetime was not believed, so the default
    /// was used.
    pub fn used_default(&self) -> bool {
        matches!(self.basis, LifetimeBasis::Default(_))
    }

    /// How long after receiving the answer the token may be used: the
    /// lifetime minus `margin`, but the margin never takes more than half
    /// the lifetime, so even a short-lived token is usable for a while.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let login = iotbos_proto::parse_login(&http::Response::new(br#"{"status":1,"info":null,
    /// #   "data":{"accessToken":"t","expiresTime":"2018/01/16 16:02:08"},"createtime":"2018/01/16 14:02:08"}"#))?;
    /// let lifetime = login.lifetime(iotbos_proto::DEFAULT_TOKEN_LIFETIME);
    /// assert_eq!(lifetime.duration, Duration::from_secs(7200));
    /// assert_eq!(lifetime.usable_for(Duration::from_secs(60)), Duration::from_secs(7140));
    /// assert_eq!(lifetime.usable_for(Duration::from_secs(9999)), Duration::from_secs(3600));
    /// # Ok::<(), iotbos_proto::IotbosError>(())
    /// ```
    pub fn usable_for(&self, margin: Duration) -> Duration {
        self.duration - margin.min(self.duration / 2)
    }

    /// The local instant until which the token may be used, given the
    /// local instant `received_at` at which the login answer arrived
    /// (`std::time::Instant`, `SystemTime`, or anything that adds a
    /// `Duration`): `received_at + usable_for(margin)`.
    pub fn usable_until<T: Add<Duration, Output = T>>(
        &self,
        received_at: T,
        margin: Duration,
    ) -> T {
        received_at + self.usable_for(margin)
    }
}

impl Login {
    /// A login with `token`, its answer's times as read.
    pub fn new(token: AccessToken, times: LoginTimes) -> Self {
        Self { token, times }
    }

    /// The access token.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }

    /// The access token, owned.
    pub fn into_token(self) -> AccessToken {
        self.token
    }

    /// What the answer said about time.
    pub fn times(&self) -> &LoginTimes {
        &self.times
    }

    /// The token's lifetime, `default` where the answer's is not
    /// believable: [`LoginTimes::lifetime`].
    pub fn lifetime(&self, default: Duration) -> Lifetime {
        self.times.lifetime(default)
    }
}

/// Reads the login answer:
/// `{"status":1,"info":null,"data":{"accessToken":"…","expiresTime":"…"},"createtime":"…"}`.
///
/// Takes the whole response, under any HTTP status: its status and body
/// are read, and its headers for `Date` (the start of the lifetime when
/// `createtime` is missing) and `Retry-After` on an error
/// ([`IotbosError::retry_after`]). Field names match in any letter case,
/// the token may be a string or a number, and the dates may come in any
/// style servers write ([`iotcard_wire::china_date`]).
///
/// Only the token is required: an answer without one is
/// [`IotbosError::MissingField`]. Dates that are missing or unreadable are
/// kept as such in [`Login::times`], and [`Login::lifetime`] falls back to
/// the caller's default. A refusal (`status` 0, a wrong password) is
/// [`IotbosError::Refused`] under any HTTP status; see [`IotbosError`] for
/// the rest.
///
/// ```
/// use std::time::Duration;
/// let answer = http::Response::new(br#"{"status":1,"info":null,
///     "data":{"AccessToken":"917B38E2","expiresTime":"2018-1-16 16:02:08"},
///     "createtime":"2018/01/16 14:02:08"}"#);
/// let login = iotbos_proto::parse_login(&answer)?;
/// assert_eq!(login.token().expose(), "917B38E2");
/// assert_eq!(login.lifetime(Duration::from_secs(60)).duration.as_secs(), 7200);
/// # Ok::<(), iotbos_proto::IotbosError>(())
/// ```
pub fn parse_login<B: AsRef<[u8]>>(response: &http::Response<B>) -> Result<Login, IotbosError> {
    read_login(
        response.status(),
        response.body().as_ref(),
        response.headers(),
    )
    .map_err(|e| e.with_headers(response.headers()))
}

fn read_login(status: StatusCode, body: &[u8], headers: &HeaderMap) -> Result<Login, IotbosError> {
    let missing = |field| IotbosError::MissingField {
        call: CALL,
        status,
        field,
    };
    let decoded = envelope::decode(CALL, status, envelope::content_type(headers), body)?;
    let accepted = envelope::open(CALL, status, &decoded)?;
    let data = accepted.data.ok_or_else(|| missing("data"))?;
    let data = Object::parse(data.get()).map_err(json_error(CALL, status, decoded.as_bytes()))?;
    // A token that is not text (an object, a boolean) is no token.
    let token = data
        .get("accessToken")
        .and_then(|raw| text(raw).ok().flatten())
        .ok_or_else(|| missing("data.accessToken"))?;
    let times = LoginTimes {
        created: stamp(accepted.createtime),
        expires: stamp(data.get("expiresTime")),
        answered: http_date(headers),
    };
    Ok(Login::new(AccessToken::new(token.into_owned()), times))
}

/// A date field as it came.
fn stamp(raw: Option<&RawValue>) -> Stamp {
    match raw.map(date_value) {
        None | Some(Ok(None)) => Stamp::Absent,
        Some(Ok(Some(at))) => Stamp::Read(at),
        Some(Err(e)) => Stamp::Unreadable(e),
    }
}

/// The `Date` header (RFC 9110's IMF-fixdate, or the obsolete forms), as an
/// instant shown in China Standard Time like the answer's own dates.
fn http_date(headers: &HeaderMap) -> Option<Instant> {
    let value = headers.get(DATE)?.to_str().ok()?;
    let at = httpdate::parse_http_date(value.trim()).ok()?;
    Some(chrono::DateTime::<chrono::Utc>::from(at).with_timezone(&china_standard_time()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Instant {
        iotcard_wire::china_date(text).unwrap().unwrap()
    }

    const DEFAULT: Duration = Duration::from_secs(7200);

    fn decide(created: Stamp, expires: Stamp, answered: Option<Instant>) -> Lifetime {
        LoginTimes::new(created, expires, answered).lifetime(DEFAULT)
    }

    #[test]
    fn the_stated_lifetime_is_used_when_believable() {
        let l = decide(
            Stamp::Read(at("2018/01/16 14:02:08")),
            Stamp::Read(at("2018/01/16 16:02:08")),
            Some(at("2030/01/01 00:00:00")),
        );
        assert_eq!(
            (l.duration, l.basis),
            (Duration::from_secs(7200), LifetimeBasis::Stated)
        );
        // Exactly 30 days is still believed.
        let l = decide(
            Stamp::Read(at("2018/01/01 00:00:00")),
            Stamp::Read(at("2018/01/31 00:00:00")),
            None,
        );
        assert_eq!(l.duration, MAX_BELIEVED_LIFETIME);
        assert!(!l.used_default());
    }

    #[test]
    fn without_createtime_the_date_header_is_the_start() {
        let date = Some(at("2018/01/16 14:02:10"));
        for created in [
            Stamp::Absent,
            Stamp::Unreadable(iotcard_wire::china_date("soon").unwrap_err()),
        ] {
            let l = decide(created, Stamp::Read(at("2018/01/16 16:02:08")), date);
            assert_eq!(
                (l.duration, l.basis),
                (Duration::from_secs(7198), LifetimeBasis::AgainstDate)
            );
        }
    }

    #[test]
    fn anything_unbelievable_falls_back_to_the_default() {
        let created = || Stamp::Read(at("2018/01/16 14:02:08"));
        let bad = iotcard_wire::china_date("yesterday").unwrap_err();
        for (created, expires, answered, reason) in [
            (created(), Stamp::Absent, None, DefaultReason::NoExpiry),
            (
                created(),
                Stamp::Unreadable(bad),
                None,
                DefaultReason::UnreadableExpiry,
            ),
            (
                Stamp::Absent,
                Stamp::Read(at("2018/01/16 16:02:08")),
                None,
                DefaultReason::NoStart,
            ),
            (
                created(),
                Stamp::Read(at("2018/01/16 14:02:08")),
                None,
                DefaultReason::NotPositive,
            ),
            (
                created(),
                Stamp::Read(at("2018/01/16 14:02:07")),
                None,
                DefaultReason::NotPositive,
            ),
            (
                created(),
                Stamp::Read(at("2018/02/15 14:02:09")),
                None,
                DefaultReason::TooLong,
            ),
        ] {
            let l = decide(created, expires, answered);
            assert_eq!(l.duration, DEFAULT, "{reason}");
            assert_eq!(l.basis, LifetimeBasis::Default(reason));
            assert!(l.used_default());
        }
    }

    #[test]
    fn the_margin_never_eats_more_than_half() {
        let l = Lifetime {
            duration: Duration::from_secs(1),
            basis: LifetimeBasis::Stated,
        };
        assert_eq!(
            l.usable_for(DEFAULT_TOKEN_MARGIN),
            Duration::from_millis(500)
        );
        assert_eq!(
            l.usable_for(Duration::from_millis(100)),
            Duration::from_millis(900)
        );
    }

    #[test]
    fn the_date_header_is_read_in_any_http_form() {
        let mut headers = HeaderMap::new();
        assert_eq!(http_date(&headers), None);
        headers.insert(DATE, "Tue, 16 Jan 2018 06:02:08 GMT".parse().unwrap());
        assert_eq!(http_date(&headers), Some(at("2018/01/16 14:02:08")));
        headers.insert(DATE, "Tuesday, 16-Jan-18 06:02:08 GMT".parse().unwrap());
        assert_eq!(http_date(&headers), Some(at("2018/01/16 14:02:08")));
        headers.insert(DATE, "yesterday".parse().unwrap());
        assert_eq!(http_date(&headers), None);
    }
}
