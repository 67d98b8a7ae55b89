//! CORS for `CORS_ALLOWED_ORIGINS` (issue 14, item 5): preflights answered,
//! problems and 429s carry the CORS headers, other origins get none.

use reqwest::Method;
use serde_json::json;

use crate::rate_limit::until_refused;
use crate::support::{Backend, TestApp, TestResponse};

crate::cases!(
    ;
    once:
    a_preflight_from_an_allowed_origin_is_answered,
    problems_carry_the_cors_headers,
    a_429_carries_the_cors_headers,
    another_origin_gets_no_allow_origin,
    no_origin_is_allowed_by_default,
);

const ORIGIN: &str = "https://dashboard.example";

async fn with_origins(backend: Backend, extra: &[(&'static str, &str)]) -> TestApp {
    TestApp::spawn_with(backend, |env| {
        env.insert(
            "CORS_ALLOWED_ORIGINS",
            format!("{ORIGIN}, http://localhost:3000"),
        );
        for (name, value) in extra {
            env.insert(name, value.to_string());
        }
    })
    .await
}

async fn from_origin(
    app: &TestApp,
    method: Method,
    path: &str,
    origin: &str,
    key: Option<&str>,
    body: Option<serde_json::Value>,
) -> TestResponse {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("Origin", origin);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    TestResponse {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or_default(),
        text,
    }
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url("/api/fleet-risk/vessels/9074729"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap()
}

async fn a_preflight_from_an_allowed_origin_is_answered(backend: Backend) {
    let app = with_origins(backend, &[]).await;
    let answer = preflight(&app, ORIGIN).await;
    assert!(answer.status().is_success(), "{}", answer.status());
    let headers = answer.headers();
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("PATCH"), "{methods}");
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
}

async fn problems_carry_the_cors_headers(backend: Backend) {
    let app = with_origins(backend, &[]).await;
    let unauthorized = from_origin(
        &app,
        Method::GET,
        "/api/fleet-risk/fleets",
        ORIGIN,
        None,
        None,
    )
    .await;
    unauthorized.assert_problem(401, "unauthorized");
    assert_eq!(
        unauthorized.header("access-control-allow-origin"),
        Some(ORIGIN)
    );
    let invalid = from_origin(
        &app,
        Method::POST,
        "/api/fleet-risk/fleets",
        ORIGIN,
        Some(&app.keys.admin),
        Some(json!({"name": ""})),
    )
    .await;
    invalid.assert_problem(422, "validation_failed");
    assert_eq!(invalid.header("access-control-allow-origin"), Some(ORIGIN));
    let exposed = invalid
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed}");
}

async fn a_429_carries_the_cors_headers(backend: Backend) {
    let app = with_origins(
        backend,
        &[("RATE_LIMIT_PER_SECOND", "1"), ("RATE_LIMIT_BURST", "2")],
    )
    .await;
    let refused = until_refused(2, || {
        from_origin(
            &app,
            Method::GET,
            "/api/fleet-risk/fleets",
            ORIGIN,
            Some(&app.keys.viewer),
            None,
        )
    })
    .await;
    refused.assert_problem(429, "rate_limited");
    assert_eq!(refused.header("access-control-allow-origin"), Some(ORIGIN));
}

async fn another_origin_gets_no_allow_origin(backend: Backend) {
    let app = with_origins(backend, &[]).await;
    let read = from_origin(
        &app,
        Method::GET,
        "/api/fleet-risk/fleets",
        "https://evil.example",
        Some(&app.keys.viewer),
        None,
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.header("access-control-allow-origin"), None);
    let answer = preflight(&app, "https://evil.example").await;
    assert!(!answer.headers().contains_key("access-control-allow-origin"));
}

async fn no_origin_is_allowed_by_default(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let read = from_origin(
        &app,
        Method::GET,
        "/api/fleet-risk/fleets",
        ORIGIN,
        Some(&app.keys.viewer),
        None,
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.header("access-control-allow-origin"), None);
    let answer = preflight(&app, ORIGIN).await;
    assert!(!answer.headers().contains_key("access-control-allow-origin"));
}
