//! Risk thresholds in force: the default and per-fleet overrides, audited.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{Database, StorageError, WriteTx, on_pool, on_tx};
use crate::domain::{FleetId, RiskThresholds};

/// Where thresholds are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdScope {
    Default,
    Fleet(FleetId),
}

impl ThresholdScope {
    fn key(self) -> String {
        match self {
            Self::Default => "default".to_string(),
            Self::Fleet(id) => id.to_string(),
        }
    }
}

/// Thresholds as stored, with who set them when.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredThresholds {
    pub thresholds: RiskThresholds,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

#[derive(Serialize)]
struct ThresholdValues {
    medium: f64,
    high: f64,
    critical: f64,
}

fn values(t: &RiskThresholds) -> String {
    serde_json::to_string(&ThresholdValues {
        medium: t.medium(),
        high: t.high(),
        critical: t.critical(),
    })
    .expect("thresholds serialize")
}

type ThresholdRow = (f64, f64, f64, DateTime<Utc>, String);
type ChangeRow = (
    String,
    DateTime<Utc>,
    String,
    Option<String>,
    Option<String>,
);

fn stored(row: ThresholdRow) -> Result<StoredThresholds, StorageError> {
    let (medium, high, critical, updated_at, updated_by) = row;
    Ok(StoredThresholds {
        thresholds: RiskThresholds::new(medium, high, critical)
            .map_err(|e| StorageError::CorruptRow(format!("thresholds: {e}")))?,
        updated_at,
        updated_by,
    })
}

/// One recorded threshold change (`old`/`new` are `{medium, high, critical}` JSON or null).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdChange {
    pub scope: String,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

const SELECT_STORED: &str =
    "SELECT medium, high, critical, updated_at, updated_by FROM risk_thresholds WHERE scope = $1";
const SELECT_OVERRIDES: &str =
    "SELECT scope, medium, high, critical FROM risk_thresholds WHERE scope <> 'default'";

type OverrideRow = (String, f64, f64, f64);

fn overrides(rows: Vec<OverrideRow>) -> Result<Vec<(FleetId, RiskThresholds)>, StorageError> {
    rows.into_iter()
        .map(|(scope, medium, high, critical)| {
            let fleet = FleetId::parse(&scope).map_err(StorageError::CorruptRow)?;
            let t = RiskThresholds::new(medium, high, critical)
                .map_err(|e| StorageError::CorruptRow(format!("thresholds: {e}")))?;
            Ok((fleet, t))
        })
        .collect()
}

/// The same reads inside a write, on its own connection: a write that read
/// them through the pool would hold one pooled connection while waiting
/// for another (see [`Database::begin_write`]).
impl WriteTx {
    pub async fn stored_thresholds(
        &mut self,
        scope: ThresholdScope,
    ) -> Result<Option<StoredThresholds>, StorageError> {
        let row: Option<ThresholdRow> = on_tx!(self, conn => {
            sqlx::query_as(SELECT_STORED).bind(scope.key()).fetch_optional(conn).await?
        });
        row.map(stored).transpose()
    }

    pub async fn fleet_threshold_overrides(
        &mut self,
    ) -> Result<Vec<(FleetId, RiskThresholds)>, StorageError> {
        let rows: Vec<OverrideRow> = on_tx!(self, conn => {
            sqlx::query_as(SELECT_OVERRIDES).fetch_all(conn).await?
        });
        overrides(rows)
    }
}

impl Database {
    pub async fn stored_thresholds(
        &self,
        scope: ThresholdScope,
    ) -> Result<Option<StoredThresholds>, StorageError> {
        let row: Option<ThresholdRow> = on_pool!(self, pool => {
            sqlx::query_as(SELECT_STORED).bind(scope.key()).fetch_optional(pool).await?
        });
        row.map(stored).transpose()
    }

    /// Every fleet override.
    pub async fn fleet_threshold_overrides(
        &self,
    ) -> Result<Vec<(FleetId, RiskThresholds)>, StorageError> {
        let rows: Vec<OverrideRow> = on_pool!(self, pool => {
            sqlx::query_as(SELECT_OVERRIDES).fetch_all(pool).await?
        });
        overrides(rows)
    }

    /// Sets (`Some`) or removes (`None`) thresholds and records the change,
    /// in one transaction. Returns whether anything was there before.
    pub async fn set_thresholds(
        &self,
        scope: ThresholdScope,
        thresholds: Option<&RiskThresholds>,
        changed_by: &str,
    ) -> Result<bool, StorageError> {
        let key = scope.key();
        let now = Utc::now();
        let mut tx = self.begin_write().await?;
        let old: Option<(f64, f64, f64)> = on_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT medium, high, critical FROM risk_thresholds WHERE scope = $1")
                .bind(&key)
                .fetch_optional(conn)
                .await?
        });
        let old_value = old
            .and_then(|(m, h, c)| RiskThresholds::new(m, h, c).ok())
            .map(|t| values(&t));
        match thresholds {
            Some(t) => on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO risk_thresholds (scope, medium, high, critical, updated_at, updated_by) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (scope) DO UPDATE SET medium = excluded.medium, high = excluded.high, \
                     critical = excluded.critical, updated_at = excluded.updated_at, \
                     updated_by = excluded.updated_by",
                )
                .bind(&key)
                .bind(t.medium())
                .bind(t.high())
                .bind(t.critical())
                .bind(now)
                .bind(changed_by)
                .execute(conn)
                .await?
                .rows_affected()
            }),
            None => on_tx!(&mut tx, conn => {
                sqlx::query("DELETE FROM risk_thresholds WHERE scope = $1")
                    .bind(&key)
                    .execute(conn)
                    .await?
                    .rows_affected()
            }),
        };
        if old.is_some() || thresholds.is_some() {
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO risk_threshold_changes (id, scope, changed_at, changed_by, old_value, new_value) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(Uuid::now_v7())
                .bind(&key)
                .bind(now)
                .bind(changed_by)
                .bind(old_value)
                .bind(thresholds.map(values))
                .execute(conn)
                .await?
                .rows_affected()
            });
        }
        tx.bump_publication().await?;
        tx.commit().await?;
        Ok(old.is_some())
    }

    /// The recorded changes of a scope, oldest first.
    pub async fn threshold_changes(
        &self,
        scope: ThresholdScope,
    ) -> Result<Vec<ThresholdChange>, StorageError> {
        let rows: Vec<ChangeRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT scope, changed_at, changed_by, old_value, new_value FROM risk_threshold_changes \
                 WHERE scope = $1 ORDER BY changed_at, id",
            )
            .bind(scope.key())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(scope, changed_at, changed_by, old_value, new_value)| ThresholdChange {
                    scope,
                    changed_at,
                    changed_by,
                    old_value,
                    new_value,
                },
            )
            .collect())
    }
}
