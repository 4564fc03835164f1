//! A short, printable, scrubbed excerpt of an error answer's body.
//!
//! Error pages sometimes echo the request (some servers print the URL they refused), so the
//! excerpt goes through [`SecretNames::text`] with the transport's names (`name=value` and
//! JSON `"name": "value"`), then through [`scrub`] for the looser forms that function leaves
//! alone: an unquoted JSON value (`"sig": 1234`), `name: value`, single quotes.

use iotcard_model::{SecretNames, REDACTED};

/// Longest excerpt kept, in bytes of the original body.
pub(crate) const SNIPPET_LIMIT: usize = 200;

/// The first [`SNIPPET_LIMIT`] bytes of `body` as text: lossy UTF-8, control characters as
/// spaces, the values of `names` replaced by `***`, and `…` when something was cut.
pub(crate) fn body_snippet(body: &[u8], names: &SecretNames) -> String {
    let cut = body.len() > SNIPPET_LIMIT;
    let head = &body[..body.len().min(SNIPPET_LIMIT)];
    let text: String = String::from_utf8_lossy(head)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut text = scrub(&names.text(text.trim()), names);
    if cut {
        text.push('…');
    }
    text
}

/// Replaces the value after `key=` / `"key":` / `key:` for every name of `names`
/// (ASCII case-insensitive, on a word boundary).
fn scrub(text: &str, names: &SecretNames) -> String {
    let keys: Vec<String> = names
        .names()
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(value) = secret_value_at(&lower, at, &keys) {
            out.push_str(&text[copied..value.start]);
            out.push_str(REDACTED);
            copied = value.end;
            at = value.end.max(at + 1);
        } else {
            at += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// If one of `keys` (lower-cased) starts at `at` (on a word boundary) and is followed by a
/// separator, the byte range of its value.
fn secret_value_at(lower: &str, at: usize, keys: &[String]) -> Option<std::ops::Range<usize>> {
    let bytes = lower.as_bytes();
    if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
        return None;
    }
    // The longest key that matches: with `pass` and `password` listed, `password=` is hidden
    // as `password`, not skipped because `pass` is not followed by a separator.
    let key = keys
        .iter()
        .filter(|key| !key.is_empty() && bytes[at..].starts_with(key.as_bytes()))
        .max_by_key(|key| key.len())?;
    let mut i = at + key.len();
    let skip = |i: &mut usize, set: &[u8]| {
        while *i < bytes.len() && set.contains(&bytes[*i]) {
            *i += 1;
        }
    };
    skip(&mut i, b"\"' ");
    if i >= bytes.len() || !matches!(bytes[i], b'=' | b':') {
        return None;
    }
    i += 1;
    skip(&mut i, b"\"' ");
    let start = i;
    while i < bytes.len() && !b"&\"', <>;}\n".contains(&bytes[i]) {
        i += 1;
    }
    (i > start).then_some(start..i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERIC: SecretNames = SecretNames::GENERIC;

    fn body_snippet(body: &[u8]) -> String {
        super::body_snippet(body, &GENERIC)
    }

    #[test]
    fn query_and_json_secrets_are_hidden() {
        let page = br#"404 for /Api/token?account=a&password=hunter2&x=1 {"accessToken": "tok-123", "sig":"abcd", "Sign": 98765}"#;
        let text = body_snippet(page);
        for secret in ["hunter2", "tok-123", "abcd", "98765"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("account=a"), "{text}");
        assert!(text.contains("password=***"), "{text}");
    }

    #[test]
    fn case_insensitive_and_word_bounded() {
        let sig = SecretNames::new(&["sig"]);
        assert_eq!(scrub("SIG=XYZ&b=1", &sig), "SIG=***&b=1");
        // `mysig=` is another key, not `sig`.
        assert_eq!(scrub("mysig=keep", &sig), "mysig=keep");
        assert_eq!(scrub("signature=keep", &sig), "signature=keep");
        assert_eq!(scrub("sig: 'abc' x", &sig), "sig: '***' x");
    }

    #[test]
    fn only_the_given_names_are_hidden() {
        let names = SecretNames::new(&["appKey"]);
        let text = super::body_snippet(br#"{"appkey": 4711, "sig":"kept", "AppKey":"x"}"#, &names);
        assert_eq!(text, r#"{"appkey": ***, "sig":"kept", "AppKey":"***"}"#);
        // The longest listed name wins where several start at the same place.
        let names = SecretNames::new(&["pass", "password"]);
        assert_eq!(scrub("password: hunter2", &names), "password: ***");
    }

    #[test]
    fn long_bodies_are_cut_and_controls_flattened() {
        let body = vec![b'a'; 1000];
        let text = body_snippet(&body);
        assert_eq!(text.chars().filter(|c| *c == 'a').count(), SNIPPET_LIMIT);
        assert!(text.ends_with('…'));
        assert_eq!(body_snippet(b"line1\r\nline2"), "line1  line2");
    }

    #[test]
    fn invalid_utf8_does_not_panic() {
        let text = body_snippet(&[0xff, 0xfe, b'o', b'k']);
        assert!(text.ends_with("ok"), "{text}");
        assert_eq!(scrub("é sig=ü€x& ñ", &GENERIC), "é sig=***& ñ");
    }

    proptest::proptest! {
        #[test]
        fn any_body_gives_a_bounded_snippet(body in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let text = body_snippet(&body);
            // Lossy decoding may widen a byte to three, "***" may replace a short value.
            proptest::prop_assert!(text.len() <= SNIPPET_LIMIT * 3 + 3);
            proptest::prop_assert!(!text.chars().any(char::is_control));
        }

        #[test]
        fn sig_values_never_survive(value in "[0-9a-f]{8,64}", prefix in "[ -~]{0,40}") {
            let body = format!(r#"{prefix}{{"sig":"{value}","time":"1"}}"#);
            let text = body_snippet(body.as_bytes());
            proptest::prop_assert!(!text.contains(&value), "{}", text);
        }
    }
}
