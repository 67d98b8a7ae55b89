//! The JSON of a stored vessel and of its history items, as every vessel
//! route answers them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::{FleetId, IncidentInput, InspectionInput, VesselInput};
use crate::storage::{IncidentRecord, InspectionRecord, VesselRecord};

/// A stored vessel: the section 1 fields, its fleet, and its histories with ids.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VesselResponse {
    #[serde(rename = "vesselIMO")]
    vessel_imo: String,
    fleet_id: FleetId,
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
    #[serde(rename = "daysInListedAreas12m")]
    days_in_listed_areas_12m: i64,
    #[serde(rename = "aisGaps12m")]
    ais_gaps_12m: i64,
    #[serde(rename = "flagChanges36m")]
    flag_changes_36m: i64,
    inspections: Vec<HistoryItem<InspectionInput>>,
    incidents: Vec<HistoryItem<IncidentInput>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// One inspection or incident with its id.
#[derive(Debug, Serialize)]
pub struct HistoryItem<T> {
    id: Uuid,
    #[serde(flatten)]
    item: T,
}

impl From<VesselRecord> for VesselResponse {
    fn from(record: VesselRecord) -> Self {
        let wire = VesselInput::from_profile(&record.profile);
        Self {
            vessel_imo: wire.vessel_imo,
            fleet_id: record.fleet_id,
            name: wire.name,
            ship_type: wire.ship_type,
            year_built: wire.year_built,
            gross_tonnage: wire.gross_tonnage,
            flag: wire.flag,
            class_society: wire.class_society,
            company_performance: record.profile.company_performance.as_str().to_string(),
            insured_value_usd: wire.insured_value_usd,
            insurance_policy_id: wire.insurance_policy_id,
            sanctioned: wire.sanctioned,
            banned_listed: wire.banned_listed,
            days_in_listed_areas_12m: wire.days_in_listed_areas_12m,
            ais_gaps_12m: wire.ais_gaps_12m,
            flag_changes_36m: wire.flag_changes_36m,
            inspections: record
                .inspection_ids
                .into_iter()
                .zip(wire.inspections)
                .map(|(id, item)| HistoryItem { id, item })
                .collect(),
            incidents: record
                .incident_ids
                .into_iter()
                .zip(wire.incidents)
                .map(|(id, item)| HistoryItem { id, item })
                .collect(),
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

impl From<InspectionRecord> for HistoryItem<InspectionInput> {
    fn from(record: InspectionRecord) -> Self {
        Self {
            id: record.id,
            item: InspectionInput::from_inspection(&record.inspection),
        }
    }
}

impl From<IncidentRecord> for HistoryItem<IncidentInput> {
    fn from(record: IncidentRecord) -> Self {
        Self {
            id: record.id,
            item: IncidentInput::from_incident(&record.incident),
        }
    }
}
