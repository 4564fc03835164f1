//! `[notifiers.NAME]` tables, as the config file writes them.

use std::collections::BTreeMap;
use std::net::IpAddr;

use iotcard_model::Secret;
use lettre::message::Mailbox;
use serde::Deserialize;

use crate::email::{Email, SmtpServer, Tls};
use crate::feishu::{Feishu, MessageType};
use crate::{Channel, ChannelKind, DingTalk, Notifier, NotifyError, SecretUrl, WeCom, Webhook};

/// One `[notifiers.NAME]` table, as written. Unknown keys are errors;
/// [`build`](Self::build) checks the rest (which keys the kind needs, which
/// it does not take) and gives the [`Notifier`].
///
/// ```
/// use iotcard_notify::NotifierConfig;
/// let table: NotifierConfig = toml::from_str(r#"
///     kind = "dingtalk"
///     url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
///     secret = "SECxyz"
/// "#)?;
/// let ops = table.build("ops")?;
/// assert_eq!(ops.name(), "ops");
/// assert!(!format!("{table:?} {ops:?}").contains("abc"));
///
/// let bad: NotifierConfig = toml::from_str("kind = \"email\"\nhost = \"smtp.example.com\"\ntls = \"none\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]")?;
/// assert_eq!(
///     bad.build("mail").unwrap_err().to_string(),
///     "notifier `mail`: tls = \"none\" is allowed only for a loopback host (localhost, 127.0.0.1, ::1), not smtp.example.com",
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct NotifierConfig {
    /// `dingtalk`, `wecom`, `feishu`, `webhook` or `email`.
    pub kind: ChannelKind,
    /// The robot's or receiver's URL (all but e-mail). A secret: robot URLs
    /// carry their token.
    pub url: Option<Secret>,
    /// The signing secret (DingTalk and Feishu, optional).
    pub secret: Option<Secret>,
    /// The SMTP host (e-mail).
    pub host: Option<String>,
    /// The SMTP port (e-mail; by default 587, 465 or 25 following `tls`).
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none` (e-mail; `none` only for a
    /// loopback host).
    pub tls: Option<Tls>,
    /// The SMTP login (e-mail, with `password`).
    pub username: Option<String>,
    /// The SMTP password (e-mail, with `username`).
    pub password: Option<Secret>,
    /// The sender (e-mail): `iotcard@example.com` or `iotcard <…>`.
    pub from: Option<String>,
    /// The recipients (e-mail), at least one.
    pub to: Option<Vec<String>>,
    /// `interactive` (default), `post` or `text` (Feishu).
    pub msg_type: Option<MessageType>,
    /// The payload's `externalURL` (webhook; default empty).
    pub external_url: Option<String>,
    /// At most this many alerts per payload, the rest counted in
    /// `truncatedAlerts` (webhook; default 0: all).
    pub max_alerts: Option<usize>,
}

impl NotifierConfig {
    /// Checks the table and builds notifier `name`. Errors name the
    /// notifier and the key.
    pub fn build(&self, name: &str) -> Result<Notifier, NotifyError> {
        let fail = |problem: String| NotifyError::config(name, problem);
        if name.trim().is_empty() {
            return Err(fail("the notifier's name is empty".into()));
        }
        let given = self.given();
        let allowed: &[&str] = match self.kind {
            ChannelKind::DingTalk => &["url", "secret"],
            ChannelKind::WeCom => &["url"],
            ChannelKind::Feishu => &["url", "secret", "msg_type"],
            ChannelKind::Webhook => &["url", "external_url", "max_alerts"],
            ChannelKind::Email => &["host", "port", "tls", "username", "password", "from", "to"],
        };
        if let Some(key) = given.iter().find(|key| !allowed.contains(key)) {
            return Err(fail(format!(
                "`{key}` does not apply to kind = \"{}\" (it takes {})",
                self.kind,
                allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let secret = match &self.secret {
            Some(s) if s.expose().trim().is_empty() => {
                return Err(fail(
                    "`secret` is empty (leave it out if the robot does not sign)".into(),
                ))
            }
            other => other.clone(),
        };
        let url = || -> Result<SecretUrl, NotifyError> {
            let url = self
                .url
                .clone()
                .ok_or_else(|| fail(format!("kind = \"{}\" needs a `url`", self.kind)))?;
            SecretUrl::parse(url).map_err(|reason| fail(format!("`url`: {reason}")))
        };
        let channel = match self.kind {
            ChannelKind::DingTalk => Channel::DingTalk(DingTalk::new(url()?, secret)),
            ChannelKind::WeCom => Channel::WeCom(WeCom::new(url()?)),
            ChannelKind::Feishu => Channel::Feishu(Feishu::new(
                url()?,
                secret,
                self.msg_type.unwrap_or_default(),
            )),
            ChannelKind::Webhook => Channel::Webhook(Webhook::new(
                url()?,
                name,
                self.external_url.clone().unwrap_or_default(),
                self.max_alerts.unwrap_or(0),
            )),
            ChannelKind::Email => Channel::Email(self.email(name)?),
        };
        Ok(Notifier::new(name, channel))
    }

    fn given(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut add = |present: bool, key: &'static str| {
            if present {
                keys.push(key);
            }
        };
        add(self.url.is_some(), "url");
        add(self.secret.is_some(), "secret");
        add(self.host.is_some(), "host");
        add(self.port.is_some(), "port");
        add(self.tls.is_some(), "tls");
        add(self.username.is_some(), "username");
        add(self.password.is_some(), "password");
        add(self.from.is_some(), "from");
        add(self.to.is_some(), "to");
        add(self.msg_type.is_some(), "msg_type");
        add(self.external_url.is_some(), "external_url");
        add(self.max_alerts.is_some(), "max_alerts");
        keys
    }

    fn email(&self, name: &str) -> Result<Email, NotifyError> {
        let fail = |problem: String| NotifyError::config(name, problem);
        let host = self
            .host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .ok_or_else(|| fail("kind = \"email\" needs a `host`".into()))?;
        let tls = self.tls.unwrap_or_default();
        if tls == Tls::None && !is_loopback(host) {
            return Err(fail(format!(
                "tls = \"none\" is allowed only for a loopback host (localhost, 127.0.0.1, ::1), not {host}"
            )));
        }
        let port = match self.port {
            Some(0) => return Err(fail("`port` must be between 1 and 65535".into())),
            Some(port) => port,
            None => tls.default_port(),
        };
        let mut server = SmtpServer::new(host, port, tls);
        match (&self.username, &self.password) {
            (Some(user), Some(password)) => {
                if user.trim().is_empty() {
                    return Err(fail("`username` is empty".into()));
                }
                server = server.with_login(user.clone(), password.clone());
            }
            (None, None) => {}
            (Some(_), None) => return Err(fail("`username` is given without `password`".into())),
            (None, Some(_)) => return Err(fail("`password` is given without `username`".into())),
        }
        let mailbox = |key: &str, text: &str| -> Result<Mailbox, NotifyError> {
            text.parse::<Mailbox>()
                .map_err(|e| fail(format!("`{key}`: {text:?} is not an e-mail address ({e})")))
        };
        let from = mailbox(
            "from",
            self.from
                .as_deref()
                .ok_or_else(|| fail("kind = \"email\" needs a `from` address".into()))?,
        )?;
        let to = self
            .to
            .as_deref()
            .filter(|to| !to.is_empty())
            .ok_or_else(|| fail("kind = \"email\" needs at least one `to` address".into()))?
            .iter()
            .map(|t| mailbox("to", t))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Email::new(server, from, to))
    }
}

/// `localhost`, or an address in 127.0.0.0/8 or `::1` (brackets allowed).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Builds every notifier of a `[notifiers]` table, by name; every problem
/// is reported, not only the first.
pub fn notifiers(
    tables: &BTreeMap<String, NotifierConfig>,
) -> Result<Vec<Notifier>, Vec<NotifyError>> {
    let mut built = Vec::new();
    let mut errors = Vec::new();
    for (name, table) in tables {
        match table.build(name) {
            Ok(notifier) => built.push(notifier),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(built)
    } else {
        Err(errors)
    }
}
