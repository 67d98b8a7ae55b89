//! Priority issues: strongly negative feedback, most urgent first.
//!
//! A message is a priority issue when its compound sentiment is at most
//! -0.5 or its rating at most 2. Its impact score, from 0 to 100, is
//!
//! ```text
//! impact = 100 * (0.45 * negativity + 0.35 * low_rating + 0.20 * recency)
//! negativity = max(0, -compound)            (0 neutral or better .. 1 most negative)
//! low_rating = (5 - rating) / 4             (0 for 5 stars .. 1 for 1 star)
//! recency    = 0.5 ^ (age_days / 7)         (1 now, 0.5 a week before `now`)
//! age_days   = max(0, now - received_at) in days
//! ```
//!
//! `now` is the end of the period analysed (`until`, or the request's
//! clock), passed in. Sentiment weighs most (it is the message's own
//! urgency), the rating next, recency breaks ties between old and new
//! complaints of the same weight. Ties in impact: newer first, then id.

use chrono::{DateTime, Utc};

/// Compound sentiment at or below this makes a message a priority issue.
pub const PRIORITY_COMPOUND: f64 = -0.5;
/// A rating at or below this makes a message a priority issue.
pub const PRIORITY_RATING: u8 = 2;
/// The recency half-life, in days.
pub const RECENCY_HALF_LIFE_DAYS: f64 = 7.0;

pub fn is_priority(compound: f64, rating: u8) -> bool {
    compound <= PRIORITY_COMPOUND || rating <= PRIORITY_RATING
}

/// The impact score of the module doc, from 0 to 100.
pub fn impact_score(
    compound: f64,
    rating: u8,
    received_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> f64 {
    let negativity = (-compound).clamp(0.0, 1.0);
    let low_rating = f64::from(5 - rating.clamp(1, 5)) / 4.0;
    let age_days = (now - received_at).num_seconds().max(0) as f64 / 86_400.0;
    let recency = 0.5f64.powf(age_days / RECENCY_HALF_LIFE_DAYS);
    100.0 * (0.45 * negativity + 0.35 * low_rating + 0.20 * recency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn impact_follows_the_documented_formula() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        // Worst case, now: 45 + 35 + 20.
        assert!((impact_score(-1.0, 1, now, now) - 100.0).abs() < 1e-9);
        // Neutral, 3 stars, a week old: 0 + 17.5 + 10.
        let week = now - Duration::days(7);
        assert!((impact_score(0.2, 3, week, now) - 27.5).abs() < 1e-9);
        // A future timestamp counts as now.
        assert!((impact_score(-0.5, 5, now + Duration::hours(1), now) - 42.5).abs() < 1e-9);
    }

    #[test]
    fn either_rule_makes_a_priority_issue() {
        assert!(is_priority(-0.5, 5));
        assert!(is_priority(0.9, 2));
        assert!(!is_priority(-0.49, 3));
    }
}
