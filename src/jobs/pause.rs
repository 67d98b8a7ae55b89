//! Where a test can hold a book-wide run, to order it against other events
//! without sleeping.
//!
//! Nothing in configuration arms a pause point: only code holding the
//! process's [`JobContext`](super::JobContext) can, through
//! [`RunPausePoints::arm_after_load`]. Unarmed, a pause point is one
//! uncontended lock per run and nothing else.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

/// The pause points of the book-wide runs of one process (shared by every
/// clone of its job context).
#[derive(Debug, Clone, Default)]
pub struct RunPausePoints {
    after_load: Arc<Mutex<Option<Gate>>>,
}

/// The run's side of an armed pause.
#[derive(Debug)]
struct Gate {
    reached: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

/// The test's side of an armed pause: learn that a run reached it, then let
/// the run go on. Dropping it releases the run too.
#[derive(Debug)]
pub struct ArmedPause {
    reached: oneshot::Receiver<()>,
    release: oneshot::Sender<()>,
}

impl ArmedPause {
    /// Waits until a run is held at the point. `false` when the pause
    /// was disarmed without a run reaching it (the points were dropped).
    pub async fn reached(&mut self) -> bool {
        (&mut self.reached).await.is_ok()
    }

    /// Lets the held run (or the next one to reach the point) go on.
    pub fn release(self) {
        // The run may have been cancelled meanwhile; then nobody listens.
        let _ = self.release.send(());
    }
}

impl RunPausePoints {
    /// Arms the point after a run has loaded its book and thresholds and
    /// before it scores and publishes. The next run to get there waits, once,
    /// until the returned pause is released (or dropped). Arming again
    /// replaces an earlier pause no run has reached yet.
    pub fn arm_after_load(&self) -> ArmedPause {
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        *self
            .after_load
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Gate {
            reached: reached_tx,
            release: release_rx,
        });
        ArmedPause {
            reached: reached_rx,
            release: release_tx,
        }
    }

    /// Holds the run here if the point is armed; returns at once otherwise.
    pub(crate) async fn after_load(&self) {
        let gate = self
            .after_load
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Gate { reached, release }) = gate {
            let _ = reached.send(());
            // Released or dropped: either way the run goes on.
            let _ = release.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unarmed_point_does_not_wait() {
        RunPausePoints::default().after_load().await;
    }

    #[tokio::test]
    async fn an_armed_point_holds_one_run_until_released() {
        let points = RunPausePoints::default();
        let mut pause = points.arm_after_load();
        let run = tokio::spawn({
            let points = points.clone();
            async move { points.after_load().await }
        });
        assert!(pause.reached().await);
        assert!(!run.is_finished(), "the run waits for its release");
        pause.release();
        run.await.unwrap();
        // Disarmed after one use: the next run goes straight through.
        points.after_load().await;
    }

    #[tokio::test]
    async fn dropping_the_pause_releases_the_run() {
        let points = RunPausePoints::default();
        let mut pause = points.arm_after_load();
        let run = tokio::spawn({
            let points = points.clone();
            async move { points.after_load().await }
        });
        assert!(pause.reached().await);
        drop(pause);
        run.await.unwrap();
    }
}
