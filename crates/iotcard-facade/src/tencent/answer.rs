//! Reading a Tencent answer in the client: the protocol crate's reading,
//! plus what only the client knows (its clock).

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use iotcard_model::FieldProblem;
use iotcard_transport::ClockSkew;
use tencent_proto::TencentError;

use crate::Error;

/// How far the server's `Date` may be from the local clock before a refused
/// time or signature is put down to the clock. `Date` has whole seconds and
/// is stamped while the answer travels, so a right clock is seconds off at
/// most; the platform's own window is minutes wide.
pub(super) const SKEW_LIMIT: Duration = Duration::from_secs(60);

/// `parse` of `response`; a refusal of the request's `time` or `sig` whose
/// answer's `Date` is more than [`SKEW_LIMIT`] from `now` (the client's
/// clock as the answer arrived) is [`Error::ClockSkew`], saying how far off
/// the clock is.
pub(super) fn read<T>(
    response: &http::Response<Bytes>,
    now: SystemTime,
    parse: impl FnOnce(&http::Response<Bytes>) -> Result<T, TencentError>,
) -> Result<T, Error> {
    parse(response).map_err(|error| explain(error, response, now))
}

fn explain(error: TencentError, response: &http::Response<Bytes>, now: SystemTime) -> Error {
    if !error.is_time_or_signature_refused() {
        return Error::Tencent(error);
    }
    match server_date(response).map(|server| ClockSkew::between(server, now)) {
        Some(skew) if skew.exceeds(SKEW_LIMIT) => {
            tracing::warn!(skew_seconds = skew.seconds(), error = %error, "Tencent refused the time or signature, and the local clock is off");
            Error::ClockSkew {
                skew,
                source: Box::new(Error::Tencent(error)),
            }
        }
        _ => Error::Tencent(error),
    }
}

/// The answer's `Date`, when it has a readable one.
fn server_date(response: &http::Response<Bytes>) -> Option<SystemTime> {
    let date = response.headers().get(http::header::DATE)?.to_str().ok()?;
    httpdate::parse_http_date(date.trim()).ok()
}

/// Logs the fields of a card's record that could not be read (each left
/// empty in the record, the card kept).
pub(super) fn log_problems(iccid: &str, problems: &[FieldProblem]) {
    if !problems.is_empty() {
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        tracing::warn!(iccid, problems = %shown.join("; "), "fields of a Tencent card record could not be read");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use tencent_proto::parse_app_info;

    fn answer(body: &'static str, date: Option<&str>) -> http::Response<Bytes> {
        let mut b = http::Response::builder();
        if let Some(date) = date {
            b = b.header(http::header::DATE, date);
        }
        b.body(Bytes::from_static(body.as_bytes())).unwrap()
    }

    const DATE: &str = "Sun, 06 Nov 1994 08:49:37 GMT";

    fn server() -> SystemTime {
        httpdate::parse_http_date(DATE).unwrap()
    }

    #[test]
    fn a_refused_time_under_a_far_clock_says_how_far() {
        let time = r#"{"code":1004,"message":"请求发起时间不正常 (time is more than 300 s from the server's clock)"}"#;
        let now = server() - Duration::from_secs(312);
        let e = read(&answer(time, Some(DATE)), now, parse_app_info).unwrap_err();
        assert!(matches!(e, Error::ClockSkew { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("the local clock is 5 min 12 s behind"),
            "{e}"
        );
        assert!(e.is_refused() && !e.is_transient());
        let sig = r#"{"code":1001,"message":"sig校验失败 (sig does not match)"}"#;
        let e = read(
            &answer(sig, Some(DATE)),
            server() + Duration::from_secs(61),
            parse_app_info,
        );
        assert!(matches!(e, Err(Error::ClockSkew { .. })), "{e:?}");
    }

    #[test]
    fn otherwise_the_refusal_as_it_came() {
        let time = r#"{"code":1004,"message":"time"}"#;
        // A clock within a minute, no `Date`, an unreadable one.
        for (date, now) in [
            (Some(DATE), server() + Duration::from_secs(60)),
            (None, server() + Duration::from_secs(3600)),
            (Some("yesterday"), server() + Duration::from_secs(3600)),
        ] {
            let e = read(&answer(time, date), now, parse_app_info).unwrap_err();
            assert!(matches!(e, Error::Tencent(_)), "{date:?}: {e:?}");
        }
        // A refusal about something else, under a far clock.
        let other = r#"{"code":1007,"message":"sdkappid无效 (unknown sdkappid)"}"#;
        let e = read(
            &answer(other, Some(DATE)),
            server() + Duration::from_secs(3600),
            parse_app_info,
        );
        assert!(matches!(e, Err(Error::Tencent(_))), "{e:?}");
    }
}
