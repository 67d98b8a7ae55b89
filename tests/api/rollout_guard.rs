//! The automatic rollout guard (issue 13, item 6), with injected faults
//! rather than real slow work: calculation timeouts cap the dashboard's
//! rollout once across replicas, and slow dashboard loads are reported.

use std::time::Duration;

use serde_json::{Value, json};

use crate::flags::{DASHBOARD, put_flag};
use crate::support::{Backend, TestApp, TestDatabase, base_environment};

crate::cases!(
    the_guard_caps_the_rollout_once_across_replicas,
    a_dashboard_p95_over_3_s_is_reported_once_per_window,
);

async fn the_guard_caps_the_rollout_once_across_replicas(backend: Backend) {
    let sink = crate::sentry_sink::Sink::start();
    let first = TestApp::spawn_with(backend, |env| {
        env.insert("SENTRY_DSN", sink.dsn());
    })
    .await;
    put_flag(
        &first,
        "fleetRiskDashboard",
        json!({"enabled": true, "rolloutPercentage": 25,
        "schedule": [{"at": "2026-01-01T00:00:00Z", "percentage": 100}]}),
    )
    .await;
    let url = first.database.url.clone();
    let second = TestApp::spawn_on(TestDatabase::sharing(&url), base_environment(&url)).await;
    // Injected timeouts: runs held before publishing (the test hold) time out at once.
    let mut timing_out = first.jobs.clone();
    timing_out.hold_before_publish = true;
    timing_out.run_timeout = std::time::Duration::from_millis(20);
    let run = || {
        fleet_risk::jobs::run_once(
            &timing_out,
            fleet_risk::domain::RunTrigger::Manual,
            chrono::Utc::now().date_naive(),
        )
    };
    for _ in 0..5 {
        let record = run().await.expect("the slot is free");
        assert_eq!(record.status, fleet_risk::domain::RunStatus::Failed);
    }
    let flag = first.get(DASHBOARD, &first.keys.admin).await;
    assert_eq!(
        flag.body["effectivePercentage"], 100,
        "five timeouts are not more than five"
    );
    run().await.expect("the slot is free");
    let flag = first.get(DASHBOARD, &first.keys.admin).await;
    assert_eq!(flag.body["effectivePercentage"], 50, "{}", flag.text);
    assert_eq!(flag.body["rolloutPercentage"], 25, "a cap never raises");
    // The other replica sees the same timeouts and does not act again in the window.
    let again = second
        .jobs
        .rollout_guard
        .check_timeouts(&second.jobs, chrono::Utc::now())
        .await
        .unwrap();
    assert!(again.is_none(), "{again:?}");
    let audit = first
        .get(&format!("{DASHBOARD}/audit"), &first.keys.admin)
        .await;
    let guard: Vec<&Value> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["changedBy"] == "rollout-guard")
        .collect();
    assert_eq!(guard.len(), 1, "{}", audit.text);
    assert_eq!(
        guard[0]["reason"],
        "automatic: 6 calculation timeouts in 1h"
    );
    let (warnings, _) = sink
        .wait_for_events(&first, 1, |event| event["level"] == "warning")
        .await;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["tags"]["guard_action"], "rollout_capped");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("automatic: 6 calculation timeouts in 1h"),
        "{}",
        warnings[0]
    );
    let actions = r#"fleet_risk_rollout_guard_actions_total{action="rollout_capped"}"#;
    assert_eq!(first.scrape().await.value(actions), 1.0);
    assert_eq!(second.scrape().await.value(actions), 0.0);
}

const SLOW_REPORTS: &str = r#"fleet_risk_rollout_guard_actions_total{action="dashboard_slow"}"#;

/// The plan's `dashboardLoadTime` alert: a p95 over 3 s within the window
/// is a Sentry warning and a count, once per window. Each load is a real
/// dashboard request; the guard counts it 4 s slower once slow loads are
/// injected. The p95 is the nearest rank, the ceil(0.95 n)-th fastest.
async fn a_dashboard_p95_over_3_s_is_reported_once_per_window(backend: Backend) {
    let sink = crate::sentry_sink::Sink::start();
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("SENTRY_DSN", sink.dsn());
    })
    .await;
    let load = || async {
        let response = app
            .get("/api/fleet-risk/dashboard", &app.keys.underwriter)
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
    };
    for _ in 0..19 {
        load().await;
    }
    app.jobs
        .rollout_guard
        .inject_slow_loads(Duration::from_secs(4));
    // 1 slow of 20: the 19th fastest is fast, the p95 is under 3 s.
    load().await;
    assert_eq!(app.scrape().await.value(SLOW_REPORTS), 0.0);
    // 2 slow of 21: the 20th fastest is slow.
    load().await;
    assert_eq!(app.scrape().await.value(SLOW_REPORTS), 1.0);
    let (warnings, _) = sink
        .wait_for_events(&app, 1, |event| event["level"] == "warning")
        .await;
    assert_eq!(warnings[0]["tags"]["guard_action"], "dashboard_slow");
    let message = warnings[0]["message"].as_str().unwrap();
    assert!(
        message.contains("over 3 s in the last 1h (dashboardLoadTime)"),
        "{message}"
    );
    let p95: f64 = message
        .strip_prefix("dashboard p95 ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("a p95 in {message:?}"));
    assert!((4.0..5.0).contains(&p95), "{message}");
    // Still slow, still the same window: not reported again.
    for _ in 0..5 {
        load().await;
    }
    assert_eq!(app.scrape().await.value(SLOW_REPORTS), 1.0);
    if let Some(client) = app.sentry.as_ref().and_then(|hub| hub.client()) {
        client.flush(Some(Duration::from_secs(2)));
    }
    let warnings: Vec<Value> = sink
        .events()
        .into_iter()
        .filter(|event| event["level"] == "warning")
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
}
