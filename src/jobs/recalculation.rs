//! One book-wide recalculation run: claim the single-runner slot, load the
//! book, score it off the async workers, publish it in one transaction.
//!
//! A run that fails, times out (`RISK_RUN_TIMEOUT`) or is cancelled by
//! shutdown publishes nothing; readers keep seeing the previous run.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::scoring::{aggregate_book, score_book};
use super::{JobContext, ThresholdBook, hold};
use crate::compute::ComputeError;
use crate::domain::{FleetId, RunTrigger};
use crate::storage::{ClaimError, Publication, RunEnd, RunPhases, RunRecord, StorageError};
use crate::telemetry::metrics::RunOutcome;

/// Why a claimed run failed. Its text is what the run records as its
/// `error` (and the API shows).
#[derive(Debug, thiserror::Error)]
pub enum RunFailure {
    #[error("timed out after {:.1} s (RISK_RUN_TIMEOUT)", .0.as_secs_f64())]
    TimedOut(Duration),
    #[error("cancelled: the service is shutting down")]
    Cancelled,
    #[error("{phase}: {source}")]
    Storage {
        phase: RunPhase,
        #[source]
        source: StorageError,
    },
    #[error("{}: {source}", RunPhase::Scoring)]
    Compute {
        #[source]
        source: ComputeError,
    },
    #[error("the run was declared abandoned before it could publish")]
    Abandoned,
}

/// The step of a run a failure happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPhase {
    LoadingBook,
    LoadingThresholds,
    Scoring,
    LoadingKeptScores,
    Publishing,
}

impl std::fmt::Display for RunPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::LoadingBook => "loading the book",
            Self::LoadingThresholds => "loading thresholds",
            Self::Scoring => "scoring",
            Self::LoadingKeptScores => "loading the kept scores of vessels that failed",
            Self::Publishing => "publishing",
        })
    }
}

impl RunFailure {
    fn storage(phase: RunPhase) -> impl FnOnce(StorageError) -> Self {
        move |source| Self::Storage { phase, source }
    }
}

/// Claims the slot for a run; `Err(InProgress(id))` when another runs.
pub async fn start_run(
    ctx: &JobContext,
    trigger: RunTrigger,
    as_of: NaiveDate,
) -> Result<Uuid, ClaimError> {
    let lease = chrono::Duration::from_std(ctx.run_lease).unwrap_or(chrono::Duration::seconds(60));
    ctx.db
        .claim_run(trigger, as_of, ctx.model.version().as_str(), lease)
        .await
}

/// Claims the slot and runs to the end: the CLI's and the scheduler's path.
pub async fn run_once(
    ctx: &JobContext,
    trigger: RunTrigger,
    as_of: NaiveDate,
) -> Result<RunRecord, ClaimError> {
    let run_id = start_run(ctx, trigger, as_of).await?;
    Ok(execute(ctx, run_id, as_of).await?)
}

