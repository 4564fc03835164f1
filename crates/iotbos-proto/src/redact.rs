//! Rendering URLs and bodies for logs and errors without the credentials.
//!
//! IoTBOS takes `password` (log in) and `accessToken` (every data call) in
//! the query string, over plain HTTP, so any URL printed as-is leaks one.
//! These functions keep everything else as it was sent: the URL stays useful
//! for debugging.
//!
//! A parameter is secret when its *decoded* name equals `password` or
//! `accessToken` ignoring ASCII case, which is how the ASP.NET server
//! decides (it decodes names, `%XX` and the legacy `%uXXXX` alike, and looks
//! them up case-insensitively). So `PassWord`, `access%54oken` and
//! `pass%u0077ord` are redacted; `xpassword` or `password2` are other
//! parameters and are kept.

use std::fmt;

/// Query parameter names whose values are credentials, lower-case.
const SECRET_NAMES: [&str; 2] = ["password", "accesstoken"];

/// What a secret value is shown as.
pub const REDACTED: &str = "***";

/// Renders `uri` for a log line or an error message: the values of
/// `password` and `accessToken` query parameters (and a password in the
/// authority's user-info) are replaced by `***`, everything else is kept
/// as sent.
///
/// ```
/// let uri: http::Uri =
///     "http://sys.iotbos.com/Api/token?account=alice&password=hunter2".parse()?;
/// assert_eq!(
///     iotbos_proto::redact_uri(&uri),
///     "http://sys.iotbos.com/Api/token?account=alice&password=***"
/// );
/// # Ok::<(), http::uri::InvalidUri>(())
/// ```
pub fn redact_uri(uri: &http::Uri) -> String {
    RedactedUri(uri).to_string()
}

/// Redacts a raw query string (without the leading `?`); see [`redact_uri`].
///
/// ```
/// assert_eq!(
///     iotbos_proto::redact_query("cardIdNums=1064804085884&ACCESSTOKEN=917B38E2"),
///     "cardIdNums=1064804085884&ACCESSTOKEN=***"
/// );
/// ```
pub fn redact_query(query: &str) -> String {
    RedactedQuery(query).to_string()
}

/// Displays a URI with its credentials redacted, without building a string
/// first (for `tracing` fields and `format!` arguments).
#[derive(Clone, Copy, Debug)]
pub struct RedactedUri<'a>(pub &'a http::Uri);

impl fmt::Display for RedactedUri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uri = self.0;
        if let Some(scheme) = uri.scheme_str() {
            write!(f, "{scheme}://")?;
        }
        if let Some(authority) = uri.authority() {
            write_authority(f, authority.as_str())?;
        }
        f.write_str(uri.path())?;
        if let Some(query) = uri.query() {
            write!(f, "?{}", RedactedQuery(query))?;
        }
        Ok(())
    }
}

/// Displays a raw query string with its credentials redacted.
#[derive(Clone, Copy, Debug)]
pub struct RedactedQuery<'a>(pub &'a str);

impl fmt::Display for RedactedQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, pair) in self.0.split('&').enumerate() {
            if i > 0 {
                f.write_str("&")?;
            }
            match pair.split_once('=') {
                Some((name, _)) if is_secret_name(name) => write!(f, "{name}={REDACTED}")?,
                _ => f.write_str(pair)?,
            }
        }
        Ok(())
    }
}

/// `user:password@host` becomes `user:***@host`. IoTBOS does not use
/// user-info, but a URL pasted into a config file might.
fn write_authority(f: &mut fmt::Formatter<'_>, authority: &str) -> fmt::Result {
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => write!(f, "{user}:{REDACTED}@{host}"),
            None => write!(f, "{userinfo}@{host}"),
        },
        None => f.write_str(authority),
    }
}

/// Whether a raw (still percent-encoded) parameter name decodes to one of
/// [`SECRET_NAMES`], ignoring ASCII case.
fn is_secret_name(raw: &str) -> bool {
    let decoded = decode_name(raw);
    SECRET_NAMES
        .iter()
        .any(|secret| decoded.len() == secret.len() && decoded.eq_ignore_ascii_case(secret))
}

