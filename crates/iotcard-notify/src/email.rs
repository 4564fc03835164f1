//! E-mail: the RFC 5322 message (plain text with an HTML alternative),
//! built with `lettre`'s pure message builder. The SMTP conversation is the
//! shell's: [`OutgoingEmail`] says where and how to send it.

use std::fmt;
use std::time::SystemTime;

use iotcard_model::Secret;
use lettre::message::header::{ContentType, MessageId};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;
use serde::Deserialize;

use crate::digest::{html, plain};
use crate::{ChannelKind, Delivered, Digest, IdempotencyKey, NotifyError};

/// How many card lines an e-mail lists at most before "and N more".
pub const FIRST_FEW: usize = 200;

/// How the SMTP connection is protected (the config's `tls`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// Plain connection upgraded with `STARTTLS` (port 587 by default).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No TLS at all: only for a loopback host (port 25 by default).
    None,
}

impl Tls {
    /// The port used when the config gives none.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Starttls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

/// Where and how to reach the SMTP server. `Debug` never shows the
/// password.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmtpServer {
    /// The host name or address.
    pub host: String,
    /// The port.
    pub port: u16,
    /// STARTTLS, implicit TLS or none.
    pub tls: Tls,
    /// The login, when the server wants one.
    pub credentials: Option<SmtpCredentials>,
}

/// An SMTP login.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmtpCredentials {
    /// The user name.
    pub username: String,
    /// The password (a [`Secret`]: shown as `***`).
    pub password: Secret,
}

impl SmtpServer {
    /// The server at `host:port`.
    pub fn new(host: impl Into<String>, port: u16, tls: Tls) -> Self {
        Self {
            host: host.into(),
            port,
            tls,
            credentials: None,
        }
    }

    /// Logging in as `username`.
    pub fn with_login(mut self, username: impl Into<String>, password: Secret) -> Self {
        self.credentials = Some(SmtpCredentials {
            username: username.into(),
            password,
        });
        self
    }
}

/// An e-mail notifier: the server, the sender and the recipients.
#[derive(Clone, Debug)]
pub struct Email {
    server: SmtpServer,
    from: Mailbox,
    to: Vec<Mailbox>,
}

/// An e-mail ready for the shell to send: the server to send it through
/// and the message (its envelope and its RFC 5322 bytes).
#[derive(Clone)]
pub struct OutgoingEmail {
    /// Where to send it.
    pub server: SmtpServer,
    /// The message; `message.envelope()` gives `MAIL FROM` and `RCPT TO`,
    /// `message.formatted()` the bytes for `DATA`.
    pub message: Message,
}

impl fmt::Debug for OutgoingEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingEmail")
            .field("server", &self.server)
            .field("envelope", self.message.envelope())
            .finish_non_exhaustive()
    }
}

impl Email {
    /// Mail from `from` to `to` (at least one) through `server`.
    pub fn new(server: SmtpServer, from: Mailbox, to: Vec<Mailbox>) -> Self {
        Self { server, from, to }
    }

    /// The server.
    pub fn server(&self) -> &SmtpServer {
        &self.server
    }

    /// The message for `digest`, dated `now`. Its `Message-ID` is
    /// `<KEY@DOMAIN>` (the outbox key, the sender's domain) and its MIME
    /// boundary is derived from the key too, so the same digest always
    /// gives the same bytes and no randomness is read.
    pub fn message(
        &self,
        digest: &Digest,
        now: SystemTime,
        key: &IdempotencyKey,
    ) -> Result<Message, NotifyError> {
        if now < SystemTime::UNIX_EPOCH {
            return Err(NotifyError::TimeBeforeEpoch);
        }
        let (subject, text, html) =
            digest.fit(ChannelKind::Email, usize::MAX, FIRST_FEW, |view| {
                Ok(((view.title.clone(), plain(view), html(view)), 0))
            })?;
        let domain = self.from.email.domain().to_owned();
        let boundary = format!("iotcard-{key}");
        let alternative =
            ContentType::parse(&format!("multipart/alternative; boundary=\"{boundary}\""))
                .map_err(|_| NotifyError::Digest {
                    reason: "could not make the MIME boundary".into(),
                })?;
        let body = MultiPart::builder()
            .header(alternative)
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(text),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(html),
            );
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .date(now)
            .header(MessageId::from(format!("<{key}@{domain}>")));
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .multipart(body)
            .map_err(|source| NotifyError::Email { source })
    }

    /// The e-mail for `digest`, dated `now`, with its server.
    pub fn prepare(
        &self,
        digest: &Digest,
        now: SystemTime,
        key: &IdempotencyKey,
    ) -> Result<OutgoingEmail, NotifyError> {
        Ok(OutgoingEmail {
            server: self.server.clone(),
            message: self.message(digest, now, key)?,
        })
    }
}

/// Classifies the SMTP server's final reply to the message: 2xx is
/// delivered, 4xx transient, 5xx (and anything else) refused; the text is
/// kept verbatim.
pub fn read_smtp_reply(code: u16, message: &str) -> Result<Delivered, NotifyError> {
    if (200..300).contains(&code) {
        Ok(Delivered {
            channel: ChannelKind::Email,
            status: http::StatusCode::OK,
            code: Some(i64::from(code)),
            message: Some(crate::error::snippet(message)),
        })
    } else {
        Err(NotifyError::Smtp {
            code,
            message: crate::error::snippet(message),
        })
    }
}
