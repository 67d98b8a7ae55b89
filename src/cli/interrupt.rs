//! SIGTERM and SIGINT during `recalc`: the run is cancelled as shutdown
//! cancels a server's run (recorded failed, cancelled, nothing published),
//! and the command exits 128 + the signal.

use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

/// SIGINT's number (exit 130).
const SIGINT: i32 = 2;
/// SIGTERM's number (exit 143).
const SIGTERM: i32 = 15;

/// Cancels `shutdown` on the first SIGTERM or SIGINT and records which one
/// arrived. The handlers are installed before this returns, so a signal
/// after it can no longer end the process before the run is recorded.
pub(super) fn cancel_on_signal(
    shutdown: &CancellationToken,
) -> std::io::Result<Arc<OnceLock<i32>>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let received = Arc::new(OnceLock::new());
    let (shutdown, seen) = (shutdown.clone(), received.clone());
    tokio::spawn(async move {
        let number = tokio::select! {
            _ = terminate.recv() => SIGTERM,
            _ = interrupt.recv() => SIGINT,
        };
        tracing::warn!(signal = number, "signal received: cancelling the run");
        let _ = seen.set(number);
        shutdown.cancel();
    });
    Ok(received)
}