/// Decodes a query parameter name the way ASP.NET's `HttpUtility.UrlDecode`
/// does: `+` is a space, `%XX` a byte, `%uXXXX` a UTF-16 unit. Malformed
/// escapes stay as written. Only ASCII matters for the comparison, so
/// non-ASCII results are kept as `?` rather than decoded properly.
fn decode_name(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < bytes.len() {
        let (ch, used) = match bytes[i] {
            b'+' => (' ', 1),
            b'%' => decode_escape(&bytes[i + 1..]).unwrap_or(('%', 1)),
            b if b.is_ascii() => (char::from(b), 1),
            _ => ('?', 1),
        };
        out.push(ch);
        i += used;
    }
    out
}

/// Decodes the escape after a `%`: returns the character and how many bytes
/// (the `%` included) it spans.
fn decode_escape(rest: &[u8]) -> Option<(char, usize)> {
    let hex = |digits: &[u8]| -> Option<u32> {
        let text = std::str::from_utf8(digits).ok()?;
        if text.bytes().all(|b| b.is_ascii_hexdigit()) {
            u32::from_str_radix(text, 16).ok()
        } else {
            None
        }
    };
    let as_char = |unit: u32| match char::from_u32(unit) {
        Some(c) if c.is_ascii() => c,
        _ => '?',
    };
    if let [b'u' | b'U', digits @ ..] = rest {
        if let Some(unit) = digits.get(..4).and_then(hex) {
            return Some((as_char(unit), 6));
        }
    }
    rest.get(..2).and_then(hex).map(|byte| (as_char(byte), 3))
}

/// Redacts credentials that a server may echo inside a response body (an
/// IIS or ASP.NET error page often shows the request URL): the value after
/// `password=` or `accessToken=` up to the next `&`, quote, `<`, or
/// whitespace, and the string value of a JSON `"password"`/`"accessToken"`
/// member. Used for the body snippets kept in errors.
///
/// ```
/// assert_eq!(
///     iotbos_proto::redact_text("<h2>/Api/token?account=a&password=hunter2</h2>"),
///     "<h2>/Api/token?account=a&password=***</h2>"
/// );
/// ```
pub fn redact_text(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some((value_start, value_end)) = next_secret_value(&lower, search) {
        out.push_str(&text[copied..value_start]);
        out.push_str(REDACTED);
        copied = value_end;
        search = value_end.max(value_start + 1);
    }
    out.push_str(&text[copied..]);
    out
}

/// Finds the next credential value in `lower` (the ASCII-lower-cased text)
/// at or after `from`: its byte range.
fn next_secret_value(lower: &str, from: usize) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for name in SECRET_NAMES {
        let mut at = from;
        while let Some(found) = lower.get(at..).and_then(|rest| rest.find(name)) {
            let start = at + found;
            let after = start + name.len();
            at = after;
            let preceded_by_name_char = lower[..start]
                .bytes()
                .next_back()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
            if preceded_by_name_char {
                continue;
            }
            let Some((value_start, quoted)) = value_start(lower, after) else {
                continue;
            };
            let value_end = value_end(&lower[value_start..], quoted) + value_start;
            if best.is_none_or(|(s, _)| value_start < s) {
                best = Some((value_start, value_end));
            }
            break;
        }
    }
    best
}

/// Where the value begins after a secret name ending at `after`: right after
/// `=` (query form), or inside the quotes of `": "` (JSON form, flagged
/// `true`: the value then runs to the closing quote, spaces included).
fn value_start(lower: &str, after: usize) -> Option<(usize, bool)> {
    let rest = &lower[after..];
    if let Some(stripped) = rest.strip_prefix('=') {
        return Some((lower.len() - stripped.len(), false));
    }
    let rest = rest.strip_prefix('"')?.trim_start().strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    Some((lower.len() - rest.len(), true))
}

