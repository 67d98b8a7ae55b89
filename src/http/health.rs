//! Liveness and readiness, and the age of the data readiness reports.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::AppState;
use crate::config::RecalcSchedule;
use crate::storage::RunRecord;

/// How far past one schedule period the last book-wide run may be before it
/// is overdue: a run takes minutes, and a tick may be skipped once while
/// another replica holds the slot. With the six-hourly default this is the
/// 7 h of the `FleetRiskScoresStale` alert.
pub const OVERDUE_MARGIN: chrono::Duration = chrono::Duration::hours(1);

/// The process is up and serving.
pub async fn liveness() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// True when a run published at `finished_at` is older than one period of
/// `schedule` (as the catch-up on start measures it) plus [`OVERDUE_MARGIN`].
pub fn overdue(schedule: &RecalcSchedule, finished_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    schedule
        .period_after(now)
        .is_some_and(|period| now - finished_at > period + OVERDUE_MARGIN)
}

/// The `lastRun` member: the newest published book-wide run and its age.
fn last_run(run: &RunRecord, schedule: &RecalcSchedule, now: DateTime<Utc>) -> Value {
    let finished_at = run.finished_at.unwrap_or(run.started_at);
    json!({
        "id": run.id,
        "status": run.status.as_str(),
        "finishedAt": finished_at,
        "ageSeconds": (now - finished_at).num_seconds().max(0),
        "stale": overdue(schedule, finished_at, now),
    })
}

/// Ready when the database answers and every migration is applied; 503
/// otherwise. The last book-wide run is reported, never a reason to be
/// unready: taking replicas out of the load balancer makes no data fresher.
///
/// A SQLite file whose write lock another process holds is unready too
/// (503, `checks.database: "unavailable"`, `checks.writes: "locked"`): no
/// write can go through, each answers 503 with `Retry-After` after
/// `SQLITE_BUSY_TIMEOUT_MS`; reads are still served to whoever asks.
pub async fn readiness(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db.ping().await;
    let migrations = match &database {
        Ok(()) => state.db.migrations_applied().await.unwrap_or(false),
        Err(_) => false,
    };
    if let Err(error) = &database {
        tracing::warn!(%error, "readiness: database check failed");
    }
    let writes_possible = if database.is_ok() && migrations {
        state
            .db
            .sqlite_writes_possible()
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "readiness: the write lock could not be probed");
                false
            })
    } else {
        false
    };
    let locked = database.is_ok() && migrations && !writes_possible;
    if locked {
        tracing::warn!("readiness: another process holds the database's write lock");
    }
    let ready = database.is_ok() && migrations && writes_possible;
    let run = if ready {
        match state.db.latest_published_book_run().await {
            Ok(run) => run,
            Err(error) => {
                tracing::warn!(%error, "readiness: the last run could not be read");
                None
            }
        }
    } else {
        None
    };
    let now = Utc::now();
    let body = json!({
        "status": if ready { "ok" } else { "unavailable" },
        "version": env!("CARGO_PKG_VERSION"),
        "checks": {
            "database": if database.is_ok() && !locked { "ok" } else { "unavailable" },
            "migrations": if migrations { "ok" } else { "pending" },
            "writes": if ready { "ok" } else if locked { "locked" } else { "unavailable" },
        },
        "lastRun": run.map(|run| last_run(&run, &state.settings.recalc_cron, now)),
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_overdue_after_one_period_and_the_margin() {
        let six_hourly = RecalcSchedule::parse("0 0 */6 * * *").unwrap();
        let now = Utc::now();
        let hours = |h: i64| now - chrono::Duration::hours(h);
        assert!(!overdue(&six_hourly, hours(6), now));
        assert!(!overdue(
            &six_hourly,
            now - chrono::Duration::minutes(419),
            now
        ));
        assert!(overdue(
            &six_hourly,
            now - chrono::Duration::minutes(421),
            now
        ));
        let hourly = RecalcSchedule::parse("0 0 * * * *").unwrap();
        assert!(overdue(&hourly, hours(3), now));
        assert!(!overdue(&hourly, now - chrono::Duration::minutes(119), now));
    }
}
