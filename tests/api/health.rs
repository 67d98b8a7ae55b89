use crate::support::{Backend, TestApp};

crate::cases!(
    readiness_checks_database_and_migrations,
    liveness_needs_nothing,
    readiness_is_503_when_the_database_is_gone,
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
