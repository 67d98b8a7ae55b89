//! Loading the whole book for a recalculation run.
//!
//! The load reads one snapshot in a few bulk transfers instead of one
//! decoded row per vessel and event, each backend its own way
//! ([`super::sqlite::book`]: chunks of JSON rows; [`super::postgres::book`]:
//! the three tables copied at once on one exported snapshot). Each table is
//! then parsed and grouped by vessel on a thread of its own.
//!
//! Each vessel is parsed on its own: a stored row that no longer parses
//! (say, a flag code the current rules reject) becomes an error of that
//! vessel, and the rest of the book is still scored.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::book_transfer::{StoredBook, StoredIncident, StoredInspection};
use super::postgres::book::{BookColumns, CopiedBook};
use super::postgres::{each_row, parse_rows};
use super::stored::{corrupt, stored_count, stored_date};
use super::vessels::VesselColumns;
use super::{BackendPool, Database, ScoringVessel, StorageError};
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

/// What the bulk read hands over before parsing.
enum Transfer {
    /// SQLite's JSON chunks, parsed as they came.
    Parsed(StoredBook),
    /// PostgreSQL's three COPY outputs, not parsed yet.
    Copied(CopiedBook),
}

impl Database {
    pub async fn load_book(&self) -> Result<Book, StorageError> {
        let (transfer, fleets) = match self.pool() {
            BackendPool::Sqlite(pool) => {
                let (stored, fleets) = super::sqlite::book::load(pool).await?;
                (Transfer::Parsed(stored), fleets)
            }
            BackendPool::Postgres(pool) => {
                let (copied, fleets) = super::postgres::book::copy(
                    pool,
                    BookColumns {
                        vessels: VesselColumns::COLUMNS,
                        inspections: StoredInspection::COLUMNS,
                        incidents: StoredIncident::COLUMNS,
                    },
                )
                .await?;
                (Transfer::Copied(copied), fleets)
            }
        };
        // Parsing, grouping and checking 100,000s of rows is CPU work: off
        // the async workers (a run may have been started from an HTTP worker).
        let assembly = tokio::task::spawn_blocking(move || {
            // Each table's rows are folded into its histories as they are
            // parsed, and each COPY output is dropped once parsed.
            let (vessels, inspections, incidents) = match transfer {
                Transfer::Parsed(stored) => in_parallel(
                    || Ok(stored.vessels),
                    || group_inspections(stored.inspections.into_iter().map(Ok)),
                    || group_incidents(stored.incidents.into_iter().map(Ok)),
                ),
                Transfer::Copied(CopiedBook {
                    vessels,
                    inspections,
                    incidents,
                }) => in_parallel(
                    move || parse_rows(&vessels, |row| VesselColumns::from_positional(row)),
                    move || {
                        group_inspections(each_row(&inspections, |row| {
                            StoredInspection::from_positional(row)
                        })?)
                    },
                    move || {
                        group_incidents(each_row(&incidents, |row| {
                            StoredIncident::from_positional(row)
                        })?)
                    },
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

fn parse_inspection(row: StoredInspection) -> Result<Inspection, StorageError> {
    Ok(Inspection {
        date: stored_date(&row.date)?,
        regime: InspectionRegime::parse(&row.regime).map_err(|e| corrupt("regime", e))?,
        deficiencies: stored_count("deficiencies", row.deficiencies)?,
        detained: row.detained,
    })
}

fn parse_incident(row: StoredIncident) -> Result<Incident, StorageError> {
    Ok(Incident {
        date: stored_date(&row.date)?,
        severity: IncidentSeverity::parse(&row.severity).map_err(|e| corrupt("severity", e))?,
        kind: IncidentKind::parse(&row.kind).map_err(|e| corrupt("kind", e))?,
        gross_loss_usd: UsdAmount::parse(row.gross_loss_usd)
            .map_err(|e| corrupt("gross_loss_usd", e))?,
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
/// parses them, oldest first by `date`, one row at a time. A row that does
/// not read at all (`Err`) fails the whole load.
fn group<R, T>(
    rows: impl IntoIterator<Item = Result<R, StorageError>>,
    take_imo: fn(&mut R) -> String,
    parse: fn(R) -> Result<T, StorageError>,
    date: fn(&T) -> NaiveDate,
) -> Result<HashMap<String, History<T>>, StorageError> {
    let mut histories: HashMap<String, History<T>> = HashMap::new();
    for row in rows {
        let mut row = row?;
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
    Ok(histories)
}

type Histories<T> = Result<HashMap<String, History<T>>, StorageError>;

/// Every vessel's inspections, grouped and parsed.
fn group_inspections(
    rows: impl IntoIterator<Item = Result<StoredInspection, StorageError>>,
) -> Histories<Inspection> {
    group(
        rows,
        |row| std::mem::take(&mut row.vessel_imo),
        parse_inspection,
        |i| i.date,
    )
}

/// Every vessel's incidents, grouped and parsed.
fn group_incidents(
    rows: impl IntoIterator<Item = Result<StoredIncident, StorageError>>,
) -> Histories<Incident> {
    group(
        rows,
        |row| std::mem::take(&mut row.vessel_imo),
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
