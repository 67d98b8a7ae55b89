//! `Idempotency-Key` on `POST /api/feedback` (issue 13, item 8): the same
//! key and body replay the first answer and store once, on this replica or
//! another; the same key with another body is 409; a key is per route and
//! per caller.

use serde_json::{Value, json};

use crate::support::{Backend, TestApp, TestDatabase, TestResponse, base_environment};

crate::cases!(
    a_retried_submission_is_stored_once_and_answered_the_same,
    a_key_sent_with_another_body_is_409_and_stores_nothing,
    a_retry_that_reaches_another_replica_is_recognised,
);

fn submission(message: &str) -> Value {
    json!({
        "rating": 4,
        "category": "Features",
        "message": message,
        "context": {
            "feature": "fleet-dashboard",
            "version": "2.4.0",
            "sessionId": "s-retry",
            "timestamp": "2026-01-05T10:00:00Z",
        },
    })
}

async fn send(app: &TestApp, key: &str, body: &Value) -> TestResponse {
    app.post_idempotent("/api/feedback", &app.keys.viewer, key, body)
        .await
}

async fn stored(app: &TestApp) -> i64 {
    app.count_sql("SELECT COUNT(*) FROM feedback").await
}

async fn a_retried_submission_is_stored_once_and_answered_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = submission("Please add an export to Excel.");
    let first = send(&app, "widget-7f2c", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("idempotent-replayed"), None);
    let retry = send(&app, "widget-7f2c", &body).await;
    assert_eq!((retry.status, &retry.text), (201, &first.text));
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(stored(&app).await, 1, "the retry stored nothing");

    // Another caller's same key is another request.
    let underwriter = app
        .post_idempotent("/api/feedback", &app.keys.underwriter, "widget-7f2c", &body)
        .await;
    assert_eq!(underwriter.status, 201, "{}", underwriter.text);
    assert_eq!(underwriter.header("idempotent-replayed"), None);
    assert_eq!(stored(&app).await, 2);

    // Without a key it is a new submission.
    let plain = app.post("/api/feedback", &app.keys.viewer, &body).await;
    assert_eq!(plain.status, 201, "{}", plain.text);
    assert_ne!(plain.body["id"], first.body["id"]);
    assert_eq!(stored(&app).await, 3);
}

async fn a_key_sent_with_another_body_is_409_and_stores_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = send(&app, "k-1", &submission("Loads fast now.")).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let other = send(&app, "k-1", &submission("Loads slowly now.")).await;
    other.assert_problem(409, "idempotency_key_reused");
    assert_eq!(stored(&app).await, 1);

    // Keys are per route: the import's key space is not the feedback's.
    let import = app
        .post_idempotent(
            "/api/fleet-risk/vessels/import",
            &app.keys.admin,
            "k-1",
            &json!({"vessels": []}),
        )
        .await;
    assert_ne!(
        import.body["code"], "idempotency_key_reused",
        "{}",
        import.text
    );

    // A bad key is named like any other bad field.
    let bad = send(&app, "has a space", &submission("x")).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), vec!["Idempotency-Key".to_string()]);
}

async fn a_retry_that_reaches_another_replica_is_recognised(backend: Backend) {
    let first_replica = TestApp::spawn(backend).await;
    let body = submission("The dashboard is great.");
    let first = send(&first_replica, "replicated", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let url = first_replica.database.url.clone();
    let second_replica =
        TestApp::spawn_on(TestDatabase::sharing(&url), base_environment(&url)).await;
    // The same caller (the same API key) on the other replica.
    let retry = second_replica
        .post_idempotent(
            "/api/feedback",
            &first_replica.keys.viewer,
            "replicated",
            &body,
        )
        .await;
    assert_eq!((retry.status, &retry.text), (201, &first.text));
    assert_eq!(stored(&first_replica).await, 1);
}
