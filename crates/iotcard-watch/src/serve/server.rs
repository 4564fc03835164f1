//! The HTTP server: HTTP/1.1 on one address, each connection its own task,
//! stopped gracefully with the watcher.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::board::StatusBoard;
use super::routes::answer;
use crate::error::WatchError;

/// How long a client may take to send its request's head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connections in flight may finish once the server stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A bound listener, serving once [`Server::serve`] runs.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    board: Arc<StatusBoard>,
}

impl Server {
    /// Listens on `address` (port 0 picks a free one).
    pub async fn bind(address: SocketAddr, board: Arc<StatusBoard>) -> Result<Self, WatchError> {
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| WatchError::Listen { address, source })?;
        Ok(Self { listener, board })
    }

    /// The address listened on.
    pub fn local_addr(&self) -> Result<SocketAddr, WatchError> {
        self.listener
            .local_addr()
            .map_err(|source| WatchError::Listen {
                address: SocketAddr::from(([0, 0, 0, 0], 0)),
                source,
            })
    }

    /// Serves `/metrics`, `/healthz` and `/` until `cancel` resolves; then
    /// stops accepting, lets the connections in flight finish their
    /// request (up to a few seconds) and returns.
    pub async fn serve(self, cancel: impl Future<Output = ()> + Send + 'static) {
        let cancel = cancel.boxed().shared();
        let mut connections = JoinSet::new();
        loop {
            let accepted = tokio::select! {
                () = cancel.clone() => break,
                accepted = self.listener.accept() => accepted,
                // Reap finished connections as they end.
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, a reset before accept: the next
                    // connection may do better; do not spin on it.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let board = Arc::clone(&self.board);
            let cancel = cancel.clone();
            connections.spawn(async move {
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let accept = request
                        .headers()
                        .get(http::header::ACCEPT)
                        .and_then(|v| v.to_str().ok());
                    let response = answer(&board, request.method(), request.uri().path(), accept);
                    async move { Ok::<_, Infallible>(response) }
                });
                let connection = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service);
                tokio::pin!(connection);
                let served = tokio::select! {
                    served = connection.as_mut() => served,
                    () = cancel => {
                        connection.as_mut().graceful_shutdown();
                        connection.await
                    }
                };
                if let Err(e) = served {
                    tracing::debug!(error = %e, "a connection ended with an error");
                }
            });
        }
        drop(self.listener);
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("connections still open at shutdown were closed");
            connections.shutdown().await;
        }
    }
}
