//! The one bridge from async handlers to CPU work.
//!
//! Scoring, fleet aggregation, re-levelling and simulations run on a
//! dedicated rayon pool, never on an actix worker. Admission is bounded: when `capacity` jobs are already
//! admitted the caller gets [`ComputeError::Overloaded`] at once (503 with
//! Retry-After) instead of queueing without limit. A panic inside a job is
//! caught and returned as [`ComputeError::Panicked`]; the process lives on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// A unit of CPU work the bridge can run: sent to the pool, run once.
pub trait ComputeJob<T>: FnOnce() -> T + Send + 'static {}

impl<T, F: FnOnce() -> T + Send + 'static> ComputeJob<T> for F {}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComputeError {
    #[error("compute capacity exhausted")]
    Overloaded,
    #[error("compute job panicked: {0}")]
    Panicked(String),
}

#[derive(Clone)]
pub struct ComputeBridge {
    pool: Arc<rayon::ThreadPool>,
    admission: Arc<Semaphore>,
}

impl std::fmt::Debug for ComputeBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComputeBridge")
            .field("threads", &self.pool.current_num_threads())
            .field("available", &self.admission.available_permits())
            .finish()
    }
}

impl ComputeBridge {
    pub fn new(threads: usize, capacity: usize) -> Result<Self, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("fleet-risk-compute-{i}"))
            .build()?;
        Ok(Self {
            pool: Arc::new(pool),
            admission: Arc::new(Semaphore::new(capacity)),
        })
    }

    /// Runs `job` on the compute pool (where rayon's `par_iter` uses that pool).
    pub async fn run<T: Send + 'static>(&self, job: impl ComputeJob<T>) -> Result<T, ComputeError> {
        let permit = self.admission.clone().try_acquire_owned();
        self.spawn(job, permit.map_err(|_| ComputeError::Overloaded)?)
            .await
    }

    /// Like [`run`](Self::run), but waits for capacity instead of refusing:
    /// for background runs, which have no client to answer 503 to.
    pub async fn run_waiting<T: Send + 'static>(
        &self,
        job: impl ComputeJob<T>,
    ) -> Result<T, ComputeError> {
        let permit = self.admission.clone().acquire_owned().await;
        self.spawn(job, permit.map_err(|_| ComputeError::Overloaded)?)
            .await
    }

    async fn spawn<T: Send + 'static>(
        &self,
        job: impl ComputeJob<T>,
        permit: OwnedSemaphorePermit,
    ) -> Result<T, ComputeError> {
        let (sender, receiver) = oneshot::channel();
        self.pool.spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(job));
            drop(permit);
            let _ = sender.send(outcome);
        });
        match receiver.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => Err(ComputeError::Panicked(panic_message(&panic))),
            Err(_) => Err(ComputeError::Panicked("the job was dropped".into())),
        }
    }

    /// Jobs that may still be admitted right now.
    pub fn available(&self) -> usize {
        self.admission.available_permits()
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "non-text panic payload".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn runs_jobs_and_returns_their_value() {
        let bridge = ComputeBridge::new(2, 4).unwrap();
        let sum = bridge
            .run(|| {
                use rayon::prelude::*;
                (1..=1000u64).into_par_iter().sum::<u64>()
            })
            .await
            .unwrap();
        assert_eq!(sum, 500_500);
        assert_eq!(bridge.available(), 4);
    }

    #[tokio::test]
    async fn a_panic_is_an_error_and_the_pool_keeps_working() {
        let bridge = ComputeBridge::new(1, 2).unwrap();
        let outcome = bridge.run(|| -> u32 { panic!("boom in scoring") }).await;
        assert_eq!(
            outcome,
            Err(ComputeError::Panicked("boom in scoring".into()))
        );
        assert_eq!(bridge.run(|| 7).await, Ok(7));
        assert_eq!(bridge.available(), 2);
    }

    #[tokio::test]
    async fn admission_beyond_capacity_is_refused_at_once() {
        let bridge = ComputeBridge::new(1, 1).unwrap();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let busy = bridge.clone();
        let running = tokio::spawn(async move {
            busy.run(move || wait.recv_timeout(Duration::from_secs(10)).is_ok())
                .await
        });
        while bridge.available() > 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(bridge.run(|| 1).await, Err(ComputeError::Overloaded));
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(true));
        assert_eq!(bridge.run(|| 2).await, Ok(2));
    }
}
