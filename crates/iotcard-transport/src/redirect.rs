//! Which redirects are followed: one hop, from `http://` to `https://` on the same host.
//!
//! The proto crates put credentials in the query (IoTBOS's `password` and `accessToken`)
//! and in the body (Tencent's `sig`), so following a redirect means handing them to
//! wherever the `Location` points. The one redirect worth following is a server moving
//! its plain endpoint to TLS: same host name, `https://`, any port. Everything else is
//! reported ([`TransportError::Redirect`](crate::TransportError::Redirect)) and never
//! sent: another host, another scheme change, a relative or unreadable `Location`, a
//! second hop.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use http::{HeaderValue, Method, StatusCode, Uri};

/// The statuses that say "the same resource is over there": 301, 302, 307 and 308. A 303
/// points to a different resource, 300, 304 and 305 are not moves at all.
fn is_move(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 307 | 308)
}

/// Whether a request to `uri` with `method` could be followed to `https://` at all; when
/// not, nothing needs to be kept for a second send.
pub(crate) fn may_upgrade(uri: &Uri, method: &Method) -> bool {
    uri.scheme() == Some(&http::uri::Scheme::HTTP)
        && (method == Method::GET || method == Method::POST)
}

/// Where to send the request again, when the answer `status` with `location` to a request
/// for `uri` with `method` is the one redirect that is followed; `None` otherwise.
pub(crate) fn upgrade_target(
    uri: &Uri,
    method: &Method,
    status: StatusCode,
    location: Option<&HeaderValue>,
) -> Option<Uri> {
    if !is_move(status) || !may_upgrade(uri, method) {
        return None;
    }
    let target: Uri = location?.to_str().ok()?.trim().parse().ok()?;
    let authority = target.authority()?;
    if target.scheme() != Some(&http::uri::Scheme::HTTPS) || authority.as_str().contains('@') {
        return None;
    }
    let same_host = match (uri.host(), target.host()) {
        (Some(from), Some(to)) => !to.is_empty() && from.eq_ignore_ascii_case(to),
        _ => false,
    };
    same_host.then_some(target)
}

/// The hosts (with port) of one transport whose redirect to `https://` was already logged.
#[derive(Debug, Default)]
pub(crate) struct RedirectWarnings {
    warned: Mutex<HashSet<String>>,
}

impl RedirectWarnings {
    /// Whether this is the first followed redirect from `uri`'s host and port.
    pub(crate) fn first_for(&self, uri: &Uri) -> bool {
        let host = uri.host().unwrap_or_default();
        let key = match uri.port_u16() {
            Some(port) => format!("{}:{port}", host.to_ascii_lowercase()),
            None => host.to_ascii_lowercase(),
        };
        // A poisoned lock only means another thread panicked mid-insert; the set is usable.
        self.warned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(from: &str, method: &Method, status: u16, location: &str) -> Option<String> {
        upgrade_target(
            &from.parse().unwrap(),
            method,
            StatusCode::from_u16(status).unwrap(),
            Some(&HeaderValue::from_str(location).unwrap()),
        )
        .map(|uri| uri.to_string())
    }

    #[test]
    fn http_to_https_on_the_same_host_is_followed() {
        for status in [301, 302, 307, 308] {
            for method in [Method::GET, Method::POST] {
                assert_eq!(
                    target(
                        "http://h.example/a?x=1",
                        &method,
                        status,
                        "https://h.example/a?x=1"
                    )
                    .as_deref(),
                    Some("https://h.example/a?x=1"),
                    "{status} {method}"
                );
            }
        }
        // Any port, the host name in any case.
        assert_eq!(
            target(
                "http://H.Example:8080/a",
                &Method::GET,
                301,
                "https://h.example:8443/b"
            )
            .as_deref(),
            Some("https://h.example:8443/b")
        );
        assert!(target(
            "http://127.0.0.1:1/",
            &Method::GET,
            308,
            "https://127.0.0.1:2/"
        )
        .is_some());
    }

    #[test]
    fn everything_else_is_not() {
        let get = &Method::GET;
        // Another host, however close.
        assert!(target("http://h.example/", get, 301, "https://evil.example/").is_none());
        assert!(target("http://h.example/", get, 301, "https://h.example.evil/").is_none());
        assert!(target("http://127.0.0.1/", get, 301, "https://127.0.0.2/").is_none());
        // No upgrade: same scheme, downgrade, other schemes, relative.
        assert!(target("http://h.example/", get, 301, "http://h.example:81/").is_none());
        assert!(target("https://h.example/", get, 301, "https://h.example/b").is_none());
        assert!(target("https://h.example/", get, 301, "http://h.example/").is_none());
        assert!(target("http://h.example/", get, 301, "ftp://h.example/").is_none());
        assert!(target("http://h.example/", get, 301, "/elsewhere").is_none());
        assert!(target("http://h.example/", get, 301, "//h.example/x").is_none());
        // User-info in the target.
        assert!(target("http://h.example/", get, 301, "https://u:p@h.example/").is_none());
        // Statuses that are no move of the same resource, methods other than GET and POST.
        for status in [300, 303, 304, 305] {
            assert!(target("http://h.example/", get, status, "https://h.example/").is_none());
        }
        assert!(target("http://h.example/", &Method::PUT, 301, "https://h.example/").is_none());
        // No Location at all.
        let uri: Uri = "http://h.example/".parse().unwrap();
        assert!(upgrade_target(&uri, get, StatusCode::FOUND, None).is_none());
    }

    #[test]
    fn warns_once_per_host_and_port() {
        let warnings = RedirectWarnings::default();
        let first = |u: &str| warnings.first_for(&u.parse().unwrap());
        assert!(first("http://h.example/a"));
        assert!(!first("http://H.EXAMPLE/b?password=x"));
        assert!(first("http://h.example:8080/a"));
        assert!(!first("http://h.example:8080/c"));
    }
}
