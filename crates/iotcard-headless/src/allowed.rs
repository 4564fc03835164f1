//! Which pages the harness opens: this machine's only. A test that
//! reached out to the network would depend on it and leak what it sends.

use url::{Host, Url};

use crate::HeadlessError;

/// `url` if it is a `file://` URL or `http(s)://` on a loopback address
/// (`localhost`, `127.0.0.0/8`, `[::1]`).
pub(crate) fn local_url(url: &str) -> Result<Url, HeadlessError> {
    let refused = |why| HeadlessError::UrlRefused {
        url: url.to_owned(),
        why,
    };
    let parsed = Url::parse(url).map_err(|_| refused("not a URL"))?;
    match parsed.scheme() {
        "file" => Ok(parsed),
        "http" | "https" => {
            let local = match parsed.host() {
                Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(Host::Ipv4(ip)) => ip.is_loopback(),
                Some(Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if local {
                Ok(parsed)
            } else {
                Err(refused(
                    "only localhost, 127.0.0.1 and [::1] pages are checked",
                ))
            }
        }
        _ => Err(refused(
            "only file:// and http(s):// on localhost are checked",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machines_pages_are_opened() {
        for ok in [
            "http://127.0.0.1:9464/",
            "http://127.0.0.2/x",
            "https://localhost/",
            "http://LOCALHOST:80/a?b",
            "http://[::1]:8080/",
            "file:///tmp/page.html",
        ] {
            assert!(local_url(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("http://example.com/", "only localhost"),
            // userinfo is not the host
            ("http://127.0.0.1@example.com/", "only localhost"),
            ("http://localhost.example.com/", "only localhost"),
            ("http://10.0.0.1/", "only localhost"),
            ("ftp://127.0.0.1/", "only file://"),
            ("javascript:alert(1)", "only file://"),
            ("localhost:9464", "only file://"),
            ("127.0.0.1:9464", "not a URL"),
            ("not a url", "not a URL"),
        ] {
            let err = local_url(bad).unwrap_err();
            assert!(err.to_string().contains(why), "{bad}: {err}");
            assert!(err.to_string().contains(bad), "{bad}: {err}");
        }
    }
}
