use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use iotbos_proto::IotbosError;
use iotcard_model::ModelError;
use iotcard_transport::{ClockSkew, TransportError};
use tencent_proto::TencentError;
use thiserror::Error;

/// What went wrong with a call, after retries.
///
/// Display shows this layer's words only; the cause is in
/// [`source()`](std::error::Error::source), down to the transport's or the
/// provider's verbatim text. Each error says itself what it is:
/// [`is_transient`](Error::is_transient), [`is_timeout`](Error::is_timeout),
/// [`is_refused`](Error::is_refused), [`status`](Error::status), the
/// provider's [`code`](Error::provider_code) and
/// [`message`](Error::provider_message). No variant ever holds a credential
/// (URLs are redacted before they are kept).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument cannot be valid (a card number, an ICCID, a limit);
    /// nothing was sent.
    #[error(transparent)]
    InvalidInput(#[from] ModelError),
    /// The client was configured wrongly (a missing credential, a zero batch
    /// size); nothing was sent.
    #[error("invalid client configuration: {setting} {problem}")]
    Config {
        /// Which setting (`account`, `batch_size`, …).
        setting: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// Sending failed: connect, TLS, timeout, body.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// IoTBOS refused or answered something unreadable.
    #[error(transparent)]
    Iotbos(#[from] IotbosError),
    /// Tencent refused or answered something unreadable.
    #[error(transparent)]
    Tencent(#[from] TencentError),
    /// A transient failure persisted through every attempt allowed.
    #[error("{call} failed after {attempts} attempts")]
    AttemptsExhausted {
        /// Which call (`iotbos usage`, `tencent getcardinfo`, …).
        call: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: Box<Error>,
    },
    /// The client's retry budget is spent (the server has been failing for
    /// many requests in a row), so the failure is reported without retrying.
    #[error("{call} failed and the retry budget is spent after {attempts} attempts")]
    RetryBudgetExhausted {
        /// Which call.
        call: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: Box<Error>,
    },
    /// The server asked to wait (`Retry-After`) longer than the client is
    /// configured to.
    #[error(
        "{call}: the server asked to retry after {after:?}, longer than the allowed {limit:?}"
    )]
    RetryAfterTooLong {
        /// Which call.
        call: String,
        /// What the server asked.
        after: Duration,
        /// The configured ceiling.
        limit: Duration,
        /// The failure that carried the `Retry-After`.
        #[source]
        last: Box<Error>,
    },
    /// A card listing ended with fewer cards than the account reports for
    /// it (`getappinfo`): every card listed came out, and this says the
    /// listing is not the whole fleet.
    #[error("the card list ended after {listed} cards, but the account reports {expected}")]
    IncompleteListing {
        /// Cards listed.
        listed: u64,
        /// Cards the account reports.
        expected: u64,
    },
    /// Tencent refused the request's `time` or `sig`, and its answer's
    /// `Date` is more than a minute from the local clock: the clock is the
    /// likely cause (every request is signed with the local time). The
    /// refusal is the [`source`](std::error::Error::source); the error is a
    /// refusal ([`is_refused`](Error::is_refused)), not transient.
    #[error("{}; the platform refused the request's time/signature", SkewText(*skew))]
    ClockSkew {
        /// How far the local clock is from the server's, and which way.
        skew: ClockSkew,
        /// The refusal.
        #[source]
        source: Box<Error>,
    },
    /// Logging in failed, so the call could not be made.
    #[error("IoTBOS login failed")]
    Login(#[source] SharedError),
}

/// "the local clock is 5 min 12 s behind the Tencent server's".
struct SkewText(ClockSkew);

impl std::fmt::Display for SkewText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0.magnitude().as_secs();
        let way = if self.0.local_is_behind() {
            "behind"
        } else {
            "ahead of"
        };
        f.write_str("the local clock is ")?;
        match (secs / 3600, secs / 60 % 60, secs % 60) {
            (0, 0, s) => write!(f, "{s} s")?,
            (0, m, s) => write!(f, "{m} min {s} s")?,
            (h, m, s) => write!(f, "{h} h {m} min {s} s")?,
        }
        write!(f, " {way} the Tencent server's")
    }
}

/// A shared error, as handed to every card of a failed batch.
pub type SharedError = Arc<Error>;

impl Error {
    pub(crate) fn config(setting: &'static str, problem: impl Into<String>) -> Self {
        Error::Config {
            setting,
            problem: problem.into(),
        }
    }

    /// The innermost failure, past the retry and login wrappers.
    pub fn root(&self) -> &Error {
        match self {
            Error::AttemptsExhausted { last, .. }
            | Error::RetryBudgetExhausted { last, .. }
            | Error::RetryAfterTooLong { last, .. } => last.root(),
            Error::Login(inner) => inner.root(),
            Error::ClockSkew { source, .. } => source.root(),
            other => other,
        }
    }

    /// Whether the same request may succeed if sent again: a connect
    /// failure, a timeout, a 5xx/408/429, a broken or garbled answer. After
    /// retries this still says whether asking again *later* may help.
    pub fn is_transient(&self) -> bool {
        match self.root() {
            Error::Transport(t) => t.is_transient(),
            Error::Iotbos(e) => e.is_transient(),
            Error::Tencent(e) => e.is_transient(),
            _ => false,
        }
    }

    /// Whether the root cause is a time limit running out.
    pub fn is_timeout(&self) -> bool {
        matches!(self.root(), Error::Transport(t) if t.is_timeout())
    }

