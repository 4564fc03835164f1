//! E-mail over SMTP with `lettre`: STARTTLS, implicit TLS, or none (which
//! the notifier's config allows only on loopback).
//!
//! One connection per message, driven step by step rather than through
//! lettre's pooled transport, so that each failure is known for what it
//! is: a server that does not offer STARTTLS, a certificate no trusted CA
//! issued, a handshake that failed, or a connection that broke off.

use std::time::Duration;

use iotcard_notify::email::{read_smtp_reply, OutgoingEmail, SmtpServer, Tls};
use iotcard_notify::Delivered;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use crate::error::WatchError;
use crate::scrub::Scrubbed;

/// SMTP settings of the deliverer (not of a notifier).
#[derive(Clone)]
pub(crate) struct SmtpOptions {
    /// Trusted beside the web PKI roots (parsed when the deliverer is built).
    pub extra_roots: Vec<Certificate>,
    pub timeout: Duration,
    pub hello_name: Option<String>,
}

impl std::fmt::Debug for SmtpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpOptions")
            .field("extra_roots", &self.extra_roots.len())
            .field("timeout", &self.timeout)
            .field("hello_name", &self.hello_name)
            .finish()
    }
}

impl Default for SmtpOptions {
    fn default() -> Self {
        Self {
            extra_roots: Vec::new(),
            timeout: Duration::from_secs(60),
            hello_name: None,
        }
    }
}

/// The CA certificates in `pem`, for [`SmtpOptions::extra_roots`].
pub(crate) fn parse_roots(pem: &[u8], from: String) -> Result<Certificate, WatchError> {
    let refused = |source: Scrubbed| WatchError::CaPem {
        from: from.clone(),
        source,
    };
    // lettre takes PEM without a certificate in it as an empty list of
    // roots; a CA option that trusts nothing is a mistake worth saying.
    if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(refused(Scrubbed::new(&NoCertificate, &[])));
    }
    Certificate::from_pem(pem).map_err(|e| refused(Scrubbed::new(&e, &[])))
}

#[derive(Debug, thiserror::Error)]
#[error("no `BEGIN CERTIFICATE` block")]
struct NoCertificate;

fn secrets(server: &SmtpServer) -> Vec<String> {
    server
        .credentials
        .iter()
        .map(|c| c.password.expose().to_owned())
        .collect()
}

/// Sends `email`: whether a reply came, and what it said.
pub(crate) async fn send(
    notifier: &str,
    email: &OutgoingEmail,
    options: &SmtpOptions,
) -> (bool, Result<Delivered, WatchError>) {
    // lettre bounds only the TCP connect: a server that accepts and then
    // says nothing would hold the notifier's queue for ever.
    match tokio::time::timeout(options.timeout, converse(notifier, email, options)).await {
        Ok(Ok(reply)) => (true, reply),
        Ok(Err(e)) => (false, Err(e)),
        Err(elapsed) => (
            false,
            Err(WatchError::Smtp {
                notifier: notifier.to_owned(),
                host: email.server.host.clone(),
                port: email.server.port,
                transient: true,
                source: Scrubbed::new(&elapsed, &[]),
            }),
        ),
    }
}

/// The conversation: the outer error is one that stopped it before a
/// reply to the message (no reply came), the inner result is the reply.
async fn converse(
    notifier: &str,
    email: &OutgoingEmail,
    options: &SmtpOptions,
) -> Result<Result<Delivered, WatchError>, WatchError> {
    let server = &email.server;
    let failure = |e: lettre::transport::smtp::Error| Failure::of(notifier, server, e);
    let hello = ClientId::Domain(
        options
            .hello_name
            .clone()
            .unwrap_or_else(|| "localhost".into()),
    );
    let implicit = match server.tls {
        Tls::Tls => Some(parameters(notifier, server, options)?),
        _ => None,
    };
    let mut connection = match AsyncSmtpConnection::connect_tokio1(
        (server.host.as_str(), server.port),
        Some(options.timeout),
        &hello,
        implicit,
        None,
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return failure(e).into_result(),
    };
    if matches!(server.tls, Tls::Starttls) {
        // Never go on in plain text: the login and the message would cross
        // the network readable.
        if !connection.can_starttls() {
            connection.abort().await;
            return Err(WatchError::SmtpNoStarttls {
                notifier: notifier.to_owned(),
                host: server.host.clone(),
                port: server.port,
            });
        }
        let parameters = match parameters(notifier, server, options) {
            Ok(p) => p,
            Err(e) => {
                connection.abort().await;
                return Err(e);
            }
        };
        if let Err(e) = connection.starttls(parameters, &hello).await {
            // A failed upgrade leaves lettre's connection without a stream
            // (writing a goodbye on it panics): it is only dropped.
            return failure(e).into_result();
        }
    }
    let outcome: Result<_, Failure> = async {
        if let Some(login) = &server.credentials {
            let credentials =
                Credentials::new(login.username.clone(), login.password.expose().to_owned());
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .await
                .map_err(failure)?;
        }
        let reply = connection
            .send(email.message.envelope(), &email.message.formatted())
            .await
            .map_err(failure)?;
        Ok(reply)
    }
    .await;
    match outcome {
        Ok(reply) => {
            // The message is accepted: a failed goodbye changes nothing.
            let _ = connection.quit().await;
            let text = reply.message().collect::<Vec<_>>().join(" ");
            Ok(read_smtp_reply(u16::from(reply.code()), &text).map_err(answer(notifier)))
        }
        Err(f) => {
            connection.abort().await;
            f.into_result()
        }
    }
}

