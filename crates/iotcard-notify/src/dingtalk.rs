//! DingTalk (钉钉) group robots: markdown messages, signed with the robot's
//! "加签" secret.
//!
//! `POST {url}&timestamp={ms}&sign={sign}` with
//! `{"msgtype":"markdown","markdown":{"title":…,"text":…}}`; the robot
//! answers `{"errcode":0,"errmsg":"ok"}`.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Request, Response};
use iotcard_model::Secret;
use serde::Serialize;

use crate::answer::Envelope;
use crate::digest::markdown;
use crate::{ChannelKind, Delivered, Digest, NotifyError, SecretUrl};

/// The largest request body the robot takes (DingTalk documents 20,000
/// bytes for a message).
pub const MAX_BODY: usize = 20_000;

/// How many card lines a message lists at most before "and N more".
pub const FIRST_FEW: usize = 20;

/// Codes that mean "later": 130101 (send too fast: more than 20 messages a
/// minute), 410100 (send too fast, throttled), -1 (system busy).
pub const TRANSIENT_CODES: &[i64] = &[130101, 410100, -1];

const ENVELOPE: Envelope = Envelope {
    channel: ChannelKind::DingTalk,
    fields: &[("errcode", "errmsg")],
    transient: TRANSIENT_CODES,
};

/// A DingTalk robot: its URL (with its `access_token`) and, when the robot
/// is set to sign ("加签"), its `SEC…` secret. `Debug` shows neither.
#[derive(Clone, Debug)]
pub struct DingTalk {
    url: SecretUrl,
    secret: Option<Secret>,
}

#[derive(Serialize)]
struct Body<'a> {
    msgtype: &'static str,
    markdown: Markdown<'a>,
}

#[derive(Serialize)]
struct Markdown<'a> {
    title: &'a str,
    text: &'a str,
}

impl DingTalk {
    /// The robot at `url`, signing with `secret` if given.
    pub fn new(url: SecretUrl, secret: Option<Secret>) -> Self {
        Self { url, secret }
    }

    /// Where messages go.
    pub fn url(&self) -> &SecretUrl {
        &self.url
    }

    /// The JSON body for `digest`: as many cards (up to [`FIRST_FEW`]) as
    /// fit in [`MAX_BODY`] bytes.
    pub fn body(digest: &Digest) -> Result<Vec<u8>, NotifyError> {
        digest.fit(ChannelKind::DingTalk, MAX_BODY, FIRST_FEW, |view| {
            let text = markdown(view);
            let json = serde_json::to_vec(&Body {
                msgtype: "markdown",
                markdown: Markdown {
                    title: &view.title,
                    text: &text,
                },
            })
            .map_err(|source| NotifyError::EncodeBody {
                channel: ChannelKind::DingTalk,
                source,
            })?;
            let size = json.len();
            Ok((json, size))
        })
    }

    /// The request sending `digest`, signed at `now` when the robot has a
    /// secret.
    pub fn request(&self, digest: &Digest, now: SystemTime) -> Result<Request<Bytes>, NotifyError> {
        let uri = match &self.secret {
            Some(secret) => self
                .url
                .with_query(&signed_query(secret, crate::unix_millis(now)?)),
            None => self.url.expose().to_owned(),
        };
        crate::post_json(ChannelKind::DingTalk, uri, Self::body(digest)?)
    }
}

/// The signature of `timestamp_ms` (Unix milliseconds):
/// `base64(HMAC-SHA256(key = secret, msg = timestamp + "\n" + secret))`,
/// not yet URL-encoded.
///
/// ```
/// use iotcard_model::Secret;
/// assert_eq!(
///     iotcard_notify::dingtalk::sign(&Secret::new("SECtest"), 1577836800000),
///     "drlICLmsjUfpSZSa7+mhIyTLZHQVqxb4vc20sB3aqQU=",
/// );
/// ```
pub fn sign(secret: &Secret, timestamp_ms: u64) -> String {
    let message = format!("{timestamp_ms}\n{}", secret.expose());
    crate::hmac_base64(secret.expose().as_bytes(), message.as_bytes())
}

/// The query the robot checks: `timestamp={ms}&sign={urlencoded sign}`.
pub fn signed_query(secret: &Secret, timestamp_ms: u64) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("timestamp", &timestamp_ms.to_string())
        .append_pair("sign", &sign(secret, timestamp_ms))
        .finish()
}

/// What a DingTalk-shaped receiver checks: the request's query (raw, as
/// sent) carries a `timestamp` (Unix ms) within `max_skew` of `now` and the
/// `sign` of it with `secret`. DingTalk itself allows one hour.
pub fn verify(
    query: &str,
    secret: &Secret,
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), NotifyError> {
    let fail = |reason: &str| NotifyError::signature(ChannelKind::DingTalk, reason);
    let mut timestamp = None;
    let mut signature = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "timestamp" => timestamp = Some(value.into_owned()),
            "sign" => signature = Some(value.into_owned()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| fail("no timestamp in the query"))?;
    let signature = signature.ok_or_else(|| fail("no sign in the query"))?;
    let ms: u64 = timestamp
        .parse()
        .map_err(|_| fail("the timestamp is not a number of milliseconds"))?;
    let now_ms = crate::unix_millis(now)?;
    let skew = Duration::from_millis(now_ms.abs_diff(ms));
    if skew > max_skew {
        return Err(fail(&format!(
            "the timestamp is {}s away from now (at most {}s allowed)",
            skew.as_secs(),
            max_skew.as_secs()
        )));
    }
    if !crate::same(sign(secret, ms).as_bytes(), signature.as_bytes()) {
        return Err(fail("the sign does not match"));
    }
    Ok(())
}

/// Reads the robot's answer: `errcode` 0 is delivered; any other code is
/// an error, transient for [`TRANSIENT_CODES`] (and with a 5xx or 429
/// status), refused otherwise (310000: a security setting failed — bad
/// sign, stale timestamp, keyword missing, IP not allowed; 300001: bad
/// token…).
pub fn read_answer<B: AsRef<[u8]>>(answer: &Response<B>) -> Result<Delivered, NotifyError> {
    ENVELOPE.read(answer)
}
