//! WeCom (企业微信) group robots: markdown messages.
//!
//! `POST {url}` (`…/webhook/send?key=…`) with
//! `{"msgtype":"markdown","markdown":{"content":…}}`; the robot answers
//! `{"errcode":0,"errmsg":"ok"}`.

use bytes::Bytes;
use http::{Request, Response};
use serde::Serialize;

use crate::answer::Envelope;
use crate::digest::markdown;
use crate::{ChannelKind, Delivered, Digest, NotifyError, SecretUrl};

/// The most bytes of markdown `content` the robot takes (UTF-8).
pub const MAX_CONTENT: usize = 4096;

/// How many card lines a message lists at most before "and N more".
pub const FIRST_FEW: usize = 20;

/// Codes that mean "later": 45009 (API frequency out of limit), 45033
/// (API concurrency out of limit), -1 (system busy).
pub const TRANSIENT_CODES: &[i64] = &[45009, 45033, -1];

const ENVELOPE: Envelope = Envelope {
    channel: ChannelKind::WeCom,
    fields: &[("errcode", "errmsg")],
    transient: TRANSIENT_CODES,
};

/// A WeCom robot: its URL, whose `key` is its credential. `Debug` hides it.
#[derive(Clone, Debug)]
pub struct WeCom {
    url: SecretUrl,
}

#[derive(Serialize)]
struct Body<'a> {
    msgtype: &'static str,
    markdown: Markdown<'a>,
}

#[derive(Serialize)]
struct Markdown<'a> {
    content: &'a str,
}

impl WeCom {
    /// The robot at `url`.
    pub fn new(url: SecretUrl) -> Self {
        Self { url }
    }

    /// Where messages go.
    pub fn url(&self) -> &SecretUrl {
        &self.url
    }

    /// The markdown content for `digest`: as many cards (up to
    /// [`FIRST_FEW`]) as fit in [`MAX_CONTENT`] bytes.
    pub fn content(digest: &Digest) -> Result<String, NotifyError> {
        digest.fit(ChannelKind::WeCom, MAX_CONTENT, FIRST_FEW, |view| {
            let content = markdown(view);
            let size = content.len();
            Ok((content, size))
        })
    }

    /// The JSON body for `digest`.
    pub fn body(digest: &Digest) -> Result<Vec<u8>, NotifyError> {
        let content = Self::content(digest)?;
        serde_json::to_vec(&Body {
            msgtype: "markdown",
            markdown: Markdown { content: &content },
        })
        .map_err(|source| NotifyError::EncodeBody {
            channel: ChannelKind::WeCom,
            source,
        })
    }

    /// The request sending `digest`. WeCom robots are not signed: the time
    /// is not needed.
    pub fn request(&self, digest: &Digest) -> Result<Request<Bytes>, NotifyError> {
        crate::post_json(
            ChannelKind::WeCom,
            self.url.expose().to_owned(),
            Self::body(digest)?,
        )
    }
}

/// Reads the robot's answer: `errcode` 0 is delivered; any other code is
/// an error, transient for [`TRANSIENT_CODES`], refused otherwise (93000:
/// invalid webhook URL, i.e. a bad `key`; 40008: bad message type…).
pub fn read_answer<B: AsRef<[u8]>>(answer: &Response<B>) -> Result<Delivered, NotifyError> {
    ENVELOPE.read(answer)
}
