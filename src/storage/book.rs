//! Loading the whole book for a recalculation run.
//!
//! The load reads one snapshot (a read transaction) in a few bulk
//! transfers instead of one decoded row per vessel and event:
//! - SQLite hands over each table in chunks of rows as JSON arrays, built by
//!   SQLite and parsed by serde;
//! - PostgreSQL streams the three tables at once with `COPY ... TO STDOUT`,
//!   on three connections that share one snapshot (see [`super::copy_text`]).
//!
//! Each table is then parsed and grouped by vessel on a thread of its own.
//!
//! Each vessel is parsed on its own: a stored row that no longer parses
//! (say, a flag code the current rules reject) becomes an error of that
//! vessel, and the rest of the book is still scored.

use std::collections::HashMap;

use chrono::NaiveDate;
use uuid::Uuid;

use super::copy_text::{CopyRow, copy_out, parse_rows};
use super::vessels::{VesselColumns, stored_count};
use super::{Database, ScoringVessel, StorageError, own_connection};
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

/// What the bulk read hands over before parsing.
enum Transfer {
    /// SQLite's JSON chunks, parsed as they came.
    Parsed(StoredBook),
    /// PostgreSQL's three COPY outputs, not parsed yet.
    Copied(CopiedBook),
}

impl Database {
    pub async fn load_book(&self) -> Result<Book, StorageError> {
        let (transfer, fleets) = match self {
            Database::Sqlite(pool) => {
                // A read transaction: every chunk reads the same snapshot.
                let mut tx = pool.begin().await?;
                let stored = load_sqlite(&mut tx).await?;
                let fleets = fleet_versions!(&mut *tx);
                tx.commit().await?;
                (Transfer::Parsed(stored), fleets)
            }
            Database::Postgres(pool) => {
                let (copied, fleets) = copy_postgres(pool).await?;
                (Transfer::Copied(copied), fleets)
            }
        };
        // Parsing, grouping and checking 100,000s of rows is CPU work: off
        // the async workers (a run may have been started from an HTTP worker).
        let assembly = tokio::task::spawn_blocking(move || {
            let (vessels, inspections, incidents) = match transfer {
                Transfer::Parsed(stored) => in_parallel(
                    || Ok(stored.vessels),
                    || Ok(group_inspections(stored.inspections)),
                    || Ok(group_incidents(stored.incidents)),
                ),
                Transfer::Copied(copied) => in_parallel(
                    || parse_rows(&copied.vessels, vessel_columns),
                    || parse_rows(&copied.inspections, stored_inspection).map(group_inspections),
                    || parse_rows(&copied.incidents, stored_incident).map(group_incidents),
                ),
            };
            let (vessels, inspections, incidents) = (vessels?, inspections?, incidents?);
            let mut book = Book {
                fleets: fleets
                    .into_iter()
                    .map(|(id, version)| (FleetId::from_uuid(id), version))
                    .collect(),
                ..Book::default()
            };
            assemble(&mut book, vessels, inspections, incidents);
            Ok(book)
        });
        assembly
            .await
            .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
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

/// PostgreSQL's COPY text output of the three tables, one snapshot.
struct CopiedBook {
    vessels: Vec<u8>,
    inspections: Vec<u8>,
    incidents: Vec<u8>,
}

const COPY_VESSELS: &str = "COPY (SELECT imo, fleet_id, name, ship_type, year_built, \
     gross_tonnage, flag, class_society, company_performance, insured_value_usd, \
     insurance_policy_id, sanctioned, banned_listed, days_in_listed_areas_12m, ais_gaps_12m, \
     flag_changes_36m, data_version FROM vessels) TO STDOUT";
const COPY_INSPECTIONS: &str =
    "COPY (SELECT vessel_imo, date, regime, deficiencies, detained FROM inspections) TO STDOUT";
const COPY_INCIDENTS: &str =
    "COPY (SELECT vessel_imo, date, severity, kind, gross_loss_usd FROM incidents) TO STDOUT";

/// A connection of its own ([`own_connection`]) in a read-only
/// repeatable-read transaction.
async fn snapshot_connection(pool: &sqlx::PgPool) -> Result<sqlx::PgConnection, StorageError> {
    let mut conn = own_connection(pool).await?;
    sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut conn)
        .await?;
    Ok(conn)
}

/// PostgreSQL: the three tables streamed with `COPY ... TO STDOUT` at once,
/// on three connections that share one snapshot (`pg_export_snapshot`), so
/// the server reads them in parallel and they are as consistent as one
/// transaction's reads.
async fn copy_postgres(
    pool: &sqlx::PgPool,
) -> Result<(CopiedBook, Vec<(Uuid, i64)>), StorageError> {
    let mut lead = snapshot_connection(pool).await?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut lead)
        .await?;
    // The id is the server's own (`0000000A-0000001B-1`); SET TRANSACTION
    // SNAPSHOT takes no bind parameter.
    if !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(corrupt("exported snapshot id", &snapshot));
    }
    let mut helpers = Vec::with_capacity(2);
    for _ in 0..2 {
        let mut conn = snapshot_connection(pool).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "SET TRANSACTION SNAPSHOT '{snapshot}'"
        )))
        .execute(&mut conn)
        .await?;
        helpers.push(conn);
    }
    let [mut first, mut second]: [sqlx::PgConnection; 2] =
        helpers.try_into().expect("two helper connections");
    let (vessels, inspections, incidents) = tokio::try_join!(
        copy_out(&mut lead, COPY_VESSELS),
        copy_out(&mut first, COPY_INSPECTIONS),
        copy_out(&mut second, COPY_INCIDENTS),
    )?;
    let fleets = fleet_versions!(&mut lead);
    // The exporting transaction stays open until every helper has read.
    for conn in [lead, first, second] {
        sqlx::Connection::close(conn).await?;
    }
    Ok((
        CopiedBook {
            vessels,
            inspections,
            incidents,
        },
        fleets,
    ))
}

