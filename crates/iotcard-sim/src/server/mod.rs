//! Listeners: accept, optional TLS, HTTP/1.1 or HTTP/2, graceful shutdown.

mod body;
mod io;
mod platform;
mod service;
pub(crate) mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

pub(crate) use platform::Platform;
pub(crate) use service::STATS_PATH;

use crate::shared::Shared;
use crate::SimError;
use io::{ConnControl, ConnIo};

/// How long open connections get to finish after shutdown is asked.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn bind(platform: Platform, addr: SocketAddr) -> Result<TcpListener, SimError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind {
            platform: platform.name(),
            addr,
            source,
        })
}

/// Resolves once shutdown was asked for (or its sender is gone).
async fn stopped(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Serves `listener` until shutdown, then drains its connections.
pub(crate) fn serve(
    listener: TcpListener,
    platform: Platform,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // No header-read timeout: it would also close idle keep-alive
        // connections under a client's feet, which is a fault of its own.
        builder.http1().keep_alive(true).header_read_timeout(None);
        builder.http2().timer(TokioTimer::new());
        let builder = Arc::new(builder);
        let mut connections = JoinSet::new();
        let stop = stopped(shutdown.clone());
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) => {
                        connections.spawn(connection(
                            stream,
                            platform,
                            tls.clone(),
                            Arc::clone(&shared),
                            Arc::clone(&builder),
                            shutdown.clone(),
                        ));
                    }
                    Err(error) => {
                        // Out of file descriptors and the like: back off
                        // instead of spinning.
                        tracing::warn!(platform = platform.name(), %error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
            while connections.try_join_next().is_some() {}
        }
        drop(listener);
        let drain = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
            connections.abort_all();
            while connections.join_next().await.is_some() {}
        }
    })
}

async fn connection(
    stream: TcpStream,
    platform: Platform,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let control = Arc::new(ConnControl::default());
    let io = ConnIo::new(stream, Arc::clone(&control));
    match tls {
        None => {
            drive(
                TokioIo::new(io),
                platform,
                shared,
                builder,
                control,
                shutdown,
            )
            .await
        }
        Some(acceptor) => {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(io)).await {
                Ok(Ok(tls_stream)) => {
                    drive(
                        TokioIo::new(tls_stream),
                        platform,
                        shared,
                        builder,
                        control,
                        shutdown,
                    )
                    .await
                }
                Ok(Err(error)) => {
                    tracing::debug!(platform = platform.name(), %error, "TLS handshake failed")
                }
                Err(_) => tracing::debug!(platform = platform.name(), "TLS handshake timed out"),
            }
        }
    }
}

async fn drive<I>(
    io: I,
    platform: Platform,
    shared: Arc<Shared>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    control: Arc<ConnControl>,
    shutdown: watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let requests = Arc::clone(&control);
    let service = service_fn(move |req| {
        service::respond(Arc::clone(&shared), platform, Arc::clone(&requests), req)
    });
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let stop = stopped(shutdown);
    tokio::pin!(stop);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(error) = result {
                tracing::trace!(platform = platform.name(), %error, "connection ended");
            }
        }
        // Dropping the connection drops its socket, which then sends RST.
        () = control.reset_requested() => {}
        () = &mut stop => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
