//! Recalculation runs: their records and run history as readers see them.
//! The bookkeeping of a run's life (claim, heartbeat, fail, publish) is
//! [`bookkeeping`].

mod bookkeeping;

pub use bookkeeping::{ClaimError, RunEnd};

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use sqlx::AssertSqlSafe;

use super::columns::{select_from, table_row};
use super::{Database, Page, PageRequest, StorageError, on_pool};
use crate::domain::{RunStatus, RunTrigger};

/// One run as readers see it.
#[derive(Debug, Clone, PartialEq)]
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
    pub phases: RunPhases,
    pub error: Option<String>,
}

/// How long each phase of a book-wide run took, in milliseconds; `None` for
/// a phase the run did not complete (it failed or was cancelled first) and
/// for data-change runs. The phases run one after another within the run's
/// `duration_ms`, so their sum never exceeds it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunPhases {
    /// Loading the book and the thresholds in force.
    pub load_ms: Option<i64>,
    /// Scoring on the compute pool (waiting for its admission included).
    pub score_ms: Option<i64>,
    /// Writing the publication, up to its commit.
    pub publish_ms: Option<i64>,
}

/// A vessel a run could not score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunVesselError {
    /// As stored.
    pub vessel_imo: String,
    pub message: String,
    /// What failed on the vessel, for Sentry: `storage::load_book` (its
    /// stored data did not read back) or `risk::assess_within` (the engine
    /// panicked). Not stored: `None` when read back from a run's history.
    pub operation: Option<&'static str>,
}

table_row! {
    /// A `risk_runs` row as readers read it.
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
        load_ms: Option<i64>,
        score_ms: Option<i64>,
        publish_ms: Option<i64>,
        error: Option<String>,
    }
}

impl TryFrom<RunRow> for RunRecord {
    type Error = StorageError;
    fn try_from(row: RunRow) -> Result<Self, StorageError> {
        Ok(Self {
            id: row.id,
            trigger: RunTrigger::parse(&row.trigger).map_err(StorageError::CorruptRow)?,
            status: RunStatus::parse(&row.status).map_err(StorageError::CorruptRow)?,
            as_of: row.as_of,
            model_version: row.model_version,
            started_at: row.started_at,
            finished_at: row.finished_at,
            vessels_scored: row.vessels_scored,
            vessels_failed: row.vessels_failed,
            duration_ms: row.duration_ms,
            phases: RunPhases {
                load_ms: row.load_ms,
                score_ms: row.score_ms,
                publish_ms: row.publish_ms,
            },
            error: row.error,
        })
    }
}

fn select_run(tail: &str) -> AssertSqlSafe<String> {
    select_from(RunRow::COLUMNS, "risk_runs", tail)
}

impl Database {
    pub async fn get_run(&self, id: Uuid) -> Result<Option<RunRecord>, StorageError> {
        let sql = select_run("WHERE id = $1");
        let row: Option<RunRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
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
                operation: None,
            })
            .collect())
    }

    /// Runs, newest first.
    pub async fn list_runs(
        &self,
        page: &PageRequest<(DateTime<Utc>, Uuid)>,
    ) -> Result<Page<RunRecord, (DateTime<Utc>, Uuid)>, StorageError> {
        let sql = select_run(
            "WHERE $1 IS NULL OR started_at < $1 OR (started_at = $1 AND id < $2) \
             ORDER BY started_at DESC, id DESC LIMIT $3",
        );
        let (after_started, after_id) = page.after.unzip();
        let rows: Vec<RunRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
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
        let sql = select_run(
            "WHERE status = 'published' AND trigger <> 'data_change' \
             ORDER BY finished_at DESC, id DESC LIMIT 1",
        );
        let row: Option<RunRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).fetch_optional(pool).await?
        });
        row.map(RunRecord::try_from).transpose()
    }
}
