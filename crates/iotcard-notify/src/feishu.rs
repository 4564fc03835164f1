//! Feishu (飞书) and Lark custom bots: an interactive card (or a `post` or
//! `text` message), signed with the bot's secret.
//!
//! `POST {url}` (`…/open-apis/bot/v2/hook/{token}`) with
//! `{"timestamp":"…","sign":"…","msg_type":"interactive","card":{…}}`; the
//! bot answers `{"code":0,"msg":"success"}` (older ones
//! `{"StatusCode":0,"StatusMessage":"success"}`).

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Request, Response};
use iotcard_model::Secret;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::answer::Envelope;
use crate::digest::{markdown_body, plain, plain_lines};
use crate::{AlertState, ChannelKind, Delivered, Digest, NotifyError, SecretUrl};

/// The largest request body sent. Feishu's custom-bot guide limits the
/// request body to 20 KB (cards elsewhere may reach about 30 KB); staying
/// under 20,000 bytes meets both.
pub const MAX_BODY: usize = 20_000;

/// How many card lines a message lists at most before "and N more".
pub const FIRST_FEW: usize = 20;

/// Codes that mean "later": 9499 (too many requests: a custom bot takes 100
/// a minute, 5 a second), 11232 (frequency limited), 230020 (the chat's
/// rate limit).
pub const TRANSIENT_CODES: &[i64] = &[9499, 11232, 230020];

const ENVELOPE: Envelope = Envelope {
    channel: ChannelKind::Feishu,
    fields: &[("code", "msg"), ("StatusCode", "StatusMessage")],
    transient: TRANSIENT_CODES,
};

/// Which kind of Feishu message to send (the config's `msg_type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    /// A message card: coloured header, `lark_md` text (the default).
    #[default]
    Interactive,
    /// Rich text (`post`): a title and plain lines.
    Post,
    /// Plain text.
    Text,
}

impl MessageType {
    /// The `msg_type` sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Interactive => "interactive",
            Self::Post => "post",
            Self::Text => "text",
        }
    }
}

/// A Feishu or Lark custom bot: its URL (whose last segment is its token)
/// and, when signature verification ("签名校验") is on, its secret. `Debug`
/// shows neither.
#[derive(Clone, Debug)]
pub struct Feishu {
    url: SecretUrl,
    secret: Option<Secret>,
    msg_type: MessageType,
}

impl Feishu {
    /// The bot at `url`, signing with `secret` if given.
    pub fn new(url: SecretUrl, secret: Option<Secret>, msg_type: MessageType) -> Self {
        Self {
            url,
            secret,
            msg_type,
        }
    }

    /// Where messages go.
    pub fn url(&self) -> &SecretUrl {
        &self.url
    }

    /// The JSON body for `digest`, signed at `timestamp_s` (Unix seconds)
    /// when the bot has a secret: as many cards (up to [`FIRST_FEW`]) as fit
    /// in [`MAX_BODY`] bytes, the signature included.
    pub fn body(&self, digest: &Digest, timestamp_s: u64) -> Result<Vec<u8>, NotifyError> {
        digest.fit(ChannelKind::Feishu, MAX_BODY, FIRST_FEW, |view| {
            let mut body = Map::new();
            if let Some(secret) = &self.secret {
                body.insert("timestamp".into(), timestamp_s.to_string().into());
                body.insert("sign".into(), sign(secret, timestamp_s).into());
            }
            body.insert("msg_type".into(), self.msg_type.as_str().into());
            match self.msg_type {
                MessageType::Interactive => {
                    let template = match view.status {
                        AlertState::Firing => "red",
                        AlertState::Resolved => "green",
                    };
                    body.insert(
                        "card".into(),
                        json!({
                            "config": {"wide_screen_mode": true},
                            "header": {
                                "title": {"tag": "plain_text", "content": view.title},
                                "template": template,
                            },
                            "elements": [
                                {"tag": "div", "text": {"tag": "lark_md", "content": markdown_body(view)}}
                            ],
                        }),
                    );
                }
                MessageType::Post => {
                    let lines: Vec<Value> = plain_lines(view)
                        .into_iter()
                        .map(|line| json!([{"tag": "text", "text": line}]))
                        .collect();
                    body.insert(
                        "content".into(),
                        json!({"post": {"zh_cn": {"title": view.title, "content": lines}}}),
                    );
                }
                MessageType::Text => {
                    body.insert(
                        "content".into(),
                        json!({"text": format!("{}\n{}", view.title, plain(view))}),
                    );
                }
            }
            let json = serde_json::to_vec(&Value::Object(body)).map_err(|source| {
                NotifyError::EncodeBody {
                    channel: ChannelKind::Feishu,
                    source,
                }
            })?;
            let size = json.len();
            Ok((json, size))
        })
    }

    /// The request sending `digest`, signed at `now` when the bot has a
    /// secret.
    pub fn request(&self, digest: &Digest, now: SystemTime) -> Result<Request<Bytes>, NotifyError> {
        let timestamp = crate::unix_millis(now)? / 1000;
        crate::post_json(
            ChannelKind::Feishu,
            self.url.expose().to_owned(),
            self.body(digest, timestamp)?,
        )
    }
}

/// The signature of `timestamp_s` (Unix seconds):
/// `base64(HMAC-SHA256(key = timestamp + "\n" + secret, msg = ""))`.
///
/// ```
/// use iotcard_model::Secret;
/// assert_eq!(
///     iotcard_notify::feishu::sign(&Secret::new("abc"), 1599360473),
///     "cgtpJzI2j6bUDggbdGYjskCK3FPgKpTkwosfWsMzKqM=",
/// );
/// ```
pub fn sign(secret: &Secret, timestamp_s: u64) -> String {
    let key = format!("{timestamp_s}\n{}", secret.expose());
    crate::hmac_base64(key.as_bytes(), b"")
}

/// What a Feishu-shaped receiver checks: the JSON body carries a
/// `timestamp` (Unix seconds, a string or a number) within `max_skew` of
/// `now` and its `sign` with `secret`. Feishu itself allows one hour.
pub fn verify(
    body: &[u8],
    secret: &Secret,
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), NotifyError> {
    let fail = |reason: &str| NotifyError::signature(ChannelKind::Feishu, reason);
    let value: Value = serde_json::from_slice(body).map_err(|_| fail("the body is not JSON"))?;
    let timestamp = match value.get("timestamp") {
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        None => return Err(fail("no timestamp in the body")),
        _ => None,
    }
    .ok_or_else(|| fail("the timestamp is not a number of seconds"))?;
    let Some(Value::String(signature)) = value.get("sign") else {
        return Err(fail("no sign in the body"));
    };
    let now_s = crate::unix_millis(now)? / 1000;
    let skew = Duration::from_secs(now_s.abs_diff(timestamp));
    if skew > max_skew {
        return Err(fail(&format!(
            "the timestamp is {}s away from now (at most {}s allowed)",
            skew.as_secs(),
            max_skew.as_secs()
        )));
    }
    if !crate::same(sign(secret, timestamp).as_bytes(), signature.as_bytes()) {
        return Err(fail("the sign does not match"));
    }
    Ok(())
}

/// Reads the bot's answer: `code` (or the older `StatusCode`) 0 is
/// delivered; any other code is an error, transient for
/// [`TRANSIENT_CODES`], refused otherwise (19021: sign match fail or
/// timestamp too old; 19022: IP not allowed; 19024: keyword not found…).
pub fn read_answer<B: AsRef<[u8]>>(answer: &Response<B>) -> Result<Delivered, NotifyError> {
    ENVELOPE.read(answer)
}
