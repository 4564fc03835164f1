//! The crate's one error type.

use std::fmt;
use std::time::Duration;

use http::StatusCode;
use thiserror::Error;

/// Which kind of channel a notifier is (the `kind` key of `[notifiers.NAME]`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// A DingTalk (钉钉) group robot.
    DingTalk,
    /// A WeCom (企业微信) group robot.
    WeCom,
    /// A Feishu (飞书) or Lark custom bot.
    Feishu,
    /// A generic webhook receiving Alertmanager's payload, version "4".
    Webhook,
    /// E-mail over SMTP.
    Email,
}

impl ChannelKind {
    /// The name used in the config's `kind` key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DingTalk => "dingtalk",
            Self::WeCom => "wecom",
            Self::Feishu => "feishu",
            Self::Webhook => "webhook",
            Self::Email => "email",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong configuring a notifier, building a message,
/// reading a robot's answer or checking a signature.
///
/// No variant carries a secret: URLs are shown redacted (`access_token=***`,
/// `key=***`, a Feishu hook's token as `***`), signing secrets and passwords
/// never. Provider codes and messages are kept verbatim (a message is cut at
/// 512 bytes so a hostile answer cannot flood a log, and a credential it
/// echoes, `access_token=…`, is shown as `***`).
///
/// Callers never match variants to decide what to do:
/// [`is_transient`](Self::is_transient) (send again later, with backoff) and
/// [`is_refused`](Self::is_refused) (the service said no: a bad key, a bad
/// signature, a bad payload; sending again will not help) say it.
/// `Display` shows this layer's message only; the cause is
/// [`source`](std::error::Error::source).
///
/// ```
/// use http::Response;
/// use iotcard_notify::{dingtalk, NotifyError};
/// let e = dingtalk::read_answer(&Response::new(r#"{"errcode":130101,"errmsg":"send too fast"}"#))
///     .unwrap_err();
/// assert!(e.is_transient() && !e.is_refused());
/// assert_eq!(e.provider_code(), Some(130101));
/// assert_eq!(e.provider_message(), Some("send too fast"));
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// A `[notifiers.NAME]` table is not usable.
    #[error("notifier `{notifier}`: {problem}")]
    Config {
        /// The notifier's name (the table's key).
        notifier: String,
        /// What is wrong, naming the key.
        problem: String,
    },
    /// A digest was asked for with nothing in it, or with alerts of more
    /// than one rule.
    #[error("cannot build a digest: {reason}")]
    Digest {
        /// What was wrong with the alerts given.
        reason: String,
    },
    /// A message was to be signed or dated before 1970.
    #[error("cannot sign or date a message at a time before the Unix epoch")]
    TimeBeforeEpoch,
    /// Even with no card listed and every text cut short, the message does
    /// not fit the channel's size limit (only with absurdly long rule or
    /// account names).
    #[error("{channel} message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Which channel.
        channel: ChannelKind,
        /// The smallest size reached.
        size: usize,
        /// The channel's limit.
        limit: usize,
    },
    /// The `http` crate refused the request being built.
    #[error("could not build the {channel} request")]
    BuildRequest {
        /// Which channel.
        channel: ChannelKind,
        /// Why.
        #[source]
        source: http::Error,
    },
    /// The request body could not be written as JSON.
    #[error("could not write the {channel} request body")]
    EncodeBody {
        /// Which channel.
        channel: ChannelKind,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The e-mail message could not be built.
    #[error("could not build the e-mail message")]
    Email {
        /// Why.
        #[source]
        source: lettre::error::Error,
    },
    /// The receiver answered with a non-2xx HTTP status (and, for the
    /// robots, no error code of theirs in the body).
    #[error("{channel} answered HTTP {status}: {body}")]
    HttpStatus {
        /// Which channel.
        channel: ChannelKind,
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body, credentials redacted.
        body: String,
        /// What `Retry-After` asked for (delay-seconds form), on any status.
        retry_after: Option<Duration>,
    },
    /// The robot answered with an error code of its own.
    #[error("{channel} refused the message: code {code}: {message}")]
    Provider {
        /// Which channel.
        channel: ChannelKind,
        /// The HTTP status the code came with.
        status: StatusCode,
        /// The provider's code (`errcode`, `code` or `StatusCode`), verbatim.
        code: i64,
        /// The provider's message (`errmsg`, `msg` or `StatusMessage`),
        /// verbatim, cut at 512 bytes.
        message: String,
        /// Whether the code says "later" (rate limited, busy).
        transient: bool,
        /// What `Retry-After` asked for, if anything.
        retry_after: Option<Duration>,
    },
    /// A 2xx answer whose body is not the robot's JSON envelope.
    #[error("{channel} answer (HTTP {status}) is not readable: {body}")]
    UnreadableAnswer {
        /// Which channel.
        channel: ChannelKind,
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body, credentials redacted.
        body: String,
        /// The JSON error, when the body was not JSON at all.
        #[source]
        source: Option<serde_json::Error>,
    },
    /// The SMTP server refused the message (a 4xx reply is transient, a 5xx
    /// one is not).
    #[error("the SMTP server answered {code}: {message}")]
    Smtp {
        /// The SMTP reply code.
        code: u16,
        /// The reply's text, verbatim, cut at 512 bytes.
        message: String,
    },
    /// An e-mail has no HTTP answer: its SMTP reply is read with
    /// [`email::read_smtp_reply`](crate::email::read_smtp_reply).
    #[error("{channel} has no HTTP answer to read (read the SMTP reply instead)")]
    NoHttpAnswer {
        /// Which channel.
        channel: ChannelKind,
    },
    /// A signed request's signature is missing or does not match (what a
    /// receiver's `verify` reports).
    #[error("{channel} signature check failed: {reason}")]
    Signature {
        /// Which channel.
        channel: ChannelKind,
        /// What is wrong (missing, malformed, no match, too old).
        reason: String,
    },
}

