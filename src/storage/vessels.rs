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
struct VesselRow {
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
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
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

fn stored_count(column: &str, value: i64) -> Result<u32, StorageError> {
    u32::try_from(value).map_err(|_| StorageError::CorruptRow(format!("{column}: {value}")))
}

fn stored_imo(raw: &str) -> Result<Imo, StorageError> {
    Imo::parse(raw).map_err(|e| StorageError::CorruptRow(format!("imo {raw}: {e}")))
}

impl VesselRow {
    fn into_record(
        self,
        inspections: Vec<InspectionRecord>,
        incidents: Vec<IncidentRecord>,
    ) -> Result<VesselRecord, StorageError> {
        let profile = VesselProfile {
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
            inspections: inspections.iter().map(|r| r.inspection.clone()).collect(),
            incidents: incidents.iter().map(|r| r.incident.clone()).collect(),
        };
        Ok(VesselRecord {
            fleet_id: FleetId::from_uuid(self.fleet_id),
            profile,
            inspection_ids: inspections.iter().map(|r| r.id).collect(),
            incident_ids: incidents.iter().map(|r| r.id).collect(),
            created_at: self.created_at,
            updated_at: self.updated_at,
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
         days_in_listed_areas_12m, ais_gaps_12m, flag_changes_36m, created_at, updated_at \
         FROM vessels "
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

impl Database {
    /// Stores a new vessel with its histories, all or nothing.
    pub async fn insert_vessel(
        &self,
        fleet_id: FleetId,
        vessel: &VesselProfile,
    ) -> Result<VesselRecord, StorageError> {
        let mut tx = self.begin_write().await?;
        ensure_fleet_exists(&mut tx, fleet_id).await?;
        let now = Utc::now();
        let inserted = on_tx!(&mut tx, conn => {
            bind_vessel_fields!(
                sqlx::query(
                    "INSERT INTO vessels (imo, name, ship_type, year_built, gross_tonnage, flag, \
                     class_society, company_performance, insured_value_usd, insurance_policy_id, \
                     sanctioned, banned_listed, days_in_listed_areas_12m, ais_gaps_12m, \
                     flag_changes_36m, fleet_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)",
                )
                .bind(vessel.imo.to_string()),
                vessel
            )
            .bind(fleet_id.as_uuid())
            .bind(now)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
        });
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(StorageError::DuplicateImo),
            other => other?,
        };
        for inspection in &vessel.inspections {
            insert_inspection(&mut tx, vessel.imo, inspection, now).await?;
        }
        for incident in &vessel.incidents {
            insert_incident(&mut tx, vessel.imo, incident, now).await?;
        }
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

    /// Replaces the vessel's scalar risk inputs and fleet; its histories stay.
    /// `None` when no such vessel.
    pub async fn update_vessel(
        &self,
        fleet_id: FleetId,
        vessel: &VesselProfile,
    ) -> Result<Option<VesselRecord>, StorageError> {
        let mut tx = self.begin_write().await?;
        ensure_fleet_exists(&mut tx, fleet_id).await?;
        let updated = on_tx!(&mut tx, conn => {
            bind_vessel_fields!(
                sqlx::query(
                    "UPDATE vessels SET name = $2, ship_type = $3, year_built = $4, \
                     gross_tonnage = $5, flag = $6, class_society = $7, company_performance = $8, \
                     insured_value_usd = $9, insurance_policy_id = $10, sanctioned = $11, \
                     banned_listed = $12, days_in_listed_areas_12m = $13, ais_gaps_12m = $14, \
                     flag_changes_36m = $15, fleet_id = $16, updated_at = $17 WHERE imo = $1",
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
        if updated == 0 {
            return Ok(None);
        }
        tx.commit().await?;
        self.get_vessel(vessel.imo).await
    }

    /// Deletes a vessel and its histories; `false` when no such vessel.
    pub async fn delete_vessel(&self, imo: Imo) -> Result<bool, StorageError> {
        let mut tx = self.begin_write().await?;
        let deleted = on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM vessels WHERE imo = $1")
                .bind(imo.to_string())
                .execute(conn)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(deleted == 1)
    }

    /// The vessels of one fleet by name, then IMO.
    pub async fn list_fleet_vessels(
        &self,
        fleet_id: FleetId,
        page: &PageRequest<(String, String)>,
    ) -> Result<Page<VesselRecord>, StorageError> {
        const SQL: &str = concat!(
            select_vessel!(),
            "WHERE fleet_id = $1 \
             AND (CAST($2 AS TEXT) IS NULL OR name > $2 OR (name = $2 AND imo > $3)) \
             ORDER BY name, imo LIMIT $4"
        );
        let (after_name, after_imo) = page.after.clone().unzip();
        let rows: Vec<VesselRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(fleet_id.as_uuid())
                .bind(after_name.as_deref())
                .bind(after_imo.as_deref())
                .bind(page.fetch_limit())
                .fetch_all(pool)
                .await?
        });
        let records = self.attach_histories(rows).await?;
        Ok(Page::from_rows(records, page.limit, |v| {
            (
                v.profile.name.as_str().to_string(),
                v.profile.imo.to_string(),
            )
        }))
    }

    /// Appends one inspection; `None` when no such vessel.
    pub async fn append_inspection(
        &self,
        imo: Imo,
        inspection: &Inspection,
    ) -> Result<Option<InspectionRecord>, StorageError> {
        let mut tx = self.begin_write().await?;
        if !touch_vessel(&mut tx, imo).await? {
            return Ok(None);
        }
        let id = insert_inspection(&mut tx, imo, inspection, Utc::now()).await?;
        tx.commit().await?;
        Ok(Some(InspectionRecord {
            id,
            vessel_imo: imo,
            inspection: inspection.clone(),
        }))
    }

    /// Appends one incident; `None` when no such vessel.
    pub async fn append_incident(
        &self,
        imo: Imo,
        incident: &Incident,
    ) -> Result<Option<IncidentRecord>, StorageError> {
        let mut tx = self.begin_write().await?;
        if !touch_vessel(&mut tx, imo).await? {
            return Ok(None);
        }
        let id = insert_incident(&mut tx, imo, incident, Utc::now()).await?;
        tx.commit().await?;
        Ok(Some(IncidentRecord {
            id,
            vessel_imo: imo,
            incident: incident.clone(),
        }))
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
        let imos: Vec<&str> = rows.iter().map(|r| r.imo.as_str()).collect();
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
                let own_inspections = inspections.remove(&row.imo).unwrap_or_default();
                let own_incidents = incidents.remove(&row.imo).unwrap_or_default();
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

/// Marks the vessel as changed now; `false` when it does not exist.
async fn touch_vessel(tx: &mut WriteTx, imo: Imo) -> Result<bool, StorageError> {
    let updated = on_tx!(tx, conn => {
        sqlx::query("UPDATE vessels SET updated_at = $2 WHERE imo = $1")
            .bind(imo.to_string())
            .bind(Utc::now())
            .execute(conn)
            .await?
            .rows_affected()
    });
    Ok(updated == 1)
}

async fn insert_inspection(
    tx: &mut WriteTx,
    imo: Imo,
    inspection: &Inspection,
    now: DateTime<Utc>,
) -> Result<Uuid, StorageError> {
    let id = Uuid::now_v7();
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO inspections (id, vessel_imo, date, regime, deficiencies, detained, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(imo.to_string())
        .bind(inspection.date)
        .bind(inspection.regime.as_str())
        .bind(i64::from(inspection.deficiencies))
        .bind(inspection.detained)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected()
    });
    Ok(id)
}

async fn insert_incident(
    tx: &mut WriteTx,
    imo: Imo,
    incident: &Incident,
    now: DateTime<Utc>,
) -> Result<Uuid, StorageError> {
    let id = Uuid::now_v7();
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO incidents (id, vessel_imo, date, severity, kind, gross_loss_usd, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(imo.to_string())
        .bind(incident.date)
        .bind(incident.severity.as_str())
        .bind(incident.kind.as_str())
        .bind(incident.gross_loss_usd.value())
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected()
    });
    Ok(id)
}
