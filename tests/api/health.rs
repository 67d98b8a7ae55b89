use fleet_risk::storage::BackendPool;

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    readiness_checks_database_and_migrations,
    readiness_is_503_when_the_database_is_gone,
    readiness_reports_the_last_book_wide_run_and_its_age,
    an_overdue_run_is_stale_but_the_replica_stays_ready;
    once:
    liveness_needs_nothing,
);

async fn readiness_checks_database_and_migrations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .request(reqwest::Method::GET, "/api/health", None, None)
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["status"], "ok");
    assert_eq!(response.body["checks"]["database"], "ok");
    assert_eq!(response.body["checks"]["migrations"], "ok");
    // No book-wide run yet.
    assert_eq!(
        response.body["lastRun"],
        serde_json::Value::Null,
        "{}",
        response.text
    );
}

async fn readiness_reports_the_last_book_wide_run_and_its_age(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    // The create's one-vessel re-score is no book-wide run.
    let response = app
        .request(reqwest::Method::GET, "/api/health", None, None)
        .await;
    assert_eq!(
        response.body["lastRun"],
        serde_json::Value::Null,
        "{}",
        response.text
    );
    let run = app.recalculate().await;
    let response = app
        .request(reqwest::Method::GET, "/api/health", None, None)
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let last = &response.body["lastRun"];
    assert_eq!(last["id"], run.as_str(), "{}", response.text);
    assert_eq!(last["status"], "published");
    let stored = app
        .get(&format!("/api/fleet-risk/runs/{run}"), &app.keys.viewer)
        .await;
    assert_eq!(last["finishedAt"], stored.body["finishedAt"]);
    let age = last["ageSeconds"].as_i64().expect("whole seconds");
    assert!((0..60).contains(&age), "{age}");
    assert_eq!(last["stale"], false);
}

async fn an_overdue_run_is_stale_but_the_replica_stays_ready(backend: Backend) {
    // Hourly: a run older than 1 h plus the 1 h margin is overdue.
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("RISK_RECALC_CRON", "0 0 * * * *".into());
    })
    .await;
    let run = app.recalculate().await;
    let three_hours_ago = chrono::Utc::now() - chrono::Duration::hours(3);
    let sql = "UPDATE risk_runs SET finished_at = $1 WHERE id = $2";
    let id = uuid::Uuid::parse_str(&run).unwrap();
    match app.db.pool() {
        BackendPool::Sqlite(pool) => sqlx::query(sql)
            .bind(three_hours_ago)
            .bind(id)
            .execute(pool)
            .await
            .map(drop),
        BackendPool::Postgres(pool) => sqlx::query(sql)
            .bind(three_hours_ago)
            .bind(id)
            .execute(pool)
            .await
            .map(drop),
    }
    .expect("the run is aged");
    let response = app
        .request(reqwest::Method::GET, "/api/health", None, None)
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["status"], "ok");
    let last = &response.body["lastRun"];
    assert_eq!(last["id"], run.as_str());
    assert_eq!(last["stale"], true, "{}", response.text);
    let age = last["ageSeconds"].as_i64().unwrap();
    assert!((3 * 3600..3 * 3600 + 60).contains(&age), "{age}");
}

async fn liveness_needs_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .request(reqwest::Method::GET, "/api/health/live", None, None)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["status"], "ok");
}

async fn readiness_is_503_when_the_database_is_gone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.db.close().await;
    let response = app
        .request(reqwest::Method::GET, "/api/health", None, None)
        .await;
    assert_eq!(response.status, 503, "{}", response.text);
    assert_eq!(response.body["status"], "unavailable");
    assert_eq!(response.body["checks"]["database"], "unavailable");
    assert!(response.header("retry-after").is_some());
}
