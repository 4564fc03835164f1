//! Rendering URLs, queries and bodies for logs and errors without the
//! credentials they carry.
//!
//! Which parameters are secret is the platform's business, so every
//! function here is a method of [`SecretNames`], the list a protocol crate
//! (or a transport's user) hands in. A parameter is secret when its
//! *decoded* name equals one of the names ignoring ASCII case, which is how
//! ASP.NET servers decide (they decode names, `%XX` and the legacy `%uXXXX`
//! alike, and look them up case-insensitively). So with `password` listed,
//! `PassWord`, `pass%77ord` and `pass%u0077ord` are redacted; `xpassword`
//! or `password2` are other parameters and are kept. A URL's user-info is
//! always hidden whole: it is either a credential or nobody's business.
//!
//! ```
//! use iotcard_model::SecretNames;
//!
//! const IOTBOS: SecretNames = SecretNames::new(&["password", "accessToken"]);
//! assert_eq!(
//!     IOTBOS.url("http://me:pw@sys.iotbos.com/Api/token?account=a&PassWord=hunter2").to_string(),
//!     "http://***@sys.iotbos.com/Api/token?account=a&PassWord=***"
//! );
//! assert_eq!(IOTBOS.text(r#"{"accessToken":"917B"}"#), r#"{"accessToken":"***"}"#);
//! ```

use std::fmt;

/// What a secret value is shown as.
pub const REDACTED: &str = "***";

/// The names of the query parameters and body fields whose values are
/// credentials, compared ignoring ASCII case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretNames {
    names: &'static [&'static str],
}

impl SecretNames {
    /// Names a credential may go by on some platform, for a transport that
    /// was told nothing more precise.
    pub const GENERIC: SecretNames = SecretNames::new(&[
        "password",
        "passwd",
        "pwd",
        "token",
        "accesstoken",
        "access_token",
        "secret",
        "appkey",
        "app_key",
        "apikey",
        "api_key",
        "key",
        "sig",
        "sign",
        "signature",
    ]);

    /// These names (matched ignoring ASCII case).
    pub const fn new(names: &'static [&'static str]) -> Self {
        Self { names }
    }

    /// The names, as given.
    pub fn names(&self) -> &'static [&'static str] {
        self.names
    }

    /// Whether a raw (still percent-encoded) parameter name decodes to one
    /// of these names, ignoring ASCII case.
    pub fn is_secret(&self, raw_name: &str) -> bool {
        let decoded = decode_name(raw_name);
        self.names
            .iter()
            .any(|secret| decoded.len() == secret.len() && decoded.eq_ignore_ascii_case(secret))
    }

    /// Displays a URL (`scheme://authority/path?query#fragment`, or any part
    /// of one) with its user-info and secret query values replaced by
    /// [`REDACTED`], everything else as sent.
    pub fn url<'a>(&'a self, url: &'a str) -> RedactedUrl<'a> {
        RedactedUrl { names: self, url }
    }

    /// Displays a raw query string (without the leading `?`) with its secret
    /// values replaced by [`REDACTED`].
    pub fn query<'a>(&'a self, query: &'a str) -> RedactedQuery<'a> {
        RedactedQuery { names: self, query }
    }

    /// Redacts credentials that a server may echo inside a response body (an
    /// IIS or ASP.NET error page often shows the request URL): the value
    /// after `name=` up to the next `&`, quote, `<`, or whitespace, and the
    /// string value of a JSON `"name"` member, for each of these names.
    pub fn text(&self, text: &str) -> String {
        let lower = text.to_ascii_lowercase();
        let lowered: Vec<String> = self.names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let names: Vec<&str> = lowered.iter().map(String::as_str).collect();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut search = 0;
        while let Some((value_start, value_end)) = next_secret_value(&names, &lower, search) {
            out.push_str(&text[copied..value_start]);
            out.push_str(REDACTED);
            copied = value_end;
            search = value_end.max(value_start + 1);
        }
        out.push_str(&text[copied..]);
        out
    }
}

