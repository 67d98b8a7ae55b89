//! The automatic rollout guard: it acts on what the deployment plan's
//! performance alerts watch (decisions in [`crate::flags::guard`]).
//!
//! Each book-wide run that exceeds `RISK_RUN_TIMEOUT` is recorded in the
//! database; then, under the single-writer lock, more than five within
//! `ROLLOUT_GUARD_WINDOW` cap `fleetRiskDashboard` at 50 %, audited as
//! `rollout-guard` with `automatic: N calculation timeouts in W`, once per
//! window whichever replica sees them. Each dashboard load's latency is
//! kept per replica for the window; a p95 over 3 s is reported, at most
//! once per window. Both are Sentry warnings (scrubbed) and counted in
//! `fleet_risk_rollout_guard_actions_total`.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::JobContext;
use crate::flags::guard::{ROLLOUT_CAP, cap_reason, rollout_cap, slow_dashboard, window_text};
use crate::flags::{FLEET_RISK_DASHBOARD, FlagKey};
use crate::storage::{GuardAction, StorageError};
use crate::telemetry;
use crate::telemetry::metrics::GuardAction as Counted;

/// Most dashboard latencies kept per replica (the oldest go first).
const DASHBOARD_SAMPLES: usize = 10_000;

pub struct RolloutGuard {
    window: Duration,
    dashboard: Mutex<DashboardWatch>,
}

#[derive(Default)]
struct DashboardWatch {
    loads: VecDeque<(Instant, Duration)>,
    reported_at: Option<Instant>,
    /// Test-only: added to every load's latency ([`RolloutGuard::inject_slow_loads`]).
    injected: Duration,
}

impl std::fmt::Debug for RolloutGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RolloutGuard")
            .field("window", &self.window)
            .finish()
    }
}

impl RolloutGuard {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            dashboard: Mutex::new(DashboardWatch::default()),
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Records that `run_id` timed out at `now` and lets the guard decide.
    pub async fn run_timed_out(
        &self,
        ctx: &JobContext,
        run_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<GuardAction>, StorageError> {
        ctx.db.record_calculation_timeout(run_id, now).await?;
        self.check_timeouts(ctx, now).await
    }

    /// Caps the dashboard rollout when the timeouts recorded within the
    /// window call for it (see the module doc); what it did, if anything.
    pub async fn check_timeouts(
        &self,
        ctx: &JobContext,
        now: DateTime<Utc>,
    ) -> Result<Option<GuardAction>, StorageError> {
        let key = FlagKey::parse(FLEET_RISK_DASHBOARD).expect("the dashboard flag's key parses");
        let window = self.window;
        let action = ctx
            .db
            .apply_rollout_guard(&key, now, window, |timeouts, last_action, rules| {
                rollout_cap(timeouts, last_action, now, window, rules)
                    .map(|capped| (capped, cap_reason(timeouts, window)))
            })
            .await?;
        if let Some(action) = &action {
            tracing::warn!(
                flag = FLEET_RISK_DASHBOARD,
                timeouts = action.timeouts,
                cap = ROLLOUT_CAP.get(),
                "rollout guard: {}",
                action.reason
            );
            ctx.metrics.rollout_guard_acted(Counted::RolloutCapped);
            telemetry::sentry::report_guard_warning(
                ctx.sentry.as_deref(),
                "rollout_capped",
                &format!(
                    "rollout guard capped {FLEET_RISK_DASHBOARD} at {} %: {}",
                    ROLLOUT_CAP.get(),
                    action.reason
                ),
            );
        }
        Ok(action)
    }

    /// Test-only: from now on every dashboard load counts `extra` slower
    /// than it was, as the timeout tests inject timeouts rather than wait
    /// for real slow runs. Nothing in the service calls it.
    #[doc(hidden)]
    pub fn inject_slow_loads(&self, extra: Duration) {
        self.dashboard
            .lock()
            .expect("the dashboard watch lock")
            .injected = extra;
    }

    /// Keeps one dashboard load's latency, and reports a p95 over the
    /// plan's limit within the window (once per window). True when it reported.
    pub fn dashboard_loaded(&self, ctx: &JobContext, latency: Duration, now: Instant) -> bool {
        let p95 = {
            let mut watch = self.dashboard.lock().expect("the dashboard watch lock");
            let latency = latency + watch.injected;
            watch.loads.push_back((now, latency));
            while watch.loads.len() > DASHBOARD_SAMPLES
                || watch
                    .loads
                    .front()
                    .is_some_and(|(at, _)| now.saturating_duration_since(*at) >= self.window)
            {
                watch.loads.pop_front();
            }
            let reported_recently = watch
                .reported_at
                .is_some_and(|at| now.saturating_duration_since(at) < self.window);
            if reported_recently {
                return false;
            }
            let latencies: Vec<Duration> = watch.loads.iter().map(|(_, l)| *l).collect();
            let Some(p95) = slow_dashboard(&latencies) else {
                return false;
            };
            watch.reported_at = Some(now);
            p95
        };
        let message = format!(
            "dashboard p95 {:.2} s over 3 s in the last {} (dashboardLoadTime)",
            p95.as_secs_f64(),
            window_text(self.window)
        );
        tracing::warn!("rollout guard: {message}");
        ctx.metrics.rollout_guard_acted(Counted::DashboardSlow);
        telemetry::sentry::report_guard_warning(ctx.sentry.as_deref(), "dashboard_slow", &message);
        true
    }
}
