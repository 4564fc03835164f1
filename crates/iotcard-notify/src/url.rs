//! Robot and webhook URLs: secrets, shown redacted.

use std::fmt;

use iotcard_model::{Secret, SecretNames, REDACTED};

/// The query parameters of a notifier URL that carry credentials: DingTalk's
/// `access_token`, WeCom's `key`, the signature we append, and the usual
/// names a webhook's token goes by.
pub const URL_SECRETS: SecretNames = SecretNames::new(&[
    "access_token",
    "accesstoken",
    "token",
    "key",
    "apikey",
    "api_key",
    "sign",
    "signature",
    "sig",
    "secret",
    "password",
]);

/// A notifier's URL. The whole URL is a [`Secret`] (a robot's URL is its
/// credential); `Display` and `Debug` show it redacted: user-info, the
/// [`URL_SECRETS`] query values, every path segment after a `hook`,
/// `hooks`, `webhook`, `webhooks` or `services` segment (a Feishu hook's
/// token, a Slack-style `/services/…` token), and any token-like segment
/// (16 or more of `[A-Za-z0-9_-]` with a digit) become `***`.
///
/// ```
/// use iotcard_notify::SecretUrl;
/// let url = SecretUrl::parse("https://oapi.dingtalk.com/robot/send?access_token=abc123")?;
/// assert_eq!(url.to_string(), "https://oapi.dingtalk.com/robot/send?access_token=***");
/// let url = SecretUrl::parse("https://open.feishu.cn/open-apis/bot/v2/hook/2d6a7c4e-1b2c-4f0e-9a77-0c1d2e3f4a5b")?;
/// assert_eq!(format!("{url:?}"), "SecretUrl(https://open.feishu.cn/open-apis/bot/v2/hook/***)");
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(Secret);

impl SecretUrl {
    /// Checks that `url` is an absolute `http` or `https` URL with a host.
    /// The error says why, showing the URL redacted.
    pub fn parse(url: impl Into<Secret>) -> Result<Self, String> {
        let url = Self(url.into());
        let uri: http::Uri = url
            .expose()
            .parse()
            .map_err(|_| format!("`{url}` is not a valid URL"))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            _ => return Err(format!("`{url}` must start with http:// or https://")),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(format!("`{url}` has no host"));
        }
        Ok(url)
    }

    /// The URL itself. Call this only where it goes on the wire.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The URL with `query` (already encoded) appended to its query string;
    /// a fragment is dropped (it is never sent).
    pub(crate) fn with_query(&self, query: &str) -> String {
        let url = self.expose();
        let url = url.split_once('#').map_or(url, |(before, _)| before);
        let sep = match url.split_once('?') {
            None => "?",
            Some((_, "")) => "",
            Some((_, q)) if q.ends_with('&') => "",
            Some(_) => "&",
        };
        format!("{url}{sep}{query}")
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(self.expose()))
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({self})")
    }
}

/// `url` with user-info, secret query values and token-like path segments
/// replaced by `***`.
pub fn redact(url: &str) -> String {
    let shown = URL_SECRETS.url(url).to_string();
    // Path segments: between the authority and the query.
    let (head, tail) = match shown.find(['?', '#']) {
        Some(at) => shown.split_at(at),
        None => (shown.as_str(), ""),
    };
    let path_start = head
        .find("://")
        .map(|s| s + 3)
        .and_then(|a| head[a..].find('/').map(|p| a + p))
        .unwrap_or(if head.starts_with('/') { 0 } else { head.len() });
    let (authority, path) = head.split_at(path_start);
    let mut after_hook = false;
    let path: Vec<&str> = path
        .split('/')
        .map(|segment| {
            let shown = if (after_hook && !segment.is_empty() && segment != "send")
                || token_like(segment)
            {
                REDACTED
            } else {
                segment
            };
            after_hook |= HOOK_SEGMENTS
                .iter()
                .any(|h| segment.eq_ignore_ascii_case(h));
            shown
        })
        .collect();
    format!("{authority}{}{tail}", path.join("/"))
}

/// Path segments after which every segment is a token: Feishu's
/// `/bot/v2/hook/{token}`, Slack-style `/services/T/B/{token}`, and the
/// like (but `send`, WeCom's `/webhook/send?key=…`, is the action).
const HOOK_SEGMENTS: &[&str] = &["hook", "hooks", "webhook", "webhooks", "services"];

fn token_like(segment: &str) -> bool {
    segment.len() >= 16
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'%')
        && segment.bytes().any(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_credential_is_hidden() {
        for (url, shown) in [
            (
                "https://oapi.dingtalk.com/robot/send?access_token=SENTINEL1",
                "https://oapi.dingtalk.com/robot/send?access_token=***",
            ),
            (
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SENTINEL-693a91f6",
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***",
            ),
            (
                "https://open.feishu.cn/open-apis/bot/v2/hook/SENTINEL0123456789abcdef",
                "https://open.feishu.cn/open-apis/bot/v2/hook/***",
            ),
            (
                "http://me:SENTINEL@127.0.0.1:9093/hook?x=1",
                "http://***@127.0.0.1:9093/hook?x=1",
            ),
            (
                "https://hooks.example/services/T000/B000/SENTINELxxxxxxxx1234",
                "https://hooks.example/services/***/***/***",
            ),
            ("http://127.0.0.1:9093/hook", "http://127.0.0.1:9093/hook"),
            ("http://127.0.0.1:9093/hook/", "http://127.0.0.1:9093/hook/"),
            (
                "https://open.feishu.cn/open-apis/bot/v2/hook/SENTINEL3",
                "https://open.feishu.cn/open-apis/bot/v2/hook/***",
            ),
            (
                "https://open.larksuite.com/open-apis/bot/v2/HOOK/SENTINEL?x=1",
                "https://open.larksuite.com/open-apis/bot/v2/HOOK/***?x=1",
            ),
            (
                "http://h/robot/send?access_token=SENTINEL&timestamp=1&sign=SENTINEL#frag",
                "http://h/robot/send?access_token=***&timestamp=1&sign=***#frag",
            ),
        ] {
            let u = SecretUrl::parse(url).unwrap();
            assert_eq!(u.to_string(), shown);
            assert!(!format!("{u:?} {u}").contains("SENTINEL"));
        }
    }

    #[test]
    fn only_http_urls_with_a_host() {
        for bad in [
            "",
            "oapi.dingtalk.com/robot/send",
            "ftp://h/x",
            "https://",
            "not a url",
        ] {
            assert!(SecretUrl::parse(bad).is_err(), "{bad}");
        }
        let e = SecretUrl::parse("ftp://h/x?access_token=SENTINEL").unwrap_err();
        assert!(!e.contains("SENTINEL"), "{e}");
    }

    #[test]
    fn queries_are_appended() {
        let q = |u: &str| SecretUrl::parse(u).unwrap().with_query("a=1");
        assert_eq!(q("http://h/p"), "http://h/p?a=1");
        assert_eq!(q("http://h/p?t=x"), "http://h/p?t=x&a=1");
        assert_eq!(q("http://h/p?"), "http://h/p?a=1");
        assert_eq!(q("http://h/p?t=x#f"), "http://h/p?t=x&a=1");
    }
}
