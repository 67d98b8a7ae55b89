//! The six-hourly schedule (tokio-cron-scheduler, UTC) and the catch-up on start.
//!
//! Every replica runs the schedule; the single-runner slot lets one of them
//! run each tick and the others skip and say so. Ticks missed while no
//! replica was up are not replayed by the scheduler: a starting replica runs
//! once when the last published book-wide run is older than one period
//! ([`catch_up`]), waiting out a slot that is busy.

use std::time::Instant;

use chrono::Utc;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use super::{JobContext, recalculation, run_once, start_run};
use crate::config::RecalcSchedule;
use crate::domain::RunTrigger;
use crate::storage::ClaimError;

/// Runs one scheduled or catch-up run, logging a skip when another runs.
pub async fn trigger(ctx: &JobContext, trigger: RunTrigger) {
    match run_once(ctx, trigger, Utc::now().date_naive()).await {
        Ok(run) => {
            tracing::info!(run_id = %run.id, status = ?run.status, trigger = trigger.as_str(), "recalculation finished")
        }
        Err(ClaimError::InProgress(running)) => {
            ctx.metrics.run_skipped();
            tracing::info!(
                %running,
                trigger = trigger.as_str(),
                "recalculation skipped: another run is in progress (possibly on another replica)"
            )
        }
        Err(ClaimError::Storage(error)) => {
            tracing::error!(%error, trigger = trigger.as_str(), "recalculation could not start")
        }
    }
}

/// True when no book-wide run was published within one period of the schedule.
pub async fn needs_catch_up(ctx: &JobContext, schedule: &RecalcSchedule) -> bool {
    let now = Utc::now();
    let Some(period) = schedule.period_after(now) else {
        return false;
    };
    match ctx.db.latest_published_book_run().await {
        Ok(Some(run)) => run.finished_at.is_none_or(|at| now - at > period),
        Ok(None) => true,
        Err(error) => {
            tracing::warn!(%error, "could not read the last run; catching up");
            true
        }
    }
}

/// The start-up catch-up: one run when the scores are older than one period.
///
/// A busy slot does not make it give up: another replica's run, or the
/// stale row of a process that died mid-run (which blocks every claim until
/// its lease runs out, and is then reclaimed by the next claim). It retries
/// every heartbeat interval for as long as the scores still need it (a run
/// of another replica that publishes ends the wait, and a claim taken just
/// after one is released unused), at most
/// `RISK_RUN_TIMEOUT` + `RISK_RUN_LEASE` (the longest a live run holds the
/// slot, plus the lease of a dead one); shutdown ends the wait at once.
pub async fn catch_up(ctx: &JobContext, schedule: &RecalcSchedule) {
    if !needs_catch_up(ctx, schedule).await {
        return;
    }
    let trigger = RunTrigger::Startup.as_str();
    let deadline = Instant::now() + ctx.run_timeout + ctx.run_lease;
    let mut waiting = false;
    loop {
        let as_of = Utc::now().date_naive();
        match start_run(ctx, RunTrigger::Startup, as_of).await {
            // A run of another replica may have published between the check
            // and the claim (the slot it freed is what the claim took).
            Ok(run_id) if !needs_catch_up(ctx, schedule).await => {
                match ctx.db.release_run(run_id).await {
                    Ok(()) => tracing::info!(
                        trigger,
                        "catch-up no longer needed: another run published meanwhile"
                    ),
                    Err(error) => {
                        tracing::warn!(%run_id, %error, trigger, "could not release the catch-up's claim; its lease will expire")
                    }
                }
                return;
            }
            Ok(run_id) => {
                match recalculation::execute(ctx, run_id, as_of).await {
                    Ok(run) => {
                        tracing::info!(run_id = %run.id, status = ?run.status, trigger, "recalculation finished")
                    }
                    Err(error) => {
                        tracing::error!(%run_id, %error, trigger, "the run's record could not be read back")
                    }
                }
                return;
            }
            Err(ClaimError::InProgress(running)) => {
                if !waiting {
                    ctx.metrics.run_skipped();
                    waiting = true;
                }
                tracing::info!(%running, trigger, "catch-up waits: another run holds the slot (possibly a stale one, reclaimed when its lease runs out)");
            }
            Err(ClaimError::Storage(error)) => {
                tracing::warn!(%error, trigger, "catch-up could not start; retrying")
            }
        }
        if Instant::now() >= deadline {
            tracing::error!(
                trigger,
                "catch-up gave up: the slot stayed busy beyond RISK_RUN_TIMEOUT + RISK_RUN_LEASE"
            );
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(ctx.heartbeat_interval()) => {}
            () = ctx.shutdown.cancelled() => {
                tracing::info!(trigger, "catch-up abandoned: the service is shutting down");
                return;
            }
        }
        if !needs_catch_up(ctx, schedule).await {
            tracing::info!(
                trigger,
                "catch-up no longer needed: another run published meanwhile"
            );
            return;
        }
    }
}

/// Starts the schedule; the caller keeps the scheduler and shuts it down.
pub async fn start(
    ctx: JobContext,
    schedule: &RecalcSchedule,
) -> Result<JobScheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    let job = Job::new_async(schedule.expression(), move |_, _| {
        let ctx = ctx.clone();
        Box::pin(async move {
            if ctx.shutdown.is_cancelled() {
                return;
            }
            let tracked = ctx.tasks.clone();
            tracked
                .track_future(async move { trigger(&ctx, RunTrigger::Cron).await })
                .await;
        })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}