    /// Whether the root cause is the provider refusing the call (a refused
    /// login, token, signature or card), in its own envelope.
    pub fn is_refused(&self) -> bool {
        match self.root() {
            Error::Iotbos(e) => e.is_refused(),
            Error::Tencent(e) => e.is_refused(),
            _ => false,
        }
    }

    /// Whether the root cause is Tencent saying the account does not hold
    /// the ICCID asked about.
    pub fn is_card_unknown(&self) -> bool {
        matches!(self.root(), Error::Tencent(e) if e.is_card_unknown())
    }

    /// Whether this is a listing that ended short of the account's count
    /// ([`Error::IncompleteListing`]): a gap to report, not a failed call.
    pub fn is_incomplete_listing(&self) -> bool {
        matches!(self, Error::IncompleteListing { .. })
    }

    /// Whether the root cause is a server certificate that is not trusted.
    pub fn is_untrusted_certificate(&self) -> bool {
        matches!(self.root(), Error::Transport(t) if t.is_untrusted_certificate())
    }

    /// The HTTP status of the answer behind the root cause, if one came.
    pub fn status(&self) -> Option<StatusCode> {
        match self.root() {
            Error::Transport(t) => t.status(),
            Error::Iotbos(e) => e.status(),
            Error::Tencent(e) => e.status(),
            _ => None,
        }
    }

    /// How long the answer behind the root cause asked to wait before
    /// asking again (`Retry-After`), as the parser (or the transport) read
    /// it.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.root() {
            Error::Transport(t) => t.retry_after(),
            Error::Iotbos(e) => e.retry_after(),
            Error::Tencent(e) => e.retry_after(),
            _ => None,
        }
    }

    /// The provider's own code, verbatim (Tencent's `code`; IoTBOS's
    /// envelope `status`).
    pub fn provider_code(&self) -> Option<String> {
        match self.root() {
            Error::Iotbos(e) => e.provider_code(),
            Error::Tencent(e) => e.provider_code(),
            _ => None,
        }
    }

    /// The provider's own message, verbatim (Tencent's `message`; IoTBOS's
    /// `info`).
    pub fn provider_message(&self) -> Option<&str> {
        match self.root() {
            Error::Iotbos(e) => e.provider_message(),
            Error::Tencent(e) => e.provider_message(),
            _ => None,
        }
    }

    /// Whether the call spent every attempt on transient failures, so asking
    /// again later may succeed. (A dry retry budget is not such a case: it
    /// says the server is failing across the board, and asking again is what
    /// the budget exists to prevent.)
    pub fn attempts_exhausted(&self) -> bool {
        match self {
            Error::AttemptsExhausted { .. } => true,
            Error::Login(inner) => inner.attempts_exhausted(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    fn chain(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
        let mut out = vec![e.to_string()];
        let mut next = e.source();
        while let Some(cause) = next {
            out.push(cause.to_string());
            next = cause.source();
        }
        out
    }

    #[test]
    fn wrappers_show_one_level_and_chain_to_the_provider_text() {
        let refused = Error::Iotbos(
            iotbos_proto::parse_login(&http::Response::new(
                br#"{"status":0,"info":"wrong password"}"#,
            ))
            .unwrap_err(),
        );
        assert!(refused.is_refused() && !refused.is_transient());
        let login = Error::Login(Arc::new(refused));
        let retried = Error::AttemptsExhausted {
            call: "iotbos usage".into(),
            attempts: 3,
            last: Box::new(login),
        };
        let lines = chain(&retried);
        assert_eq!(lines[0], "iotbos usage failed after 3 attempts");
        assert_eq!(lines[1], "IoTBOS login failed");
        assert!(
            lines.last().unwrap().contains("wrong password"),
            "{lines:?}"
        );
        for pair in lines.windows(2) {
            assert!(!pair[0].contains(&pair[1]), "{pair:?} repeats its cause");
        }
        assert!(retried.is_refused());
        assert_eq!(retried.provider_message(), Some("wrong password"));
        assert!(retried.source().is_some());
    }

    #[test]
    fn a_clock_skew_says_how_far_and_keeps_the_refusal() {
        let refused = tencent_proto::parse_app_info(&http::Response::new(
            br#"{"code":1004,"message":"time"}"#,
        ))
        .unwrap_err();
        let server = std::time::UNIX_EPOCH + Duration::from_secs(1_000_000);
        for (local, shown) in [
            (server - Duration::from_secs(312), "5 min 12 s behind"),
            (server + Duration::from_secs(75), "1 min 15 s ahead of"),
            (
                server + Duration::from_secs(3 * 3600 + 61),
                "3 h 1 min 1 s ahead of",
            ),
            (server - Duration::from_secs(59), "59 s behind"),
        ] {
            let e = Error::ClockSkew {
                skew: ClockSkew::between(server, local),
                source: Box::new(Error::Tencent(
                    tencent_proto::parse_app_info(&http::Response::new(
                        br#"{"code":1004,"message":"time"}"#,
                    ))
                    .unwrap_err(),
                )),
            };
            assert_eq!(
                e.to_string(),
                format!(
                    "the local clock is {shown} the Tencent server's; the platform refused the request's time/signature"
                )
            );
            assert!(e.is_refused() && !e.is_transient());
            assert_eq!(e.provider_code().as_deref(), Some("1004"));
            assert_eq!(chain(&e)[1], refused.to_string());
        }
    }

    #[test]
    fn configuration_errors_name_the_setting() {
        let e = Error::config("batch_size", "must be at least 1");
        assert_eq!(
            e.to_string(),
            "invalid client configuration: batch_size must be at least 1"
        );
        assert!(!e.is_transient() && !e.is_refused() && e.status().is_none());
    }
}
