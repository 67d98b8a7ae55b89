//! The business metrics, moved by the real paths and read from `/metrics`
//! over HTTP: dashboard loads by role and bounded region, and the run
//! counters (duration by outcome, failures, calculation errors, timeouts,
//! skips), and the process's own health (memory, CPU, descriptors, start
//! time, the build). Each step compares every counter before and after, so a counter
//! that moves when it should not fails as well as one that stays still.

use std::collections::BTreeMap;

use fleet_risk::domain::{RunStatus, RunTrigger};
use reqwest::Method;

use crate::support::{Backend, IMOS, Scrape, TestApp, vessel_body};

crate::cases!(
    dashboard_loads_count_the_role_and_a_bounded_region,
    runs_move_the_duration_failure_error_and_skip_counters,
    a_run_that_times_out_counts_a_failure_and_a_timeout,
    the_process_reports_its_memory_cpu_descriptors_and_build,
);

const LOADS: &str = "fleet_dashboard_loads_total";

fn loads(user_type: &str, region: &str) -> String {
    format!(r#"{LOADS}{{region="{region}",user_type="{user_type}"}}"#)
}

/// Every sample of the dashboard-load family, by its labels.
fn all_loads(scrape: &Scrape) -> BTreeMap<String, f64> {
    scrape
        .0
        .lines()
        .filter(|line| line.starts_with(&format!("{LOADS}{{")))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            (series.to_string(), value.parse().unwrap())
        })
        .collect()
}

async fn dashboard_loads_count_the_role_and_a_bounded_region(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let overlong = "emea".repeat(500);
    // (key, X-User-Region, the labels the load must count under); regions
    // fold into emea, americas, apac, and `unknown` for anything else.
    let keys = &app.keys;
    let sent: [(&str, Option<&str>, &str, &str); 8] = [
        (&keys.viewer, Some("EMEA"), "viewer", "emea"),
        (&keys.viewer, Some(" europe "), "viewer", "emea"),
        (&keys.viewer, Some("Asia"), "viewer", "apac"),
        (
            &keys.underwriter,
            Some("north_america"),
            "underwriter",
            "americas",
        ),
        (&keys.underwriter, Some("mars"), "underwriter", "unknown"),
        (&keys.viewer, Some(&overlong), "viewer", "unknown"),
        (&keys.viewer, Some(""), "viewer", "unknown"),
        (&keys.admin, None, "admin", "unknown"),
    ];
    crate::flags::open_dashboard(&app).await;
    let before = all_loads(&app.scrape().await);
    assert!(before.is_empty(), "{before:?}");
    for (key, region, _, _) in sent {
        let mut request = app
            .client
            .get(app.url("/api/fleet-risk/dashboard"))
            .bearer_auth(key);
        if let Some(region) = region {
            request = request.header("X-User-Region", region);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{region:?}");
    }
    let mut expected = BTreeMap::new();
    for (_, _, user_type, region) in sent {
        *expected.entry(loads(user_type, region)).or_insert(0.0) += 1.0;
    }
    let scrape = app.scrape().await;
    assert_eq!(all_loads(&scrape), expected, "{}", scrape.0);
    // A caller without a key loaded nothing.
    let refused = app
        .request(Method::GET, "/api/fleet-risk/dashboard", None, None)
        .await;
    refused.assert_problem(401, "unauthorized");
    assert_eq!(all_loads(&app.scrape().await), expected);
}

const PUBLISHED: &str = r#"fleet_risk_recalculation_duration_seconds_count{outcome="published"}"#;
const FAILED: &str = r#"fleet_risk_recalculation_duration_seconds_count{outcome="failed"}"#;
const PUBLISHED_SECONDS: &str =
    r#"fleet_risk_recalculation_duration_seconds_sum{outcome="published"}"#;
const FAILED_SECONDS: &str = r#"fleet_risk_recalculation_duration_seconds_sum{outcome="failed"}"#;
const FAILURES: &str = "fleet_risk_recalculation_failures_total";
const ERRORS: &str = "fleet_risk_calculation_errors_total";
const TIMEOUTS: &str = "fleet_risk_calculation_timeouts_total";
const SKIPPED: &str = "fleet_risk_recalculation_skipped_total";

/// The counters a run may move.
const RUN_COUNTERS: [&str; 6] = [PUBLISHED, FAILED, FAILURES, ERRORS, TIMEOUTS, SKIPPED];

/// Scrapes, asserts each run counter moved from `before` by its `moved`
/// entry (0 when not named) and that a duration was recorded for each
/// outcome that counted a run, and returns the scrape.
async fn assert_moved(app: &TestApp, before: &Scrape, moved: &[(&str, f64)], step: &str) -> Scrape {
    let after = app.scrape().await;
    for counter in RUN_COUNTERS {
        let expected = moved
            .iter()
            .find(|(name, _)| *name == counter)
            .map_or(0.0, |(_, delta)| *delta);
        assert_eq!(
            after.value(counter) - before.value(counter),
            expected,
            "{step}: {counter}\n{}",
            after.0
        );
    }
    for (count, seconds) in [(PUBLISHED, PUBLISHED_SECONDS), (FAILED, FAILED_SECONDS)] {
        let recorded = after.value(seconds) - before.value(seconds);
        if after.value(count) > before.value(count) {
            assert!(recorded > 0.0, "{step}: {seconds} did not grow");
        } else {
            assert_eq!(recorded, 0.0, "{step}: {seconds}");
        }
    }
    after
}

async fn runs_move_the_duration_failure_error_and_skip_counters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    for imo in &IMOS[..2] {
        app.create_vessel(&fleet, vessel_body(imo)).await;
    }
    let start = app.scrape().await;
    for counter in RUN_COUNTERS {
        assert_eq!(start.value(counter), 0.0, "{counter}: edits are not runs");
    }

    let run = app.run(RunTrigger::Manual).await;
    assert_eq!((run.status, run.vessels_failed), (RunStatus::Published, 0));
    let after_success = assert_moved(&app, &start, &[(PUBLISHED, 1.0)], "a published run").await;

    // A vessel the engine cannot score: the run publishes the others.
    app.execute_sql(&format!(
        "UPDATE vessels SET flag = 'zz' WHERE imo = '{}'",
        IMOS[1]
    ))
    .await;
    let run = app.run(RunTrigger::Manual).await;
    assert_eq!((run.status, run.vessels_failed), (RunStatus::Published, 1));
    let after_error = assert_moved(
        &app,
        &after_success,
        &[(PUBLISHED, 1.0), (ERRORS, 1.0)],
        "a run with an unscorable vessel",
    )
    .await;

    // Another run holds the slot: the HTTP trigger and a cron tick both skip.
    let held =
        fleet_risk::jobs::start_run(&app.jobs, RunTrigger::Cron, chrono::Utc::now().date_naive())
            .await
            .unwrap();
    app.request(
        Method::POST,
        "/api/cron/risk-calculations",
        Some(&app.keys.admin),
        None,
    )
    .await
    .assert_problem(409, "run_in_progress");
    fleet_risk::jobs::schedule::trigger(&app.jobs, RunTrigger::Cron).await;
    let after_skips = assert_moved(&app, &after_error, &[(SKIPPED, 2.0)], "two skips").await;
    app.db.fail_run(held, "released by test", 0).await.unwrap();

    // The book cannot be loaded: the run fails and publishes nothing.
    app.execute_sql("ALTER TABLE incidents RENAME TO incidents_away")
        .await;
    let run = app.run(RunTrigger::Manual).await;
    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    assert_moved(
        &app,
        &after_skips,
        &[(FAILED, 1.0), (FAILURES, 1.0)],
        "a failed run",
    )
    .await;
}

