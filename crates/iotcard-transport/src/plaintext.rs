//! The one-time warning that credentials go over the network unencrypted.
//!
//! IoTBOS documents a plain `http://` endpoint and takes the password and token in the query
//! string, so it has to work; but the user must learn once, per host, that anyone on the
//! path can read them. Loopback traffic (a local simulator, a local proxy) is not a risk.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Mutex;

use http::Uri;

/// Hosts of one transport that were already warned about.
#[derive(Debug, Default)]
pub(crate) struct PlaintextWarnings {
    warned: Mutex<HashSet<String>>,
}

impl PlaintextWarnings {
    /// Logs the warning if `uri` is plain HTTP to a non-loopback host not yet warned about.
    pub(crate) fn check(&self, uri: &Uri) {
        if !warrants_warning(uri) {
            return;
        }
        let Some(host) = uri.host() else { return };
        let host_port = match uri.port_u16() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        // A poisoned lock only means another thread panicked mid-insert; the set is still usable.
        let mut warned = self
            .warned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if warned.insert(host_port.clone()) {
            tracing::warn!(
                host = %host_port,
                "plain http:// to a non-loopback host: account passwords and access tokens \
                 travel unencrypted and can be read on the network path"
            );
        }
    }
}

/// Whether a request to `uri` sends its query unencrypted beyond this machine.
pub(crate) fn warrants_warning(uri: &Uri) -> bool {
    uri.scheme() == Some(&http::uri::Scheme::HTTP) && uri.host().is_some_and(|h| !is_loopback(h))
}

/// `localhost`, `*.localhost` (RFC 6761), 127.0.0.0/8 and `::1`.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost")
        || host
            .rsplit_once('.')
            .is_some_and(|(_, tld)| tld.eq_ignore_ascii_case("localhost"))
    {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warns(url: &str) -> bool {
        warrants_warning(&url.parse::<Uri>().unwrap())
    }

    #[test]
    fn plain_http_to_remote_hosts_warns() {
        assert!(warns("http://sys.iotbos.com/Api/token?password=x"));
        assert!(warns("http://192.0.2.1:8080/"));
        assert!(warns("http://[2001:db8::1]/"));
        assert!(warns("http://10.0.0.1/"));
        // Looks like loopback but is not.
        assert!(warns("http://localhost.example.com/"));
        assert!(warns("http://127.0.0.1.nip.io/"));
    }

    #[test]
    fn loopback_and_https_do_not_warn() {
        assert!(!warns("http://localhost:25853/Api/token"));
        assert!(!warns("http://LOCALHOST/"));
        assert!(!warns("http://sim.localhost/"));
        assert!(!warns("http://127.0.0.1:1/"));
        assert!(!warns("http://127.8.9.10/"));
        assert!(!warns("http://[::1]:8080/"));
        assert!(!warns("https://sys.iotbos.com/"));
        assert!(!warns("https://192.0.2.1/"));
    }

    #[test]
    fn warns_once_per_host_and_port() {
        use std::sync::{Arc, Mutex};

        #[derive(Clone, Default)]
        struct Capture(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Capture {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }

        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let warnings = PlaintextWarnings::default();
        tracing::subscriber::with_default(subscriber, || {
            for url in [
                "http://sys.iotbos.com/Api/token?account=a&password=SENTINEL",
                "http://sys.iotbos.com/Api/TerminalInfo/Exceed?accessToken=SENTINEL",
                "http://sys.iotbos.com:8080/Api/token",
                "http://localhost/Api/token",
                "https://sys.iotbos.com/Api/token",
            ] {
                warnings.check(&url.parse().unwrap());
            }
        });
        let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        let warned: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
        assert_eq!(warned.len(), 2, "{text}");
        assert!(
            warned[0].trim_end().ends_with("host=sys.iotbos.com"),
            "{text}"
        );
        assert!(
            warned[1].trim_end().ends_with("host=sys.iotbos.com:8080"),
            "{text}"
        );
        assert!(text.contains("unencrypted"), "{text}");
        assert!(!text.contains("SENTINEL"), "{text}");
    }
}
