//! The rows an export reads: each scored vessel with its fleet's name and
//! its published assessment, paged by IMO number (keyset), so an export of
//! the whole book never holds more than one page.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::stored::corrupt_in;
use super::stored_assessment::{self, ScoreColumns, score_columns};
use super::{Database, StorageError, on_pool};
use crate::domain::{ClassSocietyCode, FlagState, FleetId, Imo, ShipType, VesselName};
use crate::risk::Assessment;

/// A vessel as an export lists it: what identifies it, its fleet, and the
/// published assessment with the run that published it.
#[derive(Debug, Clone)]
pub struct ExportedVessel {
    pub name: VesselName,
    pub ship_type: ShipType,
    pub flag: FlagState,
    pub class_society: Option<ClassSocietyCode>,
    pub year_built: i32,
    pub fleet_id: FleetId,
    pub fleet_name: String,
    pub run_id: Uuid,
    pub calculated_at: DateTime<Utc>,
    pub assessment: Assessment,
}

impl ExportedVessel {
    pub fn imo(&self) -> Imo {
        self.assessment.vessel_imo
    }
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    name: String,
    ship_type: String,
    flag: String,
    class_society: Option<String>,
    year_built: i64,
    fleet_id: Uuid,
    fleet_name: String,
    run_id: Uuid,
    calculated_at: DateTime<Utc>,
    #[sqlx(flatten)]
    score: ScoreColumns,
}

/// Vessels joined to their fleet and current published score; a vessel
/// with no published score yet is not listed (a write re-scores at once).
static EXPORT_SELECT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT v.name, v.ship_type, v.flag, v.class_society, v.year_built, v.fleet_id, \
         f.name AS fleet_name, s.run_id, s.calculated_at, {} \
         FROM vessels v JOIN fleets f ON f.id = v.fleet_id \
         JOIN current_vessel_scores c ON c.vessel_imo = v.imo \
         JOIN vessel_scores s ON s.vessel_imo = c.vessel_imo AND s.run_id = c.run_id \
         WHERE 1 = 1",
        score_columns()
    )
});

impl Database {
    /// Up to `limit` exported vessels of `fleet` (or of the whole book),
    /// in IMO order, after the IMO number `after`.
    pub async fn export_page(
        &self,
        fleet: Option<FleetId>,
        after: Option<Imo>,
        limit: u32,
    ) -> Result<Vec<ExportedVessel>, StorageError> {
        let rows: Vec<ExportRow> = on_pool!(self, pool => {
            let mut query = QueryBuilder::new(EXPORT_SELECT.as_str());
            if let Some(fleet) = fleet {
                query.push(" AND v.fleet_id = ").push_bind(fleet.as_uuid());
            }
            if let Some(after) = after {
                query.push(" AND v.imo > ").push_bind(after.to_string());
            }
            query.push(" ORDER BY v.imo LIMIT ").push_bind(i64::from(limit));
            query.build_query_as().fetch_all(pool).await?
        });
        rows.into_iter().map(ExportRow::parse).collect()
    }
}

impl ExportRow {
    fn parse(self) -> Result<ExportedVessel, StorageError> {
        Ok(ExportedVessel {
            name: VesselName::parse(&self.name).map_err(corrupt_in("name"))?,
            ship_type: ShipType::parse(&self.ship_type).map_err(corrupt_in("ship_type"))?,
            flag: FlagState::parse(&self.flag).map_err(corrupt_in("flag"))?,
            class_society: self
                .class_society
                .as_deref()
                .map(ClassSocietyCode::parse)
                .transpose()
                .map_err(corrupt_in("class_society"))?,
            year_built: i32::try_from(self.year_built)
                .map_err(|_| StorageError::CorruptRow("year_built".into()))?,
            fleet_id: FleetId::from_uuid(self.fleet_id),
            fleet_name: self.fleet_name,
            run_id: self.run_id,
            calculated_at: self.calculated_at,
            assessment: stored_assessment::decode(&self.score)?,
        })
    }
}
