//! Reading what a robot or receiver answered.

use std::time::Duration;

use http::{header, Response, StatusCode};
use serde_json::Value;

use crate::error::snippet;
use crate::{ChannelKind, NotifyError, URL_SECRETS};

/// A message the receiver accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivered {
    /// Which channel.
    pub channel: ChannelKind,
    /// The answer's HTTP status (`200 OK` for an e-mail the SMTP server
    /// accepted).
    pub status: StatusCode,
    /// The robot's success code (0), when it sent one.
    pub code: Option<i64>,
    /// The robot's or SMTP server's message (`ok`, `success`), verbatim.
    pub message: Option<String>,
}

/// Where a robot puts its code and message: the field names to try, in
/// order.
pub(crate) struct Envelope {
    pub channel: ChannelKind,
    /// `(code field, message field)` pairs, the first present wins.
    pub fields: &'static [(&'static str, &'static str)],
    /// Codes that mean "later": rate limited, busy.
    pub transient: &'static [i64],
}

impl Envelope {
    pub(crate) fn read<B: AsRef<[u8]>>(
        &self,
        answer: &Response<B>,
    ) -> Result<Delivered, NotifyError> {
        let status = answer.status();
        let body = answer.body().as_ref();
        let retry_after = retry_after(answer);
        let parsed = serde_json::from_slice::<Value>(body);
        let found = parsed.as_ref().ok().and_then(|v| {
            self.fields.iter().find_map(|(code, message)| {
                let code = code_of(v.get(*code)?)?;
                let message = match v.get(*message) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                };
                Some((code, message))
            })
        });
        match found {
            Some((0, message)) if status.is_success() => Ok(Delivered {
                channel: self.channel,
                status,
                code: Some(0),
                message: Some(snippet(&message)),
            }),
            Some((code, message)) if code != 0 => Err(NotifyError::Provider {
                channel: self.channel,
                status,
                code,
                // Verbatim, but never a credential the robot echoes.
                message: snippet(&URL_SECRETS.text(&message)),
                transient: self.transient.contains(&code)
                    || status.is_server_error()
                    || status == StatusCode::TOO_MANY_REQUESTS,
                retry_after,
            }),
            _ if !status.is_success() => Err(http_status(self.channel, status, body, retry_after)),
            _ => Err(NotifyError::UnreadableAnswer {
                channel: self.channel,
                status,
                body: shown_body(body),
                source: parsed.err(),
            }),
        }
    }
}

/// A code as a JSON integer, or a string of one.
fn code_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Any 2xx is delivered (Alertmanager's webhook receivers).
pub(crate) fn any_success<B: AsRef<[u8]>>(
    channel: ChannelKind,
    answer: &Response<B>,
) -> Result<Delivered, NotifyError> {
    let status = answer.status();
    if status.is_success() {
        Ok(Delivered {
            channel,
            status,
            code: None,
            message: None,
        })
    } else {
        Err(http_status(
            channel,
            status,
            answer.body().as_ref(),
            retry_after(answer),
        ))
    }
}

fn http_status(
    channel: ChannelKind,
    status: StatusCode,
    body: &[u8],
    retry_after: Option<Duration>,
) -> NotifyError {
    NotifyError::HttpStatus {
        channel,
        status,
        body: shown_body(body),
        retry_after,
    }
}

/// The start of a body, lossily decoded, credentials redacted.
fn shown_body(body: &[u8]) -> String {
    let head = &body[..body.len().min(4 * crate::error::SNIPPET)];
    snippet(&URL_SECRETS.text(&String::from_utf8_lossy(head)))
}

/// `Retry-After` in its delay-seconds form (the date form needs a clock:
/// the shell may read it itself).
fn retry_after<B>(answer: &Response<B>) -> Option<Duration> {
    answer
        .headers()
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
