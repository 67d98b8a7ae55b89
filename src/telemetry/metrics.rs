//! Prometheus metrics. [`Metrics`] owns its registry (no globals), so every
//! server, and every test, counts on its own.
//!
//! Label values are always bounded: route patterns (never raw paths), method,
//! status, bucketed fleet sizes, risk levels. No IMO, fleet id or user id is
//! ever a label value.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::domain::RiskLevel;

/// Buckets of `fleet_risk_api_latency_seconds`, in seconds.
pub const LATENCY_BUCKETS: [f64; 7] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
/// Buckets of `fleet_risk_recalculation_duration_seconds`: a run takes seconds to minutes.
pub const RUN_BUCKETS: [f64; 9] = [1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0];
/// Seconds since each kind of data last changed (base units, see docs/operations.md).
const FRESHNESS: &str = "fleet_data_freshness_seconds";
const FRESHNESS_HELP: &str = "Seconds since the data of this type last changed \
     (risk_scores: since the last book-wide run was published)";
const SNAPSHOT_AGE: &str = "fleet_risk_metrics_db_snapshot_age_seconds";
const SNAPSHOT_AGE_HELP: &str =
    "Seconds since the database-backed gauges were last read successfully";
/// The `endpoint` label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// How a recalculation run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Published,
    Failed,
}

impl RunOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Failed => "failed",
        }
    }
}

/// What the rollout guard did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardAction {
    /// Recalculation timeouts capped `fleetRiskDashboard`.
    RolloutCapped,
    /// A dashboard p95 over the plan's limit was reported.
    DashboardSlow,
}

impl GuardAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::RolloutCapped => "rollout_capped",
            Self::DashboardSlow => "dashboard_slow",
        }
    }
}

/// Values read at scrape time from memory (never from the database).
#[derive(Debug, Clone, Default)]
pub struct ScrapeInputs {
    /// Open connections of the pool (idle + in use).
    pub pool_size: u32,
    pub pool_idle: usize,
    pub pool_max: u32,
}

