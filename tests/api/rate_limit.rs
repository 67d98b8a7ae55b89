//! Rate limits (issue 14, item 4): per key, per address without a valid
//! key, a separate bucket for writes, 429 problem+json with `Retry-After`
//! and `RateLimit-*`; CORS preflights are not counted.
//!
//! Buckets refill at one request a second, so a case sends until it is
//! refused (a bounded number of requests) rather than count on timing.

use reqwest::Method;
use serde_json::json;

use crate::support::{Backend, TestApp, TestResponse};

crate::cases!(
    ;
    once:
    a_key_past_its_burst_is_429_with_the_rate_limit_headers,
    writes_have_their_own_tighter_bucket,
    keyless_requests_are_counted_per_address,
    preflights_are_not_counted,
);

const ORIGIN: &str = "https://dashboard.example";

/// Refill one request a second; `burst` for reads, `write_burst` for writes.
async fn limited(backend: Backend, burst: u32, write_burst: u32) -> TestApp {
    TestApp::spawn_with(backend, |env| {
        env.insert("RATE_LIMIT_PER_SECOND", "1".into());
        env.insert("RATE_LIMIT_BURST", burst.to_string());
        env.insert("RATE_LIMIT_WRITE_PER_SECOND", "1".into());
        env.insert("RATE_LIMIT_WRITE_BURST", write_burst.to_string());
        env.insert("CORS_ALLOWED_ORIGINS", ORIGIN.into());
    })
    .await
}

/// Sends `send` until it is refused; the first `burst` must pass.
pub async fn until_refused<F, Fut>(burst: u32, mut send: F) -> TestResponse
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = TestResponse>,
{
    for sent in 0..burst + 20 {
        let response = send().await;
        if sent < burst {
            assert_ne!(response.status, 429, "request {sent} is within the burst");
        } else if response.status == 429 {
            return response;
        }
    }
    panic!("never refused after {} requests", burst + 20);
}

async fn a_key_past_its_burst_is_429_with_the_rate_limit_headers(backend: Backend) {
    let app = limited(backend, 5, 5).await;
    let refused = until_refused(5, || app.get("/api/fleet-risk/fleets", &app.keys.viewer)).await;
    refused.assert_problem(429, "rate_limited");
    let seconds = |name| -> u64 {
        refused
            .header(name)
            .unwrap_or_else(|| panic!("{name} is sent"))
            .parse()
            .unwrap()
    };
    assert!(seconds("retry-after") >= 1);
    assert!(seconds("ratelimit-reset") >= 1);
    assert_eq!(refused.header("ratelimit-limit"), Some("5"));
    assert_eq!(refused.header("ratelimit-remaining"), Some("0"));
    // Another key has a bucket of its own.
    let other = app
        .get("/api/fleet-risk/fleets", &app.keys.underwriter)
        .await;
    assert_eq!(other.status, 200, "{}", other.text);
}

async fn writes_have_their_own_tighter_bucket(backend: Backend) {
    let app = limited(backend, 100, 2).await;
    let app = &app;
    let mut n = 0;
    let refused = until_refused(2, || {
        n += 1;
        let body = json!({"name": format!("Fleet {n}")});
        async move {
            app.post("/api/fleet-risk/fleets", &app.keys.admin, &body)
                .await
        }
    })
    .await;
    refused.assert_problem(429, "rate_limited");
    assert_eq!(refused.header("ratelimit-limit"), Some("2"));
    // The same key still reads: reads are another bucket.
    let read = app.get("/api/fleet-risk/fleets", &app.keys.admin).await;
    assert_eq!(read.status, 200, "{}", read.text);
}

async fn keyless_requests_are_counted_per_address(backend: Backend) {
    let app = limited(backend, 3, 3).await;
    let refused = until_refused(3, || {
        app.request(Method::GET, "/api/health/live", None, None)
    })
    .await;
    refused.assert_problem(429, "rate_limited");
    // Made-up keys do not escape the address's bucket.
    let bogus = app.get("/api/fleet-risk/fleets", "frk_made-up-key-1").await;
    bogus.assert_problem(429, "rate_limited");
    // A valid key is counted against itself, not the address.
    let keyed = app.get("/api/fleet-risk/fleets", &app.keys.viewer).await;
    assert_eq!(keyed.status, 200, "{}", keyed.text);
}

async fn preflights_are_not_counted(backend: Backend) {
    let app = limited(backend, 2, 2).await;
    for _ in 0..10 {
        let preflight = app
            .client
            .request(Method::OPTIONS, app.url("/api/fleet-risk/fleets"))
            .header("Origin", ORIGIN)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success(), "{}", preflight.status());
        assert_eq!(preflight.headers()["access-control-allow-origin"], ORIGIN);
    }
    for _ in 0..2 {
        let read = app.get("/api/fleet-risk/fleets", &app.keys.viewer).await;
        assert_eq!(read.status, 200, "the burst is whole: {}", read.text);
    }
}
