//! The login answer and how long its token can be used.

use std::borrow::Cow;
use std::ops::Add;
use std::time::Duration;

use http::StatusCode;
use iotcard_model::Instant;
use serde::{Deserialize, Serialize};

use crate::envelope::{self, json_error};
use crate::{parse_china_time, AccessToken, IotbosError};

/// How long before the token's end a client should stop using it, by
/// default: a minute covers the round trip and a clock that runs a little
/// fast, and is small against the 2 hours IoTBOS gives.
pub const DEFAULT_TOKEN_MARGIN: Duration = Duration::from_secs(60);

const CALL: &str = "login";

/// A successful login: the token and the two instants that bound it.
///
/// Its lifetime is `expiresTime - createtime`, both read from the same
/// server's clock, so the local clock's zone and offset never enter: apply
/// it to the local instant the answer arrived ([`Login::usable_until`]).
///
/// Serialized without its token (never written anywhere by this crate):
/// `created_time` and `expires_time` only.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Login {
    #[serde(skip)]
    token: AccessToken,
    created_time: Instant,
    expires_time: Instant,
}

impl Login {
    /// A login whose token lives from `created_time` to `expires_time`;
    /// refused unless `expires_time` is later.
    pub fn new(
        token: AccessToken,
        created_time: Instant,
        expires_time: Instant,
    ) -> Result<Self, IotbosError> {
        if expires_time <= created_time {
            return Err(IotbosError::TokenLifetime {
                created_time,
                expires_time,
            });
        }
        Ok(Self {
            token,
            created_time,
            expires_time,
        })
    }

    /// The access token.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }

    /// The access token, owned.
    pub fn into_token(self) -> AccessToken {
        self.token
    }

    /// When the server answered (`createtime`).
    pub fn created_time(&self) -> Instant {
        self.created_time
    }

    /// When the token expires (`data.expiresTime`), by the server's clock.
    pub fn expires_time(&self) -> Instant {
        self.expires_time
    }

    /// `expiresTime - createtime`: always positive.
    pub fn lifetime(&self) -> Duration {
        // `new` guarantees expires > created, so the difference converts.
        (self.expires_time - self.created_time)
            .to_std()
            .unwrap_or(Duration::ZERO)
    }

    /// How long after receiving the answer the token may be used: the
    /// lifetime minus `margin`, but the margin never takes more than half
    /// the lifetime, so even a short-lived token is usable for a while.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let login = iotbos_proto::parse_login(&http::Response::new(br#"{"status":1,"info":null,
    /// #   "data":{"accessToken":"t","expiresTime":"2018/01/16 16:02:08"},"createtime":"2018/01/16 14:02:08"}"#))?;
    /// assert_eq!(login.lifetime(), Duration::from_secs(7200));
    /// assert_eq!(login.usable_for(Duration::from_secs(60)), Duration::from_secs(7140));
    /// assert_eq!(login.usable_for(Duration::from_secs(9999)), Duration::from_secs(3600));
    /// # Ok::<(), iotbos_proto::IotbosError>(())
    /// ```
    pub fn usable_for(&self, margin: Duration) -> Duration {
        let lifetime = self.lifetime();
        lifetime - margin.min(lifetime / 2)
    }

    /// The local instant until which the token may be used, given the
    /// local instant `received_at` at which the login answer arrived
    /// (`std::time::Instant`, `SystemTime`, or anything that adds a
    /// `Duration`): `received_at + usable_for(margin)`.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # let login = iotbos_proto::parse_login(&http::Response::new(br#"{"status":1,"info":null,
    /// #   "data":{"accessToken":"t","expiresTime":"2018/01/16 16:02:08"},"createtime":"2018/01/16 14:02:08"}"#))?;
    /// let received_at = Instant::now();
    /// let until = login.usable_until(received_at, iotbos_proto::DEFAULT_TOKEN_MARGIN);
    /// assert_eq!(until - received_at, Duration::from_secs(2 * 3600 - 60));
    /// # Ok::<(), iotbos_proto::IotbosError>(())
    /// ```
    pub fn usable_until<T: Add<Duration, Output = T>>(
        &self,
        received_at: T,
        margin: Duration,
    ) -> T {
        received_at + self.usable_for(margin)
    }
}

#[derive(Deserialize)]
struct LoginData<'a> {
    #[serde(rename = "accessToken", borrow, default)]
    access_token: Option<Cow<'a, str>>,
    #[serde(rename = "expiresTime", borrow, default)]
    expires_time: Option<Cow<'a, str>>,
}

/// Reads the login answer:
/// `{"status":1,"info":null,"data":{"accessToken":"…","expiresTime":"…"},"createtime":"…"}`.
///
/// Takes the whole response, under any HTTP status: its status and body
/// are read, and its headers for `Retry-After` on an error
/// ([`IotbosError::retry_after`]). A refusal (`status` 0, a wrong password)
/// is [`IotbosError::Refused`] under any HTTP status; see [`IotbosError`]
/// for the rest.
///
/// ```
/// let answer = http::Response::new(br#"{"status":1,"info":null,
///     "data":{"accessToken":"917B38E2","expiresTime":"2018/01/16 16:02:08"},
///     "createtime":"2018/01/16 14:02:08"}"#);
/// let login = iotbos_proto::parse_login(&answer)?;
/// assert_eq!(login.token().expose(), "917B38E2");
/// assert_eq!(login.lifetime().as_secs(), 7200);
/// # Ok::<(), iotbos_proto::IotbosError>(())
/// ```
pub fn parse_login<B: AsRef<[u8]>>(response: &http::Response<B>) -> Result<Login, IotbosError> {
    read_login(response.status(), response.body().as_ref())
        .map_err(|e| e.with_headers(response.headers()))
}

fn read_login(status: StatusCode, body: &[u8]) -> Result<Login, IotbosError> {
    let missing = |field| IotbosError::MissingField {
        call: CALL,
        status,
        field,
    };
    let accepted = envelope::open(CALL, status, body)?;
    let data = accepted.data.ok_or_else(|| missing("data"))?;
    let data: LoginData<'_> =
        serde_json::from_str(data.get()).map_err(json_error(CALL, status, body))?;
    let token = data
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("data.accessToken"))?;
    let expires_time = instant(status, "data.expiresTime", data.expires_time.as_deref())?;
    let createtime = accepted
        .createtime
        .map(|raw| serde_json::from_str::<Cow<'_, str>>(raw.get()))
        .transpose()
        .map_err(json_error(CALL, status, body))?;
    let created_time = instant(status, "createtime", createtime.as_deref())?;
    Login::new(
        AccessToken::new(token.into_owned()),
        created_time,
        expires_time,
    )
}

/// A required date field.
fn instant(
    status: StatusCode,
    field: &'static str,
    text: Option<&str>,
) -> Result<Instant, IotbosError> {
    let text = text.ok_or(IotbosError::MissingField {
        call: CALL,
        status,
        field,
    })?;
    parse_china_time(text).map_err(|source| IotbosError::InvalidDate {
        call: CALL,
        status,
        field,
        source,
    })
}
