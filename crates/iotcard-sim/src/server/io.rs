//! The connection's socket, able to end in a TCP reset on demand.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// Shared between a connection's task and the requests it serves: a request
/// faulted with "reset" asks for the whole connection to go.
#[derive(Debug, Default)]
pub(crate) struct ConnControl {
    reset: AtomicBool,
    notify: Notify,
}

impl ConnControl {
    /// Asks for the connection to be reset now.
    pub(crate) fn reset(&self) {
        self.reset.store(true, Ordering::Relaxed);
        self.notify.notify_one();
    }

    /// Resolves once a reset was asked for.
    pub(crate) async fn reset_requested(&self) {
        self.notify.notified().await;
    }
}

/// A TCP stream that, when dropped after a reset request, closes with RST
/// (SO_LINGER 0) instead of FIN, so the client sees "connection reset".
#[derive(Debug)]
pub(crate) struct ConnIo {
    inner: TcpStream,
    control: Arc<ConnControl>,
}

impl ConnIo {
    pub(crate) fn new(inner: TcpStream, control: Arc<ConnControl>) -> Self {
        Self { inner, control }
    }
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.control.reset.load(Ordering::Relaxed) {
            // Tokio deprecates SO_LINGER because a positive linger blocks the
            // thread on close; a zero linger never blocks, it sends RST.
            #[allow(deprecated)]
            let _ = self.inner.set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