/// The last values read from the database in the background: when each kind
/// of data last changed (`None`: no data yet), and when they were read.
#[derive(Debug, Clone)]
struct DbSnapshot {
    read_at: Instant,
    changed_at: Vec<(&'static str, Option<DateTime<Utc>>)>,
}

pub struct Metrics {
    registry: Registry,
    /// `(name, help, type)` of every family, so a family with no series yet
    /// is still announced (dashboards and alerts can name it from the start).
    families: Vec<(String, String, &'static str)>,
    api_latency: HistogramVec,
    http_errors: IntCounterVec,
    calculations: IntCounterVec,
    dashboard_loads: IntCounterVec,
    feedback_submissions: IntCounterVec,
    data_freshness: GaugeVec,
    run_duration: HistogramVec,
    run_failures: IntCounter,
    calculation_errors: IntCounter,
    calculation_timeouts: IntCounter,
    runs_skipped: IntCounter,
    rollout_guard_actions: IntCounterVec,
    pool_connections: IntGaugeVec,
    pool_max_connections: IntGauge,
    db_snapshot: Mutex<Option<DbSnapshot>>,
    db_snapshot_age: prometheus::Gauge,
    db_refresh_failures: IntCounter,
    build_info: IntGaugeVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        super::process_metrics::register_process_collector(&registry);
        let build_info = super::process_metrics::build_info(&registry);
        let families = std::cell::RefCell::new(Vec::new());
        let announce = |name: &str, help: &str, kind: &'static str| {
            families
                .borrow_mut()
                .push((name.to_string(), help.to_string(), kind));
        };
        let histogram = |name: &str, help: &str, buckets: &[f64], labels: &[&str]| {
            let metric = HistogramVec::new(
                HistogramOpts::new(name, help).buckets(buckets.to_vec()),
                labels,
            )
            .expect("a valid histogram");
            announce(name, help, "histogram");
            registry
                .register(Box::new(metric.clone()))
                .expect("registered once");
            metric
        };
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            let metric =
                IntCounterVec::new(Opts::new(name, help), labels).expect("a valid counter");
            announce(name, help, "counter");
            registry
                .register(Box::new(metric.clone()))
                .expect("registered once");
            metric
        };
        let counter = |name: &str, help: &str| {
            let metric = IntCounter::new(name, help).expect("a valid counter");
            announce(name, help, "counter");
            registry
                .register(Box::new(metric.clone()))
                .expect("registered once");
            metric
        };
        let data_freshness = GaugeVec::new(Opts::new(FRESHNESS, FRESHNESS_HELP), &["data_type"])
            .expect("a valid gauge");
        announce(FRESHNESS, FRESHNESS_HELP, "gauge");
        registry
            .register(Box::new(data_freshness.clone()))
            .expect("registered once");
        let db_snapshot_age =
            prometheus::Gauge::new(SNAPSHOT_AGE, SNAPSHOT_AGE_HELP).expect("a valid gauge");
        announce(SNAPSHOT_AGE, SNAPSHOT_AGE_HELP, "gauge");
        registry
            .register(Box::new(db_snapshot_age.clone()))
            .expect("registered once");
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "fleet_risk_db_pool_connections",
                "Open database connections by state",
            ),
            &["state"],
        )
        .expect("a valid gauge");
        registry
            .register(Box::new(pool_connections.clone()))
            .expect("registered once");
        let pool_max_connections = IntGauge::new(
            "fleet_risk_db_pool_max_connections",
            "Most connections the database pool may open",
        )
        .expect("a valid gauge");
        registry
            .register(Box::new(pool_max_connections.clone()))
            .expect("registered once");
        let mut metrics = Self {
            families: Vec::new(),
            api_latency: histogram(
                "fleet_risk_api_latency_seconds",
                "HTTP request latency by route pattern, method and status",
                &LATENCY_BUCKETS,
                &["endpoint", "method", "status"],
            ),
            http_errors: counter_vec(
                "fleet_risk_http_errors_total",
                "HTTP responses with a 4xx or 5xx status, by route pattern and status class",
                &["endpoint", "status_class"],
            ),
            calculations: counter_vec(
                "fleet_risk_calculations_total",
                "Fleet risk calculations by fleet size bucket and resulting risk level",
                &["fleet_size", "risk_level"],
            ),
            dashboard_loads: counter_vec(
                "fleet_dashboard_loads_total",
                "Dashboard loads by user type and region",
                &["user_type", "region"],
            ),
            feedback_submissions: counter_vec(
                "fleet_feedback_submissions_total",
                "In-app feedback submissions stored, by category and rating (1-5)",
                &["category", "rating"],
            ),
            run_duration: histogram(
                "fleet_risk_recalculation_duration_seconds",
                "Duration of recalculation runs by outcome",
                &RUN_BUCKETS,
                &["outcome"],
            ),
            run_failures: counter(
                "fleet_risk_recalculation_failures_total",
                "Recalculation runs that failed",
            ),
            calculation_errors: counter(
                "fleet_risk_calculation_errors_total",
                "Vessel or fleet risk calculations that failed",
            ),
            calculation_timeouts: counter(
                "fleet_risk_calculation_timeouts_total",
                "Risk calculations that exceeded their time limit",
            ),
            runs_skipped: counter(
                "fleet_risk_recalculation_skipped_total",
                "Scheduled runs skipped because another replica holds the slot",
            ),
            rollout_guard_actions: counter_vec(
                "fleet_risk_rollout_guard_actions_total",
                "Rollout guard actions: rollout_capped (timeouts capped fleetRiskDashboard), \
                 dashboard_slow (dashboard p95 over 3 s reported)",
                &["action"],
            ),
            db_refresh_failures: counter(
                "fleet_risk_metrics_db_refresh_failures_total",
                "Background reads of the database-backed gauges that failed or timed out",
            ),
            data_freshness,
            pool_connections,
            pool_max_connections,
            db_snapshot: Mutex::new(None),
            db_snapshot_age,
            build_info,
            registry,
        };
        metrics.families = families.into_inner();
        // Families whose label values are all known start at zero, so rates work from the start.
        for outcome in [RunOutcome::Published, RunOutcome::Failed] {
            metrics.run_duration.with_label_values(&[outcome.as_str()]);
        }
        for action in [GuardAction::RolloutCapped, GuardAction::DashboardSlow] {
            metrics
                .rollout_guard_actions
                .with_label_values(&[action.as_str()]);
        }
        for size in [1, 11, 51, 201, 1001] {
            for level in RiskLevel::ALL {
                metrics
                    .calculations
                    .with_label_values(&[fleet_size_bucket(size), level.as_str()]);
            }
        }
        metrics
    }

    /// `fleet_risk_build_info{version, model_version} 1`, once the model is loaded.
    pub fn set_build_info(&self, model_version: &str) {
        self.build_info.reset();
        self.build_info
            .with_label_values(&[super::process_metrics::VERSION, model_version])
            .set(1);
    }

    /// One HTTP request: `endpoint` is the route pattern or [`UNMATCHED`].
    pub fn observe_request(&self, endpoint: &str, method: &str, status: u16, latency: Duration) {
        let status_label = status.to_string();
        self.api_latency
            .with_label_values(&[endpoint, method, &status_label])
            .observe(latency.as_secs_f64());
        if status >= 400 {
            let class = if status >= 500 { "5xx" } else { "4xx" };
            self.http_errors.with_label_values(&[endpoint, class]).inc();
        }
    }

    /// One fleet risk calculation over `fleet_vessel_count` vessels.
    pub fn record_calculation(&self, fleet_vessel_count: usize, level: RiskLevel) {
        self.calculations
            .with_label_values(&[fleet_size_bucket(fleet_vessel_count), level.as_str()])
            .inc();
    }

    /// One dashboard load; callers pass bounded values (a role, a region code).
    pub fn dashboard_loaded(&self, user_type: &str, region: &str) {
        self.dashboard_loads
            .with_label_values(&[user_type, region])
            .inc();
    }

    /// One feedback submission stored (both labels are bounded: 4 categories, 5 ratings).
    pub fn feedback_submitted(&self, category: &str, rating: u8) {
        self.feedback_submissions
            .with_label_values(&[category, &rating.to_string()])
            .inc();
    }

    /// One recalculation run that ran (published or failed) for `duration`.
    pub fn record_run(&self, duration: Duration, outcome: RunOutcome) {
        self.run_duration
            .with_label_values(&[outcome.as_str()])
            .observe(duration.as_secs_f64());
        if outcome == RunOutcome::Failed {
            self.run_failures.inc();
        }
    }

    pub fn calculation_error(&self) {
        self.calculation_errors.inc();
    }

    pub fn calculation_timeout(&self) {
        self.calculation_timeouts.inc();
    }

    /// The rollout guard acted (see `jobs::rollout_guard`).
    pub fn rollout_guard_acted(&self, action: GuardAction) {
        self.rollout_guard_actions
            .with_label_values(&[action.as_str()])
            .inc();
    }

    /// A scheduled run skipped because another replica holds the slot.
    pub fn run_skipped(&self) {
        self.runs_skipped.inc();
    }

    /// Keeps what the background read found: when each kind of data last
    /// changed (`None`: no data of that kind yet).
    pub fn record_db_snapshot(&self, changed_at: Vec<(&'static str, Option<DateTime<Utc>>)>) {
        *self.db_snapshot.lock().expect("the snapshot lock") = Some(DbSnapshot {
            read_at: Instant::now(),
            changed_at,
        });
    }

    /// A background read of the database-backed gauges failed or timed out;
    /// the last snapshot stays in force (and grows older).
    pub fn db_refresh_failed(&self) {
        self.db_refresh_failures.inc();
    }

    /// The text exposition, with the scrape-time values set first. Nothing
    /// here waits for the database: freshness comes from the last snapshot,
    /// aged to now, and the snapshot's own age is exported beside it.
    pub fn render(&self, inputs: &ScrapeInputs) -> String {
        self.data_freshness.reset();
        let snapshot = self.db_snapshot.lock().expect("the snapshot lock").clone();
        if let Some(snapshot) = &snapshot {
            let now = Utc::now();
            for (data_type, at) in &snapshot.changed_at {
                if let Some(at) = at {
                    let seconds = ((now - *at).num_milliseconds() as f64 / 1000.0).max(0.0);
                    self.data_freshness
                        .with_label_values(&[data_type])
                        .set(seconds);
                }
            }
            self.db_snapshot_age
                .set(snapshot.read_at.elapsed().as_secs_f64());
        } else {
            // No read has succeeded yet: as old as the process's view of it.
            self.db_snapshot_age.set(f64::INFINITY);
        }
        let idle = inputs.pool_idle as i64;
        let in_use = (i64::from(inputs.pool_size) - idle).max(0);
        self.pool_connections.with_label_values(&["idle"]).set(idle);
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(in_use);
        self.pool_max_connections.set(i64::from(inputs.pool_max));
        let gathered = self.registry.gather();
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&gathered, &mut buffer)
            .expect("the text encoder writes to memory");
        let mut text = String::from_utf8(buffer).expect("the exposition is UTF-8");
        for (name, help, kind) in &self.families {
            if !gathered.iter().any(|family| family.name() == name) {
                text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
            }
        }
        text
    }
}

/// The `fleet_size` label: a bucket, never the exact count.
pub fn fleet_size_bucket(vessels: usize) -> &'static str {
    match vessels {
        0..=10 => "1-10",
        11..=50 => "11-50",
        51..=200 => "51-200",
        201..=1000 => "201-1000",
        _ => "1000+",
    }
}

#[cfg(test)]
mod tests;
