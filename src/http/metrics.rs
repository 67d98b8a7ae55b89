//! `GET /metrics`: the Prometheus exposition, no auth, and the background
//! reader of the gauges that need the database.
//!
//! A scrape never waits for the database: during an outage it must still
//! answer, or Prometheus sees the target down and no alert fires. The
//! database-backed values are read every [`REFRESH_EVERY`] by a task the
//! server starts ([`spawn_db_gauge_refresher`]); a scrape serves the last
//! snapshot with its age, and failed reads are counted.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::AppState;
use crate::storage::{Database, RunRecord, StorageError};
use crate::telemetry::Metrics;
use crate::telemetry::metrics::ScrapeInputs;

/// How often the database-backed gauges are read.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);
/// Longest one read may take, below the pool's acquire timeout, so a
/// stalled database costs one failed read per period, not a queue of them.
pub const REFRESH_TIMEOUT: Duration = Duration::from_secs(2);

/// When each kind of data last changed; `None` (no data yet) omits the series.
/// `risk_scores`: when the last book-wide run was published (the age of the
/// oldest score in force; a one-vessel re-score does not make the book fresh);
/// `vessel_data`: when a vessel last changed.
pub fn changed_at(
    last_book_run: Option<&RunRecord>,
    last_vessel_change: Option<DateTime<Utc>>,
) -> Vec<(&'static str, Option<DateTime<Utc>>)> {
    vec![
        ("risk_scores", last_book_run.and_then(|run| run.finished_at)),
        ("vessel_data", last_vessel_change),
    ]
}

/// [`changed_at`], read from the database.
pub async fn freshness(
    db: &Database,
) -> Result<Vec<(&'static str, Option<DateTime<Utc>>)>, StorageError> {
    let (book_run, vessel_change) =
        tokio::try_join!(db.latest_published_book_run(), db.latest_vessel_change_at())?;
    Ok(changed_at(book_run.as_ref(), vessel_change))
}

/// One bounded read of the database-backed gauges into `metrics`.
pub async fn refresh_db_gauges(db: &Database, metrics: &Metrics) {
    match tokio::time::timeout(REFRESH_TIMEOUT, freshness(db)).await {
        Ok(Ok(changed_at)) => metrics.record_db_snapshot(changed_at),
        Ok(Err(error)) => {
            metrics.db_refresh_failed();
            tracing::debug!(%error, "metrics: the database-backed gauges could not be read");
        }
        Err(_) => {
            metrics.db_refresh_failed();
            tracing::debug!("metrics: reading the database-backed gauges timed out");
        }
    }
}

/// Starts the background reader; it stops when `shutdown` is cancelled.
pub fn spawn_db_gauge_refresher(
    db: Database,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = refresh_db_gauges(&db, &metrics) => {}
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(REFRESH_EVERY) => {}
            }
        }
    })
}

pub async fn serve(state: web::Data<AppState>) -> HttpResponse {
    let (pool_size, pool_idle) = state.db.pool_usage();
    let inputs = ScrapeInputs {
        pool_size,
        pool_idle,
        pool_max: state.settings.db_max_connections,
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&inputs))
}

/// Registers `GET /metrics` (outside the API route table and its contract)
/// with the table's routing rules: HEAD as GET, 405 with `Allow` otherwise.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::resource("/metrics")
            .route(super::method_route("get").to(serve))
            .default_service(super::other_methods(&["get"])),
    );
}
