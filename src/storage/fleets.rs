//! Fleets, and the fleet list with each fleet's current published score.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::levels::push_levels_per_fleet;
use super::list_order::{ListCursor, ListOrder, SortColumns};
use super::{Database, Page, PageRequest, StorageError, is_unique_violation, on_pool, on_tx};
use crate::domain::{FleetId, FleetName, RiskLevel, RiskThresholds};

/// `(id, data_version)` of every fleet, on one connection of the load's snapshot.
macro_rules! fleet_versions {
    ($conn:expr) => {{
        let rows: Vec<(uuid::Uuid, i64)> =
            sqlx::query_as("SELECT id, data_version FROM fleets ORDER BY id")
                .fetch_all($conn)
                .await?;
        rows
    }};
}
pub(super) use fleet_versions;

#[derive(Debug, Clone)]
pub struct NewFleet {
    pub name: FleetName,
    pub description: Option<String>,
}

/// A partial update; `description: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct FleetChanges {
    pub name: Option<FleetName>,
    pub description: Option<Option<String>>,
}

#[derive(Debug, Clone)]
pub struct FleetRecord {
    pub id: FleetId,
    pub name: FleetName,
    pub description: Option<String>,
    pub vessel_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct FleetRow {
    id: Uuid,
    name: String,
    description: Option<String>,
    vessel_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<FleetRow> for FleetRecord {
    type Error = StorageError;
    fn try_from(row: FleetRow) -> Result<Self, StorageError> {
        Ok(Self {
            id: FleetId::from_uuid(row.id),
            name: FleetName::parse(&row.name).map_err(StorageError::CorruptRow)?,
            description: row.description,
            vessel_count: row.vessel_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A fleet with its current published score and when it was published
/// (`None` while it has none).
#[derive(Debug, Clone)]
pub struct ScoredFleet {
    pub fleet: FleetRecord,
    pub current: Option<(f64, DateTime<Utc>)>,
}

/// Where a page of the fleet list ends: the key is the fleet id.
pub type FleetCursor = ListCursor<Uuid>;

#[derive(sqlx::FromRow)]
struct ScoredFleetRow {
    #[sqlx(flatten)]
    fleet: FleetRow,
    current_score: Option<f64>,
    scored_at: Option<DateTime<Utc>>,
}

impl TryFrom<ScoredFleetRow> for ScoredFleet {
    type Error = StorageError;
    fn try_from(row: ScoredFleetRow) -> Result<Self, StorageError> {
        Ok(Self {
            fleet: FleetRecord::try_from(row.fleet)?,
            current: row.current_score.zip(row.scored_at),
        })
    }
}

/// The columns of [`FleetRow`].
macro_rules! fleet_columns {
    () => {
        "f.id, f.name, f.description, f.created_at, f.updated_at, \
         (SELECT COUNT(*) FROM vessels v WHERE v.fleet_id = f.id) AS vessel_count"
    };
}

/// A [`FleetRow`] query, for `concat!` with its tail.
macro_rules! select_fleet {
    () => {
        concat!("SELECT ", fleet_columns!(), " FROM fleets f ")
    };
}

/// A [`ScoredFleetRow`] query (each fleet with its current published
/// score), for `concat!` with its tail.
macro_rules! select_scored_fleet {
    () => {
        concat!(
            "SELECT ",
            fleet_columns!(),
            ", s.score AS current_score, s.calculated_at AS scored_at FROM fleets f \
             LEFT JOIN current_fleet_scores c ON c.fleet_id = f.id \
             LEFT JOIN fleet_scores s ON s.fleet_id = c.fleet_id AND s.run_id = c.run_id "
        )
    };
}

/// How the fleet list sorts.
const FLEET_SORT: SortColumns = SortColumns {
    name: "f.name",
    score: "s.score",
    key: "f.id",
};

impl Database {
    pub async fn create_fleet(&self, fleet: &NewFleet) -> Result<FleetRecord, StorageError> {
        let id = FleetId::generate();
        let now = Utc::now();
        let mut tx = self.begin_write().await?;
        let inserted = on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO fleets (id, name, description, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(id.as_uuid())
            .bind(fleet.name.as_str())
            .bind(fleet.description.as_deref())
            .bind(now)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
        });
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(StorageError::DuplicateFleetName),
            other => other?,
        };
        tx.bump_publication().await?;
        tx.commit().await?;
        Ok(FleetRecord {
            id,
            name: fleet.name.clone(),
            description: fleet.description.clone(),
            vessel_count: 0,
            created_at: now,
            updated_at: now,
        })
    }

    pub async fn get_fleet(&self, id: FleetId) -> Result<Option<FleetRecord>, StorageError> {
        const SQL: &str = concat!(select_fleet!(), "WHERE f.id = $1");
        let row: Option<FleetRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL).bind(id.as_uuid()).fetch_optional(pool).await?
        });
        row.map(FleetRecord::try_from).transpose()
    }

    /// Fleets with their current published scores, sorted, and filtered to
    /// `levels` when any are given, each fleet cut by its own thresholds in
    /// force (`default`, or its override); an unscored fleet is at no level.
    pub async fn list_fleets(
        &self,
        order: ListOrder,
        levels: &[RiskLevel],
        (default, overrides): (&RiskThresholds, &HashMap<FleetId, RiskThresholds>),
        page: &PageRequest<FleetCursor>,
    ) -> Result<Page<ScoredFleet, FleetCursor>, StorageError> {
        let rows: Vec<ScoredFleetRow> = on_pool!(self, pool => {
            let mut query = QueryBuilder::new(concat!(select_scored_fleet!(), "WHERE TRUE"));
            if !levels.is_empty() {
                query.push(" AND ");
                push_levels_per_fleet(&mut query, ("f.id", FLEET_SORT.score), levels, default, overrides);
            }
            FLEET_SORT.push_after(&mut query, order, page.after.as_ref())?;
            FLEET_SORT.push_order_by(&mut query, order);
            query.push(" LIMIT ").push_bind(page.fetch_limit());
            query.build_query_as().fetch_all(pool).await?
        });
        let fleets = rows
            .into_iter()
            .map(ScoredFleet::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(fleets, page.limit, |f| {
            ListCursor::after(
                order,
                f.fleet.name.as_str(),
                f.current.map(|(score, _)| score),
                f.fleet.id.as_uuid(),
            )
        }))
    }

    /// Applies `changes`; `None` when no such fleet.
    pub async fn update_fleet(
        &self,
        id: FleetId,
        changes: &FleetChanges,
    ) -> Result<Option<FleetRecord>, StorageError> {
        let mut tx = self.begin_write().await?;
        let updated = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE fleets SET \
                   name = COALESCE($2, name), \
                   description = CASE WHEN $3 THEN $4 ELSE description END, \
                   updated_at = $5 \
                 WHERE id = $1",
            )
            .bind(id.as_uuid())
            .bind(changes.name.as_ref().map(|n| n.as_str()))
            .bind(changes.description.is_some())
            .bind(changes.description.clone().flatten())
            .bind(Utc::now())
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
        });
        let updated = match updated {
            Err(e) if is_unique_violation(&e) => return Err(StorageError::DuplicateFleetName),
            other => other?,
        };
        if updated == 0 {
            return Ok(None);
        }
        tx.bump_publication().await?;
        tx.commit().await?;
        self.get_fleet(id).await
    }

    /// Deletes an empty fleet; `false` when no such fleet.
    pub async fn delete_fleet(&self, id: FleetId) -> Result<bool, StorageError> {
        let mut tx = self.begin_write().await?;
        let vessels: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT COUNT(*) FROM vessels WHERE fleet_id = $1")
                .bind(id.as_uuid())
                .fetch_one(conn)
                .await?
        });
        if vessels > 0 {
            return Err(StorageError::FleetNotEmpty);
        }
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM risk_thresholds WHERE scope = $1")
                .bind(id.to_string())
                .execute(conn)
                .await?
                .rows_affected()
        });
        let deleted = on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM fleets WHERE id = $1")
                .bind(id.as_uuid())
                .execute(conn)
                .await?
                .rows_affected()
        });
        tx.bump_publication().await?;
        tx.commit().await?;
        Ok(deleted == 1)
    }

    /// Every fleet by name (the dashboard's list).
    pub async fn all_fleets(&self) -> Result<Vec<FleetRecord>, StorageError> {
        const SQL: &str = concat!(select_fleet!(), "ORDER BY f.name, f.id");
        let rows: Vec<FleetRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL).fetch_all(pool).await?
        });
        rows.into_iter().map(FleetRecord::try_from).collect()
    }

    pub async fn find_fleet_by_name(
        &self,
        name: &FleetName,
    ) -> Result<Option<FleetRecord>, StorageError> {
        const SQL: &str = concat!(select_fleet!(), "WHERE f.name = $1");
        let row: Option<FleetRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL).bind(name.as_str()).fetch_optional(pool).await?
        });
        row.map(FleetRecord::try_from).transpose()
    }
}
