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
