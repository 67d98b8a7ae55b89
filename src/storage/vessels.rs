//! Vessels: their rows, writes and reads (their histories are in
//! `histories`, a fleet's paged vessel list in `vessel_list`, new vessels
//! stored in `vessel_inserts`).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, QueryBuilder};
use uuid::Uuid;

use super::columns::{columns_except, select_list, table_row};
use super::stored::{corrupt_in, stored_count, stored_imo};
use super::{Database, IncidentRecord, InspectionRecord, StorageError, WriteTx, on_pool, on_tx};
use crate::domain::{
    ClassSocietyCode, CompanyPerformance, FlagState, FleetId, Imo, PolicyId, ShipType, UsdAmount,
    VesselName, VesselProfile,
};

/// A stored vessel: its risk inputs, its fleet, and the ids of its history rows.
#[derive(Debug, Clone)]
pub struct VesselRecord {
    pub fleet_id: FleetId,
    pub profile: VesselProfile,
    /// Parallel to `profile.inspections`.
    pub inspection_ids: Vec<Uuid>,
    /// Parallel to `profile.incidents`.
    pub incident_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A vessel as a re-score reads it: its inputs, fleet and data version.
#[derive(Debug, Clone)]
pub struct ScoringVessel {
    pub fleet_id: FleetId,
    pub data_version: i64,
    pub profile: VesselProfile,
}

table_row! {
    /// The `vessels` columns of a vessel's risk inputs, its fleet and its
    /// data version: the one declaration of them (see [`super::columns`]).
    #[derive(sqlx::FromRow, serde::Deserialize)]
    pub(super) bulk struct VesselColumns {
        imo: String,
        fleet_id: Uuid,
        name: String,
        ship_type: String,
        year_built: i64,
        gross_tonnage: i64,
        flag: String,
        class_society: Option<String>,
        company_performance: String,
        insured_value_usd: f64,
        insurance_policy_id: Option<String>,
        sanctioned: bool,
        banned_listed: bool,
        days_in_listed_areas_12m: i64,
        ais_gaps_12m: i64,
        flag_changes_36m: i64,
        data_version: i64,
    }
}

/// Columns a write never sends: the key of an update, and the version the
/// database counts (it starts at its default and only ever goes up by one).
const NOT_WRITTEN: [&str; 2] = ["imo", "data_version"];

#[derive(sqlx::FromRow)]
pub(super) struct VesselRow {
    #[sqlx(flatten)]
    pub(super) vessel: VesselColumns,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

/// `SELECT <vessel columns>, created_at, updated_at<extra> FROM vessels v <joins>`,
/// for a query's tail.
pub(super) fn vessel_select(extra: &str, joins: &str) -> String {
    format!(
        "SELECT {}, v.created_at, v.updated_at{extra} FROM vessels v {joins}",
        select_list(VesselColumns::COLUMNS, Some("v"))
    )
}

static SELECT_VESSEL: LazyLock<String> = LazyLock::new(|| vessel_select("", ""));

impl VesselColumns {
    /// The columns a write stores of `vessel` in `fleet_id` (its data
    /// version is not written: see [`NOT_WRITTEN`]).
    pub(super) fn of(fleet_id: FleetId, vessel: &VesselProfile) -> Self {
        Self {
            imo: vessel.imo.to_string(),
            fleet_id: fleet_id.as_uuid(),
            name: vessel.name.as_str().to_string(),
            ship_type: vessel.ship_type.as_str().to_string(),
            year_built: i64::from(vessel.year_built),
            gross_tonnage: i64::from(vessel.gross_tonnage),
            flag: vessel.flag.as_str().to_string(),
            class_society: vessel
                .class_society
                .as_ref()
                .map(|c| c.as_str().to_string()),
            company_performance: vessel.company_performance.as_str().to_string(),
            insured_value_usd: vessel.insured_value_usd.value(),
            insurance_policy_id: vessel
                .insurance_policy_id
                .as_ref()
                .map(|p| p.as_str().to_string()),
            sanctioned: vessel.sanctioned,
            banned_listed: vessel.banned_listed,
            days_in_listed_areas_12m: i64::from(vessel.days_in_listed_areas_12m),
            ais_gaps_12m: i64::from(vessel.ais_gaps_12m),
            flag_changes_36m: i64::from(vessel.flag_changes_36m),
            data_version: 0,
        }
    }