/// Runs a claimed run to the end, leaving it `published` or `failed`, and
/// reads back its record. A published run's end (`finished_at`, the whole
/// duration, the phases) is recorded after its publication committed.
pub async fn execute(
    ctx: &JobContext,
    run_id: Uuid,
    as_of: NaiveDate,
) -> Result<RunRecord, StorageError> {
    let started = Instant::now();
    let phases = PhaseClock::default();
    let heartbeat = tokio::spawn(heartbeat(ctx.clone(), run_id));
    let outcome = tokio::select! {
        finished = tokio::time::timeout(ctx.run_timeout, work(ctx, run_id, as_of, started, &phases)) => match finished {
            Ok(result) => result,
            Err(_) => Err(RunFailure::TimedOut(ctx.run_timeout)),
        },
        () = ctx.shutdown.cancelled() => Err(RunFailure::Cancelled),
    };
    heartbeat.abort();
    // What the run allocated for the book is freed by now: hand it back.
    crate::allocator::release_free_memory().await;
    let end = RunEnd {
        duration_ms: started.elapsed().as_millis() as i64,
        phases: phases.completed(),
    };
    let (load_ms, score_ms, publish_ms) = (
        end.phases.load_ms,
        end.phases.score_ms,
        end.phases.publish_ms,
    );
    match &outcome {
        Ok(()) => {
            if let Err(error) = ctx.db.record_run_end(run_id, &end).await {
                tracing::warn!(%run_id, %error, "could not record when the published run ended; its record keeps the time taken before the commit");
            }
            tracing::info!(%run_id, elapsed_ms = end.duration_ms, load_ms, score_ms, publish_ms, "recalculation run published");
            ctx.metrics
                .record_run(started.elapsed(), RunOutcome::Published);
        }
        Err(failure) => {
            tracing::error!(%run_id, error = %failure, elapsed_ms = end.duration_ms, load_ms, score_ms, publish_ms, "recalculation run failed; nothing published");
            ctx.metrics
                .record_run(started.elapsed(), RunOutcome::Failed);
            if matches!(failure, RunFailure::TimedOut(_)) {
                ctx.metrics.calculation_timeout();
                if let Err(error) = ctx
                    .rollout_guard
                    .run_timed_out(ctx, run_id, Utc::now())
                    .await
                {
                    tracing::error!(%run_id, %error, "the rollout guard could not record the timeout");
                }
            }
            let error = failure.to_string();
            ctx.report_run_failure(run_id, failure);
            match record_failed(ctx, run_id, &error, &end).await {
                Ok(()) => tracing::info!(%run_id, error = %failure, "the run is recorded failed"),
                Err(error) => {
                    tracing::error!(%run_id, %error, "could not mark the run failed; its lease will expire")
                }
            }
        }
    }
    ctx.db
        .get_run(run_id)
        .await?
        .ok_or_else(|| StorageError::CorruptRow(format!("run {run_id} vanished while it ran")))
}

/// The phases a run has completed so far, kept outside its work: a run
/// that times out or is cancelled has its work dropped mid-way, and still
/// records the phases it finished.
#[derive(Default)]
struct PhaseClock(std::sync::Mutex<RunPhases>);

impl PhaseClock {
    /// Records a phase that began at `began` and has just ended.
    fn finished(&self, began: Instant, phase: impl FnOnce(&mut RunPhases) -> &mut Option<i64>) {
        let took = began.elapsed().as_millis() as i64;
        let mut phases = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *phase(&mut phases) = Some(took);
    }