/// The length of the credential value at the start of `rest`: up to the
/// closing quote of a JSON string (skipping escaped characters, so `\"`
/// inside the secret does not end it), or up to whatever ends a URL in
/// running text.
fn value_end(rest: &str, quoted: bool) -> usize {
    if quoted {
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return i,
                _ => {}
            }
        }
        rest.len()
    } else {
        rest.find(|c: char| matches!(c, '&' | '"' | '\'' | '<' | '>') || c.is_whitespace())
            .unwrap_or(rest.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> String {
        redact_uri(&s.parse::<http::Uri>().unwrap())
    }

    #[test]
    fn redacts_both_credentials_and_keeps_the_rest() {
        assert_eq!(
            uri("http://localhost:25853/Api/TerminalInfo/Surplus?cardIdNums=1064804085884&accessToken=917B38E2-0CBD-47D3-9264-50B8D022C179"),
            "http://localhost:25853/Api/TerminalInfo/Surplus?cardIdNums=1064804085884&accessToken=***"
        );
        assert_eq!(
            uri("https://h.example/p/Api/token?account=a%20b&password=p%26w"),
            "https://h.example/p/Api/token?account=a%20b&password=***"
        );
    }

    #[test]
    fn names_match_case_insensitively_and_decoded() {
        for name in [
            "PASSWORD",
            "Password",
            "pass%77ord",
            "PASS%57ORD",
            "%70assword",
            "pass%u0077ord",
            "accesstoken",
            "AccessToken",
            "access%54oken",
            "%61ccess%74oken",
        ] {
            assert_eq!(
                redact_query(&format!("{name}=s3cret")),
                format!("{name}=***"),
                "{name}"
            );
        }
    }

    #[test]
    fn other_names_are_not_secrets() {
        for query in [
            "xpassword=1",
            "password2=1",
            "pass_word=1",
            "pass+word=1",
            "my_accessToken=1",
            "accessTokens=1",
            "token=1",
            "account=password",
            "pass%ZZword=1",
            "password%=1",
            "pass%u00word=1",
        ] {
            assert_eq!(redact_query(query), query);
        }
    }

    #[test]
    fn duplicates_empty_values_and_odd_shapes() {
        assert_eq!(
            redact_query("password=a&password=b&accessToken=c&accessToken="),
            "password=***&password=***&accessToken=***&accessToken=***"
        );
        // A name without `=` carries no value to hide.
        assert_eq!(redact_query("password&a=1"), "password&a=1");
        // Only the first `=` separates: the whole rest is the value.
        assert_eq!(redact_query("password=a=b&x=1"), "password=***&x=1");
        assert_eq!(redact_query(""), "");
        assert_eq!(redact_query("&&a=1&"), "&&a=1&");
    }

    #[test]
    fn uri_without_query_or_authority() {
        assert_eq!(
            uri("http://sys.iotbos.com/Api/token"),
            "http://sys.iotbos.com/Api/token"
        );
        assert_eq!(uri("/Api/token?password=x"), "/Api/token?password=***");
        assert_eq!(uri("http://sys.iotbos.com"), "http://sys.iotbos.com/");
    }

    #[test]
    fn userinfo_password_is_redacted() {
        assert_eq!(uri("http://me:pw@h.example/x"), "http://me:***@h.example/x");
        assert_eq!(uri("http://me@h.example/x"), "http://me@h.example/x");
    }

    #[test]
    fn text_redaction_covers_echoed_urls_and_json() {
        let page = "<p>Requested URL: /Api/token?account=a&password=hunter2</p>";
        assert_eq!(
            redact_text(page),
            "<p>Requested URL: /Api/token?account=a&password=***</p>"
        );
        let json = r#"{"accessToken": "7dc1f8e0", "AccessToken":"x y", "n":1}"#;
        assert_eq!(
            redact_text(json),
            r#"{"accessToken": "***", "AccessToken":"***", "n":1}"#
        );
        assert_eq!(
            redact_text("ACCESSTOKEN=abc password=def xpassword=keep"),
            "ACCESSTOKEN=*** password=*** xpassword=keep"
        );
        assert_eq!(redact_text("no secrets, 密码"), "no secrets, 密码");
        assert_eq!(redact_text("password="), "password=***");
        assert_eq!(
            redact_text(r#"{"password":"a\"b c","x":1}"#),
            r#"{"password":"***","x":1}"#
        );
        assert_eq!(redact_text(r#"{"password":"open"#), r#"{"password":"***"#);
    }
}