    /// The vessel's risk inputs, with the given histories.
    pub(super) fn into_profile(
        self,
        inspections: Vec<crate::domain::Inspection>,
        incidents: Vec<crate::domain::Incident>,
    ) -> Result<VesselProfile, StorageError> {
        Ok(VesselProfile {
            imo: stored_imo(&self.imo)?,
            name: VesselName::parse(&self.name).map_err(corrupt_in("name"))?,
            ship_type: ShipType::parse(&self.ship_type).map_err(corrupt_in("ship_type"))?,
            year_built: i32::try_from(self.year_built)
                .map_err(|_| StorageError::CorruptRow("year_built".into()))?,
            gross_tonnage: stored_count("gross_tonnage", self.gross_tonnage)?,
            flag: FlagState::parse(&self.flag).map_err(corrupt_in("flag"))?,
            class_society: self
                .class_society
                .as_deref()
                .map(ClassSocietyCode::parse)
                .transpose()
                .map_err(corrupt_in("class_society"))?,
            company_performance: CompanyPerformance::parse(&self.company_performance)
                .map_err(corrupt_in("company_performance"))?,
            insured_value_usd: UsdAmount::parse(self.insured_value_usd)
                .map_err(corrupt_in("insured_value_usd"))?,
            insurance_policy_id: self.insurance_policy_id.map(PolicyId::from_storage),
            sanctioned: self.sanctioned,
            banned_listed: self.banned_listed,
            days_in_listed_areas_12m: stored_count(
                "days_in_listed_areas_12m",
                self.days_in_listed_areas_12m,
            )?,
            ais_gaps_12m: stored_count("ais_gaps_12m", self.ais_gaps_12m)?,
            flag_changes_36m: stored_count("flag_changes_36m", self.flag_changes_36m)?,
            inspections,
            incidents,
        })
    }
}

impl WriteTx {
    /// Replaces the vessel's scalar risk inputs and fleet (its histories
    /// stay) and marks the fleets it left and joined changed. Returns the
    /// fleet it was in, `None` when there is no such vessel.
    pub async fn update_vessel(
        &mut self,
        fleet_id: FleetId,
        vessel: &VesselProfile,
    ) -> Result<Option<FleetId>, StorageError> {
        ensure_fleet_exists(self, fleet_id).await?;
        let Some(previous) = vessel_fleet(self, vessel.imo).await? else {
            return Ok(None);
        };
        let columns = columns_except(VesselColumns::COLUMNS, &NOT_WRITTEN);
        on_tx!(self, conn => {
            let mut update =
                QueryBuilder::new(format!("UPDATE vessels SET ({columns}, updated_at) = ("));
            let mut values = update.separated(", ");
            VesselColumns::of(fleet_id, vessel).push_binds(&mut values, &NOT_WRITTEN);
            values.push_bind(Utc::now());
            update
                .push("), data_version = data_version + 1 WHERE imo = ")
                .push_bind(vessel.imo.to_string());
            update.build().execute(&mut *conn).await?.rows_affected()
        });
        self.mark_fleet_changed(fleet_id).await?;
        if previous != fleet_id {
            self.mark_fleet_changed(previous).await?;
        }
        Ok(Some(previous))
    }

    /// Deletes a vessel, its histories and scores; returns the fleet it was
    /// in, `None` when there is no such vessel.
    pub async fn delete_vessel(&mut self, imo: Imo) -> Result<Option<FleetId>, StorageError> {
        let Some(fleet) = vessel_fleet(self, imo).await? else {
            return Ok(None);
        };
        // Score history has no foreign key (publication writes it in bulk): it goes here.
        on_tx!(self, conn => {
            sqlx::query("DELETE FROM vessel_scores WHERE vessel_imo = $1")
                .bind(imo.to_string())
                .execute(conn)
                .await?
                .rows_affected()
        });
        on_tx!(self, conn => {
            sqlx::query("DELETE FROM vessels WHERE imo = $1")
                .bind(imo.to_string())
                .execute(conn)
                .await?
                .rows_affected()
        });
        self.mark_fleet_changed(fleet).await?;
        Ok(Some(fleet))
    }

    /// The vessel with its histories, read inside this transaction: what a
    /// write answers with, as it committed it, whatever commits after it.
    pub async fn get_vessel(&mut self, imo: Imo) -> Result<Option<VesselRecord>, StorageError> {
        let Some((row, inspections, incidents)) = self.vessel_row_with_histories(imo).await? else {
            return Ok(None);
        };
        Ok(Some(row.into_record(inspections, incidents)?))
    }

