//! `Retry-After`, read from an answer's own headers: no clock is read.

use std::time::{Duration, SystemTime};

use http::header::{DATE, RETRY_AFTER};
use http::HeaderMap;

/// How long the answer asks to wait before asking again, from its
/// `Retry-After` header (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date
/// measured against the answer's own `Date` header (the server's clock when
/// it answered), so no local clock is read and a client whose clock is off
/// still waits what the server meant. A date at or before `Date` is no
/// wait. `None` when the header is absent or unreadable, or is a date and
/// the answer has no readable `Date`.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = text(headers, RETRY_AFTER)?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // An absurdly long number still means "wait a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let until = httpdate::parse_http_date(value).ok()?;
    let sent: SystemTime = httpdate::parse_http_date(text(headers, DATE)?.trim()).ok()?;
    Some(until.duration_since(sent).unwrap_or(Duration::ZERO))
}

fn text(headers: &HeaderMap, name: http::HeaderName) -> Option<&str> {
    headers.get(name)?.to_str().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(retry_after: &str, date: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(retry_after).unwrap());
        if let Some(date) = date {
            h.insert(DATE, HeaderValue::from_str(date).unwrap());
        }
        h
    }

    #[test]
    fn seconds_and_dates_against_the_answers_own_date() {
        let date = Some("Sun, 06 Nov 1994 08:49:37 GMT");
        for (value, date, expected) in [
            ("120", None, Some(120)),
            (" 0 ", None, Some(0)),
            ("99999999999999999999999", None, Some(u64::MAX)),
            ("Sun, 06 Nov 1994 08:51:37 GMT", date, Some(120)),
            // RFC 850 and asctime forms are HTTP-dates too.
            ("Sunday, 06-Nov-94 08:50:37 GMT", date, Some(60)),
            ("Sun Nov  6 08:50:07 1994", date, Some(30)),
            ("Sun, 06 Nov 1994 08:00:00 GMT", date, Some(0)),
            ("Sun, 06 Nov 1994 08:51:37 GMT", None, None),
            ("Sun, 06 Nov 1994 08:51:37 GMT", Some("yesterday"), None),
            ("", None, None),
            ("soon", None, None),
            ("-5", None, None),
            ("1.5", None, None),
        ] {
            assert_eq!(
                retry_after(&headers(value, date)),
                expected.map(Duration::from_secs),
                "{value:?} {date:?}"
            );
        }
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
