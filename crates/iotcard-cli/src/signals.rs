//! Ctrl-C (and SIGTERM, SIGHUP): the ways a long run is told to stop.

/// Resolves when the process is asked to stop: SIGINT (Ctrl-C) or, on
/// Unix, SIGTERM or SIGHUP (its terminal closed). If no handler can be
/// installed it never resolves, so the run simply continues to its end as
/// it would without one.
pub async fn interrupted() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let others = async {
        use tokio::signal::unix::{signal, SignalKind};
        let wait = |kind| async move {
            match signal(kind) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = wait(SignalKind::terminate()) => {}
            () = wait(SignalKind::hangup()) => {}
        }
    };
    #[cfg(not(unix))]
    let others = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = others => {}
    }
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM: the stop of `watch`,
/// where SIGHUP means "reload the config" instead.
pub async fn stop_requested() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Each SIGHUP, from the moment this is called (installing the handler
/// replaces the default of ending the process). `None` where there is no
/// SIGHUP, or no handler could be installed.
#[cfg(unix)]
pub fn hangups() -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}