    /// The vessel's row and its histories, read inside this transaction.
    async fn vessel_row_with_histories(
        &mut self,
        imo: Imo,
    ) -> Result<Option<(VesselRow, Vec<InspectionRecord>, Vec<IncidentRecord>)>, StorageError> {
        let sql = format!("{}WHERE v.imo = $1", *SELECT_VESSEL);
        let row: Option<VesselRow> = on_tx!(self, conn => {
            sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(imo.to_string())
                .fetch_optional(conn)
                .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let (inspections, incidents) = self.histories_of(imo).await?;
        Ok(Some((row, inspections, incidents)))
    }

    /// The vessel with its histories and data version, read inside this transaction.
    pub async fn vessel_for_scoring(
        &mut self,
        imo: Imo,
    ) -> Result<Option<ScoringVessel>, StorageError> {
        let Some((row, inspections, incidents)) = self.vessel_row_with_histories(imo).await? else {
            return Ok(None);
        };
        let data_version = row.vessel.data_version;
        let record = row.into_record(inspections, incidents)?;
        Ok(Some(ScoringVessel {
            fleet_id: record.fleet_id,
            data_version,
            profile: record.profile,
        }))
    }

    /// Bumps the vessel's data version (and its fleet's); `false` when it does not exist.
    pub(super) async fn mark_vessel_changed(&mut self, imo: Imo) -> Result<bool, StorageError> {
        let Some(fleet) = vessel_fleet(self, imo).await? else {
            return Ok(false);
        };
        on_tx!(self, conn => {
            sqlx::query(
                "UPDATE vessels SET updated_at = $2, data_version = data_version + 1 WHERE imo = $1",
            )
            .bind(imo.to_string())
            .bind(Utc::now())
            .execute(conn)
            .await?
            .rows_affected()
        });
        self.mark_fleet_changed(fleet).await?;
        Ok(true)
    }

    /// Bumps a fleet's data version. On PostgreSQL this also locks the fleet
    /// row, so concurrent re-scores of one fleet aggregate one after another.
    pub(crate) async fn mark_fleet_changed(&mut self, fleet: FleetId) -> Result<(), StorageError> {
        on_tx!(self, conn => {
            sqlx::query("UPDATE fleets SET data_version = data_version + 1 WHERE id = $1")
                .bind(fleet.as_uuid())
                .execute(conn)
                .await?
                .rows_affected()
        });
        self.bump_publication().await
    }
}

impl Database {
    /// Stores a new vessel with its histories, all or nothing (without
    /// re-scoring: the seeder's path; the API goes through `jobs`).
    pub async fn insert_vessel(
        &self,
        fleet_id: FleetId,
        vessel: &VesselProfile,
    ) -> Result<VesselRecord, StorageError> {
        let mut tx = self.begin_write().await?;
        tx.insert_vessel(fleet_id, vessel).await?;
        tx.commit().await?;
        // Read back, so a create answers exactly what later reads will (histories by date).
        self.get_vessel(vessel.imo).await?.ok_or_else(|| {
            StorageError::CorruptRow(format!("vessel {} vanished after insert", vessel.imo))
        })
    }

    pub async fn get_vessel(&self, imo: Imo) -> Result<Option<VesselRecord>, StorageError> {
        let sql = format!("{}WHERE v.imo = $1", *SELECT_VESSEL);
        let row: Option<VesselRow> = on_pool!(self, pool => {
            sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(imo.to_string())
                .fetch_optional(pool)
                .await?
        });
        match row {
            None => Ok(None),
            Some(row) => Ok(self.attach_histories(vec![row]).await?.pop()),
        }
    }

    /// Whether a vessel with this IMO number is stored, without reading (or
    /// judging) its data: a row the reader refuses still exists.
    pub async fn vessel_exists(&self, imo: Imo) -> Result<bool, StorageError> {
        let found: Option<i32> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT 1 FROM vessels WHERE imo = $1")
                .bind(imo.to_string())
                .fetch_optional(pool)
                .await?
        });
        Ok(found.is_some())
    }

    /// When a vessel last changed (MAX(updated_at)); `None` on an empty book.
    pub async fn latest_vessel_change_at(&self) -> Result<Option<DateTime<Utc>>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(updated_at) FROM vessels").fetch_one(pool).await?
        }))
    }

    pub async fn count_vessels(&self) -> Result<i64, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM vessels").fetch_one(pool).await?
        }))
    }
}

pub(super) async fn ensure_fleet_exists(
    tx: &mut WriteTx,
    fleet_id: FleetId,
) -> Result<(), StorageError> {
    let found: Option<Uuid> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM fleets WHERE id = $1")
            .bind(fleet_id.as_uuid())
            .fetch_optional(conn)
            .await?
    });
    found.map(|_| ()).ok_or(StorageError::UnknownFleet)
}

/// The fleet a vessel is in, `None` when there is no such vessel.
async fn vessel_fleet(tx: &mut WriteTx, imo: Imo) -> Result<Option<FleetId>, StorageError> {
    let fleet: Option<Uuid> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT fleet_id FROM vessels WHERE imo = $1")
            .bind(imo.to_string())
            .fetch_optional(conn)
            .await?
    });
    Ok(fleet.map(FleetId::from_uuid))
}
