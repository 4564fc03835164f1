use std::fmt;
use std::str::FromStr;

use http::uri::{Scheme, Uri};

use crate::TencentError;

/// Where the platform listens: a base URL that request paths are appended to.
///
/// `https` is what the platform speaks; plain `http` is accepted for tests and
/// simulators. A path prefix is kept (a simulator may serve several
/// platforms on one port); a query, a fragment or user info are refused
/// because the request line owns the query and credentials never go in URLs.
///
/// ```
/// use tencent_proto::Endpoint;
/// assert_eq!(Endpoint::default().as_str(), "https://yun.tim.qq.com");
/// let sim: Endpoint = "http://127.0.0.1:8080/tencent/".parse()?;
/// assert_eq!(sim.as_str(), "http://127.0.0.1:8080/tencent");
/// assert!(!sim.is_https());
/// # Ok::<(), tencent_proto::TencentError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Endpoint {
    /// Scheme, authority and path prefix, without a trailing `/`.
    base: String,
    https: bool,
}

impl Endpoint {
    /// The production endpoint.
    pub const DEFAULT_URL: &'static str = "https://yun.tim.qq.com";

    /// Validates `input` as a base URL.
    pub fn parse(input: &str) -> Result<Self, TencentError> {
        let err = |reason| TencentError::InvalidEndpoint {
            // The error names the URL, but never a credential typed into
            // it: user-info goes whole, secret query values too.
            input: crate::secrets::shown_base_url(input),
            reason,
        };
        if input.contains('#') {
            return Err(err("must not have a fragment"));
        }
        let uri: Uri = input.parse().map_err(|_| err("is not a URL"))?;
        let https = match uri.scheme() {
            Some(s) if *s == Scheme::HTTPS => true,
            Some(s) if *s == Scheme::HTTP => false,
            Some(_) => return Err(err("scheme must be https (or http for a simulator)")),
            None => return Err(err("must start with https://")),
        };
        let authority = uri.authority().ok_or_else(|| err("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(err("must not carry user info"));
        }
        if authority.host().is_empty() {
            return Err(err("has no host"));
        }
        if uri.query().is_some() || input.contains('?') {
            return Err(err("must not have a query"));
        }
        let prefix = uri.path().trim_end_matches('/');
        let base = format!(
            "{}://{}{}",
            uri.scheme_str().unwrap_or("https"),
            authority,
            prefix
        );
        Ok(Self { base, https })
    }

    /// The base URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// Whether requests go over TLS.
    pub fn is_https(&self) -> bool {
        self.https
    }
}

impl Default for Endpoint {
    fn default() -> Self {
        Self {
            base: Self::DEFAULT_URL.to_owned(),
            https: true,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

impl FromStr for Endpoint {
    type Err = TencentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_documented_host() {
        assert_eq!(
            Endpoint::parse(Endpoint::DEFAULT_URL).unwrap(),
            Endpoint::default()
        );
        assert_eq!(
            Endpoint::parse("https://yun.tim.qq.com/").unwrap(),
            Endpoint::default()
        );
    }

    #[test]
    fn keeps_port_and_prefix() {
        let e = Endpoint::parse("http://localhost:25854/a/b//").unwrap();
        assert_eq!(e.as_str(), "http://localhost:25854/a/b");
    }

    #[test]
    fn refuses_what_cannot_be_a_base() {
        for bad in [
            "",
            "yun.tim.qq.com",
            "/v1",
            "ftp://yun.tim.qq.com",
            "https://user:pw@yun.tim.qq.com",
            "https://yun.tim.qq.com/?x=1",
            "https://yun.tim.qq.com/#top",
            "https://",
            "https://yun tim",
        ] {
            let e = Endpoint::parse(bad);
            let shown = crate::secrets::shown_base_url(bad);
            assert!(
                matches!(e, Err(TencentError::InvalidEndpoint { ref input, .. }) if *input == shown),
                "{bad:?} gave {e:?}"
            );
        }
    }

    #[test]
    fn errors_never_echo_user_info() {
        for leaky in [
            "https://user:SENTINEL@host",
            "https://SENTINEL@yun.tim.qq.com/v1",
            "http://u:SENTINEL@h/?appkey=SENTINEL",
            "user:SENTINEL@host",
            "//user:SENTINEL@host",
            "https://user:SENTINEL@bad host",
        ] {
            let e = Endpoint::parse(leaky).unwrap_err();
            let (shown, debug) = (e.to_string(), format!("{e:?}"));
            assert!(!shown.contains("SENTINEL"), "{shown}");
            assert!(!debug.contains("SENTINEL"), "{debug}");
        }
        let e = Endpoint::parse("https://user:SENTINEL@host").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid Tencent endpoint \"https://***@host\": must not carry user info"
        );
    }
}