/// A URL shown without its credentials; see [`SecretNames::url`].
#[derive(Clone, Copy, Debug)]
pub struct RedactedUrl<'a> {
    names: &'a SecretNames,
    url: &'a str,
}

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (before_fragment, fragment) = match self.url.split_once('#') {
            Some((b, frag)) => (b, Some(frag)),
            None => (self.url, None),
        };
        let (before_query, query) = match before_fragment.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (before_fragment, None),
        };
        match before_query.split_once("://") {
            Some((scheme, rest)) => {
                let (authority, path) = match rest.find('/') {
                    Some(at) => rest.split_at(at),
                    None => (rest, ""),
                };
                write!(f, "{scheme}://")?;
                match authority.rsplit_once('@') {
                    Some((_, host)) => write!(f, "{REDACTED}@{host}")?,
                    None => f.write_str(authority)?,
                }
                f.write_str(path)?;
            }
            // No scheme: what comes before the first `/` (after a leading
            // `//`) is where an authority would be, and a user-info there is
            // hidden too (`me:pw@host`, `//me:pw@host`).
            None => {
                let (lead, rest) = match before_query.strip_prefix("//") {
                    Some(rest) => ("//", rest),
                    None => ("", before_query),
                };
                let end = rest.find('/').unwrap_or(rest.len());
                match rest[..end].rfind('@') {
                    Some(at) => write!(f, "{lead}{REDACTED}{}", &rest[at..])?,
                    None => f.write_str(before_query)?,
                }
            }
        }
        if let Some(query) = query {
            write!(f, "?{}", self.names.query(query))?;
        }
        if let Some(fragment) = fragment {
            write!(f, "#{fragment}")?;
        }
        Ok(())
    }
}

/// A query string shown without its credentials; see [`SecretNames::query`].
#[derive(Clone, Copy, Debug)]
pub struct RedactedQuery<'a> {
    names: &'a SecretNames,
    query: &'a str,
}

impl fmt::Display for RedactedQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, pair) in self.query.split('&').enumerate() {
            if i > 0 {
                f.write_str("&")?;
            }
            match pair.split_once('=') {
                Some((name, _)) if self.names.is_secret(name) => write!(f, "{name}={REDACTED}")?,
                _ => f.write_str(pair)?,
            }
        }
        Ok(())
    }
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

