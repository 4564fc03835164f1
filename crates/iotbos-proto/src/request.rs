//! Request builders: every IoTBOS call is a GET with its parameters in the
//! query string and an empty body.

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

/// Builds the log-in request: `GET /Api/token?account=…&password=…`.
///
/// The request's URI holds the password: show it only through
/// [`redact_uri`](crate::redact_uri).
///
/// ```
/// use iotbos_proto::{login_request, Endpoint};
/// use iotcard_model::Secret;
/// let req = login_request(&Endpoint::default(), "alice", &Secret::new("p&ss"))?;
/// assert_eq!(req.uri(), "http://sys.iotbos.com/Api/token?account=alice&password=p%26ss");
/// # Ok::<(), iotbos_proto::IotbosError>(())
/// ```
pub fn login_request(
    endpoint: &Endpoint,
    account: &str,
    password: &Secret,
) -> Result<Request<Bytes>, IotbosError> {
    let query = format!(
        "account={}&password={}",
        utf8_percent_encode(account, QUERY_VALUE),
        utf8_percent_encode(password.expose(), QUERY_VALUE),
    );
    endpoint
        .uri(LOGIN_PATH, &query)
        .and_then(get)
        .map_err(|source| IotbosError::BuildRequest {
            call: "login",
            source,
        })
}

impl Call {
    /// Builds this call's request for `cards`:
    /// `GET {path}?cardIdNums=n1,n2,…&accessToken=…`.
    ///
    /// The numbers are sent in the order given, as given (plan batches with
    /// [`BatchPlan`](crate::BatchPlan): it drops repeats and keeps each call
    /// small enough). The commas between numbers are the documented
    /// separator and are sent literally; numbers are digits only, so they
    /// never need escaping. An empty `cards` is refused.
    ///
    /// ```
    /// use iotbos_proto::{AccessToken, Call, Endpoint};
    /// let cards = ["1064804085884".parse()?, "1060000000002".parse()?];
    /// let req = Call::Remaining.request(&Endpoint::default(), &cards, &AccessToken::new("T"))?;
    /// assert_eq!(
    ///     req.uri(),
    ///     "http://sys.iotbos.com/Api/TerminalInfo/Surplus?cardIdNums=1064804085884,1060000000002&accessToken=T"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn request(
        self,
        endpoint: &Endpoint,
        cards: &[CardNumber],
        token: &AccessToken,
    ) -> Result<Request<Bytes>, IotbosError> {
        let call = self.name();
        if cards.is_empty() {
            return Err(IotbosError::NoCards { call });
        }
        let token = utf8_percent_encode(token.expose(), QUERY_VALUE);
        let numbers_len: usize = cards.iter().map(|c| c.as_str().len() + 1).sum();
        // The whole path and query in one buffer, sized once, handed to the
        // URI without a copy.
        let (prefix, path) = (endpoint.prefix(), self.path());
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
            // A `CardNumber` is ASCII digits by construction: nothing to
            // escape, and running the escaper over them was half the cost
            // of building the request.
            query.push_str(card.as_str());
        }
        query.push_str("&accessToken=");
        query.extend(token);
        endpoint
            .uri_of(query)
            .and_then(get)
            .map_err(|source| IotbosError::BuildRequest { call, source })
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
    fn empty_batches_are_refused() {
        let e = Call::Plan
            .request(&Endpoint::default(), &[], &AccessToken::new("t"))
            .unwrap_err();
        assert!(matches!(e, IotbosError::NoCards { call: "plan" }), "{e}");
    }
}
