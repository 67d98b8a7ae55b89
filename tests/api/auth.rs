use reqwest::Method;
use serde_json::json;

use crate::support::{Backend, TestApp};

crate::cases!(
    an_unknown_key_is_401,
    a_viewer_cannot_write,
    an_underwriter_cannot_write,
    every_role_can_read,
    a_revoked_key_is_refused,
    an_unknown_key_is_401_before_a_bad_path_id_is_404,
    a_cached_key_is_trusted_for_its_time_to_live_only;
    once:
    a_missing_key_is_401,
    a_malformed_authorization_header_is_401,
);

async fn a_missing_key_is_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .request(Method::GET, "/api/fleet-risk/fleets", None, None)
        .await;
    response.assert_problem(401, "unauthorized");
}

async fn an_unknown_key_is_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .get("/api/fleet-risk/fleets", "frk_not-a-real-key")
        .await;
    response.assert_problem(401, "unauthorized");
}

async fn a_malformed_authorization_header_is_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .client
        .get(app.url("/api/fleet-risk/fleets"))
        .header("authorization", format!("Basic {}", app.keys.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

async fn a_viewer_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .post(
            "/api/fleet-risk/fleets",
            &app.keys.viewer,
            &json!({"name": "Blocked"}),
        )
        .await;
    response.assert_problem(403, "forbidden");
    let fleets = app.get("/api/fleet-risk/fleets", &app.keys.admin).await;
    assert_eq!(fleets.body["items"], json!([]), "nothing was written");
}

async fn an_underwriter_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Underwriter test").await;
    let response = app
        .delete(
            &format!("/api/fleet-risk/fleets/{fleet}"),
            &app.keys.underwriter,
        )
        .await;
    response.assert_problem(403, "forbidden");
    let still_there = app
        .get(&format!("/api/fleet-risk/fleets/{fleet}"), &app.keys.viewer)
        .await;
    assert_eq!(still_there.status, 200);
}

async fn every_role_can_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for key in [&app.keys.viewer, &app.keys.underwriter, &app.keys.admin] {
        let response = app.get("/api/fleet-risk/fleets", key).await;
        assert_eq!(response.status, 200, "{}", response.text);
    }
}

async fn a_revoked_key_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app
        .db
        .create_api_key("temporary", fleet_risk::domain::Role::Viewer)
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/fleet-risk/fleets", &key.secret).await.status,
        200
    );
    assert!(app.db.revoke_api_key(key.record.id).await.unwrap());
    let response = app.get("/api/fleet-risk/fleets", &key.secret).await;
    response.assert_problem(401, "unauthorized");
}

/// The key is checked before the path: a caller without a valid key learns
/// nothing about which ids are well-formed.
async fn an_unknown_key_is_401_before_a_bad_path_id_is_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/api/fleet-risk/vessels/not-an-imo",
        "/api/fleet-risk/vessels/1234567/risk",
        "/api/fleet-risk/fleets/not-a-uuid",
        "/api/fleet-risk/fleets/not-a-uuid/risk",
    ] {
        app.get(path, "frk_not-a-real-key")
            .await
            .assert_problem(401, "unauthorized");
        app.get(path, &app.keys.viewer)
            .await
            .assert_problem(404, "not_found");
    }
}

/// `API_KEY_CACHE_SECONDS`: a key that authenticated is trusted that long
/// without a lookup, so a revocation shows within it, and not before.
async fn a_cached_key_is_trusted_for_its_time_to_live_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("API_KEY_CACHE_SECONDS", "2".into());
    })
    .await;
    let key = app
        .db
        .create_api_key("temporary", fleet_risk::domain::Role::Viewer)
        .await
        .unwrap();
    let path = "/api/fleet-risk/fleets";
    assert_eq!(app.get(path, &key.secret).await.status, 200);
    assert!(app.db.revoke_api_key(key.record.id).await.unwrap());
    assert_eq!(
        app.get(path, &key.secret).await.status,
        200,
        "trusted from the cache"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    app.get(path, &key.secret)
        .await
        .assert_problem(401, "unauthorized");
    app.get(path, "frk_not-a-real-key")
        .await
        .assert_problem(401, "unauthorized");
}
