//! The crate's one error type.

use std::path::PathBuf;

use iotcard_notify::NotifyError;
use iotcard_store::StoreError;
use thiserror::Error;

use crate::scrub::Scrubbed;

/// Why a [`Watcher`](crate::Watcher) call failed or its plan was refused,
/// why one attempt to deliver a digest failed, or why a
/// [`Deliverer`](crate::Deliverer) could not be built.
///
/// A failed sync pass or delivery is not an error of the watcher: it is in
/// the report, and the next pass or retry runs. Ask
/// [`is_transient`](Self::is_transient) and [`is_refused`](Self::is_refused)
/// rather than matching variants.
///
/// No variant carries a secret: robot URLs are shown redacted, and the
/// causes that came from the transport or the SMTP client are kept as text
/// scrubbed of the URL's credentials and the SMTP password ([`Scrubbed`]).
/// `Display` says what went wrong at this level; the cause is
/// [`source`](std::error::Error::source).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WatchError {
    /// The plan cannot work (a profile twice, a zero interval, a rule
    /// notifying an unknown notifier).
    #[error("the watch plan is refused: {problem}")]
    InvalidPlan {
        /// What is wrong.
        problem: String,
    },
    /// The store failed.
    #[error("the store failed {doing}")]
    Store {
        /// What the watcher was doing (`reading alert state`).
        doing: &'static str,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// Another watcher holds the account's lease now: this one's renewal
    /// lapsed, so its evaluation was not committed (the holder evaluates).
    #[error("the lease `{name}` was lost to another watcher")]
    LeaseLost {
        /// The lease's name.
        name: String,
    },
    /// Another watcher holds the account's lease.
    #[error("the lease `{name}` is held by {holder}")]
    LeaseHeld {
        /// The lease's name.
        name: String,
        /// Who holds it.
        holder: String,
    },
    /// A stored alert state could not be read or written as JSON.
    #[error("alert {key}: its stored state is not readable")]
    AlertRow {
        /// The alert (`rule profile/card`).
        key: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A digest could not be written to, or read from, the outbox.
    #[error("outbox entry {key}: its payload is not a digest")]
    Payload {
        /// The digest's or entry's key.
        key: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// Alerts could not be grouped into a digest (an alert of another
    /// rule).
    #[error("the alerts could not be grouped into a digest")]
    Digest {
        /// Why.
        #[source]
        source: NotifyError,
    },
    /// The clock reads a time the store cannot keep.
    #[error("the clock reads a time the store cannot keep")]
    Clock,
    /// The message could not be built (a digest too large, a clock before 1970).
    #[error("notifier `{notifier}`: could not prepare the message")]
    Prepare {
        /// The notifier's name.
        notifier: String,
        /// Why.
        #[source]
        source: NotifyError,
    },
    /// The request got no answer (connection refused or closed, timeout, TLS).
    #[error("notifier `{notifier}`: no answer from {url}")]
    Transport {
        /// The notifier's name.
        notifier: String,
        /// Where the request went, redacted.
        url: String,
        /// Whether the same request may get through later.
        transient: bool,
        /// The transport's error, scrubbed.
        #[source]
        source: Scrubbed,
    },
    /// The receiver answered, and not with "delivered".
    #[error("notifier `{notifier}`: the message was not accepted")]
    Answer {
        /// The notifier's name.
        notifier: String,
        /// The answer, classified.
        #[source]
        source: NotifyError,
    },
    /// The SMTP server could not be reached, or the conversation broke off
    /// before a reply to the message (transient), or the client could not
    /// go on with what the server offers (no login it can use: not
    /// transient).
    #[error("notifier `{notifier}`: the SMTP conversation with {host}:{port} failed")]
    Smtp {
        /// The notifier's name.
        notifier: String,
        /// The server's host.
        host: String,
        /// The server's port.
        port: u16,
        /// Whether the same message may get through later.
        transient: bool,
        /// The SMTP client's error, scrubbed.
        #[source]
        source: Scrubbed,
    },
    /// The notifier requires STARTTLS and the server does not offer it
    /// after `EHLO`: nothing was sent, not even the login, rather than
    /// sending it in plain text.
    #[error(
        "notifier `{notifier}`: the SMTP server {host}:{port} does not offer STARTTLS, \
         and the notifier requires it (nothing was sent in plain text)"
    )]
    SmtpNoStarttls {
        /// The notifier's name.
        notifier: String,
        /// The server's host.
        host: String,
        /// The server's port.
        port: u16,
    },
    /// The SMTP server's certificate is not trusted (an unknown CA, another
    /// host's name, expired): nothing was sent.
    #[error(
        "notifier `{notifier}`: the certificate of the SMTP server {host}:{port} is not trusted"
    )]
    SmtpCertificate {
        /// The notifier's name.
        notifier: String,
        /// The server's host.
        host: String,
        /// The server's port.
        port: u16,
        /// The TLS library's verdict, scrubbed.
        #[source]
        source: Scrubbed,
    },
    /// The TLS handshake with the SMTP server failed for another reason
    /// than its certificate (it does not speak TLS on that port, no
    /// common protocol version): nothing was sent.
    #[error("notifier `{notifier}`: the TLS handshake with the SMTP server {host}:{port} failed")]
    SmtpHandshake {
        /// The notifier's name.
        notifier: String,
        /// The server's host.
        host: String,
        /// The server's port.
        port: u16,
        /// The TLS library's error, scrubbed.
        #[source]
        source: Scrubbed,
    },
    /// The TLS settings for an SMTP server could not be made (a host name
    /// TLS cannot verify).
    #[error("notifier `{notifier}`: could not set up TLS for the SMTP server")]
    SmtpTls {
        /// The notifier's name.
        notifier: String,
        /// The SMTP client's error, scrubbed.
        #[source]
        source: Scrubbed,
    },
    /// A CA file given to the builder could not be read.
    #[error("could not read the CA file {}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The status server could not listen on its address (in use, not
    /// this host's, no permission).
    #[error("could not listen on {address}")]
    Listen {
        /// The address.
        address: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// CA certificates given to the builder are not PEM certificates.
    #[error("the SMTP CA certificates from {from} are not PEM certificates")]
    CaPem {
        /// Where they came from (a file's path, or `smtp_ca_pem #2`).
        from: String,
        /// The SMTP client's error.
        #[source]
        source: Scrubbed,
    },
}

