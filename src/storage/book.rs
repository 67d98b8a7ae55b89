//! Loading the whole book for a recalculation run.
//!
//! Each vessel is parsed on its own: a stored row that no longer parses
//! (say, a flag code the current rules reject) becomes an error of that
//! vessel, and the rest of the book is still scored.

use std::collections::HashMap;

use uuid::Uuid;

use chrono::NaiveDate;

use super::vessels::{VesselRow, stored_count};
use super::{Database, ScoringVessel, StorageError, on_pool};
use crate::domain::{
    FleetId, Incident, IncidentKind, IncidentSeverity, Inspection, InspectionRegime, UsdAmount,
};

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
        // Each vessel's histories arrive as one JSON array per vessel: a few
        // hundred thousand fewer rows to decode than one row per event.
        let inspections: Vec<(String, String)> = match self {
            Database::Sqlite(pool) => sqlx::query_as(
                "SELECT vessel_imo, json_group_array(json_array(date, regime, deficiencies, detained)) \
                 FROM inspections GROUP BY vessel_imo",
            )
            .fetch_all(pool)
            .await?,
            Database::Postgres(pool) => sqlx::query_as(
                "SELECT vessel_imo, json_agg(json_build_array(date, regime, deficiencies, detained))::text \
                 FROM inspections GROUP BY vessel_imo",
            )
            .fetch_all(pool)
            .await?,
        };
        let incidents: Vec<(String, String)> = match self {
            Database::Sqlite(pool) => sqlx::query_as(
                "SELECT vessel_imo, json_group_array(json_array(date, severity, kind, gross_loss_usd)) \
                 FROM incidents GROUP BY vessel_imo",
            )
            .fetch_all(pool)
            .await?,
            Database::Postgres(pool) => sqlx::query_as(
                "SELECT vessel_imo, json_agg(json_build_array(date, severity, kind, gross_loss_usd))::text \
                 FROM incidents GROUP BY vessel_imo",
            )
            .fetch_all(pool)
            .await?,
        };
        let fleets: Vec<(Uuid, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, data_version FROM fleets ORDER BY id")
                .fetch_all(pool)
                .await?
        });

        let mut inspections_of: HashMap<String, String> = inspections.into_iter().collect();
        let mut incidents_of: HashMap<String, String> = incidents.into_iter().collect();

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
            let parsed = parse_inspections(inspections_of.remove(&imo)).and_then(|inspections| {
                let incidents = parse_incidents(incidents_of.remove(&imo))?;
                row.into_profile(inspections, incidents)
            });
            match parsed {
                Ok(profile) => book.vessels.push(ScoringVessel {
                    fleet_id,
                    data_version,
                    profile,
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

fn corrupt(what: &str, error: impl std::fmt::Display) -> StorageError {
    StorageError::CorruptRow(format!("{what}: {error}"))
}

fn stored_date(raw: &str) -> Result<NaiveDate, StorageError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|e| corrupt("date", e))
}

/// A stored boolean as JSON: `true`/`false` on PostgreSQL, `1`/`0` on SQLite.
fn stored_flag(value: &serde_json::Value) -> Result<bool, StorageError> {
    match value {
        serde_json::Value::Bool(flag) => Ok(*flag),
        serde_json::Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
        serde_json::Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
        other => Err(corrupt("detained", other)),
    }
}

/// One vessel's inspections from their JSON array `[date, regime, deficiencies, detained]`,
/// oldest first.
fn parse_inspections(json: Option<String>) -> Result<Vec<Inspection>, StorageError> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let rows: Vec<(String, String, i64, serde_json::Value)> =
        serde_json::from_str(&json).map_err(|e| corrupt("inspections", e))?;
    let mut inspections = rows
        .into_iter()
        .map(|(date, regime, deficiencies, detained)| {
            Ok(Inspection {
                date: stored_date(&date)?,
                regime: InspectionRegime::parse(&regime).map_err(|e| corrupt("regime", e))?,
                deficiencies: stored_count("deficiencies", deficiencies)?,
                detained: stored_flag(&detained)?,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    inspections.sort_by_key(|i| i.date);
    Ok(inspections)
}

/// One vessel's incidents from their JSON array `[date, severity, kind, grossLossUsd]`,
/// oldest first.
fn parse_incidents(json: Option<String>) -> Result<Vec<Incident>, StorageError> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let rows: Vec<(String, String, String, f64)> =
        serde_json::from_str(&json).map_err(|e| corrupt("incidents", e))?;
    let mut incidents = rows
        .into_iter()
        .map(|(date, severity, kind, loss)| {
            Ok(Incident {
                date: stored_date(&date)?,
                severity: IncidentSeverity::parse(&severity).map_err(|e| corrupt("severity", e))?,
                kind: IncidentKind::parse(&kind).map_err(|e| corrupt("kind", e))?,
                gross_loss_usd: UsdAmount::parse(loss).map_err(|e| corrupt("gross_loss_usd", e))?,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    incidents.sort_by_key(|i| i.date);
    Ok(incidents)
}
