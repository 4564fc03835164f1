//! The named streams the clients return: `Unpin`, `Send`, `'static`, so
//! they can be stored, returned and polled with `next()` / `try_next()`
//! without pinning.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};

use crate::{CardReport, Error};

/// One [`CardReport`] per distinct card asked, in the order asked, as the
/// answers come in. Collect it for a `Vec`, or drive it for bounded memory.
#[must_use = "a stream does nothing unless polled"]
pub struct CardStream<C, T> {
    inner: BoxStream<'static, CardReport<C, T>>,
}

impl<C, T> CardStream<C, T> {
    pub(crate) fn new(inner: impl Stream<Item = CardReport<C, T>> + Send + 'static) -> Self {
        Self {
            inner: inner.boxed(),
        }
    }

    /// The same reports with their values mapped.
    pub fn map_values<U>(self, f: impl Fn(T) -> U + Send + Sync + 'static) -> CardStream<C, U>
    where
        C: 'static,
        T: 'static,
    {
        CardStream::new(self.inner.map(move |r| r.map(&f)))
    }
}

impl<C, T> Stream for CardStream<C, T> {
    type Item = CardReport<C, T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<C, T> fmt::Debug for CardStream<C, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardStream").finish_non_exhaustive()
    }
}

/// Items that can each fail on their own: a listing's records (a failed page
/// ends it with its error), or the cards of a listing with their details.
#[must_use = "a stream does nothing unless polled"]
pub struct TryCardStream<T> {
    inner: BoxStream<'static, Result<T, Error>>,
}

impl<T> TryCardStream<T> {
    pub(crate) fn new(inner: impl Stream<Item = Result<T, Error>> + Send + 'static) -> Self {
        Self {
            inner: inner.boxed(),
        }
    }
}

impl<T> Stream for TryCardStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> fmt::Debug for TryCardStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryCardStream").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use futures::stream;

    use super::*;

    fn assert_unpin_send<S: Unpin + Send + 'static>(_: &S) {}

    #[tokio::test]
    async fn streams_are_unpin_and_map() {
        let s = CardStream::new(stream::iter(vec![CardReport::new(1u8, Ok(2u8))]));
        assert_unpin_send(&s);
        let mut s = s.map_values(|v| u32::from(v) * 10);
        assert_eq!(s.next().await.unwrap().result.unwrap(), 20);
        assert!(s.next().await.is_none());
        let t = TryCardStream::<u8>::new(stream::iter(vec![Ok(1)]));
        assert_unpin_send(&t);
        assert_eq!(format!("{t:?}"), "TryCardStream { .. }");
    }
}
