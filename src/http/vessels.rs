//! Vessels: create, read, update, delete, list per fleet, and history appends.
//! Every write re-scores the vessel and its fleet in the same transaction.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::AppState;
use super::auth::{Admin, Viewer};
use super::error::ApiError;
use super::extract::{JsonBody, decode_value};
use super::fleets::fleet_id;
use super::query::PageResponse;
use crate::domain::{
    FieldErrors, FleetId, Imo, IncidentInput, InspectionInput, RiskLevel, VesselInput,
    VesselProfile,
};
use crate::jobs::rescore;
use crate::storage::{IncidentRecord, InspectionRecord, VesselOrder, VesselRecord};

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

/// An IMO number from the path (`9074729` or `IMO 9074729`); one that is not
/// valid names no vessel (404).
pub fn path_imo(raw: &str) -> Result<Imo, ApiError> {
    Imo::parse(raw).map_err(|e| ApiError::not_found(format!("no vessel {raw}: {e}")))
}

fn no_vessel(imo: Imo) -> ApiError {
    ApiError::not_found(format!("no vessel with IMO number {imo}"))
}

/// Today's UTC date, the as-of date that bounds new input.
fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn object(body: Value) -> Result<Map<String, Value>, ApiError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::field("body", "must be a JSON object")),
    }
}

/// Takes `fleetId` out of a body and parses it, recording any error.
fn take_fleet_id(body: &mut Map<String, Value>, errors: &mut FieldErrors) -> Option<FleetId> {
    match body.remove("fleetId") {
        None | Some(Value::Null) => {
            errors.push("fleetId", "is required");
            None
        }
        Some(Value::String(raw)) => errors.check("fleetId", FleetId::parse(&raw)),
        Some(_) => {
            errors.push("fleetId", "must be a UUID string");
            None
        }
    }
}

/// Parses the section 1 fields of `body` and its `fleetId`, naming every bad field.
fn parse_vessel(
    state: &AppState,
    mut body: Map<String, Value>,
) -> Result<(FleetId, VesselProfile), ApiError> {
    let mut errors = FieldErrors::new();
    let fleet = take_fleet_id(&mut body, &mut errors);
    let input: VesselInput = match decode_value(Value::Object(body)) {
        Ok(input) => input,
        Err(mut shape) => {
            let mut all = errors.into_vec();
            all.append(&mut shape.errors);
            shape.errors = all;
            return Err(shape);
        }
    };
    let vessel = match input.parse(today(), &state.settings.policy_ids) {
        Ok(vessel) => Some(vessel),
        Err(vessel_errors) => {
            errors.append(vessel_errors);
            None
        }
    };
    match (fleet, vessel) {
        (Some(fleet), Some(vessel)) if errors.is_empty() => Ok((fleet, vessel)),
        _ => Err(ApiError::validation(errors)),
    }
}

pub async fn create(
    _: Admin,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    let (fleet, vessel) = parse_vessel(&state, object(body)?)?;
    let created = rescore::create_vessel(&state.jobs, fleet, &vessel).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/fleet-risk/vessels/{}", vessel.imo),
        ))
        .json(VesselResponse::from(created)))
}

pub async fn show(
    _: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let imo = path_imo(&path)?;
    match state.db.get_vessel(imo).await? {
        Some(vessel) => Ok(HttpResponse::Ok().json(VesselResponse::from(vessel))),
        None => Err(no_vessel(imo)),
    }
}

/// A JSON merge patch (RFC 7396) of the vessel's section 1 fields and `fleetId`.
/// The IMO number is the vessel's identity and histories are appended through
/// their own routes, so neither can be patched.
pub async fn update(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    let imo = path_imo(&path)?;
    let patch = object(body)?;
    let mut refused = FieldErrors::new();
    if let Some(sent) = patch.get("vesselIMO")
        && sent.as_str().and_then(|raw| Imo::parse(raw).ok()) != Some(imo)
    {
        refused.push("vesselIMO", "cannot be changed; it identifies the vessel");
    }
    for history in ["inspections", "incidents"] {
        if patch.contains_key(history) {
            refused.push(
                history,
                format!("append through POST /api/fleet-risk/vessels/{{imo}}/{history}"),
            );
        }
    }
    if !refused.is_empty() {
        return Err(refused.into());
    }
    let Some(current) = state.db.get_vessel(imo).await? else {
        return Err(no_vessel(imo));
    };
    let mut merged = match serde_json::to_value(VesselInput::from_profile(&current.profile)) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(ApiError::internal(
                &"a stored vessel did not serialize to an object",
            ));
        }
    };
    merged.remove("inspections");
    merged.remove("incidents");
    merged.insert(
        "fleetId".into(),
        Value::String(current.fleet_id.to_string()),
    );
    for (key, value) in patch {
        merged.insert(key, value);
    }
    let (fleet, mut vessel) = parse_vessel(&state, merged)?;
    vessel.inspections = current.profile.inspections;
    vessel.incidents = current.profile.incidents;
    match rescore::update_vessel(&state.jobs, fleet, &vessel).await? {
        Some(updated) => Ok(HttpResponse::Ok().json(VesselResponse::from(updated))),
        None => Err(no_vessel(imo)),
    }
}

pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let imo = path_imo(&path)?;
    if rescore::delete_vessel(&state.jobs, imo).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(no_vessel(imo))
    }
}

/// `?limit=&cursor=&sort=&level=` of a fleet's vessel list.
#[derive(Debug, Deserialize)]
pub struct FleetVesselsQuery {
    limit: Option<String>,
    cursor: Option<String>,
    sort: Option<String>,
    level: Option<String>,
}

/// A listed vessel: its fields with its current score and level (null when
/// it has no published score).
#[derive(Debug, Serialize)]
pub struct ListedVessel {
    #[serde(flatten)]
    vessel: VesselResponse,
    score: Option<f64>,
    level: Option<RiskLevel>,
}

pub async fn list_in_fleet(
    _: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<FleetVesselsQuery>,
) -> Result<HttpResponse, ApiError> {
    let fleet = fleet_id(&path)?;
    let mut errors = FieldErrors::new();
    let page = match super::query::parse_page(query.limit.as_deref(), query.cursor.as_deref()) {
        Ok(page) => Some(page),
        Err(page_errors) => {
            errors.append(page_errors);
            None
        }
    };
    let order = match query.sort.as_deref() {
        None | Some("name") => Some(VesselOrder::Name),
        Some("score") => Some(VesselOrder::ScoreAscending),
        Some("-score") => Some(VesselOrder::ScoreDescending),
        Some(_) => {
            errors.push("sort", "must be one of name, score, -score");
            None
        }
    };
    let levels = match query.level.as_deref() {
        None | Some("") => Some(Vec::new()),
        Some(raw) => raw
            .split(',')
            .map(|level| RiskLevel::parse(level.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|message| errors.push("level", format!("each level {message}")))
            .ok(),
    };
    let (Some(page), Some(order), Some(levels)) = (page, order, levels) else {
        return Err(errors.into());
    };
    if state.db.get_fleet(fleet).await?.is_none() {
        return Err(ApiError::not_found(format!("no fleet with id {fleet}")));
    }
    let thresholds = super::risk::thresholds(&state).await?;
    let fleet_thresholds = thresholds.for_fleet(fleet);
    let ranges: Vec<(Option<f64>, Option<f64>)> = levels
        .iter()
        .map(|level| {
            let (from, to) = fleet_thresholds.bounds(*level);
            (
                from.is_finite().then_some(from),
                to.is_finite().then_some(to),
            )
        })
        .collect();
    let vessels = state
        .db
        .list_fleet_vessels(fleet, order, &ranges, &page)
        .await?;
    Ok(
        HttpResponse::Ok().json(PageResponse::from(vessels.map(|(record, score)| {
            ListedVessel {
                vessel: VesselResponse::from(record),
                level: score.map(|s| fleet_thresholds.level_of(s)),
                score,
            }
        }))),
    )
}

pub async fn add_inspection(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<InspectionInput>,
) -> Result<HttpResponse, ApiError> {
    let imo = path_imo(&path)?;
    let inspection = body.parse(today())?;
    match rescore::append_inspection(&state.jobs, imo, &inspection).await? {
        Some(record) => Ok(HttpResponse::Created().json(HistoryItem::from(record))),
        None => Err(no_vessel(imo)),
    }
}

pub async fn add_incident(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<IncidentInput>,
) -> Result<HttpResponse, ApiError> {
    let imo = path_imo(&path)?;
    let incident = body.parse(today())?;
    match rescore::append_incident(&state.jobs, imo, &incident).await? {
        Some(record) => Ok(HttpResponse::Created().json(HistoryItem::from(record))),
        None => Err(no_vessel(imo)),
    }
}
