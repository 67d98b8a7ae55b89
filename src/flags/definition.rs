//! A feature flag's parsed values: its key, the percentage, groups,
//! regions and schedule steps, and the rules they make up.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A flag's key: a letter, then up to 63 letters, digits, `_`, `-` or `.`
/// (`fleetRiskDashboard`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct FlagKey(String);

impl FlagKey {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut chars = raw.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
        if !starts_with_letter
            || raw.len() > 64
            || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err("must be a letter then up to 63 letters, digits, '_', '-' or '.'".into());
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FlagKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A share of users, in whole percent from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Percentage(u8);

impl Percentage {
    pub const ZERO: Self = Self(0);
    pub const ALL: Self = Self(100);

    pub fn new(value: i64) -> Result<Self, String> {
        u8::try_from(value)
            .ok()
            .filter(|v| *v <= 100)
            .map(Self)
            .ok_or_else(|| "must be between 0 and 100".to_string())
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// For constants of this module tree (the caller keeps it to 100).
    pub(super) const fn from_u8(value: u8) -> Self {
        assert!(value <= 100);
        Self(value)
    }
}

/// A lower-case name of up to 64 letters, digits, `-` or `_`: what user
/// groups (`beta-testers`) and regions (`us-east`) are named with.
fn parse_slug(raw: &str) -> Result<String, String> {
    let valid = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
    if valid {
        Ok(raw.to_string())
    } else {
        Err("must be 1 to 64 lower-case letters, digits, '-' or '_'".into())
    }
}

macro_rules! slug {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, String> {
                parse_slug(raw).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

slug!(
    /// A group of users a flag may be on for (`beta-testers`, `internal-team`).
    UserGroup
);
slug!(
    /// A region users report from (`us-east`, `europe`).
    Region
);

/// The id of a dashboard user, as the dashboard knows it: 1 to 256
/// characters, no control characters. Only ever hashed, never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserId(String);

impl UserId {
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let count = raw.chars().count();
        if count == 0 || count > Self::MAX_CHARS || raw.chars().any(char::is_control) {
            return Err(format!(
                "must be 1 to {} characters without control characters",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// From `at` on, the rollout is `percentage` (until the next step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduleStep {
    pub at: DateTime<Utc>,
    pub percentage: Percentage,
}

/// What decides a flag's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlagRules {
    pub enabled: bool,
    /// The percentage before the schedule's first step (or without one).
    pub rollout_percentage: Percentage,
    /// Groups the flag is always on for (unless disabled).
    pub enabled_for_users: Vec<UserGroup>,
    /// Where the flag may be on; empty means everywhere.
    pub regions: Vec<Region>,
    /// Steps in strictly increasing `at` order.
    pub schedule: Vec<ScheduleStep>,
}

impl FlagRules {
    /// The percentage in force at `now`: the last step at or before `now`,
    /// else `rollout_percentage`.
    pub fn effective_percentage(&self, now: DateTime<Utc>) -> Percentage {
        self.schedule
            .iter()
            .rev()
            .find(|step| step.at <= now)
            .map_or(self.rollout_percentage, |step| step.percentage)
    }

    /// These rules with no percentage above `cap` (now or in any step), or
    /// `None` when none is above it: a cap never raises anything.
    pub fn capped_at(&self, cap: Percentage) -> Option<Self> {
        let above =
            self.rollout_percentage > cap || self.schedule.iter().any(|s| s.percentage > cap);
        above.then(|| Self {
            rollout_percentage: self.rollout_percentage.min(cap),
            schedule: self
                .schedule
                .iter()
                .map(|step| ScheduleStep {
                    at: step.at,
                    percentage: step.percentage.min(cap),
                })
                .collect(),
            ..self.clone()
        })
    }
}

/// A flag as stored: its key, rules, and who changed it last, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredFlag {
    pub key: FlagKey,
    #[serde(flatten)]
    pub rules: FlagRules,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    fn rules(base: i64, steps: &[(&str, i64)]) -> FlagRules {
        FlagRules {
            enabled: true,
            rollout_percentage: Percentage::new(base).unwrap(),
            enabled_for_users: vec![],
            regions: vec![],
            schedule: steps
                .iter()
                .map(|(when, p)| ScheduleStep {
                    at: at(when),
                    percentage: Percentage::new(*p).unwrap(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_effective_percentage_is_the_last_step_at_or_before_now() {
        let flag = rules(
            0,
            &[("2026-12-07T00:00:00Z", 5), ("2026-12-14T00:00:00Z", 25)],
        );
        assert_eq!(
            flag.effective_percentage(at("2026-12-06T23:59:59Z")).get(),
            0
        );
        assert_eq!(
            flag.effective_percentage(at("2026-12-07T00:00:00Z")).get(),
            5
        );
        assert_eq!(
            flag.effective_percentage(at("2026-12-13T00:00:00Z")).get(),
            5
        );
        assert_eq!(
            flag.effective_percentage(at("2027-01-01T00:00:00Z")).get(),
            25
        );
    }

    #[test]
    fn a_cap_lowers_every_percentage_above_it_and_raises_none() {
        let flag = rules(
            25,
            &[("2026-12-21T00:00:00Z", 50), ("2026-12-28T00:00:00Z", 100)],
        );
        let capped = flag.capped_at(Percentage::new(50).unwrap()).unwrap();
        assert_eq!(capped.rollout_percentage.get(), 25);
        assert_eq!(
            capped
                .schedule
                .iter()
                .map(|s| s.percentage.get())
                .collect::<Vec<_>>(),
            [50, 50]
        );
        assert_eq!(capped.capped_at(Percentage::new(50).unwrap()), None);
        assert_eq!(rules(10, &[]).capped_at(Percentage::new(50).unwrap()), None);
    }

    #[test]
    fn values_are_parsed() {
        assert!(FlagKey::parse("fleetRiskDashboard").is_ok());
        for bad in ["", "1flag", "a b", &"a".repeat(65)] {
            assert!(FlagKey::parse(bad).is_err(), "{bad}");
        }
        assert!(Percentage::new(101).is_err() && Percentage::new(-1).is_err());
        assert!(UserGroup::parse("beta-testers").is_ok());
        assert!(Region::parse("Europe").is_err());
        assert!(UserId::parse("").is_err() && UserId::parse("a\nb").is_err());
        assert!(UserId::parse("user-42@example.com").is_ok());
    }
}