/// Runs three closures at once, each on its own thread.
fn in_parallel<A: Send, B: Send, C: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
    c: impl FnOnce() -> C + Send,
) -> (A, B, C) {
    std::thread::scope(|scope| {
        let b = scope.spawn(b);
        let c = scope.spawn(c);
        (a(), join(b), join(c))
    })
}

fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn vessel_columns(row: &CopyRow<'_>) -> Result<VesselColumns, StorageError> {
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
}

fn stored_inspection(row: &CopyRow<'_>) -> Result<StoredInspection, StorageError> {
    Ok(StoredInspection(
        row.text(0)?,
        row.text(1)?,
        row.text(2)?,
        row.parse(3)?,
        row.boolean(4)?,
    ))
}

fn stored_incident(row: &CopyRow<'_>) -> Result<StoredIncident, StorageError> {
    Ok(StoredIncident(
        row.text(0)?,
        row.text(1)?,
        row.text(2)?,
        row.text(3)?,
        row.parse(4)?,
    ))
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

/// One vessel's parsed history of one kind, oldest first; the first bad
/// row spoils it.
struct History<T> {
    events: Vec<T>,
    error: Option<StorageError>,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        Self {
            events: Vec::new(),
            error: None,
        }
    }
}

/// Groups one table's rows by vessel (`take_imo` moves a row's IMO out) and
/// parses them, oldest first by `date`.
fn group<R, T>(
    rows: Vec<R>,
    take_imo: fn(&mut R) -> String,
    parse: fn(R) -> Result<T, StorageError>,
    date: fn(&T) -> NaiveDate,
) -> HashMap<String, History<T>> {
    let mut histories: HashMap<String, History<T>> = HashMap::new();
    for mut row in rows {
        let entry = histories.entry(take_imo(&mut row)).or_default();
        match parse(row) {
            Ok(event) => entry.events.push(event),
            Err(error) => {
                entry.error.get_or_insert(error);
            }
        }
    }
    for history in histories.values_mut() {
        history.events.sort_by_key(date);
    }
    histories
}

/// Every vessel's inspections, grouped and parsed.
fn group_inspections(rows: Vec<StoredInspection>) -> HashMap<String, History<Inspection>> {
    group(
        rows,
        |row| std::mem::take(&mut row.0),
        parse_inspection,
        |i| i.date,
    )
}

/// Every vessel's incidents, grouped and parsed.
fn group_incidents(rows: Vec<StoredIncident>) -> HashMap<String, History<Incident>> {
    group(
        rows,
        |row| std::mem::take(&mut row.0),
        parse_incident,
        |i| i.date,
    )
}

/// Parses every vessel with its histories, and files each as scorable or
/// unloadable, in IMO order.
fn assemble(
    book: &mut Book,
    mut vessels: Vec<VesselColumns>,
    mut inspections: HashMap<String, History<Inspection>>,
    mut incidents: HashMap<String, History<Incident>>,
) {
    vessels.sort_unstable_by(|a, b| a.imo.cmp(&b.imo));
    book.vessels.reserve(vessels.len());
    for vessel in vessels {
        let fleet_id = FleetId::from_uuid(vessel.fleet_id);
        let data_version = vessel.data_version;
        let own_inspections = inspections.remove(&vessel.imo).unwrap_or_default();
        let own_incidents = incidents.remove(&vessel.imo).unwrap_or_default();
        let imo = vessel.imo.clone();
        let parsed = match own_inspections.error.or(own_incidents.error) {
            Some(error) => Err(error),
            None => vessel.into_profile(own_inspections.events, own_incidents.events),
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
