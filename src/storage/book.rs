//! Loading the whole book for a recalculation run.
//!
//! Each vessel is parsed on its own: a stored row that no longer parses
//! (say, a flag code the current rules reject) becomes an error of that
//! vessel, and the rest of the book is still scored.

use std::collections::HashMap;

use uuid::Uuid;

use super::vessels::{IncidentRecord, IncidentRow, InspectionRecord, InspectionRow, VesselRow};
use super::{Database, ScoringVessel, StorageError, on_pool};
use crate::domain::FleetId;

/// A vessel that could not be loaded for scoring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnloadableVessel {
    /// As stored (it may be the very thing that is corrupt).
    pub imo: String,
    pub fleet_id: FleetId,
    pub error: String,
}

/// The book as a run scores it.
#[derive(Debug, Default)]
pub struct Book {
    pub vessels: Vec<ScoringVessel>,
    pub unloadable: Vec<UnloadableVessel>,
    /// Every fleet with its data version, empty fleets included.
    pub fleets: Vec<(FleetId, i64)>,
}

impl Database {
    pub async fn load_book(&self) -> Result<Book, StorageError> {
        const VESSELS: &str = concat!(select_vessel!(), "ORDER BY imo");
        let rows: Vec<VesselRow> = on_pool!(self, pool => {
            sqlx::query_as(VESSELS).fetch_all(pool).await?
        });
        let inspections: Vec<InspectionRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, vessel_imo, date, regime, deficiencies, detained FROM inspections",
            )
            .fetch_all(pool)
            .await?
        });
        let incidents: Vec<IncidentRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, vessel_imo, date, severity, kind, gross_loss_usd FROM incidents",
            )
            .fetch_all(pool)
            .await?
        });
        let fleets: Vec<(Uuid, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, data_version FROM fleets ORDER BY id")
                .fetch_all(pool)
                .await?
        });

        // Grouped and ordered here rather than by an ORDER BY over every
        // history row (which SQLite sorts slowly); the engine does not care
        // about order, but stored records keep it by date.
        let mut inspections_of: HashMap<String, Vec<InspectionRow>> = HashMap::new();
        for row in inspections {
            inspections_of
                .entry(row.vessel_imo.clone())
                .or_default()
                .push(row);
        }
        let mut incidents_of: HashMap<String, Vec<IncidentRow>> = HashMap::new();
        for row in incidents {
            incidents_of
                .entry(row.vessel_imo.clone())
                .or_default()
                .push(row);
        }

        let mut book = Book {
            fleets: fleets
                .into_iter()
                .map(|(id, version)| (FleetId::from_uuid(id), version))
                .collect(),
            ..Book::default()
        };
        for row in rows {
            let imo = row.imo.clone();
            let fleet_id = FleetId::from_uuid(row.fleet_id);
            let data_version = row.data_version;
            let mut own_inspections = inspections_of.remove(&imo).unwrap_or_default();
            own_inspections.sort_by_key(|row| row.date);
            let mut own_incidents = incidents_of.remove(&imo).unwrap_or_default();
            own_incidents.sort_by_key(|row| row.date);
            let parsed = own_inspections
                .into_iter()
                .map(InspectionRecord::try_from)
                .collect::<Result<Vec<_>, _>>()
                .and_then(|inspections| {
                    let incidents = own_incidents
                        .into_iter()
                        .map(IncidentRecord::try_from)
                        .collect::<Result<Vec<_>, _>>()?;
                    row.into_record(inspections, incidents)
                });
            match parsed {
                Ok(record) => book.vessels.push(ScoringVessel {
                    fleet_id,
                    data_version,
                    profile: record.profile,
                }),
                Err(error) => book.unloadable.push(UnloadableVessel {
                    imo,
                    fleet_id,
                    error: error.to_string(),
                }),
            }
        }
        Ok(book)
    }
}
