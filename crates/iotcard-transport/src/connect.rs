//! A connector wrapper that bounds the whole connection setup: DNS, TCP and TLS handshake.
//!
//! hyper-util's own connect timeout covers only the TCP connect of each address; a server
//! that accepts and then stalls the TLS handshake would otherwise hold a request until the
//! per-request limit.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use tower_service::Service;

use crate::error::BoxError;

/// Wraps connector `C`, failing a connection attempt that takes longer than `limit`.
#[derive(Debug, Clone)]
pub(crate) struct ConnectTimeout<C> {
    inner: C,
    limit: Option<Duration>,
}

impl<C> ConnectTimeout<C> {
    pub(crate) fn new(inner: C, limit: Option<Duration>) -> Self {
        Self { inner, limit }
    }
}

/// The marker error found in the source chain when the connect limit ran out.
#[derive(Debug)]
pub(crate) struct ConnectTimedOut {
    pub(crate) after: Duration,
}

impl fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection setup took longer than {:?}", self.after)
    }
}

impl std::error::Error for ConnectTimedOut {}

impl<C> Service<Uri> for ConnectTimeout<C>
where
    C: Service<Uri>,
    C::Error: Into<BoxError>,
    C::Future: Send + 'static,
    C::Response: Send + 'static,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let connecting = self.inner.call(destination);
        let limit = self.limit;
        Box::pin(async move {
            let Some(after) = limit else {
                return connecting.await.map_err(Into::into);
            };
            match tokio::time::timeout(after, connecting).await {
                Ok(connected) => connected.map_err(Into::into),
                Err(_elapsed) => Err(Box::new(ConnectTimedOut { after }) as BoxError),
            }
        })
    }
}
