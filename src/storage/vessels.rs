//! Vessels and their inspection and incident histories.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::{
    Database, Page, PageRequest, StorageError, WriteTx, is_unique_violation, on_pool, on_tx,
};
use crate::domain::{
    ClassSocietyCode, CompanyPerformance, FlagState, FleetId, Imo, Incident, IncidentKind,
    IncidentSeverity, Inspection, InspectionRegime, PolicyId, ShipType, UsdAmount, VesselName,
    VesselProfile,
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

#[derive(sqlx::FromRow)]
pub(super) struct VesselRow {
    #[sqlx(flatten)]
    pub(super) vessel: VesselColumns,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A vessel's own columns: its risk inputs, its fleet and its data version,
/// in the order of [`select_vessel!`] (the book load reads them as JSON
/// arrays in that order too).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(super) struct VesselColumns {
    pub(super) imo: String,
    pub(super) fleet_id: Uuid,
    pub(super) name: String,
    pub(super) ship_type: String,
    pub(super) year_built: i64,
    pub(super) gross_tonnage: i64,
    pub(super) flag: String,
    pub(super) class_society: Option<String>,
    pub(super) company_performance: String,
    pub(super) insured_value_usd: f64,
    pub(super) insurance_policy_id: Option<String>,
    pub(super) sanctioned: bool,
    pub(super) banned_listed: bool,
    pub(super) days_in_listed_areas_12m: i64,
    pub(super) ais_gaps_12m: i64,
    pub(super) flag_changes_36m: i64,
    pub(super) data_version: i64,
}

#[derive(sqlx::FromRow)]
struct InspectionRow {
    id: Uuid,
    vessel_imo: String,
    date: NaiveDate,
    regime: String,
    deficiencies: i64,
    detained: bool,
}

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: Uuid,
    vessel_imo: String,
    date: NaiveDate,
    severity: String,
    kind: String,
    gross_loss_usd: f64,
}

fn corrupt(column: &str) -> impl Fn(String) -> StorageError + '_ {
    move |message| StorageError::CorruptRow(format!("{column}: {message}"))
}

pub(super) fn stored_count(column: &str, value: i64) -> Result<u32, StorageError> {
    u32::try_from(value).map_err(|_| StorageError::CorruptRow(format!("{column}: {value}")))
}

fn stored_imo(raw: &str) -> Result<Imo, StorageError> {
    Imo::parse(raw).map_err(|e| StorageError::CorruptRow(format!("imo {raw}: {e}")))
}

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

