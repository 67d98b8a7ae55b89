//! The rollout guard's decisions, from the deployment plan's performance
//! alerts: pure functions over what was recorded (timeouts, latencies), so
//! the guard is tested with injected observations, never slow runs.
//!
//! - More than [`TIMEOUT_LIMIT`] recalculation timeouts within the window
//!   cap the rollout at [`ROLLOUT_CAP`] %, at most once per window; a cap
//!   never raises a percentage.
//! - A dashboard p95 over [`DASHBOARD_P95_LIMIT`] within the window is
//!   reported (the plan's `dashboardLoadTime`).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::definition::{FlagRules, Percentage};

/// Timeouts allowed within one window; one more caps the rollout.
pub const TIMEOUT_LIMIT: usize = 5;
/// What the guard caps the rollout at.
pub const ROLLOUT_CAP: Percentage = Percentage::from_u8(50);
/// The dashboard p95 the plan alerts on.
pub const DASHBOARD_P95_LIMIT: Duration = Duration::from_secs(3);
/// Fewest dashboard loads in a window before its p95 means anything.
pub const DASHBOARD_MIN_SAMPLES: usize = 20;

/// The rules to put in force, when the guard acts: more than
/// [`TIMEOUT_LIMIT`] timeouts in the window, no guard action within the
/// window yet, and a percentage above the cap.
pub fn rollout_cap(
    timeouts_in_window: usize,
    last_action: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    window: Duration,
    rules: &FlagRules,
) -> Option<FlagRules> {
    if timeouts_in_window <= TIMEOUT_LIMIT {
        return None;
    }
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    if last_action.is_some_and(|at| now - at < window) {
        return None;
    }
    rules.capped_at(ROLLOUT_CAP)
}

/// The audit reason of a cap: `automatic: N calculation timeouts in W`.
pub fn cap_reason(timeouts: usize, window: Duration) -> String {
    format!(
        "automatic: {timeouts} calculation timeouts in {}",
        window_text(window)
    )
}

/// A window as people write it: `1h`, `30m`, `90s`.
pub fn window_text(window: Duration) -> String {
    let seconds = window.as_secs();
    if seconds >= 3600 && seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// The 95th percentile (nearest rank) of `latencies`, when there are at
/// least [`DASHBOARD_MIN_SAMPLES`].
pub fn p95(latencies: &[Duration]) -> Option<Duration> {
    if latencies.len() < DASHBOARD_MIN_SAMPLES {
        return None;
    }
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let rank = (sorted.len() * 95).div_ceil(100);
    Some(sorted[rank - 1])
}

/// The p95 to report, when it is over the plan's limit.
pub fn slow_dashboard(latencies: &[Duration]) -> Option<Duration> {
    p95(latencies).filter(|p95| *p95 > DASHBOARD_P95_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::definition::ScheduleStep;

    const HOUR: Duration = Duration::from_secs(3600);

    fn now() -> DateTime<Utc> {
        "2026-12-02T12:00:00Z".parse().unwrap()
    }

    fn at_100() -> FlagRules {
        FlagRules {
            enabled: true,
            rollout_percentage: Percentage::new(25).unwrap(),
            enabled_for_users: vec![],
            regions: vec![],
            schedule: vec![ScheduleStep {
                at: "2026-12-01T00:00:00Z".parse().unwrap(),
                percentage: Percentage::ALL,
            }],
        }
    }

    #[test]
    fn more_than_five_timeouts_cap_at_fifty_once_per_window() {
        assert_eq!(rollout_cap(5, None, now(), HOUR, &at_100()), None);
        let capped = rollout_cap(6, None, now(), HOUR, &at_100()).unwrap();
        assert_eq!(capped.effective_percentage(now()).get(), 50);
        assert_eq!(capped.rollout_percentage.get(), 25, "never raised");
        let recently = now() - chrono::Duration::minutes(59);
        assert_eq!(rollout_cap(9, Some(recently), now(), HOUR, &at_100()), None);
        let long_ago = now() - chrono::Duration::minutes(60);
        assert!(rollout_cap(9, Some(long_ago), now(), HOUR, &at_100()).is_some());
        assert_eq!(
            rollout_cap(9, None, now(), HOUR, &capped),
            None,
            "already capped"
        );
    }

    #[test]
    fn the_reason_names_the_count_and_the_window() {
        assert_eq!(
            cap_reason(6, HOUR),
            "automatic: 6 calculation timeouts in 1h"
        );
        assert_eq!(window_text(Duration::from_secs(1800)), "30m");
        assert_eq!(window_text(Duration::from_secs(90)), "90s");
    }

    #[test]
    fn a_slow_dashboard_is_a_p95_over_three_seconds() {
        let ms = Duration::from_millis;
        let mut latencies = vec![ms(200); 94];
        latencies.extend([ms(3500); 6]);
        assert_eq!(p95(&latencies), Some(ms(3500)));
        assert_eq!(slow_dashboard(&latencies), Some(ms(3500)));
        latencies.truncate(95);
        latencies[94] = ms(200);
        latencies.extend([ms(9000); 5]);
        assert_eq!(
            p95(&latencies),
            Some(ms(200)),
            "5 slow of 100 is the tail beyond p95"
        );
        assert_eq!(slow_dashboard(&latencies), None);
        assert_eq!(p95(&[ms(9000); 19]), None, "too few loads to say");
    }
}
