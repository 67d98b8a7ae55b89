//! Recalculation runs: the single-runner slot, heartbeats, and run history.
//!
//! A book-wide run claims the slot by inserting its `running` row; the
//! partial unique index `risk_runs_one_running` lets only one such row exist,
//! whichever replica inserts it. A run whose heartbeat is older than the
//! lease (its process died) is marked failed by the next claimant.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{Database, Page, PageRequest, StorageError, is_unique_violation, on_pool};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    Cron,
    Manual,
    Startup,
    Cli,
    DataChange,
}

impl RunTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cron => "cron",
            Self::Manual => "manual",
            Self::Startup => "startup",
            Self::Cli => "cli",
            Self::DataChange => "data_change",
        }
    }

    fn parse(raw: &str) -> Result<Self, StorageError> {
        [
            Self::Cron,
            Self::Manual,
            Self::Startup,
            Self::Cli,
            Self::DataChange,
        ]
        .into_iter()
        .find(|t| t.as_str() == raw)
        .ok_or_else(|| StorageError::CorruptRow(format!("run trigger {raw}")))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Published,
    Failed,
}

impl RunStatus {
    fn parse(raw: &str) -> Result<Self, StorageError> {
        match raw {
            "running" => Ok(Self::Running),
            "published" => Ok(Self::Published),
            "failed" => Ok(Self::Failed),
            _ => Err(StorageError::CorruptRow(format!("run status {raw}"))),
        }
    }
}

/// One run as readers see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub id: Uuid,
    pub trigger: RunTrigger,
    pub status: RunStatus,
    pub as_of: NaiveDate,
    pub model_version: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub vessels_scored: i64,
    pub vessels_failed: i64,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
}

/// A vessel a run could not score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunVesselError {
    #[serde(rename = "vesselIMO")]
    pub vessel_imo: String,
    pub message: String,
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: Uuid,
    trigger: String,
    status: String,
    as_of: NaiveDate,
    model_version: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    vessels_scored: i64,
    vessels_failed: i64,
    duration_ms: Option<i64>,
    error: Option<String>,
}

impl TryFrom<RunRow> for RunRecord {
    type Error = StorageError;
    fn try_from(row: RunRow) -> Result<Self, StorageError> {
        Ok(Self {
            id: row.id,
            trigger: RunTrigger::parse(&row.trigger)?,
            status: RunStatus::parse(&row.status)?,
            as_of: row.as_of,
            model_version: row.model_version,
            started_at: row.started_at,
            finished_at: row.finished_at,
            vessels_scored: row.vessels_scored,
            vessels_failed: row.vessels_failed,
            duration_ms: row.duration_ms,
            error: row.error,
        })
    }
}

macro_rules! select_run {
    () => {
        "SELECT id, trigger, status, as_of, model_version, started_at, finished_at, \
         vessels_scored, vessels_failed, duration_ms, error FROM risk_runs "
    };
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
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE risk_runs SET status = 'failed', finished_at = $2, error = $3, duration_ms = $4 \
                 WHERE id = $1 AND status = 'running'",
            )
            .bind(id)
            .bind(Utc::now())
            .bind(error)
            .bind(duration_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        self.discard_unpublished_rows(Some(id)).await
    }

    /// PostgreSQL: deletes the history rows a failed run staged before it
    /// could publish (see [`Database::publish_run`]): of run `id`, or of
    /// every failed run (a sweep for runs whose process died). Only failed
    /// runs lose rows: a publication whose commit was reported lost may
    /// still have landed. SQLite stages nothing: a run's rows live and die
    /// with its publishing transaction.
    async fn discard_unpublished_rows(&self, id: Option<Uuid>) -> Result<(), StorageError> {
        let Database::Postgres(pool) = self else {
            return Ok(());
        };
        // `= ANY(ARRAY(...))` probes the run index once per failed run,
        // whatever the statistics say.
        sqlx::query(
            "DELETE FROM vessel_scores WHERE run_id = ANY(ARRAY( \
             SELECT id FROM risk_runs WHERE status = 'failed' AND ($1::uuid IS NULL OR id = $1)))",
        )
        .bind(id)
        .execute(pool)
        .await?;
        Ok(())
    }

    pub async fn get_run(&self, id: Uuid) -> Result<Option<RunRecord>, StorageError> {
        const SQL: &str = concat!(select_run!(), "WHERE id = $1");
        let row: Option<RunRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?
        });
        row.map(RunRecord::try_from).transpose()
    }

    pub async fn run_vessel_errors(&self, id: Uuid) -> Result<Vec<RunVesselError>, StorageError> {
        let rows: Vec<(String, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT vessel_imo, message FROM risk_run_errors WHERE run_id = $1 ORDER BY vessel_imo",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(vessel_imo, message)| RunVesselError {
                vessel_imo,
                message,
            })
            .collect())
    }

    /// Runs, newest first.
    pub async fn list_runs(
        &self,
        page: &PageRequest<(DateTime<Utc>, Uuid)>,
    ) -> Result<Page<RunRecord>, StorageError> {
        const SQL: &str = concat!(
            select_run!(),
            "WHERE $1 IS NULL OR started_at < $1 OR (started_at = $1 AND id < $2) \
             ORDER BY started_at DESC, id DESC LIMIT $3"
        );
        let (after_started, after_id) = page.after.unzip();
        let rows: Vec<RunRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(after_started)
                .bind(after_id)
                .bind(page.fetch_limit())
                .fetch_all(pool)
                .await?
        });
        let runs = rows
            .into_iter()
            .map(RunRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(runs, page.limit, |r| (r.started_at, r.id)))
    }

    /// The newest published book-wide run.
    pub async fn latest_published_book_run(&self) -> Result<Option<RunRecord>, StorageError> {
        const SQL: &str = concat!(
            select_run!(),
            "WHERE status = 'published' AND trigger <> 'data_change' \
             ORDER BY finished_at DESC, id DESC LIMIT 1"
        );
        let row: Option<RunRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL).fetch_optional(pool).await?
        });
        row.map(RunRecord::try_from).transpose()
    }

    /// When scores were last published (any run), for freshness.
    pub async fn latest_publication_at(&self) -> Result<Option<DateTime<Utc>>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, Option<DateTime<Utc>>>(
                "SELECT MAX(finished_at) FROM risk_runs WHERE status = 'published'",
            )
            .fetch_one(pool)
            .await?
        }))
    }
}
