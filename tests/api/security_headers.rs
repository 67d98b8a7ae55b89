//! Security headers (issue 14, item 6) on every answer; `no-store` on
//! authenticated answers that are not cacheable, while the cacheable reads
//! keep their `ETag` and `private, no-cache`.

use reqwest::Method;

use crate::support::{Backend, TestApp, TestResponse};

crate::cases!(
    authenticated_answers_are_not_stored_unless_cacheable;
    once:
    every_answer_has_the_security_headers,
);

fn assert_secured(response: &TestResponse, what: &str) {
    assert_eq!(
        response.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(response.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        response.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
}

async fn every_answer_has_the_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let live = app
        .request(Method::GET, "/api/health/live", None, None)
        .await;
    let unauthorized = app
        .request(Method::GET, "/api/fleet-risk/fleets", None, None)
        .await;
    let missing = app.get("/api/no-such-route", &app.keys.viewer).await;
    let not_allowed = app
        .request(Method::PUT, "/api/health/live", None, None)
        .await;
    for (response, what) in [
        (&live, "health"),
        (&unauthorized, "401"),
        (&missing, "404"),
        (&not_allowed, "405"),
    ] {
        assert_secured(response, what);
        assert_eq!(
            response.header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'"),
            "{what}: JSON answers get the strict policy"
        );
    }
}

async fn authenticated_answers_are_not_stored_unless_cacheable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::flags::open_dashboard(&app).await;
    let fleets = app.get("/api/fleet-risk/fleets", &app.keys.viewer).await;
    assert_eq!(fleets.status, 200, "{}", fleets.text);
    assert_eq!(fleets.header("cache-control"), Some("no-store"));
    let refused = app.get("/api/fleet-risk/fleets/0", &app.keys.viewer).await;
    assert_eq!(
        refused.header("cache-control"),
        Some("no-store"),
        "{}",
        refused.text
    );
    // The dashboard is a cacheable read: revalidated by its ETag, not banned.
    let dashboard = app.get("/api/fleet-risk/dashboard", &app.keys.viewer).await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.text);
    assert!(dashboard.header("etag").is_some());
    assert_eq!(dashboard.header("cache-control"), Some("private, no-cache"));
    assert_secured(&dashboard, "dashboard");
    let etag = dashboard.header("etag").unwrap().to_string();
    let revalidated = app
        .client
        .get(app.url("/api/fleet-risk/dashboard"))
        .bearer_auth(&app.keys.viewer)
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert!(!revalidated.headers().contains_key("cache-control"));
}
