//! Observability end to end: the Prometheus scrape, request ids, and the
//! Grafana dashboard's queries. (Sentry's envelopes: `sentry.rs`.)

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use fleet_risk::storage::{BackendPool, Database};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    metrics_are_labelled_by_route_pattern_and_pass_promtool,
    metrics_can_have_a_listener_of_their_own,
    risk_score_freshness_counts_only_book_wide_runs,
    metrics_answer_while_the_database_is_unreachable;
    once:
    every_response_carries_a_request_id,
    the_grafana_dashboard_queries_only_exported_metrics,
);

/// The names of the metric families in a scrape (`# TYPE name kind`).
fn family_names(scrape: &str) -> BTreeSet<String> {
    scrape
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

async fn scrape(app: &TestApp, base: &str) -> (String, String) {
    let response = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    (content_type, response.text().await.unwrap())
}

/// Scrapes until `wanted` holds (the database-backed gauges are read in the
/// background, every couple of seconds); every scrape must answer 200.
async fn scrape_until(app: &TestApp, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, text) = scrape(app, &app.address).await;
        if wanted(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "never reached:\n{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of the one sample of `series` (name and labels, as exposed).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().expect("a number"))
}

/// Runs `promtool check metrics` on `text`; under CI a missing promtool
/// fails, and any finding fails.
fn promtool_check_metrics(text: &str) {
    let child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "promtool is required under CI: {error}"
            );
            eprintln!("note: promtool not found; skipping `promtool check metrics`");
            return;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.trim().is_empty() && output.status.success(),
        "promtool check metrics: {report}\n{text}"
    );
}

