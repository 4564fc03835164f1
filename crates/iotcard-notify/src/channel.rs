//! A configured notifier: its name and its channel, and what the sending
//! shell asks of it.

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};

use crate::email::{Email, OutgoingEmail};
use crate::{
    dingtalk, feishu, webhook, wecom, ChannelKind, Delivered, Digest, DingTalk, Feishu,
    IdempotencyKey, NotifyError, RatePlan, WeCom, Webhook,
};

/// The header carrying the outbox key on every HTTP notification.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// One channel, configured.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Channel {
    /// A DingTalk robot.
    DingTalk(DingTalk),
    /// A WeCom robot.
    WeCom(WeCom),
    /// A Feishu or Lark bot.
    Feishu(Feishu),
    /// An Alertmanager-style webhook.
    Webhook(Webhook),
    /// E-mail.
    Email(Email),
}

impl Channel {
    /// Which kind.
    pub fn kind(&self) -> ChannelKind {
        match self {
            Self::DingTalk(_) => ChannelKind::DingTalk,
            Self::WeCom(_) => ChannelKind::WeCom,
            Self::Feishu(_) => ChannelKind::Feishu,
            Self::Webhook(_) => ChannelKind::Webhook,
            Self::Email(_) => ChannelKind::Email,
        }
    }
}

/// What to send: an HTTP request for the robots and webhooks, an e-mail
/// for the SMTP shell.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outgoing {
    /// POST this.
    Http(Request<Bytes>),
    /// Send this over SMTP.
    Email(OutgoingEmail),
}

/// A notifier of the config: `[notifiers.NAME]`, built and checked.
/// `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct Notifier {
    name: String,
    channel: Channel,
}

impl Notifier {
    /// Notifier `name` sending through `channel`.
    pub fn new(name: impl Into<String>, channel: Channel) -> Self {
        Self {
            name: name.into(),
            channel,
        }
    }

    /// Its name (the config table's key).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its channel.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// Its channel's kind.
    pub fn kind(&self) -> ChannelKind {
        self.channel.kind()
    }

    /// The outbox key of `digest` sent here.
    pub fn idempotency_key(&self, digest: &Digest) -> IdempotencyKey {
        digest.idempotency_key(&self.name)
    }

    /// The limits to send to this notifier under.
    pub fn rate_plan(&self) -> RatePlan {
        RatePlan::for_channel(self.kind())
    }

    /// What to send for `digest` at `now` (signing time, e-mail date). HTTP
    /// requests carry the outbox key as `Idempotency-Key`; an e-mail has it
    /// in its `Message-ID`. Pure: the same digest and `now` give the same
    /// bytes.
    pub fn prepare(&self, digest: &Digest, now: SystemTime) -> Result<Outgoing, NotifyError> {
        let key = self.idempotency_key(digest);
        let mut request = match &self.channel {
            Channel::DingTalk(c) => c.request(digest, now)?,
            Channel::WeCom(c) => c.request(digest)?,
            Channel::Feishu(c) => c.request(digest, now)?,
            Channel::Webhook(c) => c.request(digest)?,
            Channel::Email(c) => return Ok(Outgoing::Email(c.prepare(digest, now, &key)?)),
        };
        // 32 hex digits: always a valid header value.
        if let Ok(value) = HeaderValue::from_str(key.as_str()) {
            request.headers_mut().insert(IDEMPOTENCY_KEY, value);
        }
        Ok(Outgoing::Http(request))
    }

    /// Reads the answer to a request [`prepare`](Self::prepare) built.
    pub fn read_answer<B: AsRef<[u8]>>(
        &self,
        answer: &Response<B>,
    ) -> Result<Delivered, NotifyError> {
        match &self.channel {
            Channel::DingTalk(_) => dingtalk::read_answer(answer),
            Channel::WeCom(_) => wecom::read_answer(answer),
            Channel::Feishu(_) => feishu::read_answer(answer),
            Channel::Webhook(_) => webhook::read_answer(answer),
            Channel::Email(_) => Err(NotifyError::NoHttpAnswer {
                channel: ChannelKind::Email,
            }),
        }
    }
}
