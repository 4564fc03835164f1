//! Sans-IO notifications for `iotcard watch`: alerts grouped into digests,
//! and for each channel — DingTalk, WeCom and Feishu/Lark robots, a webhook
//! receiving Alertmanager's payload, e-mail — the message within the
//! channel's size limit, signed, as an [`http::Request`] (or an RFC 5322
//! message) for the shell to send; the answer read and classified; when
//! the next message may go out.
//!
//! No I/O, no clock, no randomness: the time comes in as an argument, and
//! the same inputs always give the same bytes.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use http::Response;
//! use iotcard_notify::{dingtalk, Alert, Digest, NotifierConfig, Outgoing};
//!
//! // `[notifiers.ops]` from the config file.
//! let table: NotifierConfig = toml::from_str(r#"
//!     kind = "dingtalk"
//!     url = "https://oapi.dingtalk.com/robot/send?access_token=T0KEN"
//!     secret = "SECtest"
//! "#)?;
//! let ops = table.build("ops")?;
//!
//! // What the rules found this window: one message per rule.
//! let at = "2026-12-01T09:00:00+08:00".parse()?;
//! let alerts = (1..=30).map(|i| {
//!     Alert::firing("quota", "acme", at)
//!         .with_card(format!("898600000000000000{i:02}"), format!("{}% of 1 GiB used", 80 + i / 2))
//!         .with_summary("data used ≥ 80% of the allowance")
//! });
//! let digest = &Digest::group(alerts, at)[0];
//!
//! // Pure: the time is an argument.
//! let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_577_836_800_000);
//! let Outgoing::Http(request) = ops.prepare(digest, now)? else { unreachable!() };
//! assert_eq!(
//!     request.uri().to_string(),
//!     "https://oapi.dingtalk.com/robot/send?access_token=T0KEN\
//!      &timestamp=1577836800000&sign=drlICLmsjUfpSZSa7%2BmhIyTLZHQVqxb4vc20sB3aqQU%3D",
//! );
//! let body = std::str::from_utf8(request.body())?;
//! assert!(body.contains("**Rule:** quota") && body.contains("and 10 more"));
//! assert_eq!(request.headers()["idempotency-key"], ops.idempotency_key(digest).as_str());
//!
//! // A DingTalk-shaped receiver checks the signature the same way.
//! let query = request.uri().query().unwrap();
//! dingtalk::verify(query, &iotcard_model::Secret::new("SECtest"), now, Duration::from_secs(3600))?;
//!
//! // The answer, classified.
//! assert!(ops.read_answer(&Response::new(r#"{"errcode":0,"errmsg":"ok"}"#))?.code == Some(0));
//! let busy = ops.read_answer(&Response::new(r#"{"errcode":130101,"errmsg":"send too fast"}"#));
//! assert!(busy.unwrap_err().is_transient());
//!
//! // No secret in any log line.
//! assert!(!format!("{ops:?}").contains("T0KEN"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A digest has a bounded size however many alerts fire at once: it
//! carries at most [`MAX_DIGEST_ALERTS`] alerts whole (the first in its
//! canonical order) and only counts the others, so every message still
//! says exactly how many cards fire ("and 329,980 more") and the webhook's
//! `truncatedAlerts` counts them. [`DigestBuilder`] builds one from a
//! stream of alerts in that bounded memory; built over many steps, each
//! step's [`DigestPart`] (what it added: the alerts kept, whole, and the
//! others' sums) is small enough to stage, and a builder that absorbs the
//! parts gives the same digest and key.
//!
//! The async shell (through `iotcard-transport`, and an SMTP client for
//! [`Outgoing::Email`]) sends what [`Notifier::prepare`] gives, keeps the
//! outbox by [`IdempotencyKey`], retries what
//! [`NotifyError::is_transient`] says with [`backoff`], and waits as
//! [`RatePlan::next_send`] says.
#![deny(missing_docs)]

mod alert;
mod answer;
mod channel;
mod config;
mod digest;
pub mod dingtalk;
pub mod email;
mod error;
pub mod feishu;
mod rate;
mod url;
pub mod webhook;
pub mod wecom;

use std::time::SystemTime;

use base64::Engine as _;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{header, Method, Request};
use sha2::Sha256;

pub use alert::{fingerprint, Alert, AlertState, CardFigure, Severity, UnknownSeverity};
pub use answer::Delivered;
pub use channel::{Channel, Notifier, Outgoing, IDEMPOTENCY_KEY};
pub use config::{notifiers, NotifierConfig};
pub use digest::{
    window_start, Digest, DigestBuilder, DigestKey, DigestPart, IdempotencyKey, MAX_DIGEST_ALERTS,
};
pub use dingtalk::DingTalk;
pub use email::{Email, Tls};
pub use error::{ChannelKind, NotifyError};
pub use feishu::Feishu;
pub use rate::{backoff, RateLimit, RatePlan};
pub use url::{redact, SecretUrl, URL_SECRETS};
pub use webhook::Webhook;
pub use wecom::WeCom;

/// `at` in whole milliseconds since the Unix epoch.
pub(crate) fn unix_millis(at: SystemTime) -> Result<u64, NotifyError> {
    let since = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|_| NotifyError::TimeBeforeEpoch)?;
    u64::try_from(since.as_millis()).map_err(|_| NotifyError::TimeBeforeEpoch)
}

/// `base64(HMAC-SHA256(key, message))`, standard alphabet, padded.
pub(crate) fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Compares two byte strings in time independent of where they differ.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `POST uri` with a JSON body.
pub(crate) fn post_json(
    channel: ChannelKind,
    uri: String,
    body: Vec<u8>,
) -> Result<Request<Bytes>, NotifyError> {
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Bytes::from(body))
        .map_err(|source| NotifyError::BuildRequest { channel, source })
}
