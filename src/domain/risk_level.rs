//! Risk levels and the thresholds that cut scores into them (risk-model.md section 4).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == input)
            .ok_or_else(|| "must be one of low, medium, high, critical".to_string())
    }
}

impl std::fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `{medium, high, critical}` with `0 < medium < high < critical <= 100`; a
/// score equal to a threshold belongs to the higher level.
///
/// ```
/// use fleet_risk::domain::{RiskLevel, RiskThresholds};
///
/// let defaults = RiskThresholds::DEFAULT; // low < 25 <= medium < 50 <= high < 70 <= critical
/// assert_eq!(defaults.level_of(24.9), RiskLevel::Low);
/// assert_eq!(defaults.level_of(50.0), RiskLevel::High);
/// assert!(RiskThresholds::new(40.0, 30.0, 80.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskThresholds {
    medium: f64,
    high: f64,
    critical: f64,
}

impl RiskThresholds {
    /// The defaults of model frm-1.0.
    pub const DEFAULT: RiskThresholds = RiskThresholds {
        medium: 25.0,
        high: 50.0,
        critical: 70.0,
    };

    /// Checks the ordering; the error names the offending field (`medium`, `high`, `critical`).
    pub fn new(medium: f64, high: f64, critical: f64) -> Result<Self, crate::domain::FieldErrors> {
        let mut errors = crate::domain::FieldErrors::new();
        for (field, value) in [("medium", medium), ("high", high), ("critical", critical)] {
            if !value.is_finite() {
                errors.push(field, "must be a finite number");
            }
        }
        if errors.is_empty() {
            if medium <= 0.0 {
                errors.push("medium", "must be greater than 0");
            }
            if high <= medium {
                errors.push("high", "must be greater than medium");
            }
            if critical <= high {
                errors.push("critical", "must be greater than high");
            }
            if critical > 100.0 {
                errors.push("critical", "must be at most 100");
            }
        }
        errors.into_result(|| Self {
            medium,
            high,
            critical,
        })
    }

    pub fn medium(&self) -> f64 {
        self.medium
    }

    pub fn high(&self) -> f64 {
        self.high
    }

    pub fn critical(&self) -> f64 {
        self.critical
    }

    /// The scores `[from, to)` of a level: the one definition of the cut-offs
    /// ([`RiskThresholds::level_of`] and every stored-score filter use it).
    /// Low starts at -infinity and critical ends at +infinity.
    pub fn bounds(&self, level: RiskLevel) -> (f64, f64) {
        match level {
            RiskLevel::Low => (f64::NEG_INFINITY, self.medium),
            RiskLevel::Medium => (self.medium, self.high),
            RiskLevel::High => (self.high, self.critical),
            RiskLevel::Critical => (self.critical, f64::INFINITY),
        }
    }

    /// The level of a final score: a threshold belongs to the level it opens.
    pub fn level_of(&self, score: f64) -> RiskLevel {
        // The highest level whose range starts at or below the score; a NaN
        // reaches none of them and stays low.
        RiskLevel::ALL
            .into_iter()
            .rev()
            .find(|&level| score >= self.bounds(level).0)
            .unwrap_or(RiskLevel::Low)
    }
}

impl Default for RiskThresholds {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_boundaries_belong_to_the_higher_level() {
        let t = RiskThresholds::DEFAULT;
        assert_eq!(t.level_of(0.0), RiskLevel::Low);
        assert_eq!(t.level_of(24.999_999), RiskLevel::Low);
        assert_eq!(t.level_of(25.0), RiskLevel::Medium);
        assert_eq!(t.level_of(49.99), RiskLevel::Medium);
        assert_eq!(t.level_of(50.0), RiskLevel::High);
        assert_eq!(t.level_of(70.0), RiskLevel::Critical);
        assert_eq!(t.level_of(100.0), RiskLevel::Critical);
    }

    #[test]
    fn the_bounds_of_the_levels_tile_the_line_and_agree_with_level_of() {
        let t = RiskThresholds::new(20.0, 45.0, 80.0).unwrap();
        assert_eq!(t.bounds(RiskLevel::Low), (f64::NEG_INFINITY, 20.0));
        assert_eq!(t.bounds(RiskLevel::Medium), (20.0, 45.0));
        assert_eq!(t.bounds(RiskLevel::High), (45.0, 80.0));
        assert_eq!(t.bounds(RiskLevel::Critical), (80.0, f64::INFINITY));
        for score in [-1.0, 0.0, 19.99, 20.0, 44.9, 45.0, 79.99, 80.0, 100.0] {
            let level = t.level_of(score);
            let (from, to) = t.bounds(level);
            assert!(from <= score && score < to, "{score} in {level}");
        }
        assert_eq!(t.level_of(f64::NAN), RiskLevel::Low);
    }

    #[test]
    fn thresholds_must_be_strictly_ordered_within_0_and_100() {
        assert!(RiskThresholds::new(10.0, 20.0, 100.0).is_ok());
        let err = RiskThresholds::new(0.0, 50.0, 70.0).unwrap_err();
        assert_eq!(err.iter().next().unwrap().field, "medium");
        let err = RiskThresholds::new(30.0, 30.0, 70.0).unwrap_err();
        assert_eq!(err.iter().next().unwrap().field, "high");
        let err = RiskThresholds::new(30.0, 50.0, 100.5).unwrap_err();
        assert_eq!(err.iter().next().unwrap().field, "critical");
        let err = RiskThresholds::new(30.0, 80.0, 70.0).unwrap_err();
        assert_eq!(err.iter().next().unwrap().field, "critical");
        assert!(RiskThresholds::new(f64::NAN, 50.0, 70.0).is_err());
    }
}
