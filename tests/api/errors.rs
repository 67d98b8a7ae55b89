use fleet_risk::storage::BackendPool;
use reqwest::Method;
use serde_json::json;

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    a_wrong_media_type_is_415,
    an_oversized_body_is_413_and_writes_nothing,
    a_broken_schema_is_an_opaque_500_and_rolls_back,
    a_database_outage_is_503;
    postgres: a_session_the_database_ends_is_a_lost_connection;
    once:
    malformed_json_is_400,
    an_unknown_route_is_404,
    a_wrong_method_is_405_with_allow,
);

async fn malformed_json_is_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for body in [
        &b"{\"name\": "[..],
        b"not json",
        b"{\"name\": \"A\"} {}",
        b"",
    ] {
        let response = app
            .post_raw("/api/fleet-risk/fleets", "application/json", body.to_vec())
            .await;
        response.assert_problem(400, "malformed_json");
    }
}

async fn a_wrong_media_type_is_415(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .post_raw(
            "/api/fleet-risk/fleets",
            "text/plain",
            br#"{"name": "A"}"#.to_vec(),
        )
        .await;
    response.assert_problem(415, "unsupported_media_type");
    let form = app
        .post_raw(
            "/api/fleet-risk/fleets",
            "application/x-www-form-urlencoded",
            b"name=A".to_vec(),
        )
        .await;
    form.assert_problem(415, "unsupported_media_type");
    let with_charset = app
        .post_raw(
            "/api/fleet-risk/fleets",
            "application/json; charset=utf-8",
            br#"{"name": "A"}"#.to_vec(),
        )
        .await;
    assert_eq!(with_charset.status, 201, "{}", with_charset.text);
}

async fn an_oversized_body_is_413_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("MAX_BODY_BYTES", "2048".into());
    })
    .await;
    let fleet = app.create_fleet("Fleet A").await;
    let mut body = vessel_body(IMOS[0]);
    body["fleetId"] = json!(fleet);
    body["name"] = json!("N".repeat(3000));
    let response = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &body)
        .await;
    response.assert_problem(413, "payload_too_large");
    app.get(
        &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
        &app.keys.viewer,
    )
    .await
    .assert_problem(404, "not_found");
}

async fn an_unknown_route_is_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/api/fleet-risk/nowhere", &app.keys.viewer).await;
    response.assert_problem(404, "route_not_found");
}

async fn a_wrong_method_is_405_with_allow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .request(
            Method::PUT,
            "/api/fleet-risk/vessels/9074729",
            Some(&app.keys.admin),
            None,
        )
        .await;
    response.assert_problem(405, "method_not_allowed");
    assert_eq!(response.header("allow"), Some("GET, PATCH, DELETE"));
}

async fn a_broken_schema_is_an_opaque_500_and_rolls_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    match app.db.pool() {
        BackendPool::Sqlite(pool) => sqlx::query("DROP TABLE incidents")
            .execute(pool)
            .await
            .map(drop),
        BackendPool::Postgres(pool) => sqlx::query("DROP TABLE incidents")
            .execute(pool)
            .await
            .map(drop),
    }
    .expect("the incidents table is dropped");
    let mut body = vessel_body(IMOS[0]);
    body["fleetId"] = json!(fleet);
    let response = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &body)
        .await;
    response.assert_problem(500, "internal_error");
    for leak in ["incidents", "SQL", "sql", "9074729", "table"] {
        assert!(
            !response.text.contains(leak),
            "{leak} leaked: {}",
            response.text
        );
    }
    // The vessel row was inserted before the failing incident: the rollback removed it.
    assert_eq!(app.db.count_vessels().await.unwrap(), 0);
}

async fn a_database_outage_is_503(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_fleet("Fleet A").await;
    let key = app.keys.viewer.clone();
    app.db.close().await;
    let response = app.get("/api/fleet-risk/fleets", &key).await;
    response.assert_problem(503, "database_unavailable");
    assert!(response.header("retry-after").is_some());
}

/// "terminating connection due to administrator command" (57P01), as a
/// restart or an operator's `pg_terminate_backend` sends it, is a lost
/// connection (503), not a fault of the service (500).
async fn a_session_the_database_ends_is_a_lost_connection(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let BackendPool::Postgres(pool) = app.db.pool() else {
        unreachable!("a PostgreSQL case")
    };
    let mut held = pool.acquire().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *held)
        .await
        .unwrap();
    let terminated: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(terminated);
    let error = sqlx::query("SELECT 1")
        .execute(&mut *held)
        .await
        .unwrap_err();
    assert!(
        matches!(
            fleet_risk::storage::StorageError::from(error),
            fleet_risk::storage::StorageError::Unavailable { .. }
        ),
        "a terminated session must be Unavailable"
    );
}
