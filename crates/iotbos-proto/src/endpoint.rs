use std::fmt;
use std::str::FromStr;

use http::uri::{Authority, PathAndQuery, Scheme};
use http::Uri;

use crate::IotbosError;

/// A validated IoTBOS base URL: `http` or `https`, a host, an optional port
/// and an optional path prefix (for a server mounted below `/`), and nothing
/// else: no user-info, query or fragment.
///
/// ```
/// use iotbos_proto::Endpoint;
/// let local: Endpoint = "http://localhost:25853".parse()?;
/// assert_eq!(local.to_string(), "http://localhost:25853");
/// let mounted: Endpoint = "https://gw.example.com/iotbos/".parse()?;
/// assert_eq!(mounted.to_string(), "https://gw.example.com/iotbos");
/// assert_eq!(Endpoint::default().to_string(), "http://sys.iotbos.com");
/// assert!("ftp://sys.iotbos.com".parse::<Endpoint>().is_err());
/// # Ok::<(), iotbos_proto::IotbosError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Endpoint {
    scheme: Scheme,
    authority: Authority,
    /// Empty, or `/segment…` without a trailing slash.
    prefix: String,
}

impl Endpoint {
    /// The documented production server. Plain HTTP: that is what IoTBOS
    /// publishes (credentials then travel in clear; prefer an `https` base URL
    /// when the deployment offers one).
    pub const DEFAULT_URL: &'static str = "http://sys.iotbos.com";

    /// Validates a base URL.
    pub fn parse(input: &str) -> Result<Self, IotbosError> {
        let err = |reason| IotbosError::InvalidEndpoint {
            // The error names the URL, but never a password typed into it:
            // user-info goes whole, secret query values too.
            input: crate::secrets::shown_base_url(input),
            reason,
        };
        // `http::Uri` drops a fragment silently; a base URL with one is a
        // typo worth reporting.
        if input.contains('#') {
            return Err(err("a base URL has no #fragment"));
        }
        let uri: Uri = input
            .parse()
            .map_err(|_| err("not a URL (expected http://host[:port][/prefix])"))?;
        let scheme = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("http") => Scheme::HTTP,
            Some(s) if s.eq_ignore_ascii_case("https") => Scheme::HTTPS,
            Some(_) => return Err(err("the scheme must be http or https")),
            None => return Err(err("the scheme (http:// or https://) is missing")),
        };
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| err("the host is missing"))?;
        if authority.host().is_empty() {
            return Err(err("the host is missing"));
        }
        if authority.as_str().contains('@') {
            return Err(err(
                "a base URL carries no user-info: IoTBOS credentials go in the login call",
            ));
        }
        if uri.query().is_some() {
            return Err(err("a base URL has no ?query"));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(Self {
            scheme,
            authority,
            prefix,
        })
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// Whether requests go over TLS.
    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }

    /// Host and optional port.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// The path prefix, empty or `/segment…` without a trailing slash.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The full URI of `path` (which starts with `/`) with an already
    /// encoded `query`.
    pub(crate) fn uri(&self, path: &str, query: &str) -> Result<Uri, http::Error> {
        self.uri_of(format!("{}{path}?{query}", self.prefix))
    }

    /// The full URI of `target`, a path and query already below
    /// [`prefix`](Self::prefix) (it starts with the prefix), taken without
    /// a copy.
    pub(crate) fn uri_of(&self, target: String) -> Result<Uri, http::Error> {
        let path_and_query = PathAndQuery::try_from(target)?;
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
    }
}

impl Default for Endpoint {
    /// [`Endpoint::DEFAULT_URL`].
    fn default() -> Self {
        Self {
            scheme: Scheme::HTTP,
            authority: Authority::from_static("sys.iotbos.com"),
            prefix: String::new(),
        }
    }
}

impl FromStr for Endpoint {
    type Err = IotbosError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_documented_server() {
        assert_eq!(
            Endpoint::default(),
            Endpoint::parse(Endpoint::DEFAULT_URL).unwrap()
        );
    }

    #[test]
    fn accepts_ports_prefixes_and_https() {
        let e = Endpoint::parse("HTTPS://Example.com:8443/a/b//").unwrap();
        assert_eq!(e.scheme(), &Scheme::HTTPS);
        assert!(e.is_https() && !Endpoint::default().is_https());
        assert_eq!(e.authority().port_u16(), Some(8443));
        assert_eq!(e.prefix(), "/a/b");
        let uri = e.uri("/Api/token", "x=1").unwrap();
        assert_eq!(uri.path(), "/a/b/Api/token");
        assert_eq!(uri.query(), Some("x=1"));
        assert_eq!(Endpoint::parse("http://[::1]:80/").unwrap().prefix(), "");
    }

    #[test]
    fn refuses_what_is_not_a_base_url() {
        for (bad, why) in [
            ("", "not a URL"),
            ("sys.iotbos.com", "scheme"),
            ("/Api", "scheme"),
            ("ftp://sys.iotbos.com", "http or https"),
            ("http://sys.iotbos.com/?a=1", "query"),
            ("http://sys.iotbos.com/#top", "fragment"),
            ("http://user:pw@sys.iotbos.com", "user-info"),
            ("http://:80", "host"),
            ("http://sys iotbos.com", "not a URL"),
        ] {
            let e = Endpoint::parse(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        for leaky in [
            "https://user:SENTINEL@host",
            "http://me:SENTINEL@h.example",
            "http://SENTINEL@h.example/x",
            "http://h.example/?password=SENTINEL",
            "me:SENTINEL@h.example",
            "//me:SENTINEL@h.example",
            "http://me:SENTINEL@h example",
        ] {
            let e = Endpoint::parse(leaky).unwrap_err();
            assert!(matches!(e, IotbosError::InvalidEndpoint { .. }), "{e}");
            let shown = e.to_string();
            let debug = format!("{e:?}");
            assert!(!shown.contains("SENTINEL"), "{shown}");
            assert!(!debug.contains("SENTINEL"), "{debug}");
        }
        let e = Endpoint::parse("https://user:SENTINEL@host").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid IoTBOS base URL \"https://***@host\": a base URL carries no user-info: IoTBOS credentials go in the login call"
        );
    }
}