impl WatchError {
    pub(crate) fn store(doing: &'static str) -> impl FnOnce(StoreError) -> Self {
        move |source| WatchError::Store { doing, source }
    }

    /// Worth trying again later: no answer for a passing reason, a 5xx,
    /// 408 or 429, a robot's rate-limit code, an SMTP 4xx or a broken SMTP
    /// connection.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { transient, .. } | Self::Smtp { transient, .. } => *transient,
            Self::Answer { source, .. } => source.is_transient(),
            _ => false,
        }
    }

    /// Delivery will fail the same way until someone changes a setting:
    /// the receiver said no and will say it again (a bad key, a bad
    /// signature, a bad login, a payload it rejects), or the SMTP server
    /// cannot be trusted with the message (a certificate no trusted CA
    /// issued, no STARTTLS when the notifier requires it).
    pub fn is_refused(&self) -> bool {
        match self {
            Self::Answer { source, .. } => source.is_refused(),
            Self::SmtpNoStarttls { .. } | Self::SmtpCertificate { .. } => true,
            _ => false,
        }
    }

    /// How long the answer asked to wait, when it did.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Answer { source, .. } => source.retry_after(),
            _ => None,
        }
    }

    /// The notifier the error is about, if any.
    pub fn notifier(&self) -> Option<&str> {
        match self {
            Self::Prepare { notifier, .. }
            | Self::Transport { notifier, .. }
            | Self::Answer { notifier, .. }
            | Self::Smtp { notifier, .. }
            | Self::SmtpNoStarttls { notifier, .. }
            | Self::SmtpCertificate { notifier, .. }
            | Self::SmtpHandshake { notifier, .. }
            | Self::SmtpTls { notifier, .. } => Some(notifier),
            _ => None,
        }
    }
}

/// `error` and every cause, `: `-joined, each once (for one log field or
/// one stored line).
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    Scrubbed::new(error, &[]).as_str().to_owned()
}
