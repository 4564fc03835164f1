//! The credentials and the request builders: every IoTBOS call is a GET
//! with its parameters in the query string and an empty body.

use bytes::Bytes;
use http::{header, Method, Request};
use iotcard_model::{CardNumber, Secret};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::{AccessToken, Call, Endpoint, IotbosError, LOGIN_PATH};

/// Everything but RFC 3986's unreserved characters is escaped, so no value
/// (a password with `&`, `+` or `#` in it) can change the query's shape.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Who logs in: the account and its password.
///
/// `Debug` shows the password as `***`; nothing here serializes it.
///
/// ```
/// use iotbos_proto::Credentials;
/// let c = Credentials::new("alice", "hunter2")?;
/// assert_eq!(c.account(), "alice");
/// assert!(!format!("{c:?}").contains("hunter2"));
/// assert!(Credentials::new("", "hunter2").is_err());
/// assert!(Credentials::new("alice", "").is_err());
/// # Ok::<(), iotbos_proto::IotbosError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Credentials {
    account: String,
    password: Secret,
}

impl Credentials {
    /// Pairs an account with its password; an empty account or password is
    /// refused ([`IotbosError::EmptyCredential`], naming which).
    pub fn new(
        account: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Result<Self, IotbosError> {
        let account = account.into();
        let password = password.into();
        if account.is_empty() {
            return Err(IotbosError::EmptyCredential { which: "account" });
        }
        if password.is_empty() {
            return Err(IotbosError::EmptyCredential { which: "password" });
        }
        Ok(Self { account, password })
    }

    /// The account name.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The password.
    pub fn password(&self) -> &Secret {
        &self.password
    }
}

/// Builds requests for one account on one endpoint.
///
/// Sans-IO: every builder returns an [`http::Request`] for any HTTP client
/// to send; nothing is sent, no clock is read. Every IoTBOS call is a
/// `GET` with its parameters in the query string and an empty body.
///
/// `Debug` never shows the password.
///
/// ```
/// use iotbos_proto::{AccessToken, Api, Call, Credentials, Endpoint};
/// let api = Api::new(Endpoint::default(), Credentials::new("alice", "p&ss")?);
/// let login = api.login()?;
/// assert_eq!(login.uri(), "http://sys.iotbos.com/Api/token?account=alice&password=p%26ss");
/// let cards = ["1064804085884".parse()?, "1060000000002".parse()?];
/// let query = api.query(Call::Remaining, &cards, &AccessToken::new("T"))?;
/// assert_eq!(
///     query.uri(),
///     "http://sys.iotbos.com/Api/TerminalInfo/Surplus?cardIdNums=1064804085884,1060000000002&accessToken=T"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Api {
    endpoint: Endpoint,
    credentials: Credentials,
}

impl Api {
    /// Requests for `credentials`' account, sent to `endpoint`.
    pub fn new(endpoint: Endpoint, credentials: Credentials) -> Self {
        Self {
            endpoint,
            credentials,
        }
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Whose requests these are.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The log-in request: `GET /Api/token?account=…&password=…`; read its
    /// answer with [`parse_login`](crate::parse_login).
    ///
    /// The request's URI holds the password (the platform's design): show
    /// it only through [`redact_uri`](crate::redact_uri), and never print an
    /// HTTP client's error that carries the URL.
    pub fn login(&self) -> Result<Request<Bytes>, IotbosError> {
        let query = format!(
            "account={}&password={}",
            utf8_percent_encode(&self.credentials.account, QUERY_VALUE),
            utf8_percent_encode(self.credentials.password.expose(), QUERY_VALUE),
        );
        self.endpoint
            .uri(LOGIN_PATH, &query)
            .and_then(get)
            .map_err(|source| IotbosError::BuildRequest {
                call: "login",
                source,
            })
    }

    /// The request asking `call` about `cards` with `token`:
    /// `GET {path}?cardIdNums=n1,n2,…&accessToken=…`; read its answer with
    /// the call's parser ([`parse_usage`](crate::parse_usage), …, or
    /// [`Query::parse`](crate::Query::parse)).
    ///
    /// The numbers are sent in the order given, as given (plan batches with
    /// [`BatchPlan`](crate::BatchPlan): it drops repeats and keeps each call
    /// small enough; [`Batch::request`](crate::Batch::request) calls this).
    /// The commas between numbers are the documented separator and are sent
    /// literally; numbers are digits only, so they never need escaping. An
    /// empty `cards` is refused.
    pub fn query(
        &self,
        call: Call,
        cards: &[CardNumber],
        token: &AccessToken,
    ) -> Result<Request<Bytes>, IotbosError> {
        let name = call.name();
        if cards.is_empty() {
            return Err(IotbosError::NoCards { call: name });
        }
        let token = utf8_percent_encode(token.expose(), QUERY_VALUE);
        let numbers_len: usize = cards.iter().map(|c| c.as_str().len() + 1).sum();
        // The whole path and query in one buffer, sized once, handed to the
        // URI without a copy.
        let (prefix, path) = (self.endpoint.prefix(), call.path());
        let token_len = token.clone().map(str::len).sum::<usize>();
        let mut query = String::with_capacity(
            prefix.len() + path.len() + "?cardIdNums=&accessToken=".len() + numbers_len + token_len,
        );
        query.push_str(prefix);
        query.push_str(path);
        query.push_str("?cardIdNums=");
        for (i, card) in cards.iter().enumerate() {
            if i > 0 {
                query.push(',');
            }
            // A `CardNumber` is ASCII letters and digits by construction:
            // nothing to escape, and running the escaper over them was half
            // the cost of building the request.
            query.push_str(card.as_str());
        }
        query.push_str("&accessToken=");
        query.extend(token);
        self.endpoint
            .uri_of(query)
            .and_then(get)
            .map_err(|source| IotbosError::BuildRequest { call: name, source })
    }
}

fn get(uri: http::Uri) -> Result<Request<Bytes>, http::Error> {
    Request::builder()
        .method(Method::GET)
        .uri(uri)
        // ASP.NET Web API picks the answer's format from `Accept`: ask for
        // the JSON the parsers read rather than rely on its default.
        .header(header::ACCEPT, "application/json")
        .body(Bytes::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_but_unreserved_is_escaped() {
        for byte in 0x20u8..0x7f {
            let c = char::from(byte);
            let escaped = utf8_percent_encode(c.encode_utf8(&mut [0; 4]), QUERY_VALUE).to_string();
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                assert_eq!(escaped, c.to_string());
            } else {
                assert_eq!(escaped, format!("%{byte:02X}"));
            }
        }
        assert_eq!(
            utf8_percent_encode("密码 +", QUERY_VALUE).to_string(),
            "%E5%AF%86%E7%A0%81%20%2B"
        );
    }

    #[test]
    fn empty_credentials_are_refused_naming_which() {
        for (account, password, which) in [("", "p", "account"), ("a", "", "password")] {
            let e = Credentials::new(account, password).unwrap_err();
            assert!(
                matches!(e, IotbosError::EmptyCredential { which: w } if w == which),
                "{e}"
            );
            assert_eq!(e.to_string(), format!("the IoTBOS {which} is empty"));
            assert!(!e.is_transient() && e.call().is_none() && e.status().is_none());
        }
    }

    #[test]
    fn empty_batches_are_refused() {
        let api = Api::new(Endpoint::default(), Credentials::new("a", "p").unwrap());
        let e = api
            .query(Call::Plan, &[], &AccessToken::new("t"))
            .unwrap_err();
        assert!(matches!(e, IotbosError::NoCards { call: "plan" }), "{e}");
    }
}
