//! Recalculation: book-wide runs (`recalculation`), the re-score that goes
//! with every data change (`rescore`), and the six-hourly schedule
//! (`schedule`). Scoring itself is the pure engine, run on the compute pool.

mod data_change;
pub mod hold;
pub mod import;
pub mod pause;
pub mod recalculation;
pub mod rescore;
pub mod rollout_guard;
pub mod schedule;
mod scoring;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::compute::ComputeBridge;
use crate::domain::{FleetId, RiskThresholds};
use crate::risk::RiskModel;
use crate::storage::{
    Database, RunVesselError, StorageError, StoredThresholds, ThresholdScope, WriteTx,
};
use crate::telemetry::{self, metrics::Metrics};

pub use recalculation::{RunFailure, RunPhase, run_once, start_run};
pub use rescore::ChangeError;

/// What jobs need, shared by the HTTP handlers, the scheduler and the CLI.
#[derive(Clone)]
pub struct JobContext {
    pub db: Database,
    pub model: Arc<RiskModel>,
    pub compute: ComputeBridge,
    pub run_timeout: Duration,
    pub run_lease: Duration,
    /// Cancelled on shutdown: a run in progress fails cleanly and publishes nothing.
    pub shutdown: CancellationToken,
    /// Background runs, awaited on shutdown.
    pub tasks: TaskTracker,
    /// The runtime background runs are spawned on: the process's own. An
    /// actix worker's runtime stops with the server and would drop a run
    /// mid-way, leaving its row `running` until the lease expires.
    pub runtime: tokio::runtime::Handle,
    /// Test-only (see [`hold`]): every book-wide run waits before publishing
    /// until shutdown or its timeout ends it.
    pub hold_before_publish: bool,
    pub metrics: Arc<Metrics>,
    /// Where run failures and unscorable vessels are reported (`None`: the process hub).
    pub sentry: Option<Arc<sentry::Hub>>,
    /// Where tests hold a run (never armed in production).
    pub pause: pause::RunPausePoints,
    /// Caps the dashboard rollout on repeated timeouts; watches its latency.
    pub rollout_guard: Arc<rollout_guard::RolloutGuard>,
}

impl JobContext {
    /// Runs `run` in the background on the process's runtime, tracked so
    /// that shutdown cancels it (through [`JobContext::shutdown`]) and waits
    /// for it to record how it ended.
    pub fn spawn_background<F>(&self, run: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn_on(run, &self.runtime);
    }

    /// How often a run renews its lease, and a waiting catch-up retries.
    pub(crate) fn heartbeat_interval(&self) -> Duration {
        (self.run_lease / 4).max(Duration::from_millis(100))
    }

    /// Reports a failed run to Sentry with its cause (scrubbed like every event).
    pub(crate) fn report_run_failure(&self, run_id: uuid::Uuid, error: &RunFailure) {
        match &self.sentry {
            Some(hub) => telemetry::sentry::report_run_failure_to(hub, run_id, error),
            None => telemetry::report_run_failure(run_id, error),
        };
    }

    /// Reports a vessel a run could not score.
    pub(crate) fn report_vessel_failure(&self, run_id: uuid::Uuid, error: &RunVesselError) {
        match &self.sentry {
            Some(hub) => telemetry::sentry::report_vessel_scoring_failure_to(hub, run_id, error),
            None => telemetry::report_vessel_scoring_failure(run_id, error),
        };
    }
}

/// The thresholds in force: the default (stored, else the model's) and the
/// per-fleet overrides.
#[derive(Debug, Clone)]
pub struct ThresholdBook {
    pub default: RiskThresholds,
    pub overrides: HashMap<FleetId, RiskThresholds>,
}

impl ThresholdBook {
    pub async fn load(db: &Database, model: &RiskModel) -> Result<Self, StorageError> {
        let stored = db.stored_thresholds(ThresholdScope::Default).await?;
        let overrides = db.fleet_threshold_overrides().await?;
        Ok(Self::assemble(model, stored, overrides))
    }

    /// The book as a write sees it, read through the write's own
    /// transaction (never a second pooled connection while it holds the lock).
    pub async fn load_in(tx: &mut WriteTx, model: &RiskModel) -> Result<Self, StorageError> {
        let stored = tx.stored_thresholds(ThresholdScope::Default).await?;
        let overrides = tx.fleet_threshold_overrides().await?;
        Ok(Self::assemble(model, stored, overrides))
    }

    fn assemble(
        model: &RiskModel,
        stored: Option<StoredThresholds>,
        overrides: Vec<(FleetId, RiskThresholds)>,
    ) -> Self {
        Self {
            default: stored.map_or_else(|| model.thresholds(), |stored| stored.thresholds),
            overrides: overrides.into_iter().collect(),
        }
    }

    pub fn for_fleet(&self, fleet: FleetId) -> &RiskThresholds {
        self.overrides.get(&fleet).unwrap_or(&self.default)
    }
}
