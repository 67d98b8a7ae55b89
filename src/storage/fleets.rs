//! Fleets.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Database, Page, PageRequest, StorageError, is_unique_violation, on_pool, on_tx};
use crate::domain::{FleetId, FleetName};

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

/// The columns of [`FleetRow`], for `concat!` with a query's tail.
macro_rules! select_fleet {
    () => {
        "SELECT f.id, f.name, f.description, f.created_at, f.updated_at, \
         (SELECT COUNT(*) FROM vessels v WHERE v.fleet_id = f.id) AS vessel_count \
         FROM fleets f "
    };
}

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

    /// Fleets by name, then id.
    pub async fn list_fleets(
        &self,
        page: &PageRequest<(String, Uuid)>,
    ) -> Result<Page<FleetRecord, (String, Uuid)>, StorageError> {
        const SQL: &str = concat!(
            select_fleet!(),
            "WHERE CAST($1 AS TEXT) IS NULL OR f.name > $1 OR (f.name = $1 AND f.id > $2) \
             ORDER BY f.name, f.id LIMIT $3"
        );
        let (after_name, after_id) = page.after.clone().unzip();
        let rows: Vec<FleetRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(after_name.as_deref())
                .bind(after_id)
                .bind(page.fetch_limit())
                .fetch_all(pool)
                .await?
        });
        let records = rows
            .into_iter()
            .map(FleetRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(records, page.limit, |f| {
            (f.name.as_str().to_string(), f.id.as_uuid())
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
