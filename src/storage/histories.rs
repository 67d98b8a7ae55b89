//! Inspection and incident histories: their rows, appends and reads.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AssertSqlSafe, QueryBuilder};
use uuid::Uuid;

use super::columns::{select_list, table_row};
use super::stored::{corrupt_in, stored_count, stored_imo};
use super::vessels::VesselRow;
use super::{Database, StorageError, VesselRecord, WriteConn, WriteTx, on_pool, on_tx, postgres};
use crate::domain::{
    FleetId, Imo, Incident, IncidentKind, IncidentSeverity, Inspection, InspectionRegime,
    UsdAmount, VesselProfile,
};

#[derive(Debug, Clone)]
pub struct InspectionRecord {
    pub id: Uuid,
    pub vessel_imo: Imo,
    pub inspection: Inspection,
}

#[derive(Debug, Clone)]
pub struct IncidentRecord {
    pub id: Uuid,
    pub vessel_imo: Imo,
    pub incident: Incident,
}

table_row! {
    /// An `inspections` row as written and read (beside its `created_at`).
    #[derive(sqlx::FromRow)]
    struct InspectionRow {
        id: Uuid,
        vessel_imo: String,
        date: NaiveDate,
        regime: String,
        deficiencies: i64,
        detained: bool,
    }
}

table_row! {
    /// An `incidents` row as written and read (beside its `created_at`).
    #[derive(sqlx::FromRow)]
    struct IncidentRow {
        id: Uuid,
        vessel_imo: String,
        date: NaiveDate,
        severity: String,
        kind: String,
        gross_loss_usd: f64,
    }
}

/// History rows oldest first (by date, then as appended), grouped by vessel.
const HISTORY_ORDER: &str = " ORDER BY vessel_imo, date, created_at, id";

/// One vessel's rows of a history table.
fn history_select(columns: &[&str], table: &str) -> String {
    format!(
        "SELECT {} FROM {table} WHERE vessel_imo = $1{HISTORY_ORDER}",
        select_list(columns, None)
    )
}

/// The rows of a history table of every vessel in `imos`.
fn histories_of_vessels<DB: sqlx::Database>(
    columns: &[&str],
    table: &str,
    imos: &[&str],
) -> QueryBuilder<DB>
where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut query = QueryBuilder::new(format!(
        "SELECT {} FROM {table} WHERE vessel_imo IN (",
        select_list(columns, None)
    ));
    // One bind an IMO: a page of vessels (at most 501) stays far below any bind limit.
    let mut list = query.separated(", ");
    for imo in imos {
        list.push_bind(imo.to_string());
    }
    query.push(")").push(HISTORY_ORDER);
    query
}

static INSPECTIONS_OF: LazyLock<String> =
    LazyLock::new(|| history_select(InspectionRow::COLUMNS, "inspections"));
static INCIDENTS_OF: LazyLock<String> =
    LazyLock::new(|| history_select(IncidentRow::COLUMNS, "incidents"));

impl TryFrom<InspectionRow> for InspectionRecord {
    type Error = StorageError;
    fn try_from(row: InspectionRow) -> Result<Self, StorageError> {
        Ok(Self {
            id: row.id,
            vessel_imo: stored_imo(&row.vessel_imo)?,
            inspection: Inspection {
                date: row.date,
                regime: InspectionRegime::parse(&row.regime).map_err(corrupt_in("regime"))?,
                deficiencies: stored_count("deficiencies", row.deficiencies)?,
                detained: row.detained,
            },
        })
    }
}

impl TryFrom<IncidentRow> for IncidentRecord {
    type Error = StorageError;
    fn try_from(row: IncidentRow) -> Result<Self, StorageError> {
        Ok(Self {
            id: row.id,
            vessel_imo: stored_imo(&row.vessel_imo)?,
            incident: Incident {
                date: row.date,
                severity: IncidentSeverity::parse(&row.severity).map_err(corrupt_in("severity"))?,
                kind: IncidentKind::parse(&row.kind).map_err(corrupt_in("kind"))?,
                gross_loss_usd: UsdAmount::parse(row.gross_loss_usd)
                    .map_err(corrupt_in("gross_loss_usd"))?,
            },
        })
    }
}