async fn metrics_are_labelled_by_route_pattern_and_pass_promtool(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    app.get("/api/fleet-risk/vessels/IMO%209074729", &app.keys.viewer)
        .await;
    app.get("/api/fleet-risk/vessels/9811000", &app.keys.viewer)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/fleet-risk/nowhere/9074729", &app.keys.viewer)
        .await;
    // The book-wide freshness has its own case below.
    let text = scrape_until(&app, |text| {
        text.contains(r#"fleet_data_freshness_seconds{data_type="vessel_data"} "#)
    })
    .await;
    let (content_type, _) = scrape(&app, &app.address).await;
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    for line in [
        r#"fleet_risk_api_latency_seconds_count{endpoint="/api/fleet-risk/vessels/{imo}",method="GET",status="200"} 1"#,
        r#"fleet_risk_api_latency_seconds_count{endpoint="/api/fleet-risk/vessels/{imo}",method="GET",status="404"} 1"#,
        r#"fleet_risk_api_latency_seconds_count{endpoint="/api/fleet-risk/vessels",method="POST",status="201"} 1"#,
        r#"fleet_risk_api_latency_seconds_count{endpoint="unmatched",method="GET",status="404"} 1"#,
        r#"fleet_risk_http_errors_total{endpoint="/api/fleet-risk/vessels/{imo}",status_class="4xx"} 1"#,
        r#"fleet_risk_db_pool_max_connections 5"#,
        // The create re-scored one low-risk vessel of a one-vessel fleet.
        r#"fleet_risk_calculations_total{fleet_size="1-10",risk_level="low"} 1"#,
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(text.contains(r#"fleet_risk_db_pool_connections{state="idle"} "#));
    assert!(text.contains(r#"fleet_risk_db_pool_connections{state="in_use"} "#));
    assert!(text.contains(r#"le="0.05""#) && text.contains(r#"le="2.5""#));
    for secret in ["9074729", "9811000", fleet.as_str()] {
        assert!(!text.contains(secret), "{secret} is a label value:\n{text}");
    }
    promtool_check_metrics(&text);
}

async fn metrics_can_have_a_listener_of_their_own(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("METRICS_ADDR", "127.0.0.1:0".into());
    })
    .await;
    let port = app.metrics_port.expect("a metrics listener");
    let (_, text) = scrape(&app, &format!("http://127.0.0.1:{port}")).await;
    assert!(
        text.contains("fleet_risk_db_pool_max_connections 5"),
        "{text}"
    );
    // The fresh database has no vessels: the series is omitted, not zero.
    assert!(!text.contains(r#"data_type="vessel_data""#), "{text}");
    let on_api = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(on_api.status(), 404);
}

async fn risk_score_freshness_counts_only_book_wide_runs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    // The create publishes a one-vessel re-score: the book has had no run.
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let text = scrape_until(&app, |text| {
        text.contains(r#"fleet_data_freshness_seconds{data_type="vessel_data"} "#)
    })
    .await;
    assert!(!text.contains(r#"data_type="risk_scores""#), "{text}");
    let run = app.recalculate().await;
    let text = scrape_until(&app, |text| text.contains(r#"data_type="risk_scores""#)).await;
    let after_run = sample(
        &text,
        r#"fleet_data_freshness_seconds{data_type="risk_scores"}"#,
    )
    .expect("the series");
    // Edits after the run re-score their vessel, but the book is as old as the run.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    app.create_vessel(&fleet, vessel_body(IMOS[1])).await;
    let edited_at = sample(
        &text,
        r#"fleet_data_freshness_seconds{data_type="vessel_data"}"#,
    );
    let text = scrape_until(&app, |later| {
        sample(
            later,
            r#"fleet_data_freshness_seconds{data_type="vessel_data"}"#,
        ) < edited_at
    })
    .await;
    let later = sample(
        &text,
        r#"fleet_data_freshness_seconds{data_type="risk_scores"}"#,
    )
    .expect("the series");
    assert!(later >= after_run + 1.0, "{after_run} then {later}");
    // The health check reports the same run.
    let health = app.request(Method::GET, "/api/health", None, None).await;
    assert_eq!(health.body["lastRun"]["id"], json!(run), "{}", health.text);
}

/// Holds every connection of the server's pool, as a database that stopped
/// answering does: each read then waits for the pool's acquire timeout.
async fn exhaust_pool(db: &Database, size: usize) -> Box<dyn std::any::Any + Send> {
    match db.pool() {
        BackendPool::Sqlite(pool) => {
            let mut held = Vec::new();
            for _ in 0..size {
                held.push(pool.acquire().await.expect("a connection"));
            }
            Box::new(held)
        }
        BackendPool::Postgres(pool) => {
            let mut held = Vec::new();
            for _ in 0..size {
                held.push(pool.acquire().await.expect("a connection"));
            }
            Box::new(held)
        }
    }
}

async fn metrics_answer_while_the_database_is_unreachable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    scrape_until(&app, |text| {
        text.contains(r#"fleet_data_freshness_seconds{data_type="vessel_data"} "#)
    })
    .await;
    let failures = |text: &str| {
        sample(text, "fleet_risk_metrics_db_refresh_failures_total").expect("the counter")
    };
    let before = failures(&scrape(&app, &app.address).await.1);
    let held = exhaust_pool(&app.db, 5).await;
    // Prometheus gives up on a scrape after 10 s (its default scrape_timeout);
    // two reads at the pool's 5 s acquire timeout would not fit in it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let response = app
            .client
            .get(app.url("/metrics"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("the scrape answers during the outage");
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        if failures(&text) > before {
            break text;
        }
        assert!(Instant::now() < deadline, "no failed read counted:\n{text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The last known values are served, with their age; the pool is full.
    assert!(
        text.contains(r#"fleet_data_freshness_seconds{data_type="vessel_data"} "#),
        "{text}"
    );
    let age = sample(&text, "fleet_risk_metrics_db_snapshot_age_seconds").expect("the age");
    assert!(age.is_finite() && age > 0.0, "{age}");
    assert!(
        text.contains(r#"fleet_risk_db_pool_connections{state="in_use"} 5"#),
        "{text}"
    );
    assert!(
        text.contains(r#"fleet_risk_db_pool_connections{state="idle"} 0"#),
        "{text}"
    );
    assert!(
        text.contains("fleet_risk_db_pool_max_connections 5"),
        "{text}"
    );
    drop(held);
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let send = |id: Option<&'static str>, path: &'static str| {
        let mut request = app.client.get(app.url(path)).bearer_auth(&app.keys.viewer);
        if let Some(id) = id {
            request = request.header("X-Request-Id", id);
        }
        request.send()
    };
    let kept = send(Some("client-42.a_b"), "/api/health").await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "client-42.a_b");
    for (id, path) in [
        (None, "/api/health"),
        (Some("IMO9074729"), "/api/fleet-risk/vessels/9074729"),
        (Some("has space"), "/api/fleet-risk/nowhere"),
    ] {
        let response = send(id, path).await.unwrap();
        let made = response.headers()["x-request-id"].to_str().unwrap();
        let parsed = uuid::Uuid::parse_str(made).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 7, "{made}");
    }
    let long = "x".repeat(129);
    let response = app
        .client
        .get(app.url("/api/health"))
        .header("X-Request-Id", &long)
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], long.as_str());
}

/// Metric names in a PromQL expression: identifiers that are not functions,
/// keywords, label names (inside `{}` or `by (...)`), strings or durations.
fn promql_metric_names(expr: &str) -> Vec<String> {
    const NOT_METRICS: &[&str] = &[
        "sum",
        "rate",
        "irate",
        "increase",
        "histogram_quantile",
        "avg",
        "max",
        "min",
        "count",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "and",
        "or",
        "unless",
        "clamp_min",
        "clamp_max",
        "abs",
        "vector",
        "scalar",
        "time",
        "topk",
        "bottomk",
        "label_replace",
        "avg_over_time",
        "max_over_time",
        "min_over_time",
        "delta",
        "offset",
        "absent",
        "bool",
        "sort",
        "sort_desc",
        "round",
        "ceil",
        "floor",
        "le",
        "inf",
        "nan",
    ];
    let mut names = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    let mut depth_braces = 0;
    let mut after_grouping = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    i += 1;
                }
                i += 1;
            }
            '{' => {
                depth_braces += 1;
                i += 1;
            }
            '}' => {
                depth_braces -= 1;
                i += 1;
            }
            '[' => {
                while i < chars.len() && chars[i] != ']' {
                    i += 1;
                }
                i += 1;
            }
            '(' if after_grouping => {
                while i < chars.len() && chars[i] != ')' {
                    i += 1;
                }
                after_grouping = false;
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let lower = word.to_ascii_lowercase();
                if [
                    "by",
                    "without",
                    "on",
                    "ignoring",
                    "group_left",
                    "group_right",
                ]
                .contains(&lower.as_str())
                {
                    after_grouping = true;
                } else if depth_braces == 0
                    && !NOT_METRICS.contains(&lower.as_str())
                    && !word.starts_with("$")
                {
                    names.push(word);
                }
            }
            c if c.is_ascii_digit() || c == '.' => {
                // Numbers and durations (5m, 0.95).
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
            }
            '$' => {
                // Grafana variables ($__rate_interval).
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    names
}

fn exprs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("expr", Value::String(expr)) => out.push(expr.clone()),
                    _ => exprs(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| exprs(item, out)),
        _ => {}
    }
}

async fn the_grafana_dashboard_queries_only_exported_metrics(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.get("/api/health", &app.keys.viewer).await;
    let (_, text) = scrape(&app, &app.address).await;
    let exported = family_names(&text);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/grafana/fleet-risk.json"
    );
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the dashboard file"))
            .expect("the dashboard is JSON");
    let mut found = Vec::new();
    exprs(&dashboard, &mut found);
    assert!(
        found.len() >= 8,
        "the dashboard has {} queries",
        found.len()
    );
    for expr in &found {
        let names = promql_metric_names(expr);
        assert!(!names.is_empty(), "no metric in {expr}");
        for name in names {
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .filter(|base| exported.contains(*base))
                .unwrap_or(&name);
            assert!(
                exported.contains(family),
                "{name} (in {expr}) is not exported; the scrape has {exported:?}"
            );
        }
    }
    assert_eq!(
        promql_metric_names(
            "sum by (endpoint) (rate(fleet_risk_api_latency_seconds_bucket{endpoint=\"/x\"}[5m]))"
        ),
        ["fleet_risk_api_latency_seconds_bucket"]
    );
    assert_eq!(
        promql_metric_names("rate(http_requests_total[$__rate_interval]) > 0.5"),
        ["http_requests_total"]
    );
}
