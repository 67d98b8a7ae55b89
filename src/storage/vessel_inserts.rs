//! New vessels stored with their histories: one (the API's create) or many
//! (imports, seeds, benchmarks), by multi-row inserts, or by binary COPY
//! when PostgreSQL gets many.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::columns::columns_except;
use super::vessels::{VesselColumns, ensure_fleet_exists};
use super::{StorageError, WriteConn, WriteTx, is_unique_violation, on_tx, postgres};
use crate::domain::{FleetId, VesselProfile};

impl WriteTx {
    /// Stores a new vessel with its histories and marks its fleet changed.
    pub async fn insert_vessel(
        &mut self,
        fleet_id: FleetId,
        vessel: &VesselProfile,
    ) -> Result<(), StorageError> {
        self.insert_vessels(fleet_id, std::slice::from_ref(vessel))
            .await
    }

    /// Stores many new vessels of one fleet with their histories in bulk
    /// (imports, seeds and the benchmarks): binary COPY on PostgreSQL,
    /// multi-row inserts on SQLite; all or nothing with the transaction. A
    /// duplicate IMO number fails the whole batch.
    pub async fn insert_vessels(
        &mut self,
        fleet_id: FleetId,
        vessels: &[VesselProfile],
    ) -> Result<(), StorageError> {
        ensure_fleet_exists(self, fleet_id).await?;
        let now = Utc::now();
        match insert_vessel_rows(self, fleet_id, vessels, now).await {
            Err(StorageError::Database { source, .. }) if is_unique_violation(&source) => {
                return Err(StorageError::DuplicateImo);
            }
            other => other?,
        }
        self.insert_histories_of(vessels, now).await?;
        self.mark_fleet_changed(fleet_id).await
    }
}

/// Columns a new vessel's row does not send: the database starts its version at 1.
const NEW_VESSEL_SKIP: &[&str] = &["data_version"];

/// New vessels' rows with binary COPY, their two timestamps last.
async fn copy_vessels(
    conn: &mut sqlx::PgConnection,
    fleet_id: FleetId,
    vessels: &[VesselProfile],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let columns: Vec<&str> = VesselColumns::COLUMNS
        .iter()
        .copied()
        .filter(|column| !NEW_VESSEL_SKIP.contains(column))
        .chain(["created_at", "updated_at"])
        .collect();
    postgres::copy_in(conn, "vessels", &columns, vessels, |out, vessel| {
        VesselColumns::of(fleet_id, vessel).copy_fields(out, NEW_VESSEL_SKIP);
        out.timestamptz(now).timestamptz(now);
    })
    .await
}

/// New vessels' rows: by binary COPY when PostgreSQL gets many
/// ([`postgres::COPY_FROM_ROWS`]), otherwise in as many multi-row inserts as
/// the backend's bind limit needs.
async fn insert_vessel_rows(
    tx: &mut WriteTx,
    fleet_id: FleetId,
    vessels: &[VesselProfile],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    if let WriteConn::Postgres(conn) = &mut tx.conn
        && vessels.len() >= postgres::COPY_FROM_ROWS
    {
        return copy_vessels(conn, fleet_id, vessels, now).await;
    }
    let columns = columns_except(VesselColumns::COLUMNS, NEW_VESSEL_SKIP);
    // The vessel's columns and its two timestamps.
    let binds = VesselColumns::COLUMNS.len() - NEW_VESSEL_SKIP.len() + 2;
    for chunk in vessels.chunks(tx.rows_per_statement(binds, 0)) {
        on_tx!(tx, conn => {
            let mut insert = QueryBuilder::new(format!(
                "INSERT INTO vessels ({columns}, created_at, updated_at) "
            ));
            insert.push_values(chunk, |mut row, v| {
                VesselColumns::of(fleet_id, v).push_binds(&mut row, NEW_VESSEL_SKIP);
                row.push_bind(now).push_bind(now);
            });
            insert.build().persistent(false).execute(conn).await?;
        });
    }
    Ok(())
}
