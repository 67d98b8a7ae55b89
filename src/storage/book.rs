//! Loading the whole book for a recalculation run.
//!
//! The load reads one snapshot (a read transaction) in a few bulk
//! transfers instead of one decoded row per vessel and event:
//! - SQLite hands over each table in chunks of rows as JSON arrays, built by
//!   SQLite and parsed by serde;
//! - PostgreSQL streams the three tables with `COPY ... TO STDOUT`
//!   (see [`super::copy_text`]).
//!
//! Each vessel is parsed on its own: a stored row that no longer parses
//! (say, a flag code the current rules reject) becomes an error of that
//! vessel, and the rest of the book is still scored.

use std::collections::HashMap;

use chrono::NaiveDate;
use uuid::Uuid;

use super::copy_text::{CopyRow, copy_rows};
use super::vessels::{VesselColumns, stored_count};
use super::{Database, ScoringVessel, StorageError};
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

/// Rows per SQLite chunk: a few MB of JSON at a time.
const SQLITE_CHUNK: i64 = 50_000;

/// One inspection row as stored: `[imo, date, regime, deficiencies, detained]`
/// (dates are parsed per row, so a bad one spoils only its vessel).
#[derive(serde::Deserialize)]
struct StoredInspection(String, String, String, i64, bool);

/// One incident row as stored: `[imo, date, severity, kind, grossLossUsd]`.
#[derive(serde::Deserialize)]
struct StoredIncident(String, String, String, String, f64);

/// What the bulk read hands over, each table in any order.
#[derive(Default)]
struct StoredBook {
    vessels: Vec<VesselColumns>,
    inspections: Vec<StoredInspection>,
    incidents: Vec<StoredIncident>,
}

/// `(id, data_version)` of every fleet, on one connection.
macro_rules! fleet_versions {
    ($conn:expr) => {{
        let rows: Vec<(Uuid, i64)> =
            sqlx::query_as("SELECT id, data_version FROM fleets ORDER BY id")
                .fetch_all($conn)
                .await?;
        rows
    }};
}

impl Database {
    pub async fn load_book(&self) -> Result<Book, StorageError> {
        let (stored, fleets) = match self {
            Database::Sqlite(pool) => {
                // A read transaction: every chunk reads the same snapshot.
                let mut tx = pool.begin().await?;
                let stored = load_sqlite(&mut tx).await?;
                let fleets = fleet_versions!(&mut *tx);
                tx.commit().await?;
                (stored, fleets)
            }
            Database::Postgres(pool) => {
                // A connection of its own, never returned to the pool: a run
                // cancelled mid-COPY (timeout, shutdown) drops it, which ends
                // the COPY and the transaction; a pooled connection would be
                // handed on still streaming.
                let mut conn = pool.acquire().await?.detach();
                let mut tx = sqlx::Connection::begin_with(
                    &mut conn,
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                )
                .await?;
                let stored = load_postgres(&mut tx).await?;
                let fleets = fleet_versions!(&mut *tx);
                tx.commit().await?;
                sqlx::Connection::close(conn).await?;
                (stored, fleets)
            }
        };
        // Grouping and parsing 100,000s of rows is CPU work: off the async
        // workers (a run may have been started from an HTTP worker).
        let assembly = tokio::task::spawn_blocking(move || {
            let mut book = Book {
                fleets: fleets
                    .into_iter()
                    .map(|(id, version)| (FleetId::from_uuid(id), version))
                    .collect(),
                ..Book::default()
            };
            assemble(&mut book, stored);
            book
        });
        Ok(assembly
            .await
            .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic())))
    }
}

fn corrupt(what: &str, error: impl std::fmt::Display) -> StorageError {
    StorageError::CorruptRow(format!("{what}: {error}"))
}

fn stored_date(raw: &str) -> Result<NaiveDate, StorageError> {
    // FromStr reads `YYYY-MM-DD` without interpreting a format string per call.
    raw.parse().map_err(|e| corrupt("date", e))
}

fn parse_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, StorageError> {
    serde_json::from_str(json).map_err(|e| corrupt(what, e))
}

/// SQLite: each table in chunks of [`SQLITE_CHUNK`] rows in rowid order (a
/// sequential read), each chunk one JSON array built by SQLite. Booleans are
/// written as JSON `true`/`false`, UUIDs as hex.
async fn load_sqlite(conn: &mut sqlx::SqliteConnection) -> Result<StoredBook, StorageError> {
    let vessels = sqlite_chunks(
        &mut *conn,
        "vessels",
        "json_array(imo, lower(hex(fleet_id)), name, ship_type, year_built, gross_tonnage, \
         flag, class_society, company_performance, insured_value_usd, insurance_policy_id, \
         json(iif(sanctioned, 'true', 'false')), json(iif(banned_listed, 'true', 'false')), \
         days_in_listed_areas_12m, ais_gaps_12m, flag_changes_36m, data_version)",
    )
    .await?;
    let inspections = sqlite_chunks(
        &mut *conn,
        "inspections",
        "json_array(vessel_imo, date, regime, deficiencies, json(iif(detained, 'true', 'false')))",
    )
    .await?;
    let incidents = sqlite_chunks(
        &mut *conn,
        "incidents",
        "json_array(vessel_imo, date, severity, kind, gross_loss_usd)",
    )
    .await?;
    Ok(StoredBook {
        vessels,
        inspections,
        incidents,
    })
}