    fn completed(&self) -> RunPhases {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn work(
    ctx: &JobContext,
    run_id: Uuid,
    as_of: NaiveDate,
    started: Instant,
    phases: &PhaseClock,
) -> Result<(), RunFailure> {
    let phase = Instant::now();
    let book = ctx
        .db
        .load_book()
        .await
        .map_err(RunFailure::storage(RunPhase::LoadingBook))?;
    let thresholds = Arc::new(
        ThresholdBook::load(&ctx.db, &ctx.model)
            .await
            .map_err(RunFailure::storage(RunPhase::LoadingThresholds))?,
    );
    phases.finished(phase, |p| &mut p.load_ms);
    ctx.pause.after_load().await;
    // The score phase: scoring, the kept scores of the vessels that failed
    // (their fleets are aggregated over those), and the aggregation.
    let phase = Instant::now();
    let (model, scoring_thresholds) = (ctx.model.clone(), thresholds.clone());
    let scored = ctx
        .compute
        .run_in_background(move || score_book(&model, book, as_of, &scoring_thresholds))
        .await
        .map_err(|source| RunFailure::Compute { source })?;
    let kept = ctx
        .db
        .kept_members(scored.failed())
        .await
        .map_err(RunFailure::storage(RunPhase::LoadingKeptScores))?;
    for (imo, error) in &kept.unreadable {
        tracing::warn!(%run_id, vessel = %imo, %error, "the kept score of a vessel that failed does not read; its fleet is aggregated without it");
    }
    let mut publication = ctx
        .compute
        .run_in_background(move || aggregate_book(scored, &kept.members, &thresholds))
        .await
        .map_err(|source| RunFailure::Compute { source })?;
    phases.finished(phase, |p| &mut p.score_ms);
    for error in &publication.errors {
        let (imo, message) = (&error.vessel_imo, &error.message);
        tracing::warn!(%run_id, vessel = %imo, %message, "vessel could not be scored");
        ctx.metrics.calculation_error();
        ctx.report_vessel_failure(run_id, error);
    }
    if ctx.hold_before_publish {
        tracing::warn!(%run_id, "{}", hold::HELD_MESSAGE);
        std::future::pending::<()>().await;
    }
    let phase = Instant::now();
    let published = ctx
        .db
        .publish_run(
            run_id,
            &mut publication,
            started.elapsed().as_millis() as i64,
        )
        .await
        .map_err(RunFailure::storage(RunPhase::Publishing))?;
    phases.finished(phase, |p| &mut p.publish_ms);
    if published {
        record_calculations(ctx, &publication);
        Ok(())
    } else {
        Err(RunFailure::Abandoned)
    }
}

/// Counts the published assessments by fleet size and level.
pub(super) fn record_calculations(ctx: &JobContext, publication: &Publication) {
    let mut fleet_sizes: HashMap<FleetId, usize> = HashMap::new();
    for vessel in &publication.vessels {
        *fleet_sizes.entry(vessel.fleet_id).or_default() += 1;
    }
    for fleet in &publication.fleets {
        fleet_sizes.insert(fleet.fleet_id, fleet.aggregate.vessel_count as usize);
    }
    for vessel in &publication.vessels {
        let size = fleet_sizes.get(&vessel.fleet_id).copied().unwrap_or(1);
        ctx.metrics.record_calculation(size, vessel.level);
    }
}

/// Keeps the run's lease fresh while it works.
async fn heartbeat(ctx: JobContext, run_id: Uuid) {
    let mut ticks = tokio::time::interval(ctx.heartbeat_interval());
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Err(error) = ctx.db.heartbeat_run(run_id).await {
            tracing::warn!(%run_id, %error, "run heartbeat failed");
        }
    }
}

/// Marks the run failed, trying again on a lost connection: on shutdown a
/// pooled connection opened on an actix worker's runtime dies with that
/// runtime, and the pool drops it, so a second connection is a live one.
async fn record_failed(
    ctx: &JobContext,
    run_id: uuid::Uuid,
    error: &str,
    end: &RunEnd,
) -> Result<(), StorageError> {
    const ATTEMPTS: usize = 3;
    let mut attempt = 1;
    loop {
        match ctx.db.fail_run_after(run_id, error, end).await {
            Err(StorageError::Unavailable { .. }) if attempt < ATTEMPTS => attempt += 1,
            outcome => return outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_as_the_run_records_it() {
        let cases = [
            (
                RunFailure::TimedOut(Duration::from_millis(1_500)),
                "timed out after 1.5 s (RISK_RUN_TIMEOUT)",
            ),
            (
                RunFailure::Cancelled,
                "cancelled: the service is shutting down",
            ),
            (
                RunFailure::Storage {
                    phase: RunPhase::LoadingBook,
                    source: StorageError::CorruptRow("imo: x".into()),
                },
                "loading the book: stored row is not valid: imo: x",
            ),
            (
                RunFailure::Storage {
                    phase: RunPhase::Publishing,
                    source: StorageError::UnknownFleet,
                },
                "publishing: no fleet with this id",
            ),
            (
                RunFailure::Compute {
                    source: ComputeError::Overloaded,
                },
                "scoring: compute capacity exhausted",
            ),
            (
                RunFailure::Abandoned,
                "the run was declared abandoned before it could publish",
            ),
        ];
        for (failure, text) in cases {
            assert_eq!(failure.to_string(), text);
        }
    }
}