fn records<R, T: TryFrom<R, Error = StorageError>>(rows: Vec<R>) -> Result<Vec<T>, StorageError> {
    rows.into_iter().map(T::try_from).collect()
}

/// A vessel row with its histories is a vessel record.
impl VesselRow {
    pub(super) fn into_record(
        self,
        inspections: Vec<InspectionRecord>,
        incidents: Vec<IncidentRecord>,
    ) -> Result<VesselRecord, StorageError> {
        let fleet_id = FleetId::from_uuid(self.vessel.fleet_id);
        let (created_at, updated_at) = (self.created_at, self.updated_at);
        let inspection_ids = inspections.iter().map(|r| r.id).collect();
        let incident_ids = incidents.iter().map(|r| r.id).collect();
        let profile = self.vessel.into_profile(
            inspections.into_iter().map(|r| r.inspection).collect(),
            incidents.into_iter().map(|r| r.incident).collect(),
        )?;
        Ok(VesselRecord {
            fleet_id,
            profile,
            inspection_ids,
            incident_ids,
            created_at,
            updated_at,
        })
    }
}

impl WriteTx {
    /// Appends one inspection; `None` when no such vessel.
    pub async fn append_inspection(
        &mut self,
        imo: Imo,
        inspection: &Inspection,
    ) -> Result<Option<InspectionRecord>, StorageError> {
        if !self.mark_vessel_changed(imo).await? {
            return Ok(None);
        }
        let id = insert_inspections(self, &[(imo, inspection)], Utc::now()).await?[0];
        Ok(Some(InspectionRecord {
            id,
            vessel_imo: imo,
            inspection: inspection.clone(),
        }))
    }

    /// Appends one incident; `None` when no such vessel.
    pub async fn append_incident(
        &mut self,
        imo: Imo,
        incident: &Incident,
    ) -> Result<Option<IncidentRecord>, StorageError> {
        if !self.mark_vessel_changed(imo).await? {
            return Ok(None);
        }
        let id = insert_incidents(self, &[(imo, incident)], Utc::now()).await?[0];
        Ok(Some(IncidentRecord {
            id,
            vessel_imo: imo,
            incident: incident.clone(),
        }))
    }

    /// Stores the histories of new vessels.
    pub(super) async fn insert_histories_of(
        &mut self,
        vessels: &[VesselProfile],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let inspections: Vec<(Imo, &Inspection)> = vessels
            .iter()
            .flat_map(|v| v.inspections.iter().map(move |i| (v.imo, i)))
            .collect();
        insert_inspections(self, &inspections, now).await?;
        let incidents: Vec<(Imo, &Incident)> = vessels
            .iter()
            .flat_map(|v| v.incidents.iter().map(move |i| (v.imo, i)))
            .collect();
        insert_incidents(self, &incidents, now).await?;
        Ok(())
    }

    /// One vessel's histories, read inside this transaction.
    pub(super) async fn histories_of(
        &mut self,
        imo: Imo,
    ) -> Result<(Vec<InspectionRecord>, Vec<IncidentRecord>), StorageError> {
        let inspections: Vec<InspectionRow> = on_tx!(self, conn => {
            sqlx::query_as(AssertSqlSafe(INSPECTIONS_OF.as_str()))
                .bind(imo.to_string())
                .fetch_all(conn)
                .await?
        });
        let incidents: Vec<IncidentRow> = on_tx!(self, conn => {
            sqlx::query_as(AssertSqlSafe(INCIDENTS_OF.as_str()))
                .bind(imo.to_string())
                .fetch_all(conn)
                .await?
        });
        Ok((records(inspections)?, records(incidents)?))
    }
}

