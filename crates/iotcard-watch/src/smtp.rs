//! E-mail over SMTP with `lettre`: STARTTLS, implicit TLS, or none (which
//! the notifier's config allows only on loopback).

use std::time::Duration;

use iotcard_notify::email::{read_smtp_reply, OutgoingEmail, SmtpServer, Tls};
use iotcard_notify::Delivered;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls as LettreTls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::error::WatchError;
use crate::scrub::Scrubbed;

/// SMTP settings of the deliverer (not of a notifier).
#[derive(Clone, Debug)]
pub(crate) struct SmtpOptions {
    pub extra_ca_pem: Vec<Vec<u8>>,
    pub timeout: Duration,
    pub hello_name: Option<String>,
}

impl Default for SmtpOptions {
    fn default() -> Self {
        Self {
            extra_ca_pem: Vec::new(),
            timeout: Duration::from_secs(60),
            hello_name: None,
        }
    }
}

fn secrets(server: &SmtpServer) -> Vec<String> {
    server
        .credentials
        .iter()
        .map(|c| c.password.expose().to_owned())
        .collect()
}

fn transport(
    notifier: &str,
    server: &SmtpServer,
    options: &SmtpOptions,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, WatchError> {
    let tls_error = |e: lettre::transport::smtp::Error| WatchError::SmtpTls {
        notifier: notifier.to_owned(),
        source: Scrubbed::new(&e, &secrets(server)),
    };
    let parameters = || -> Result<TlsParameters, WatchError> {
        let mut builder = TlsParameters::builder(server.host.clone());
        for pem in &options.extra_ca_pem {
            builder = builder.add_root_certificate(Certificate::from_pem(pem).map_err(tls_error)?);
        }
        builder.build_rustls().map_err(tls_error)
    };
    let tls = match server.tls {
        Tls::Starttls => LettreTls::Required(parameters()?),
        Tls::Tls => LettreTls::Wrapper(parameters()?),
        // `iotcard_notify` allows `none` only for a loopback host.
        _ => LettreTls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.host.clone())
        .port(server.port)
        .tls(tls)
        .timeout(Some(options.timeout))
        .hello_name(ClientId::Domain(
            options
                .hello_name
                .clone()
                .unwrap_or_else(|| "localhost".into()),
        ));
    if let Some(login) = &server.credentials {
        builder = builder
            .credentials(Credentials::new(
                login.username.clone(),
                login.password.expose().to_owned(),
            ))
            .authentication(vec![Mechanism::Plain, Mechanism::Login]);
    }
    Ok(builder.build())
}

/// Sends `email`: whether a reply came, and what it said.
pub(crate) async fn send(
    notifier: &str,
    email: &OutgoingEmail,
    options: &SmtpOptions,
) -> (bool, Result<Delivered, WatchError>) {
    let server = &email.server;
    let transport = match transport(notifier, server, options) {
        Ok(t) => t,
        Err(e) => return (false, Err(e)),
    };
    let answer = |source| WatchError::Answer {
        notifier: notifier.to_owned(),
        source,
    };
    match transport.send(email.message.clone()).await {
        Ok(reply) => {
            let text = reply.message().collect::<Vec<_>>().join(" ");
            (
                true,
                read_smtp_reply(u16::from(reply.code()), &text).map_err(answer),
            )
        }
        Err(e) => match e.status() {
            // The server replied, and not with 2xx: 4xx is transient.
            Some(code) => {
                let text = Scrubbed::new(&e, &secrets(server));
                (
                    true,
                    read_smtp_reply(u16::from(code), text.as_str()).map_err(answer),
                )
            }
            None => (
                false,
                Err(WatchError::Smtp {
                    notifier: notifier.to_owned(),
                    host: server.host.clone(),
                    port: server.port,
                    transient: true,
                    source: Scrubbed::new(&e, &secrets(server)),
                }),
            ),
        },
    }
}
