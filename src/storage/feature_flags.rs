//! Feature flags, their audit, the version replicas cache them against,
//! and the recalculation timeouts the rollout guard counts.
//!
//! Every change takes the single-writer lock ([`Database::begin_write`]),
//! writes the flag, its audit row and the bumped `feature_flag_state`
//! version in one transaction. The guard's cap is decided inside such a
//! transaction too, so with several replicas exactly one of them acts.

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::{Database, StorageError, WriteTx, on_pool, on_tx};
use crate::flags::{FlagKey, FlagRules, Percentage, Region, ScheduleStep, StoredFlag, UserGroup};

/// Who the audit names for the rollout guard's changes.
pub const ROLLOUT_GUARD_ACTOR: &str = "rollout-guard";

/// One audited change of a flag.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagChangeRecord {
    pub id: Uuid,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    /// The rules before (`None`: the change created the flag) and after, as JSON.
    pub before: Option<Value>,
    pub after: Value,
    pub reason: String,
}

/// What the guard did, when it acted.
#[derive(Debug, Clone)]
pub struct GuardAction {
    pub flag: StoredFlag,
    pub timeouts: usize,
    pub reason: String,
}

type FlagRow = (String, bool, i64, String, String, String, i64, String);
type ChangeRow = (Uuid, i64, String, Option<String>, String, String);

const SELECT_FLAGS: &str = "SELECT key, enabled, rollout_percentage, enabled_for_users, regions, \
     schedule, updated_at_ms, updated_by FROM feature_flags";

fn corrupt(what: impl std::fmt::Display) -> StorageError {
    StorageError::CorruptRow(format!("feature flag: {what}"))
}

fn time_of(ms: i64) -> Result<DateTime<Utc>, StorageError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| corrupt(format!("time {ms}")))
}

#[derive(Deserialize)]
struct StepRow {
    at: DateTime<Utc>,
    percentage: i64,
}

fn names<T>(json: &str, parse: fn(&str) -> Result<T, String>) -> Result<Vec<T>, StorageError> {
    let raw: Vec<String> = serde_json::from_str(json).map_err(corrupt)?;
    raw.iter()
        .map(|name| parse(name).map_err(corrupt))
        .collect()
}

fn flag(row: FlagRow) -> Result<StoredFlag, StorageError> {
    let (key, enabled, percentage, groups, regions, schedule, updated_at_ms, updated_by) = row;
    let steps: Vec<StepRow> = serde_json::from_str(&schedule).map_err(corrupt)?;
    Ok(StoredFlag {
        key: FlagKey::parse(&key).map_err(corrupt)?,
        rules: FlagRules {
            enabled,
            rollout_percentage: Percentage::new(percentage).map_err(corrupt)?,
            enabled_for_users: names(&groups, UserGroup::parse)?,
            regions: names(&regions, Region::parse)?,
            schedule: steps
                .into_iter()
                .map(|step| {
                    Ok(ScheduleStep {
                        at: step.at,
                        percentage: Percentage::new(step.percentage).map_err(corrupt)?,
                    })
                })
                .collect::<Result<_, StorageError>>()?,
        },
        updated_at: time_of(updated_at_ms)?,
        updated_by,
    })
}

