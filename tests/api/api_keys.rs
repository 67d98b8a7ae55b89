//! The admin key routes (issue 14, item 3): a key made over HTTP works at
//! once and is listed without its secret; a revoked key stops working at
//! once on the replica that revoked it, even with a long key cache, and
//! within `API_KEY_CACHE_SECONDS` on another replica that had trusted it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, TestDatabase, TestResponse, base_environment};

crate::cases!(
    a_created_key_works_at_once_and_is_listed_without_its_secret,
    a_revoked_key_stops_at_once_here_and_within_the_cache_time_elsewhere,
    bad_key_requests_are_named_and_unknown_keys_are_404,
);

const KEYS: &str = "/api/admin/keys";

async fn create_key(app: &TestApp, name: &str, role: &str) -> Value {
    let created = app
        .post(KEYS, &app.keys.admin, &json!({"name": name, "role": role}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body
}

async fn a_created_key_works_at_once_and_is_listed_without_its_secret(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = create_key(&app, "  dashboard service ", "underwriter").await;
    assert_eq!(created["name"], "dashboard service");
    assert_eq!(created["role"], "underwriter");
    assert_eq!(created["revokedAt"], Value::Null);
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with(created["prefix"].as_str().unwrap()));
    // An underwriter may export; a viewer could not.
    let export = app.get("/api/fleet-risk/export?format=csv", secret).await;
    assert_eq!(export.status, 200, "{}", export.text);
    let listed = app.get(KEYS, &app.keys.admin).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let items = listed.body["items"].as_array().unwrap();
    let mine: Vec<&Value> = items.iter().filter(|k| k["id"] == created["id"]).collect();
    assert_eq!(mine.len(), 1, "{}", listed.text);
    assert!(mine[0].get("secret").is_none(), "{}", mine[0]);
    assert!(!listed.text.contains(secret), "no secret in the list");
}

async fn revoke(app: &TestApp, id: &Value) -> TestResponse {
    let path = format!("{KEYS}/{}", id.as_str().unwrap());
    app.request(Method::DELETE, &path, Some(&app.keys.admin), None)
        .await
}

async fn a_revoked_key_stops_at_once_here_and_within_the_cache_time_elsewhere(backend: Backend) {
    // This replica trusts a key for an hour; the other for two seconds.
    let here = TestApp::spawn_with(backend, |env| {
        env.insert("API_KEY_CACHE_SECONDS", "3600".into());
    })
    .await;
    let url = here.database.url.clone();
    let mut environment = base_environment(&url);
    environment.insert("API_KEY_CACHE_SECONDS", "2".into());
    let elsewhere = TestApp::spawn_on(TestDatabase::sharing(&url), environment).await;
    let created = create_key(&here, "short-lived", "viewer").await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let path = "/api/fleet-risk/fleets";
    // Both replicas have authenticated it, so both trust it from their caches.
    assert_eq!(here.get(path, &secret).await.status, 200);
    assert_eq!(elsewhere.get(path, &secret).await.status, 200);
    assert_eq!(revoke(&here, &created["id"]).await.status, 204);
    here.get(path, &secret)
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(
        elsewhere.get(path, &secret).await.status,
        200,
        "the other replica trusts its cache until the time to live"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    elsewhere
        .get(path, &secret)
        .await
        .assert_problem(401, "unauthorized");
    let listed = here.get(KEYS, &here.keys.admin).await;
    let revoked = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == created["id"])
        .unwrap()
        .clone();
    assert!(revoked["revokedAt"].is_string(), "{revoked}");
}

async fn bad_key_requests_are_named_and_unknown_keys_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bad = app
        .post(
            KEYS,
            &app.keys.admin,
            &json!({"name": "   ", "role": "root", "colour": "red"}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["name", "role", "colour"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let unknown = json!(uuid::Uuid::new_v4().to_string());
    revoke(&app, &unknown)
        .await
        .assert_problem(404, "not_found");
    revoke(&app, &json!("not-a-uuid"))
        .await
        .assert_problem(404, "not_found");
    let created = create_key(&app, "twice", "viewer").await;
    assert_eq!(revoke(&app, &created["id"]).await.status, 204);
    revoke(&app, &created["id"])
        .await
        .assert_problem(404, "not_found");
}

/// The key routes' answers for the contract test (`contract.rs`).
pub async fn contract_checks(app: &TestApp, check: &mut impl FnMut(&str, &str, &TestResponse)) {
    let admin = &app.keys.admin;
    check(KEYS, "get", &app.get(KEYS, admin).await);
    let created = app
        .post(KEYS, admin, &json!({"name": "contract", "role": "viewer"}))
        .await;
    check(KEYS, "post", &created);
    check(
        KEYS,
        "post",
        &app.post(KEYS, admin, &json!({"role": "root"})).await,
    );
    check(KEYS, "get", &app.get(KEYS, &app.keys.viewer).await);
    let one = "/api/admin/keys/{keyId}";
    check(one, "delete", &revoke(app, &created.body["id"]).await);
    check(one, "delete", &revoke(app, &created.body["id"]).await);
}
