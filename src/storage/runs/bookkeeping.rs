//! The bookkeeping of a run's life: the single-runner slot, heartbeats, a
//! failed run, a published run and its end, and the run row of a data change.
//!
//! A book-wide run claims the slot by inserting its `running` row; the
//! partial unique index `risk_runs_one_running` lets only one such row exist,
//! whichever replica inserts it. A run whose heartbeat is older than the
//! lease (its process died) is marked failed by the next claimant.

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::RunPhases;
use crate::domain::RunTrigger;
use crate::storage::{
    BackendPool, Database, StorageError, WriteTx, is_unique_violation, on_pool, on_tx,
};

/// How a book-wide run ended: its whole duration and its phases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunEnd {
    pub duration_ms: i64,
    pub phases: RunPhases,
}

/// Why a run could not claim the slot.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("run {0} is in progress")]
    InProgress(Uuid),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Database {
    /// Claims the single-runner slot for a book-wide run; a run whose
    /// heartbeat is older than `lease` is first marked failed (abandoned).
    pub async fn claim_run(
        &self,
        trigger: RunTrigger,
        as_of: NaiveDate,
        model_version: &str,
        lease: chrono::Duration,
    ) -> Result<Uuid, ClaimError> {
        let now = Utc::now();
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE risk_runs SET status = 'failed', finished_at = $1, \
                 error = 'abandoned: its process stopped sending heartbeats' \
                 WHERE status = 'running' AND heartbeat_at < $2",
            )
            .bind(now)
            .bind(now - lease)
            .execute(pool)
            .await
            .map_err(StorageError::from)?
            .rows_affected()
        });
        self.discard_unpublished_rows(None).await?;
        let id = Uuid::now_v7();
        let inserted = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO risk_runs (id, trigger, status, as_of, model_version, started_at, heartbeat_at) \
                 VALUES ($1, $2, 'running', $3, $4, $5, $5)",
            )
            .bind(id)
            .bind(trigger.as_str())
            .bind(as_of)
            .bind(model_version)
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        });
        match inserted {
            Ok(_) => {
                // The insert may have waited for the previous run's commit; start the
                // clock now, so recorded intervals of successive runs never overlap.
                let started = Utc::now();
                on_pool!(self, pool => {
                    sqlx::query("UPDATE risk_runs SET started_at = $2, heartbeat_at = $2 WHERE id = $1")
                        .bind(id)
                        .bind(started)
                        .execute(pool)
                        .await
                        .map_err(StorageError::from)?
                        .rows_affected()
                });
                Ok(id)
            }
            Err(e) if is_unique_violation(&e) => match self.running_run().await? {
                Some(running) => Err(ClaimError::InProgress(running)),
                // It finished between our insert and this read: the slot is free again.
                None => Box::pin(self.claim_run(trigger, as_of, model_version, lease)).await,
            },
            Err(e) => Err(StorageError::from(e).into()),
        }
    }

    /// The book-wide run in progress, if any.
    pub async fn running_run(&self) -> Result<Option<Uuid>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM risk_runs WHERE status = 'running' AND trigger <> 'data_change'",
            )
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Gives back a claim that has not started working (its run is not
    /// needed after all): the row goes, as if it had never been claimed.
    pub async fn release_run(&self, id: Uuid) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM risk_runs WHERE id = $1 AND status = 'running'")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    pub async fn heartbeat_run(&self, id: Uuid) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE risk_runs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running'")
                .bind(id)
                .bind(Utc::now())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Marks a running run failed; it publishes nothing.
    pub async fn fail_run(
        &self,
        id: Uuid,
        error: &str,
        duration_ms: i64,
    ) -> Result<(), StorageError> {
        let end = RunEnd {
            duration_ms,
            phases: RunPhases::default(),
        };
        self.fail_run_after(id, error, &end).await
    }

    /// Marks a running run failed with how long it ran and the phases it
    /// completed; it publishes nothing.
    pub async fn fail_run_after(
        &self,
        id: Uuid,
        error: &str,
        end: &RunEnd,
    ) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE risk_runs SET status = 'failed', finished_at = $2, error = $3, duration_ms = $4, \
                 load_ms = $5, score_ms = $6, publish_ms = $7 \
                 WHERE id = $1 AND status = 'running'",
            )
            .bind(id)
            .bind(Utc::now())
            .bind(error)
            .bind(end.duration_ms)
            .bind(end.phases.load_ms)
            .bind(end.phases.score_ms)
            .bind(end.phases.publish_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        self.discard_unpublished_rows(Some(id)).await
    }

    /// Records when a published run really ended, after its publication
    /// committed: `finished_at` is taken now (so it is never before the
    /// scores became visible), with the whole run's duration and its phases.
    /// The publishing transaction wrote provisional values, which this
    /// replaces.
    pub async fn record_run_end(&self, id: Uuid, end: &RunEnd) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE risk_runs SET finished_at = $2, duration_ms = $3, \
                 load_ms = $4, score_ms = $5, publish_ms = $6 \
                 WHERE id = $1 AND status = 'published'",
            )
            .bind(id)
            .bind(Utc::now())
            .bind(end.duration_ms)
            .bind(end.phases.load_ms)
            .bind(end.phases.score_ms)
            .bind(end.phases.publish_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// PostgreSQL: deletes the history rows a failed run staged before it
    /// could publish (see [`Database::publish_run`]), of run `id` or of
    /// every failed run. SQLite stages nothing: a run's rows live and die
    /// with its publishing transaction.
    async fn discard_unpublished_rows(&self, id: Option<Uuid>) -> Result<(), StorageError> {
        match self.pool() {
            BackendPool::Postgres(pool) => {
                crate::storage::postgres::publication::discard_unpublished_rows(pool, id).await
            }
            BackendPool::Sqlite(_) => Ok(()),
        }
    }
}

impl WriteTx {
    /// Marks a running run published; `false` when it is no longer running
    /// (another process declared it abandoned), and then nothing may commit.
    /// Its `finished_at` and `duration_ms` are provisional until
    /// [`Database::record_run_end`] records them after the commit.
    pub async fn finish_run(
        &mut self,
        run_id: Uuid,
        vessels_scored: i64,
        vessels_failed: i64,
        duration_ms: i64,
    ) -> Result<bool, StorageError> {
        let updated = on_tx!(self, conn => {
            sqlx::query(
                "UPDATE risk_runs SET status = 'published', finished_at = $2, heartbeat_at = $2, \
                 vessels_scored = $3, vessels_failed = $4, duration_ms = $5 \
                 WHERE id = $1 AND status = 'running'",
            )
            .bind(run_id)
            .bind(Utc::now())
            .bind(vessels_scored)
            .bind(vessels_failed)
            .bind(duration_ms)
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(updated == 1)
    }

    /// Records a data-change run, published in this transaction.
    pub async fn insert_data_change_run(
        &mut self,
        as_of: NaiveDate,
        model_version: &str,
        vessels_scored: i64,
    ) -> Result<Uuid, StorageError> {
        let id = Uuid::now_v7();
        let now = Utc::now();
        on_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO risk_runs (id, trigger, status, as_of, model_version, started_at, \
                 heartbeat_at, finished_at, vessels_scored, vessels_failed, duration_ms) \
                 VALUES ($1, 'data_change', 'published', $2, $3, $4, $4, $4, $5, 0, 0)",
            )
            .bind(id)
            .bind(as_of)
            .bind(model_version)
            .bind(now)
            .bind(vessels_scored)
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(id)
    }
}
