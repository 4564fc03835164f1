//! Response bodies, whole or damaged on purpose.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

/// Pieces a trickled body is cut into.
const TRICKLE_PIECES: usize = 20;

/// How long a truncated body waits before failing, for what was sent to
/// leave the server's buffers.
const FLUSH_PAUSE: Duration = Duration::from_millis(20);

/// Why a body stopped before its end (the truncation fault).
#[derive(Debug)]
pub(crate) struct BodyCut;

impl std::fmt::Display for BodyCut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("body cut short on purpose (truncation fault)")
    }
}

impl std::error::Error for BodyCut {}

/// A response body.
#[derive(Debug)]
pub(crate) enum SimBody {
    /// All at once.
    Whole(Option<Bytes>),
    /// Declares `declared` bytes, sends `sent`, waits for it to go out,
    /// then fails, which makes the server close the connection (HTTP/1) or
    /// reset the stream (HTTP/2).
    Truncated {
        sent: Option<Bytes>,
        declared: u64,
        flush: Option<Pin<Box<Sleep>>>,
    },
    /// Sends `rest` a piece at a time, waiting `pause` before each.
    Trickle {
        rest: Bytes,
        piece: usize,
        pause: Duration,
        declared: u64,
        sleep: Option<Pin<Box<Sleep>>>,
    },
}

impl SimBody {
    pub(crate) fn whole(bytes: impl Into<Bytes>) -> Self {
        SimBody::Whole(Some(bytes.into()))
    }

    /// The first half of `full`, declared at full length.
    pub(crate) fn truncated(full: Bytes) -> Self {
        let declared = full.len() as u64;
        SimBody::Truncated {
            sent: Some(full.slice(..full.len() / 2)),
            declared,
            flush: None,
        }
    }

    /// `full` spread over about `total`.
    pub(crate) fn trickle(full: Bytes, total: Duration) -> Self {
        let piece = full.len().div_ceil(TRICKLE_PIECES).max(1);
        let pieces = full.len().div_ceil(piece).max(1);
        SimBody::Trickle {
            declared: full.len() as u64,
            rest: full,
            piece,
            pause: total / pieces as u32,
            sleep: None,
        }
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = BodyCut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyCut>>> {
        match self.get_mut() {
            SimBody::Whole(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            SimBody::Truncated { sent, flush, .. } => {
                if let Some(part) = sent.take() {
                    return Poll::Ready(Some(Ok(Frame::data(part))));
                }
                // Failing at once would make the server drop the connection
                // with the head and the first half still in its buffer; a
                // pause lets them out first.
                let pause = flush.get_or_insert_with(|| Box::pin(tokio::time::sleep(FLUSH_PAUSE)));
                match pause.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(BodyCut))),
                }
            }
            SimBody::Trickle {
                rest,
                piece,
                pause,
                sleep,
                ..
            } => {
                if rest.is_empty() {
                    return Poll::Ready(None);
                }
                let timer = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*pause)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *sleep = None;
                let n = (*piece).min(rest.len());
                Poll::Ready(Some(Ok(Frame::data(rest.split_to(n)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            SimBody::Whole(bytes) => bytes.is_none(),
            SimBody::Truncated { .. } => false,
            SimBody::Trickle { rest, .. } => rest.is_empty(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SimBody::Whole(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            SimBody::Truncated { declared, .. } | SimBody::Trickle { declared, .. } => {
                SizeHint::with_exact(*declared)
            }
        }
    }
}