impl Database {
    /// Loads the histories of `rows` in two queries and builds the records.
    pub(super) async fn attach_histories(
        &self,
        rows: Vec<VesselRow>,
    ) -> Result<Vec<VesselRecord>, StorageError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let imos: Vec<&str> = rows.iter().map(|r| r.vessel.imo.as_str()).collect();
        let inspection_rows: Vec<InspectionRow> = on_pool!(self, pool => {
            histories_of_vessels(InspectionRow::COLUMNS, "inspections", &imos)
                .build_query_as()
                .persistent(false)
                .fetch_all(pool)
                .await?
        });
        let incident_rows: Vec<IncidentRow> = on_pool!(self, pool => {
            histories_of_vessels(IncidentRow::COLUMNS, "incidents", &imos)
                .build_query_as()
                .persistent(false)
                .fetch_all(pool)
                .await?
        });
        let mut inspections = group_by_imo(inspection_rows, |r| r.vessel_imo.clone());
        let mut incidents = group_by_imo(incident_rows, |r| r.vessel_imo.clone());
        rows.into_iter()
            .map(|row| {
                let own_inspections = inspections.remove(&row.vessel.imo).unwrap_or_default();
                let own_incidents = incidents.remove(&row.vessel.imo).unwrap_or_default();
                row.into_record(records(own_inspections)?, records(own_incidents)?)
            })
            .collect()
    }
}

fn group_by_imo<R>(rows: Vec<R>, imo_of: impl Fn(&R) -> String) -> HashMap<String, Vec<R>> {
    let mut groups: HashMap<String, Vec<R>> = HashMap::new();
    for row in rows {
        groups.entry(imo_of(&row)).or_default().push(row);
    }
    groups
}

/// Inserts `$rows` (a `Vec` of row type `$row`) into `$table`, each with
/// its `created_at`: with binary COPY when PostgreSQL gets many
/// ([`postgres::COPY_FROM_ROWS`]), otherwise in as many multi-row statements
/// as the backend's bind limit needs.
macro_rules! insert_history {
    ($tx:expr, $table:literal, $row:ty, $rows:expr, $now:expr) => {{
        let now: DateTime<Utc> = $now;
        let rows: Vec<$row> = $rows;
        let tx: &mut WriteTx = $tx;
        match &mut tx.conn {
            WriteConn::Postgres(conn) if rows.len() >= postgres::COPY_FROM_ROWS => {
                let columns: Vec<&str> = <$row>::COLUMNS
                    .iter()
                    .copied()
                    .chain(["created_at"])
                    .collect();
                postgres::copy_in(&mut **conn, $table, &columns, rows, |out, history| {
                    history.copy_fields(out, &[]);
                    out.timestamptz(now);
                })
                .await?;
            }
            _ => {
                let sql = format!(
                    concat!("INSERT INTO ", $table, " ({}, created_at) "),
                    select_list(<$row>::COLUMNS, None)
                );
                let per_statement = tx.rows_per_statement(<$row>::COLUMNS.len() + 1, 0);
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let chunk: Vec<$row> = rows.by_ref().take(per_statement).collect();
                    on_tx!(tx, conn => {
                        let mut insert = QueryBuilder::new(sql.as_str());
                        insert.push_values(chunk, |mut row, history| {
                            history.push_binds(&mut row, &[]);
                            row.push_bind(now);
                        });
                        insert.build().persistent(false).execute(conn).await?;
                    });
                }
            }
        }
    }};
}

/// Inserts inspections in bulk; returns their new ids in order.
async fn insert_inspections(
    tx: &mut WriteTx,
    rows: &[(Imo, &Inspection)],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StorageError> {
    let rows: Vec<InspectionRow> = rows
        .iter()
        .map(|(imo, i)| InspectionRow {
            id: Uuid::now_v7(),
            vessel_imo: imo.to_string(),
            date: i.date,
            regime: i.regime.as_str().to_string(),
            deficiencies: i64::from(i.deficiencies),
            detained: i.detained,
        })
        .collect();
    let ids = rows.iter().map(|row| row.id).collect();
    insert_history!(tx, "inspections", InspectionRow, rows, now);
    Ok(ids)
}

/// Inserts incidents in bulk; returns their new ids in order.
async fn insert_incidents(
    tx: &mut WriteTx,
    rows: &[(Imo, &Incident)],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StorageError> {
    let rows: Vec<IncidentRow> = rows
        .iter()
        .map(|(imo, i)| IncidentRow {
            id: Uuid::now_v7(),
            vessel_imo: imo.to_string(),
            date: i.date,
            severity: i.severity.as_str().to_string(),
            kind: i.kind.as_str().to_string(),
            gross_loss_usd: i.gross_loss_usd.value(),
        })
        .collect();
    let ids = rows.iter().map(|row| row.id).collect();
    insert_history!(tx, "incidents", IncidentRow, rows, now);
    Ok(ids)
}
