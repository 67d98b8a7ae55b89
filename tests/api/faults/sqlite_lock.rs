//! SQLite locked by another process (issue 14, item 11): a connection
//! outside the server holds `BEGIN EXCLUSIVE`. Writes answer a 503 problem
//! with `Retry-After` once `SQLITE_BUSY_TIMEOUT_MS` has passed (not a hang,
//! not a 500), readiness says the writes are locked, reads go on (WAL), and
//! all is well again once the lock is released.

use std::time::Duration;

use serde_json::json;
use sqlx::Connection;

use crate::support::{Backend, TestApp, vessel_body};

crate::cases!(; once: a_locked_sqlite_file_answers_503_with_retry_after_and_recovers);

/// A guard against a hang only (the old behaviour waited 10 s then 500);
/// no time is asserted.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn a_locked_sqlite_file_answers_503_with_retry_after_and_recovers(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("SQLITE_BUSY_TIMEOUT_MS", "300".to_string());
    })
    .await;
    let fleet = app.create_fleet("Locked Fleet").await;
    let mut other_process = sqlx::SqliteConnection::connect(&app.database.url)
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN EXCLUSIVE")
        .execute(&mut other_process)
        .await
        .unwrap();
    // The lock is really taken: a write needs it (WAL: EXCLUSIVE is IMMEDIATE).
    sqlx::raw_sql("UPDATE publication_state SET version = version WHERE id = 1")
        .execute(&mut other_process)
        .await
        .unwrap();

    let mut body = vessel_body("IMO 9811000");
    body["fleetId"] = json!(fleet);
    let write = tokio::time::timeout(
        HANG_GUARD,
        app.post("/api/fleet-risk/vessels", &app.keys.admin, &body),
    )
    .await
    .expect("a write against a locked file answers, it does not hang");
    write.assert_problem(503, "database_unavailable");
    assert!(write.header("retry-after").is_some(), "{:?}", write.headers);

    let health = app
        .request(reqwest::Method::GET, "/api/health", None, None)
        .await;
    assert_eq!(health.status, 503, "{}", health.text);
    assert_eq!(health.body["status"], "unavailable");
    assert_eq!(health.body["checks"]["database"], "unavailable");
    assert_eq!(health.body["checks"]["writes"], "locked");
    assert!(health.header("retry-after").is_some());

    // Reads are not blocked by a writer in WAL mode.
    let fleets = app.get("/api/fleet-risk/fleets", &app.keys.viewer).await;
    assert_eq!(fleets.status, 200, "{}", fleets.text);

    sqlx::raw_sql("ROLLBACK")
        .execute(&mut other_process)
        .await
        .unwrap();
    other_process.close().await.unwrap();

    let health = app
        .request(reqwest::Method::GET, "/api/health", None, None)
        .await;
    assert_eq!(health.status, 200, "{}", health.text);
    assert_eq!(health.body["checks"]["writes"], "ok");
    // 201, not 409: the refused write stored nothing.
    app.create_vessel(&fleet, vessel_body("IMO 9811000")).await;
}