impl VesselColumns {
    /// The vessel's risk inputs, with the given histories.
    pub(super) fn into_profile(
        self,
        inspections: Vec<Inspection>,
        incidents: Vec<Incident>,
    ) -> Result<VesselProfile, StorageError> {
        Ok(VesselProfile {
            imo: stored_imo(&self.imo)?,
            name: VesselName::parse(&self.name).map_err(corrupt("name"))?,
            ship_type: ShipType::parse(&self.ship_type).map_err(corrupt("ship_type"))?,
            year_built: i32::try_from(self.year_built)
                .map_err(|_| StorageError::CorruptRow("year_built".into()))?,
            gross_tonnage: stored_count("gross_tonnage", self.gross_tonnage)?,
            flag: FlagState::parse(&self.flag).map_err(corrupt("flag"))?,
            class_society: self
                .class_society
                .as_deref()
                .map(ClassSocietyCode::parse)
                .transpose()
                .map_err(corrupt("class_society"))?,
            company_performance: CompanyPerformance::parse(&self.company_performance)
                .map_err(corrupt("company_performance"))?,
            insured_value_usd: UsdAmount::parse(self.insured_value_usd)
                .map_err(corrupt("insured_value_usd"))?,
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

impl TryFrom<InspectionRow> for InspectionRecord {
    type Error = StorageError;
    fn try_from(row: InspectionRow) -> Result<Self, StorageError> {
        Ok(Self {
            id: row.id,
            vessel_imo: stored_imo(&row.vessel_imo)?,
            inspection: Inspection {
                date: row.date,
                regime: InspectionRegime::parse(&row.regime).map_err(corrupt("regime"))?,
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
                severity: IncidentSeverity::parse(&row.severity).map_err(corrupt("severity"))?,
                kind: IncidentKind::parse(&row.kind).map_err(corrupt("kind"))?,
                gross_loss_usd: UsdAmount::parse(row.gross_loss_usd)
                    .map_err(corrupt("gross_loss_usd"))?,
            },
        })
    }
}

/// The vessel's columns, for `concat!` with a query's tail.
macro_rules! select_vessel {
    () => {
        "SELECT imo, fleet_id, name, ship_type, year_built, gross_tonnage, flag, class_society, \
         company_performance, insured_value_usd, insurance_policy_id, sanctioned, banned_listed, \
         days_in_listed_areas_12m, ais_gaps_12m, flag_changes_36m, data_version, created_at, \
         updated_at FROM vessels "
    };
}

/// Binds the scalar risk inputs of `$vessel` as `$2..=$16` in column order.
macro_rules! bind_vessel_fields {
    ($query:expr, $vessel:expr) => {
        $query
            .bind($vessel.name.as_str())
            .bind($vessel.ship_type.as_str())
            .bind(i64::from($vessel.year_built))
            .bind(i64::from($vessel.gross_tonnage))
            .bind($vessel.flag.as_str())
            .bind($vessel.class_society.as_ref().map(|c| c.as_str()))
            .bind($vessel.company_performance.as_str())
            .bind($vessel.insured_value_usd.value())
            .bind($vessel.insurance_policy_id.as_ref().map(|p| p.as_str()))
            .bind($vessel.sanctioned)
            .bind($vessel.banned_listed)
            .bind(i64::from($vessel.days_in_listed_areas_12m))
            .bind(i64::from($vessel.ais_gaps_12m))
            .bind(i64::from($vessel.flag_changes_36m))
    };
}

/// Sort orders of a fleet's vessel list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VesselOrder {
    Name,
    ScoreAscending,
    ScoreDescending,
}

/// Where a page of a fleet's vessel list ends, for the order it was listed in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum VesselCursor {
    Name(String, String),
    Score(f64, String),
}

#[derive(sqlx::FromRow)]
struct ScoredVesselRow {
    #[sqlx(flatten)]
    vessel: VesselRow,
    current_score: Option<f64>,
}

/// A vessel as a re-score reads it: its inputs, fleet and data version.
#[derive(Debug, Clone)]
pub struct ScoringVessel {
    pub fleet_id: FleetId,
    pub data_version: i64,
    pub profile: VesselProfile,
}

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

    /// Stores many new vessels of one fleet with multi-row inserts (bulk
    /// loads, the import path and the benchmarks); all or nothing with the
    /// transaction. A duplicate IMO number fails the whole batch.
    pub async fn insert_vessels(
        &mut self,
        fleet_id: FleetId,
        vessels: &[VesselProfile],
    ) -> Result<(), StorageError> {
        ensure_fleet_exists(self, fleet_id).await?;
        let now = Utc::now();
        for chunk in vessels.chunks(self.rows_per_statement(VESSEL_INSERT_BINDS, 0)) {
            let inserted = on_tx!(self, conn => {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO vessels (imo, name, ship_type, year_built, gross_tonnage, flag, \
                     class_society, company_performance, insured_value_usd, insurance_policy_id, \
                     sanctioned, banned_listed, days_in_listed_areas_12m, ais_gaps_12m, \
                     flag_changes_36m, fleet_id, created_at, updated_at) ",
                );
                insert.push_values(chunk, |mut row, v| {
                    row.push_bind(v.imo.to_string())
                        .push_bind(v.name.as_str().to_string())
                        .push_bind(v.ship_type.as_str())
                        .push_bind(i64::from(v.year_built))
                        .push_bind(i64::from(v.gross_tonnage))
                        .push_bind(v.flag.as_str().to_string())
                        .push_bind(v.class_society.as_ref().map(|c| c.as_str().to_string()))
                        .push_bind(v.company_performance.as_str())
                        .push_bind(v.insured_value_usd.value())
                        .push_bind(v.insurance_policy_id.as_ref().map(|p| p.as_str().to_string()))
                        .push_bind(v.sanctioned)
                        .push_bind(v.banned_listed)
                        .push_bind(i64::from(v.days_in_listed_areas_12m))
                        .push_bind(i64::from(v.ais_gaps_12m))
                        .push_bind(i64::from(v.flag_changes_36m))
                        .push_bind(fleet_id.as_uuid())
                        .push_bind(now)
                        .push_bind(now);
                });
                insert.build().execute(&mut *conn).await.map(|done| done.rows_affected())
            });
            match inserted {
                Err(e) if is_unique_violation(&e) => return Err(StorageError::DuplicateImo),
                other => other?,
            };
            let inspections: Vec<(Imo, &Inspection)> = chunk
                .iter()
                .flat_map(|v| v.inspections.iter().map(move |i| (v.imo, i)))
                .collect();
            insert_inspections(self, &inspections, now).await?;
            let incidents: Vec<(Imo, &Incident)> = chunk
                .iter()
                .flat_map(|v| v.incidents.iter().map(move |i| (v.imo, i)))
                .collect();
            insert_incidents(self, &incidents, now).await?;
        }
        self.mark_fleet_changed(fleet_id).await
    }

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
        on_tx!(self, conn => {
            bind_vessel_fields!(
                sqlx::query(
                    "UPDATE vessels SET name = $2, ship_type = $3, year_built = $4, \
                     gross_tonnage = $5, flag = $6, class_society = $7, company_performance = $8, \
                     insured_value_usd = $9, insurance_policy_id = $10, sanctioned = $11, \
                     banned_listed = $12, days_in_listed_areas_12m = $13, ais_gaps_12m = $14, \
                     flag_changes_36m = $15, fleet_id = $16, updated_at = $17, \
                     data_version = data_version + 1 WHERE imo = $1",
                )
                .bind(vessel.imo.to_string()),
                vessel
            )
            .bind(fleet_id.as_uuid())
            .bind(Utc::now())
            .execute(conn)
            .await?
            .rows_affected()
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

    /// The vessel with its histories and data version, read inside this transaction.
    pub async fn vessel_for_scoring(
        &mut self,
        imo: Imo,
    ) -> Result<Option<ScoringVessel>, StorageError> {
        const SQL: &str = concat!(select_vessel!(), "WHERE imo = $1");
        let row: Option<VesselRow> = on_tx!(self, conn => {
            sqlx::query_as(SQL).bind(imo.to_string()).fetch_optional(conn).await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let inspections: Vec<InspectionRow> = on_tx!(self, conn => {
            sqlx::query_as(
                "SELECT id, vessel_imo, date, regime, deficiencies, detained FROM inspections \
                 WHERE vessel_imo = $1 ORDER BY date, created_at, id",
            )
            .bind(imo.to_string())
            .fetch_all(conn)
            .await?
        });
        let incidents: Vec<IncidentRow> = on_tx!(self, conn => {
            sqlx::query_as(
                "SELECT id, vessel_imo, date, severity, kind, gross_loss_usd FROM incidents \
                 WHERE vessel_imo = $1 ORDER BY date, created_at, id",
            )
            .bind(imo.to_string())
            .fetch_all(conn)
            .await?
        });
        let data_version = row.vessel.data_version;
        let record = row.into_record(
            inspections
                .into_iter()
                .map(InspectionRecord::try_from)
                .collect::<Result<_, _>>()?,
            incidents
                .into_iter()
                .map(IncidentRecord::try_from)
                .collect::<Result<_, _>>()?,
        )?;
        Ok(Some(ScoringVessel {
            fleet_id: record.fleet_id,
            data_version,
            profile: record.profile,
        }))
    }

    /// Bumps the vessel's data version (and its fleet's); `false` when it does not exist.
    async fn mark_vessel_changed(&mut self, imo: Imo) -> Result<bool, StorageError> {
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
        const SQL: &str = concat!(select_vessel!(), "WHERE imo = $1");
        let row: Option<VesselRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL).bind(imo.to_string()).fetch_optional(pool).await?
        });
        match row {
            None => Ok(None),
            Some(row) => Ok(self.attach_histories(vec![row]).await?.pop()),
        }
    }

    /// The vessels of one fleet with their current scores, sorted and
    /// filtered to score ranges `[from, to)` (a level under the fleet's
    /// thresholds); unscored vessels sort as -1 and match no range.
    pub async fn list_fleet_vessels(
        &self,
        fleet_id: FleetId,
        order: VesselOrder,
        score_ranges: &[(Option<f64>, Option<f64>)],
        page: &PageRequest<VesselCursor>,
    ) -> Result<Page<(VesselRecord, Option<f64>)>, StorageError> {
        let rows: Vec<ScoredVesselRow> = on_pool!(self, pool => {
            let mut query = QueryBuilder::new(
                "SELECT v.imo, v.fleet_id, v.name, v.ship_type, v.year_built, v.gross_tonnage, \
                 v.flag, v.class_society, v.company_performance, v.insured_value_usd, \
                 v.insurance_policy_id, v.sanctioned, v.banned_listed, v.days_in_listed_areas_12m, \
                 v.ais_gaps_12m, v.flag_changes_36m, v.data_version, v.created_at, v.updated_at, \
                 c.score AS current_score \
                 FROM vessels v LEFT JOIN current_vessel_scores c ON c.vessel_imo = v.imo \
                 WHERE v.fleet_id = "
            );
            query.push_bind(fleet_id.as_uuid());
            if !score_ranges.is_empty() {
                query.push(" AND (");
                for (i, (from, to)) in score_ranges.iter().enumerate() {
                    if i > 0 {
                        query.push(" OR ");
                    }
                    query.push("(c.score IS NOT NULL");
                    if let Some(from) = from {
                        query.push(" AND c.score >= ").push_bind(*from);
                    }
                    if let Some(to) = to {
                        query.push(" AND c.score < ").push_bind(*to);
                    }
                    query.push(")");
                }
                query.push(")");
            }
            let key = "COALESCE(c.score, -1)";
            match (&page.after, order) {
                (None, _) => {}
                (Some(VesselCursor::Name(name, imo)), VesselOrder::Name) => {
                    query.push(" AND (v.name > ").push_bind(name.clone());
                    query.push(" OR (v.name = ").push_bind(name.clone());
                    query.push(" AND v.imo > ").push_bind(imo.clone()).push("))");
                }
                (Some(VesselCursor::Score(score, imo)), VesselOrder::ScoreAscending) => {
                    query.push(format!(" AND ({key} > ")).push_bind(*score);
                    query.push(format!(" OR ({key} = ")).push_bind(*score);
                    query.push(" AND v.imo > ").push_bind(imo.clone()).push("))");
                }
                (Some(VesselCursor::Score(score, imo)), VesselOrder::ScoreDescending) => {
                    query.push(format!(" AND ({key} < ")).push_bind(*score);
                    query.push(format!(" OR ({key} = ")).push_bind(*score);
                    query.push(" AND v.imo > ").push_bind(imo.clone()).push("))");
                }
                (Some(_), _) => return Err(StorageError::CursorMismatch),
            }
            query.push(match order {
                VesselOrder::Name => " ORDER BY v.name, v.imo",
                VesselOrder::ScoreAscending => " ORDER BY COALESCE(c.score, -1), v.imo",
                VesselOrder::ScoreDescending => " ORDER BY COALESCE(c.score, -1) DESC, v.imo",
            });
            query.push(" LIMIT ").push_bind(page.fetch_limit());
            query.build_query_as().fetch_all(pool).await?
        });
        let scores: Vec<Option<f64>> = rows.iter().map(|r| r.current_score).collect();
        let records = self
            .attach_histories(rows.into_iter().map(|r| r.vessel).collect())
            .await?;
        let items: Vec<(VesselRecord, Option<f64>)> = records.into_iter().zip(scores).collect();
        Ok(Page::from_rows(
            items,
            page.limit,
            |(v, score)| match order {
                VesselOrder::Name => VesselCursor::Name(
                    v.profile.name.as_str().to_string(),
                    v.profile.imo.to_string(),
                ),
                _ => VesselCursor::Score(score.unwrap_or(-1.0), v.profile.imo.to_string()),
            },
        ))
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

    /// Loads the histories of `rows` in two queries and builds the records.
    async fn attach_histories(
        &self,
        rows: Vec<VesselRow>,
    ) -> Result<Vec<VesselRecord>, StorageError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let imos: Vec<&str> = rows.iter().map(|r| r.vessel.imo.as_str()).collect();
        let inspection_rows: Vec<InspectionRow> = on_pool!(self, pool => {
            let mut query = QueryBuilder::new(
                "SELECT id, vessel_imo, date, regime, deficiencies, detained FROM inspections \
                 WHERE vessel_imo IN (",
            );
            let mut list = query.separated(", ");
            for imo in &imos {
                list.push_bind(*imo);
            }
            query.push(") ORDER BY vessel_imo, date, created_at, id");
            query.build_query_as().fetch_all(pool).await?
        });
        let incident_rows: Vec<IncidentRow> = on_pool!(self, pool => {
            let mut query = QueryBuilder::new(
                "SELECT id, vessel_imo, date, severity, kind, gross_loss_usd FROM incidents \
                 WHERE vessel_imo IN (",
            );
            let mut list = query.separated(", ");
            for imo in &imos {
                list.push_bind(*imo);
            }
            query.push(") ORDER BY vessel_imo, date, created_at, id");
            query.build_query_as().fetch_all(pool).await?
        });
        let mut inspections = group_by_imo(inspection_rows, |r| r.vessel_imo.clone());
        let mut incidents = group_by_imo(incident_rows, |r| r.vessel_imo.clone());
        rows.into_iter()
            .map(|row| {
                let own_inspections = inspections.remove(&row.vessel.imo).unwrap_or_default();
                let own_incidents = incidents.remove(&row.vessel.imo).unwrap_or_default();
                let own_inspections = own_inspections
                    .into_iter()
                    .map(InspectionRecord::try_from)
                    .collect::<Result<Vec<_>, _>>()?;
                let own_incidents = own_incidents
                    .into_iter()
                    .map(IncidentRecord::try_from)
                    .collect::<Result<Vec<_>, _>>()?;
                row.into_record(own_inspections, own_incidents)
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

async fn ensure_fleet_exists(tx: &mut WriteTx, fleet_id: FleetId) -> Result<(), StorageError> {
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

/// Inserts inspections with multi-row statements; returns their new ids in order.
async fn insert_inspections(
    tx: &mut WriteTx,
    rows: &[(Imo, &Inspection)],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StorageError> {
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    let rows: Vec<(Uuid, &(Imo, &Inspection))> = ids.iter().copied().zip(rows).collect();
    for chunk in rows.chunks(tx.rows_per_statement(HISTORY_BINDS, 0)) {
        on_tx!(tx, conn => {
            let mut insert = QueryBuilder::new(
                "INSERT INTO inspections (id, vessel_imo, date, regime, deficiencies, detained, created_at) ",
            );
            insert.push_values(chunk, |mut row, (id, (imo, i))| {
                row.push_bind(*id)
                    .push_bind(imo.to_string())
                    .push_bind(i.date)
                    .push_bind(i.regime.as_str())
                    .push_bind(i64::from(i.deficiencies))
                    .push_bind(i.detained)
                    .push_bind(now);
            });
            insert.build().execute(&mut *conn).await?.rows_affected()
        });
    }
    Ok(ids)
}

/// Inserts incidents with multi-row statements; returns their new ids in order.
async fn insert_incidents(
    tx: &mut WriteTx,
    rows: &[(Imo, &Incident)],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StorageError> {
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    let rows: Vec<(Uuid, &(Imo, &Incident))> = ids.iter().copied().zip(rows).collect();
    for chunk in rows.chunks(tx.rows_per_statement(HISTORY_BINDS, 0)) {
        on_tx!(tx, conn => {
            let mut insert = QueryBuilder::new(
                "INSERT INTO incidents (id, vessel_imo, date, severity, kind, gross_loss_usd, created_at) ",
            );
            insert.push_values(chunk, |mut row, (id, (imo, i))| {
                row.push_bind(*id)
                    .push_bind(imo.to_string())
                    .push_bind(i.date)
                    .push_bind(i.severity.as_str())
                    .push_bind(i.kind.as_str())
                    .push_bind(i.gross_loss_usd.value())
                    .push_bind(now);
            });
            insert.build().execute(&mut *conn).await?.rows_affected()
        });
    }
    Ok(ids)
}

/// Binds per row of a multi-row inspection or incident INSERT.
const HISTORY_BINDS: usize = 7;

/// Binds per row of the multi-row vessel INSERT.
const VESSEL_INSERT_BINDS: usize = 18;