/// How many bytes of an answer's body or a provider's message an error keeps.
pub(crate) const SNIPPET: usize = 512;

/// Cuts `text` to at most [`SNIPPET`] bytes on a character boundary.
pub(crate) fn snippet(text: &str) -> String {
    if text.len() <= SNIPPET {
        return text.to_owned();
    }
    let mut end = SNIPPET;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

impl NotifyError {
    /// Worth sending again later: a 5xx, 408 or 429 answer, a robot's
    /// rate-limit or busy code, an SMTP 4xx reply, or an unreadable answer
    /// that came with a 5xx status.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::HttpStatus { status, .. } | Self::UnreadableAnswer { status, .. } => {
                transient_status(*status)
            }
            Self::Provider { transient, .. } => *transient,
            Self::Smtp { code, .. } => (400..500).contains(code),
            _ => false,
        }
    }

    /// The receiver said no and will say it again: a bad key or token, a
    /// bad signature, a payload it rejects (a 4xx other than 408 and 429, a
    /// non-rate-limit robot code, an SMTP reply other than 4xx).
    pub fn is_refused(&self) -> bool {
        match self {
            Self::HttpStatus { status, .. } => {
                status.is_client_error() && !transient_status(*status)
            }
            Self::Provider { transient, .. } => !*transient,
            Self::Smtp { code, .. } => !(400..500).contains(code),
            _ => false,
        }
    }

    /// The robot's own error code, verbatim.
    pub fn provider_code(&self) -> Option<i64> {
        match self {
            Self::Provider { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The robot's own error message, verbatim.
    pub fn provider_message(&self) -> Option<&str> {
        match self {
            Self::Provider { message, .. } | Self::Smtp { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The answer's HTTP status, when there was an answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::HttpStatus { status, .. }
            | Self::Provider { status, .. }
            | Self::UnreadableAnswer { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the answer asked to wait (`Retry-After` in seconds).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::HttpStatus { retry_after, .. } | Self::Provider { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Which channel the error is about, when it is about one.
    pub fn channel(&self) -> Option<ChannelKind> {
        match self {
            Self::TooLarge { channel, .. }
            | Self::BuildRequest { channel, .. }
            | Self::EncodeBody { channel, .. }
            | Self::HttpStatus { channel, .. }
            | Self::Provider { channel, .. }
            | Self::UnreadableAnswer { channel, .. }
            | Self::Signature { channel, .. }
            | Self::NoHttpAnswer { channel } => Some(*channel),
            Self::Email { .. } | Self::Smtp { .. } => Some(ChannelKind::Email),
            _ => None,
        }
    }

    pub(crate) fn config(notifier: &str, problem: impl Into<String>) -> Self {
        Self::Config {
            notifier: notifier.to_owned(),
            problem: problem.into(),
        }
    }

    pub(crate) fn signature(channel: ChannelKind, reason: impl Into<String>) -> Self {
        Self::Signature {
            channel,
            reason: reason.into(),
        }
    }
}

fn transient_status(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}
