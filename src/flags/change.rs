//! An admin's change of a flag (`PUT /api/admin/flags/{key}`), read field
//! by field so a 422 names every bad field at once.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::definition::{FlagRules, Percentage, Region, ScheduleStep, UserGroup};
use crate::domain::{FieldErrors, JsonFields};

/// The rules to put in force, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagChange {
    pub rules: FlagRules,
    pub reason: String,
}

/// Most characters of a change's `reason`.
pub const REASON_MAX_CHARS: usize = 500;

/// Reads `{enabled, rolloutPercentage, enabledForUsers, regions, schedule,
/// reason}`: `enabled`, `rolloutPercentage` and `reason` are required, the
/// lists default to empty; the schedule's steps must be in strictly
/// increasing `at` order.
pub fn parse_flag_change(body: &Value) -> Result<FlagChange, FieldErrors> {
    let mut fields = JsonFields::of(body)?;
    let enabled = fields.boolean("enabled", None);
    let rollout_percentage = fields
        .integer_in("rolloutPercentage", None, 0, 100)
        .map(|p| Percentage::new(p).expect("checked to be 0 to 100"));
    let groups = fields
        .array("enabledForUsers", false)
        .and_then(|items| names(fields.errors(), "enabledForUsers", items, UserGroup::parse));
    let regions = fields
        .array("regions", false)
        .and_then(|items| names(fields.errors(), "regions", items, Region::parse));
    let schedule = fields
        .array("schedule", false)
        .and_then(|items| schedule(fields.errors(), items));
    let reason = fields.string_as("reason", |raw| {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > REASON_MAX_CHARS {
            Err(format!("must be 1 to {REASON_MAX_CHARS} characters"))
        } else {
            Ok(trimmed.to_string())
        }
    });
    let errors = fields.finish();
    match (
        enabled,
        rollout_percentage,
        groups,
        regions,
        schedule,
        reason,
    ) {
        (
            Some(enabled),
            Some(rollout_percentage),
            Some(groups),
            Some(regions),
            Some(schedule),
            Some(reason),
        ) if errors.is_empty() => Ok(FlagChange {
            rules: FlagRules {
                enabled,
                rollout_percentage,
                enabled_for_users: groups,
                regions,
                schedule,
            },
            reason,
        }),
        _ => Err(errors),
    }
}

/// A list of names (`field[i]` for each bad one), without repeats.
fn names<T: PartialEq>(
    errors: &mut FieldErrors,
    field: &str,
    items: &[Value],
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<Vec<T>> {
    let mut parsed = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let name = format!("{field}[{i}]");
        match item.as_str().map(&parse) {
            None => {
                errors.push(name, "must be a string");
                ok = false;
            }
            Some(Err(message)) => {
                errors.push(name, message);
                ok = false;
            }
            Some(Ok(value)) if parsed.contains(&value) => {
                errors.push(name, "is listed twice");
                ok = false;
            }
            Some(Ok(value)) => parsed.push(value),
        }
    }
    ok.then_some(parsed)
}

/// The schedule's steps, each `{at, percentage}`, in increasing `at` order.
fn schedule(errors: &mut FieldErrors, items: &[Value]) -> Option<Vec<ScheduleStep>> {
    let mut steps: Vec<ScheduleStep> = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("schedule[{i}]");
        let step = JsonFields::of(item).and_then(|mut step| {
            let at = step.string_as("at", |raw| {
                DateTime::parse_from_rfc3339(raw)
                    .map(|at| at.with_timezone(&Utc))
                    .map_err(|_| "must be an RFC 3339 date-time such as 2026-12-07T00:00:00Z")
            });
            let percentage = step.integer_in("percentage", None, 0, 100);
            let problems = step.finish();
            match (at, percentage) {
                (Some(at), Some(percentage)) if problems.is_empty() => Ok(ScheduleStep {
                    at,
                    percentage: Percentage::new(percentage).expect("checked to be 0 to 100"),
                }),
                _ => Err(problems),
            }
        });
        match step {
            Ok(step) => {
                if let Some(previous) = steps.last()
                    && step.at <= previous.at
                {
                    errors.push(
                        format!("{prefix}.at"),
                        format!(
                            "must be later than schedule[{}].at: steps are in time order",
                            i - 1
                        ),
                    );
                    ok = false;
                }
                steps.push(step);
            }
            Err(problems) => {
                errors.extend_prefixed(&prefix, problems);
                ok = false;
            }
        }
    }
    ok.then_some(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(errors: &FieldErrors) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_whole_change_is_read() {
        let change = parse_flag_change(&json!({
            "enabled": true, "rolloutPercentage": 5, "enabledForUsers": ["beta-testers"],
            "regions": ["europe"], "reason": " first step ",
            "schedule": [{"at": "2026-12-07T00:00:00Z", "percentage": 25},
                         {"at": "2026-12-14T01:00:00+01:00", "percentage": 50}]
        }))
        .unwrap();
        assert_eq!(change.reason, "first step");
        assert_eq!(change.rules.rollout_percentage.get(), 5);
        assert_eq!(
            change.rules.schedule[1].at,
            "2026-12-14T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let minimal =
            parse_flag_change(&json!({"enabled": false, "rolloutPercentage": 0, "reason": "off"}))
                .unwrap();
        assert!(minimal.rules.schedule.is_empty() && minimal.rules.regions.is_empty());
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = parse_flag_change(&json!({
            "enabled": "yes", "rolloutPercentage": 101, "enabledForUsers": ["Beta", 3, "x", "x"],
            "regions": "europe", "colour": "red",
            "schedule": [{"at": "2026-12-14T00:00:00Z", "percentage": 25},
                         {"at": "2026-12-07T00:00:00Z", "percentage": 50},
                         {"at": "tomorrow", "percentage": -1, "extra": 1}]
        }))
        .unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "enabled",
                "rolloutPercentage",
                "enabledForUsers[0]",
                "enabledForUsers[1]",
                "enabledForUsers[3]",
                "regions",
                "schedule[1].at",
                "schedule[2].at",
                "schedule[2].percentage",
                "schedule[2].extra",
                "reason",
                "colour"
            ]
        );
    }
}
