//! Ctrl-C (and SIGTERM): the one way a long run is told to stop.

/// Resolves when the process is asked to stop: SIGINT (Ctrl-C) or, on
/// Unix, SIGTERM. If no handler can be installed it never resolves, so the
/// run simply continues to its end as it would without one.
pub async fn interrupted() {
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