fn change(row: ChangeRow) -> Result<FlagChangeRecord, StorageError> {
    let (id, changed_at_ms, changed_by, before, after, reason) = row;
    let json = |text: &str| serde_json::from_str::<Value>(text).map_err(corrupt);
    Ok(FlagChangeRecord {
        id,
        changed_at: time_of(changed_at_ms)?,
        changed_by,
        before: before.as_deref().map(json).transpose()?,
        after: json(&after)?,
        reason,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("flag rules serialize")
}

impl Database {
    /// The version flag caches compare against (bumped by every change).
    pub async fn feature_flag_version(&self) -> Result<i64, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT version FROM feature_flag_state WHERE id = 1")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Every flag, by key.
    pub async fn feature_flags(&self) -> Result<Vec<StoredFlag>, StorageError> {
        let rows: Vec<FlagRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_FLAGS} ORDER BY key")))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(flag).collect()
    }

    /// One flag's audit, oldest first.
    pub async fn feature_flag_changes(
        &self,
        key: &FlagKey,
    ) -> Result<Vec<FlagChangeRecord>, StorageError> {
        let rows: Vec<ChangeRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, changed_at_ms, changed_by, before_rules, after_rules, reason \
                 FROM feature_flag_changes WHERE flag_key = $1 ORDER BY changed_at_ms, id",
            )
            .bind(key.as_str())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(change).collect()
    }

    /// Puts `rules` in force for `key` (creating the flag when new), audited
    /// with `by` and `reason` in the same transaction. Returns the stored
    /// flag and whether it was created.
    pub async fn put_feature_flag(
        &self,
        key: &FlagKey,
        rules: &FlagRules,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(StoredFlag, bool), StorageError> {
        let mut tx = self.begin_write().await?;
        let before = tx.feature_flag(key).await?;
        let stored = tx
            .write_flag(key, before.as_ref(), rules, by, reason, now)
            .await?;
        tx.commit().await?;
        Ok((stored, before.is_none()))
    }

    /// Records that the run `run_id` timed out at `at`.
    pub async fn record_calculation_timeout(
        &self,
        run_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO calculation_timeouts (run_id, timed_out_at_ms) VALUES ($1, $2) \
                 ON CONFLICT (run_id) DO NOTHING",
            )
            .bind(run_id)
            .bind(at.timestamp_millis())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// Lets `decide` cap the flag `key` from the timeouts recorded within
    /// `window` before `now` and the guard's last action on it, under the
    /// single-writer lock: whichever replica decides first writes the
    /// change (audited as [`ROLLOUT_GUARD_ACTOR`]), and the others then see
    /// its action. `decide` answers the new rules and the audit reason.
    pub async fn apply_rollout_guard(
        &self,
        key: &FlagKey,
        now: DateTime<Utc>,
        window: std::time::Duration,
        decide: impl FnOnce(usize, Option<DateTime<Utc>>, &FlagRules) -> Option<(FlagRules, String)>,
    ) -> Result<Option<GuardAction>, StorageError> {
        let since = now.timestamp_millis() - window.as_millis().min(i64::MAX as u128) as i64;
        let mut tx = self.begin_write().await?;
        let Some(current) = tx.feature_flag(key).await? else {
            return Ok(None);
        };
        let (timeouts, last_action): (i64, Option<i64>) = on_tx!(tx, conn => {
            let timeouts = sqlx::query_scalar(
                "SELECT COUNT(*) FROM calculation_timeouts WHERE timed_out_at_ms > $1",
            )
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
            let last = sqlx::query_scalar(
                "SELECT MAX(changed_at_ms) FROM feature_flag_changes \
                 WHERE flag_key = $1 AND changed_by = $2",
            )
            .bind(key.as_str())
            .bind(ROLLOUT_GUARD_ACTOR)
            .fetch_one(&mut *conn)
            .await?;
            (timeouts, last)
        });
        let timeouts = timeouts as usize;
        let last_action = last_action.map(time_of).transpose()?;
        let Some((rules, reason)) = decide(timeouts, last_action, &current.rules) else {
            return Ok(None);
        };
        let flag = tx
            .write_flag(
                key,
                Some(&current),
                &rules,
                ROLLOUT_GUARD_ACTOR,
                &reason,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(Some(GuardAction {
            flag,
            timeouts,
            reason,
        }))
    }
}

impl WriteTx {
    async fn feature_flag(&mut self, key: &FlagKey) -> Result<Option<StoredFlag>, StorageError> {
        let row: Option<FlagRow> = on_tx!(self, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_FLAGS} WHERE key = $1")))
                .bind(key.as_str())
                .fetch_optional(conn)
                .await?
        });
        row.map(flag).transpose()
    }

    /// Upserts the flag, audits the change and bumps the flag version.
    async fn write_flag(
        &mut self,
        key: &FlagKey,
        before: Option<&StoredFlag>,
        rules: &FlagRules,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<StoredFlag, StorageError> {
        let at = now.timestamp_millis();
        let schedule: Vec<Value> = rules
            .schedule
            .iter()
            .map(|step| {
                serde_json::json!({
                    "at": step.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    "percentage": step.percentage.get(),
                })
            })
            .collect();
        on_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO feature_flags (key, enabled, rollout_percentage, enabled_for_users, \
                 regions, schedule, updated_at_ms, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (key) DO UPDATE SET enabled = excluded.enabled, \
                 rollout_percentage = excluded.rollout_percentage, \
                 enabled_for_users = excluded.enabled_for_users, regions = excluded.regions, \
                 schedule = excluded.schedule, updated_at_ms = excluded.updated_at_ms, \
                 updated_by = excluded.updated_by",
            )
            .bind(key.as_str())
            .bind(rules.enabled)
            .bind(i64::from(rules.rollout_percentage.get()))
            .bind(to_json(&rules.enabled_for_users))
            .bind(to_json(&rules.regions))
            .bind(to_json(&schedule))
            .bind(at)
            .bind(by)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO feature_flag_changes (id, flag_key, changed_at_ms, changed_by, \
                 before_rules, after_rules, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(Uuid::now_v7())
            .bind(key.as_str())
            .bind(at)
            .bind(by)
            .bind(before.map(|flag| to_json(&flag.rules)))
            .bind(to_json(rules))
            .bind(reason)
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE feature_flag_state SET version = version + 1 WHERE id = 1")
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(StoredFlag {
            key: key.clone(),
            rules: rules.clone(),
            updated_at: time_of(at)?,
            updated_by: by.to_string(),
        })
    }
}
