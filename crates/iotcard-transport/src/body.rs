//! Reads an answer's body to its end, within a size limit and an idle-time limit.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::url::RedactedUrl;
use crate::{classify, TimeoutPhase, TransportError};

/// Limits applied while reading one body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    /// Longest wait for the next chunk.
    pub(crate) idle: Option<Duration>,
    /// Most bytes accepted.
    pub(crate) max_size: usize,
}

/// The whole body. hyper itself reports a body that ends before its `Content-Length` (or
/// before the final chunk) as an error, which becomes [`TransportError::Body`].
pub(crate) async fn read_to_end(
    mut body: Incoming,
    content_length: Option<u64>,
    limits: BodyLimits,
    url: &RedactedUrl,
) -> Result<Bytes, TransportError> {
    let too_large = || TransportError::BodyTooLarge {
        url: url.to_string(),
        limit: limits.max_size,
    };
    let declared = match content_length {
        Some(length) => usize::try_from(length).map_err(|_| too_large())?,
        None => 0,
    };
    if declared > limits.max_size {
        return Err(too_large());
    }
    let mut collected = BytesMut::with_capacity(declared);
    loop {
        let next = match limits.idle {
            Some(idle) => tokio::time::timeout(idle, body.frame())
                .await
                .map_err(|_| classify::timeout(url, TimeoutPhase::Body, idle))?,
            None => body.frame().await,
        };
        let Some(frame) = next else { break };
        let frame = frame.map_err(|e| classify::body_error(url, e))?;
        // Trailers carry nothing the protocols use; only data frames count.
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limits.max_size {
                return Err(too_large());
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(collected.freeze())
}