/// Every row of `table` as `row` (a `json_array(...)` of its columns), read
/// in rowid chunks and parsed as `T`.
async fn sqlite_chunks<T: serde::de::DeserializeOwned>(
    conn: &mut sqlx::SqliteConnection,
    table: &'static str,
    row: &'static str,
) -> Result<Vec<T>, StorageError> {
    let sql = format!(
        "SELECT json_group_array({row}), MAX(rowid), COUNT(*) \
         FROM (SELECT rowid, * FROM {table} WHERE rowid > $1 ORDER BY rowid LIMIT $2)"
    );
    let mut rows = Vec::new();
    let mut after = 0_i64;
    loop {
        let (json, last, count): (String, Option<i64>, i64) =
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(after)
                .bind(SQLITE_CHUNK)
                .fetch_one(&mut *conn)
                .await?;
        rows.extend(parse_json::<Vec<T>>(table, &json)?);
        match last {
            Some(last) if count == SQLITE_CHUNK => after = last,
            _ => return Ok(rows),
        }
    }
}

/// PostgreSQL: the three tables streamed with `COPY ... TO STDOUT`.
async fn load_postgres(conn: &mut sqlx::PgConnection) -> Result<StoredBook, StorageError> {
    let vessels = copy_rows(
        &mut *conn,
        "COPY (SELECT imo, fleet_id, name, ship_type, year_built, gross_tonnage, flag, \
         class_society, company_performance, insured_value_usd, insurance_policy_id, sanctioned, \
         banned_listed, days_in_listed_areas_12m, ais_gaps_12m, flag_changes_36m, data_version \
         FROM vessels) TO STDOUT",
        |row| {
            Ok(VesselColumns {
                imo: row.text(0)?,
                fleet_id: row.parse(1)?,
                name: row.text(2)?,
                ship_type: row.text(3)?,
                year_built: row.parse(4)?,
                gross_tonnage: row.parse(5)?,
                flag: row.text(6)?,
                class_society: row.optional_text(7)?,
                company_performance: row.text(8)?,
                insured_value_usd: row.parse(9)?,
                insurance_policy_id: row.optional_text(10)?,
                sanctioned: row.boolean(11)?,
                banned_listed: row.boolean(12)?,
                days_in_listed_areas_12m: row.parse(13)?,
                ais_gaps_12m: row.parse(14)?,
                flag_changes_36m: row.parse(15)?,
                data_version: row.parse(16)?,
            })
        },
    )
    .await?;
    let inspections = copy_rows(
        &mut *conn,
        "COPY (SELECT vessel_imo, date, regime, deficiencies, detained FROM inspections) TO STDOUT",
        |row: &CopyRow<'_>| {
            Ok(StoredInspection(
                row.text(0)?,
                row.text(1)?,
                row.text(2)?,
                row.parse(3)?,
                row.boolean(4)?,
            ))
        },
    )
    .await?;
    let incidents = copy_rows(
        &mut *conn,
        "COPY (SELECT vessel_imo, date, severity, kind, gross_loss_usd FROM incidents) TO STDOUT",
        |row: &CopyRow<'_>| {
            Ok(StoredIncident(
                row.text(0)?,
                row.text(1)?,
                row.text(2)?,
                row.text(3)?,
                row.parse(4)?,
            ))
        },
    )
    .await?;
    Ok(StoredBook {
        vessels,
        inspections,
        incidents,
    })
}

fn parse_inspection(row: StoredInspection) -> Result<Inspection, StorageError> {
    let StoredInspection(_, date, regime, deficiencies, detained) = row;
    Ok(Inspection {
        date: stored_date(&date)?,
        regime: InspectionRegime::parse(&regime).map_err(|e| corrupt("regime", e))?,
        deficiencies: stored_count("deficiencies", deficiencies)?,
        detained,
    })
}

fn parse_incident(row: StoredIncident) -> Result<Incident, StorageError> {
    let StoredIncident(_, date, severity, kind, loss) = row;
    Ok(Incident {
        date: stored_date(&date)?,
        severity: IncidentSeverity::parse(&severity).map_err(|e| corrupt("severity", e))?,
        kind: IncidentKind::parse(&kind).map_err(|e| corrupt("kind", e))?,
        gross_loss_usd: UsdAmount::parse(loss).map_err(|e| corrupt("gross_loss_usd", e))?,
    })
}

/// One vessel's parsed histories, oldest first; the first bad row spoils them.
#[derive(Default)]
struct Histories {
    inspections: Vec<Inspection>,
    incidents: Vec<Incident>,
    error: Option<StorageError>,
}

/// Groups the histories by vessel, parses every vessel, and files each as
/// scorable or unloadable, in IMO order.
fn assemble(book: &mut Book, mut stored: StoredBook) {
    stored.vessels.sort_unstable_by(|a, b| a.imo.cmp(&b.imo));
    let mut histories: HashMap<String, Histories> = HashMap::with_capacity(stored.vessels.len());
    for mut row in stored.inspections {
        let entry = histories.entry(std::mem::take(&mut row.0)).or_default();
        match parse_inspection(row) {
            Ok(inspection) => entry.inspections.push(inspection),
            Err(error) => {
                entry.error.get_or_insert(error);
            }
        }
    }
    for mut row in stored.incidents {
        let entry = histories.entry(std::mem::take(&mut row.0)).or_default();
        match parse_incident(row) {
            Ok(incident) => entry.incidents.push(incident),
            Err(error) => {
                entry.error.get_or_insert(error);
            }
        }
    }
    book.vessels.reserve(stored.vessels.len());
    for vessel in stored.vessels {
        let imo = vessel.imo.clone();
        let fleet_id = FleetId::from_uuid(vessel.fleet_id);
        let data_version = vessel.data_version;
        let mut own = histories.remove(&imo).unwrap_or_default();
        own.inspections.sort_by_key(|i| i.date);
        own.incidents.sort_by_key(|i| i.date);
        let parsed = match own.error {
            Some(error) => Err(error),
            None => vessel.into_profile(own.inspections, own.incidents),
        };
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
}