/// Finds the next credential value in `lower` (the ASCII-lower-cased text)
/// at or after `from`: its byte range.
fn next_secret_value(names: &[&str], lower: &str, from: usize) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for name in names {
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

    const IOTBOS: SecretNames = SecretNames::new(&["password", "accessToken"]);

    fn url(s: &str) -> String {
        IOTBOS.url(s).to_string()
    }

    fn query(s: &str) -> String {
        IOTBOS.query(s).to_string()
    }

    #[test]
    fn redacts_the_named_values_and_keeps_the_rest() {
        assert_eq!(
            url("http://localhost:25853/Api/TerminalInfo/Surplus?cardIdNums=1064804085884&accessToken=917B38E2-0CBD"),
            "http://localhost:25853/Api/TerminalInfo/Surplus?cardIdNums=1064804085884&accessToken=***"
        );
        assert_eq!(
            url("https://h.example/p/Api/token?account=a%20b&password=p%26w#frag"),
            "https://h.example/p/Api/token?account=a%20b&password=***#frag"
        );
        let tencent = SecretNames::new(&["sig"]);
        assert_eq!(
            tencent.query("sdkappid=1&sig=abc&time=2").to_string(),
            "sdkappid=1&sig=***&time=2"
        );
        assert_eq!(tencent.query("password=kept").to_string(), "password=kept");
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
                query(&format!("{name}=s3cret")),
                format!("{name}=***"),
                "{name}"
            );
        }
    }

    #[test]
    fn other_names_are_not_secrets() {
        for q in [
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
            assert_eq!(query(q), q);
        }
    }

    #[test]
    fn duplicates_empty_values_and_odd_shapes() {
        assert_eq!(
            query("password=a&password=b&accessToken=c&accessToken="),
            "password=***&password=***&accessToken=***&accessToken=***"
        );
        assert_eq!(query("password&a=1"), "password&a=1");
        assert_eq!(query("password=a=b&x=1"), "password=***&x=1");
        assert_eq!(query(""), "");
        assert_eq!(query("&&a=1&"), "&&a=1&");
    }

    #[test]
    fn urls_of_every_shape() {
        assert_eq!(
            url("http://sys.iotbos.com/Api/token"),
            "http://sys.iotbos.com/Api/token"
        );
        assert_eq!(url("/Api/token?password=x"), "/Api/token?password=***");
        assert_eq!(url("http://sys.iotbos.com"), "http://sys.iotbos.com");
        assert_eq!(url("not a url at all"), "not a url at all");
        assert_eq!(url("user:SENTINEL@host/x"), "***@host/x");
        assert_eq!(url("//user:SENTINEL@host"), "//***@host");
        assert_eq!(
            url("SENTINEL@host?password=SENTINEL"),
            "***@host?password=***"
        );
        assert_eq!(url("host/a@b"), "host/a@b");
        assert_eq!(url(""), "");
    }

    #[test]
    fn user_info_is_hidden_whole() {
        assert_eq!(url("http://me:pw@h.example/x"), "http://***@h.example/x");
        assert_eq!(
            url("http://SENTINEL@h.example/x?a=1"),
            "http://***@h.example/x?a=1"
        );
        assert_eq!(url("https://a:b@c@h.example"), "https://***@h.example");
        let generic = SecretNames::GENERIC
            .url("https://u:SENTINEL@h/?appkey=SENTINEL&sig=SENTINEL")
            .to_string();
        assert!(!generic.contains("SENTINEL"), "{generic}");
    }

    #[test]
    fn text_redaction_covers_echoed_urls_and_json() {
        let page = "<p>Requested URL: /Api/token?account=a&password=hunter2</p>";
        assert_eq!(
            IOTBOS.text(page),
            "<p>Requested URL: /Api/token?account=a&password=***</p>"
        );
        let json = r#"{"accessToken": "7dc1f8e0", "AccessToken":"x y", "n":1}"#;
        assert_eq!(
            IOTBOS.text(json),
            r#"{"accessToken": "***", "AccessToken":"***", "n":1}"#
        );
        assert_eq!(
            IOTBOS.text("ACCESSTOKEN=abc password=def xpassword=keep"),
            "ACCESSTOKEN=*** password=*** xpassword=keep"
        );
        assert_eq!(IOTBOS.text("no secrets, 密码"), "no secrets, 密码");
        assert_eq!(IOTBOS.text("password="), "password=***");
        assert_eq!(
            IOTBOS.text(r#"{"password":"a\"b c","x":1}"#),
            r#"{"password":"***","x":1}"#
        );
        assert_eq!(IOTBOS.text(r#"{"password":"open"#), r#"{"password":"***"#);
    }

    proptest::proptest! {
        #[test]
        fn no_value_of_a_secret_name_survives(tail in "[A-Za-z0-9%._~-]{0,24}", name_case in proptest::bool::ANY) {
            // Marked so no other part of the URL can look like it.
            let value = format!("SeCrEt{tail}");
            let name = if name_case { "PASSWORD" } else { "accessToken" };
            let shown = url(&format!("http://u:{value}@h/p?a=1&{name}={value}&b=2"));
            proptest::prop_assert!(!shown.contains(&format!("={value}")), "{}", shown);
            proptest::prop_assert!(shown.ends_with("&b=2"));
            let text = IOTBOS.text(&format!("<a href=\"/p?{name}={value}\">"));
            proptest::prop_assert!(!text.contains(&format!("={value}")), "{}", text);
        }

        #[test]
        fn never_panics(input in "\\PC{0,64}") {
            let _ = url(&input);
            let _ = query(&input);
            let _ = IOTBOS.text(&input);
        }
    }
}