fn answer(notifier: &str) -> impl Fn(iotcard_notify::NotifyError) -> WatchError + '_ {
    move |source| WatchError::Answer {
        notifier: notifier.to_owned(),
        source,
    }
}

/// TLS for `server`: its name verified against the web PKI roots and the
/// deliverer's extra CAs.
fn parameters(
    notifier: &str,
    server: &SmtpServer,
    options: &SmtpOptions,
) -> Result<TlsParameters, WatchError> {
    let mut builder = TlsParameters::builder(server.host.clone());
    for root in &options.extra_roots {
        builder = builder.add_root_certificate(root.clone());
    }
    builder.build_rustls().map_err(|e| WatchError::SmtpTls {
        notifier: notifier.to_owned(),
        source: Scrubbed::new(&e, &secrets(server)),
    })
}

/// How a conversation stopped before a reply to the message.
enum Failure {
    /// The server replied to a command, and not with 2xx/3xx.
    Replied(WatchError),
    /// No reply came.
    Stop(WatchError),
}

impl Failure {
    fn of(notifier: &str, server: &SmtpServer, e: lettre::transport::smtp::Error) -> Self {
        let source = Scrubbed::new(&e, &secrets(server));
        let (host, port, notifier) = (server.host.clone(), server.port, notifier.to_owned());
        if let Some(code) = e.status() {
            // A reply: 4xx is transient, 5xx refused (a bad login, a
            // server that wants TLS first).
            return Self::Replied(
                read_smtp_reply(u16::from(code), source.as_str()).map_or_else(
                    |source| WatchError::Answer {
                        notifier: notifier.clone(),
                        source,
                    },
                    // A positive code is never an error; should lettre
                    // report one, it is no delivery either.
                    |_| WatchError::Smtp {
                        notifier: notifier.clone(),
                        host: host.clone(),
                        port,
                        transient: false,
                        source: source.clone(),
                    },
                ),
            );
        }
        Self::Stop(match tls_error(&e) {
            Some(rustls::Error::InvalidCertificate(_)) => WatchError::SmtpCertificate {
                notifier,
                host,
                port,
                source,
            },
            Some(_) => WatchError::SmtpHandshake {
                notifier,
                host,
                port,
                source,
            },
            // The client cannot go on with what the server offers (no
            // login mechanism it knows): the same next time.
            None if e.is_client() => WatchError::Smtp {
                notifier,
                host,
                port,
                transient: false,
                source,
            },
            // Refused, reset, timed out, closed mid-reply.
            None => WatchError::Smtp {
                notifier,
                host,
                port,
                transient: true,
                source,
            },
        })
    }

    /// A reply came for [`Replied`](Self::Replied): the attempt reached
    /// the server and counts against its rate.
    fn into_result(self) -> Result<Result<Delivered, WatchError>, WatchError> {
        match self {
            Self::Replied(e) => Ok(Err(e)),
            Self::Stop(e) => Err(e),
        }
    }
}

/// The rustls error under `e`, when the TLS handshake failed: tokio-rustls
/// reports it as an I/O error wrapping it.
fn tls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(tls) = c.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(tls) = c
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(tls);
        }
        cause = c.source();
    }
    None
}
