//! The default log level keeps access lines out (issue 14, item 14): the
//! real binary at `RUST_LOG=info` serves hundreds of healthy and refused
//! requests and logs none of them, while the metrics count every one.

use fleet_risk::config::DatabaseUrl;
use fleet_risk::domain::Role;
use fleet_risk::storage::Database;

use crate::binary::ServerProcess;
use crate::support::{Backend, TestDatabase};

crate::cases!(healthy_and_refused_requests_log_no_line_at_the_default_level);

async fn healthy_and_refused_requests_log_no_line_at_the_default_level(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = ServerProcess::start(
        &["serve"],
        &[
            ("DATABASE_URL", &database.url),
            ("DEMO_DATA", "true"),
            // 400 requests from one address at once: the limiter is not under test.
            ("RATE_LIMIT_PER_SECOND", "10000"),
            ("RATE_LIMIT_BURST", "10000"),
        ],
    )
    .await;
    let db = Database::connect(
        &DatabaseUrl::parse(&database.url).unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    let key = db.create_api_key("log test", Role::Viewer).await.unwrap();
    db.close().await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    // (path, key, expected status), 100 of each.
    let requests: [(&str, Option<&str>, u16); 4] = [
        ("/api/health", None, 200),
        ("/api/fleet-risk/fleets", Some(&key.secret), 200),
        ("/api/fleet-risk/fleets", Some("frk_not-a-real-key"), 401),
        ("/api/fleet-risk/vessels/1234567", Some(&key.secret), 404),
    ];
    let before = server.log_since_start().len();
    for (path, key, status) in requests {
        for _ in 0..100 {
            let mut request = client.get(server.url(path));
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            let response = request.send().await.expect("the server answers");
            assert_eq!(response.status().as_u16(), status, "{path}");
        }
    }
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let counted: f64 = metrics
        .lines()
        .filter(|line| line.starts_with("fleet_risk_api_latency_seconds_count{"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(
        counted >= 400.0,
        "the metrics count every request: {counted}"
    );
    let log = server.log_since_start();
    let access: Vec<&String> = log[before..]
        .iter()
        .filter(|line| written_for_a_request(line))
        .collect();
    assert!(
        access.is_empty(),
        "{} access lines: {access:?}",
        access.len()
    );
}

/// A JSON log line written inside a request's span, or an access line.
fn written_for_a_request(line: &str) -> bool {
    let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else {
        return true; // not ours to judge: count it
    };
    let in_request = |span: &serde_json::Value| span["name"] == "request";
    in_request(&entry["span"])
        || entry["spans"]
            .as_array()
            .is_some_and(|spans| spans.iter().any(in_request))
        || ["request finished", "slow request", "request failed"]
            .iter()
            .any(|message| entry["message"] == *message)
}
