//! The one bridge from async handlers to CPU work.
//!
//! Scoring, fleet aggregation, re-levelling and simulations run on rayon
//! pools, never on an actix worker, in two lanes with threads of their own:
//! - **requests** (what a client waits for): admission is bounded, and when
//!   `capacity` jobs are already admitted the caller gets
//!   [`ComputeError::Overloaded`] at once (503 with Retry-After) instead of
//!   queueing without limit;
//! - **background** (book-wide runs, which no client waits on): one job at a
//!   time, waiting for its turn, on threads the operating system runs at a
//!   lower priority ([`BACKGROUND_NICE`]). A run's `par_iter` over the whole
//!   book so never holds the threads or the admission that requests need:
//!   in one pool, requests queued behind it until admission was full and
//!   were refused (the soak's 503s at the start of every run).
//!
//! A panic inside a job is caught and returned as [`ComputeError::Panicked`];
//! the process lives on.

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

/// How much nicer the background lane's threads are than the process
/// (Linux; niceness runs from 0, normal, to 19, the lowest): busy beside
/// request work, a thread 10 steps nicer gets about a tenth of a core's
/// time-slices, so a run slows down instead of requests.
pub const BACKGROUND_NICE: i32 = 10;

/// A rayon pool and the admission to it.
struct Lane {
    pool: rayon::ThreadPool,
    admission: Arc<Semaphore>,
}

impl Lane {
    fn new(
        name: &'static str,
        threads: usize,
        capacity: usize,
        nice: i32,
    ) -> Result<Self, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(move |i| format!("fleet-risk-{name}-{i}"))
            .start_handler(move |_| lower_priority(nice))
            .build()?;
        Ok(Self {
            pool,
            admission: Arc::new(Semaphore::new(capacity)),
        })
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
}

/// Lowers the calling thread's priority by `nice` steps (Linux only;
/// elsewhere, and where the system refuses, the thread keeps its priority).
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice != 0 {
        // SAFETY: on Linux, nice(2) changes only the calling thread's
        // niceness (threads are scheduled as tasks), relative to what it
        // had, up to the lowest priority; it touches no memory of ours. Its
        // failure is ignored: a thread at its old priority is still
        // correct, only less polite.
        unsafe {
            libc::nice(nice);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

#[derive(Clone)]
pub struct ComputeBridge {
    requests: Arc<Lane>,
    background: Arc<Lane>,
}

impl std::fmt::Debug for ComputeBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComputeBridge")
            .field("threads", &self.requests.pool.current_num_threads())
            .field("available", &self.requests.admission.available_permits())
            .field("background_available", &self.background_available())
            .finish()
    }
}

impl ComputeBridge {
    /// Both lanes with `threads` threads each; `capacity` request jobs
    /// admitted at once, and one background job.
    pub fn new(threads: usize, capacity: usize) -> Result<Self, rayon::ThreadPoolBuildError> {
        Ok(Self {
            requests: Arc::new(Lane::new("compute", threads, capacity, 0)?),
            background: Arc::new(Lane::new("background", threads, 1, BACKGROUND_NICE)?),
        })
    }

    /// Runs `job` in the requests lane (where rayon's `par_iter` uses that
    /// lane's pool), or refuses it at once when the lane is full.
    pub async fn run<T: Send + 'static>(&self, job: impl ComputeJob<T>) -> Result<T, ComputeError> {
        let permit = self.requests.admission.clone().try_acquire_owned();
        self.requests
            .spawn(job, permit.map_err(|_| ComputeError::Overloaded)?)
            .await
    }

    /// Runs `job` in the background lane, waiting for its turn instead of
    /// refusing: for book-wide runs, which have no client to answer 503 to.
    pub async fn run_in_background<T: Send + 'static>(
        &self,
        job: impl ComputeJob<T>,
    ) -> Result<T, ComputeError> {
        let permit = self.background.admission.clone().acquire_owned().await;
        self.background
            .spawn(job, permit.map_err(|_| ComputeError::Overloaded)?)
            .await
    }

    /// Request jobs that may still be admitted right now.
    pub fn available(&self) -> usize {
        self.requests.admission.available_permits()
    }

    /// Background jobs that may start right now (0 while one runs).
    pub fn background_available(&self) -> usize {
        self.background.admission.available_permits()
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

    /// Occupies `bridge`'s background lane until the sender is dropped or sent to.
    fn hold_background(
        bridge: &ComputeBridge,
    ) -> (
        std::sync::mpsc::Sender<()>,
        tokio::task::JoinHandle<Result<bool, ComputeError>>,
    ) {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let busy = bridge.clone();
        let job = tokio::spawn(async move {
            busy.run_in_background(move || wait.recv_timeout(Duration::from_secs(10)).is_ok())
                .await
        });
        (release, job)
    }

    async fn until_background_is_taken(bridge: &ComputeBridge) {
        while bridge.background_available() > 0 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_background_job_leaves_the_request_lane_free() {
        // One thread and one request slot per lane: in one shared pool the
        // held job would leave no thread, and no admission, for the request.
        let bridge = ComputeBridge::new(1, 1).unwrap();
        let (release, held) = hold_background(&bridge);
        until_background_is_taken(&bridge).await;
        let sum = bridge
            .run(|| {
                use rayon::prelude::*;
                (1..=100u64).into_par_iter().sum::<u64>()
            })
            .await;
        assert_eq!(sum, Ok(5050));
        assert_eq!(bridge.available(), 1);
        release.send(()).unwrap();
        assert_eq!(held.await.unwrap(), Ok(true));
    }

    #[tokio::test]
    async fn background_jobs_wait_their_turn_instead_of_being_refused() {
        let bridge = ComputeBridge::new(1, 1).unwrap();
        let (release, held) = hold_background(&bridge);
        until_background_is_taken(&bridge).await;
        let waiting = bridge.clone();
        let next = tokio::spawn(async move { waiting.run_in_background(|| 3).await });
        tokio::task::yield_now().await;
        assert!(!next.is_finished(), "the second job waits for the first");
        release.send(()).unwrap();
        assert_eq!(held.await.unwrap(), Ok(true));
        assert_eq!(next.await.unwrap(), Ok(3));
        assert_eq!(bridge.background_available(), 1);
    }

    /// A thread's niceness from `/proc/thread-self/stat` (field 19; the
    /// fields after the parenthesised name start at field 3).
    #[cfg(target_os = "linux")]
    fn own_niceness() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn background_threads_run_at_a_lower_priority_than_request_threads() {
        let bridge = ComputeBridge::new(1, 1).unwrap();
        let request = bridge.run(own_niceness).await.unwrap();
        let background = bridge.run_in_background(own_niceness).await.unwrap();
        assert_eq!(background, (request + BACKGROUND_NICE).min(19));
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
