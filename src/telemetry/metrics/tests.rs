//! The metrics' registry and exposition, rendered and read back.

use super::*;

fn render(metrics: &Metrics) -> String {
    metrics.render(&ScrapeInputs {
        pool_size: 4,
        pool_idle: 3,
        pool_max: 10,
    })
}

#[test]
fn requests_are_recorded_by_route_pattern_with_the_documented_buckets() {
    let metrics = Metrics::new();
    metrics.observe_request(
        "/api/fleet-risk/vessels/{imo}",
        "GET",
        500,
        Duration::from_millis(70),
    );
    metrics.observe_request(UNMATCHED, "GET", 404, Duration::from_millis(1));
    let text = render(&metrics);
    assert!(text.contains(
        r#"fleet_risk_api_latency_seconds_bucket{endpoint="/api/fleet-risk/vessels/{imo}",method="GET",status="500",le="0.1"} 1"#
    ), "{text}");
    for le in ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"] {
        assert!(
            text.contains(&format!(r#"status="404",le="{le}"}} 1"#)),
            "{le}"
        );
    }
    assert!(text.contains(r#"fleet_risk_http_errors_total{endpoint="/api/fleet-risk/vessels/{imo}",status_class="5xx"} 1"#));
    assert!(
        text.contains(r#"fleet_risk_http_errors_total{endpoint="unmatched",status_class="4xx"} 1"#)
    );
}

/// The value of the one sample of `series` (name and labels, as exposed).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .expect("a number")
}

#[test]
fn scrape_time_values_are_set_and_missing_data_is_omitted() {
    let metrics = Metrics::new();
    assert_eq!(
        sample(
            &render(&metrics),
            "fleet_risk_metrics_db_snapshot_age_seconds"
        ),
        f64::INFINITY,
        "no snapshot yet"
    );
    let changed = Utc::now() - chrono::Duration::seconds(750);
    metrics.record_db_snapshot(vec![("vessel_data", Some(changed)), ("risk_scores", None)]);
    let text = render(&metrics);
    let age = sample(
        &text,
        r#"fleet_data_freshness_seconds{data_type="vessel_data"}"#,
    );
    assert!((750.0..760.0).contains(&age), "{age}");
    assert!(!text.contains(r#"data_type="risk_scores""#));
    let snapshot_age = sample(&text, "fleet_risk_metrics_db_snapshot_age_seconds");
    assert!((0.0..5.0).contains(&snapshot_age), "{snapshot_age}");
    metrics.db_refresh_failed();
    let text = render(&metrics);
    assert!(text.contains("fleet_risk_metrics_db_refresh_failures_total 1"));
    // A failed read keeps the last values in force.
    assert!(text.contains(r#"fleet_data_freshness_seconds{data_type="vessel_data"} "#));
    assert!(text.contains(r#"fleet_risk_db_pool_connections{state="idle"} 3"#));
    assert!(text.contains(r#"fleet_risk_db_pool_connections{state="in_use"} 1"#));
    assert!(text.contains("fleet_risk_db_pool_max_connections 10"));
}

#[test]
fn business_and_run_recorders_count() {
    let metrics = Metrics::new();
    metrics.record_calculation(7, RiskLevel::High);
    metrics.record_calculation(5000, RiskLevel::Low);
    metrics.dashboard_loaded("underwriter", "emea");
    metrics.record_run(Duration::from_secs(42), RunOutcome::Published);
    metrics.record_run(Duration::from_secs(3), RunOutcome::Failed);
    metrics.calculation_error();
    metrics.calculation_timeout();
    metrics.run_skipped();
    let text = render(&metrics);
    for line in [
        r#"fleet_risk_calculations_total{fleet_size="1-10",risk_level="high"} 1"#,
        r#"fleet_risk_calculations_total{fleet_size="1000+",risk_level="low"} 1"#,
        r#"fleet_dashboard_loads_total{region="emea",user_type="underwriter"} 1"#,
        r#"fleet_risk_recalculation_duration_seconds_count{outcome="published"} 1"#,
        r#"fleet_risk_recalculation_duration_seconds_count{outcome="failed"} 1"#,
        "fleet_risk_recalculation_failures_total 1",
        "fleet_risk_calculation_errors_total 1",
        "fleet_risk_calculation_timeouts_total 1",
        "fleet_risk_recalculation_skipped_total 1",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}

#[test]
fn every_family_is_announced_before_its_first_series() {
    let text = render(&Metrics::new());
    for name in [
        "fleet_risk_api_latency_seconds",
        "fleet_risk_http_errors_total",
        "fleet_dashboard_loads_total",
        "fleet_risk_calculations_total",
        "fleet_risk_recalculation_duration_seconds",
    ] {
        assert!(text.contains(&format!("# TYPE {name} ")), "{name}\n{text}");
    }
    assert!(
        text.contains(
            r#"fleet_risk_calculations_total{fleet_size="51-200",risk_level="critical"} 0"#
        )
    );
}

#[test]
fn fleet_sizes_are_bucketed() {
    assert_eq!(fleet_size_bucket(1), "1-10");
    assert_eq!(fleet_size_bucket(11), "11-50");
    assert_eq!(fleet_size_bucket(200), "51-200");
    assert_eq!(fleet_size_bucket(1000), "201-1000");
    assert_eq!(fleet_size_bucket(1001), "1000+");
}

#[test]
fn two_instances_do_not_share_counts() {
    let a = Metrics::new();
    let b = Metrics::new();
    a.run_skipped();
    assert!(render(&b).contains("fleet_risk_recalculation_skipped_total 0"));
}