async fn a_run_that_times_out_counts_a_failure_and_a_timeout(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("RISK_RUN_TIMEOUT", "0.000001".into());
    })
    .await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let before = app.scrape().await;
    let run = app.run(RunTrigger::Manual).await;
    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    assert!(
        run.error
            .as_deref()
            .unwrap_or_default()
            .starts_with("timed out"),
        "{run:?}"
    );
    assert_moved(
        &app,
        &before,
        &[(FAILED, 1.0), (FAILURES, 1.0), (TIMEOUTS, 1.0)],
        "a timed-out run",
    )
    .await;
}

/// Issue 14, item 15: the standard process families (Linux's /proc) and
/// `fleet_risk_build_info` with the package version and the risk model's
/// version (`frm-1.0`, risk-model.md).
async fn the_process_reports_its_memory_cpu_descriptors_and_build(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let scrape = app.scrape().await;
    let resident = scrape.value("process_resident_memory_bytes");
    assert!(
        (1_000_000.0..64e9).contains(&resident),
        "a plausible resident size: {resident}"
    );
    assert!(scrape.value("process_virtual_memory_bytes") >= resident);
    // The crate's collector counts CPU in whole seconds: present, maybe 0 yet.
    assert!(
        scrape
            .0
            .lines()
            .any(|l| l.starts_with("process_cpu_seconds_total ")),
        "{}",
        scrape.0
    );
    let open = scrape.value("process_open_fds");
    assert!(
        open >= 3.0 && open <= scrape.value("process_max_fds"),
        "{open}"
    );
    let started = scrape.value("process_start_time_seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        started <= now && started > now - 86_400.0,
        "started {started}, now {now}"
    );
    let build = format!(
        r#"fleet_risk_build_info{{model_version="frm-1.0",version="{}"}}"#,
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(scrape.value(&build), 1.0, "{build}");
}
