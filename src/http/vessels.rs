//! Vessels: create, read, update, delete, list per fleet, and history appends.
//! Every write re-scores the vessel and its fleet in the same transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::AppState;
use super::auth::{Admin, Viewer};
use super::error::ApiError;
use super::extract::{FleetPath, ImoPath, JsonBody};
use super::query::{PageResponse, ScoredListQuery};
use super::vessel_response::{HistoryItem, VesselResponse};
use crate::domain::{
    FieldErrors, FleetId, Imo, RiskLevel, VesselInput, VesselPatch, VesselProfile, parse_incident,
    parse_inspection, parse_vessel,
};
use crate::jobs::{ThresholdBook, rescore};

/// `item` as JSON with `status`, or the 404 of a vessel that does not exist.
fn vessel_answer<T: Serialize>(
    imo: Imo,
    item: Option<T>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let item = item.ok_or_else(|| no_vessel(imo))?;
    Ok(HttpResponse::build(status).json(item))
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
        _ => Err(ApiError::field("body", "must be an object")),
    }
}

/// Parses the `fleetId` member of a body, recording any error.
fn parse_fleet_id(member: Option<&Value>, errors: &mut FieldErrors) -> Option<FleetId> {
    match member {
        None | Some(Value::Null) => {
            errors.push("fleetId", "is required");
            None
        }
        Some(Value::String(raw)) => errors.check("fleetId", FleetId::parse(raw)),
        Some(_) => {
            errors.push("fleetId", "must be a UUID string");
            None
        }
    }
}

/// Parses a written vessel: its fleet (as parsed into `errors`) and its
/// section 1 fields, naming every bad field, the fleet's first.
fn parse_vessel_body(
    state: &AppState,
    mut errors: FieldErrors,
    fleet: Option<FleetId>,
    vessel: &Value,
) -> Result<(FleetId, VesselProfile), ApiError> {
    let vessel = match parse_vessel(vessel, today(), &state.settings.policy_ids) {
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
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut body = object(body)?;
    let mut errors = FieldErrors::new();
    let fleet = parse_fleet_id(body.remove("fleetId").as_ref(), &mut errors);
    let (fleet, vessel) = parse_vessel_body(&state, errors, fleet, &Value::Object(body))?;
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
    path: ImoPath,
) -> Result<HttpResponse, ApiError> {
    let imo = path.imo()?;
    let vessel = state.db.get_vessel(imo).await?;
    vessel_answer(imo, vessel.map(VesselResponse::from), StatusCode::OK)
}

/// A JSON merge patch (RFC 7396) of the vessel's section 1 fields and
/// `fleetId`; [`VesselPatch`] says what it may change.
pub async fn update(
    _: Admin,
    state: web::Data<AppState>,
    path: ImoPath,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let imo = path.imo()?;
    let patch = VesselPatch::parse(imo, object(body)?)?;
    let Some(current) = state.db.get_vessel(imo).await? else {
        return Err(no_vessel(imo));
    };
    let mut errors = FieldErrors::new();
    let fleet = match patch.fleet_id() {
        None => Some(current.fleet_id),
        member => parse_fleet_id(member, &mut errors),
    };
    let merged = patch.apply(&VesselInput::from_profile(&current.profile));
    let (fleet, vessel) = parse_vessel_body(&state, errors, fleet, &merged)?;
    let updated = rescore::update_vessel(&state.jobs, fleet, &vessel).await?;
    vessel_answer(imo, updated.map(VesselResponse::from), StatusCode::OK)
}

pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    path: ImoPath,
) -> Result<HttpResponse, ApiError> {
    let imo = path.imo()?;
    if rescore::delete_vessel(&state.jobs, imo).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(no_vessel(imo))
    }
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
    path: FleetPath,
    query: web::Query<ScoredListQuery>,
) -> Result<HttpResponse, ApiError> {
    let fleet = path.fleet()?;
    let request = query.parse()?;
    if state.db.get_fleet(fleet).await?.is_none() {
        return Err(ApiError::not_found(format!("no fleet with id {fleet}")));
    }
    let thresholds = ThresholdBook::load(&state.db, &state.model).await?;
    let fleet_thresholds = thresholds.for_fleet(fleet);
    let vessels = state
        .db
        .list_fleet_vessels(
            fleet,
            request.order,
            &request.levels,
            fleet_thresholds,
            &request.page,
        )
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
    path: ImoPath,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let imo = path.imo()?;
    let inspection = parse_inspection(&body, today())?;
    let stored = rescore::append_inspection(&state.jobs, imo, &inspection).await?;
    vessel_answer(imo, stored.map(HistoryItem::from), StatusCode::CREATED)
}

pub async fn add_incident(
    _: Admin,
    state: web::Data<AppState>,
    path: ImoPath,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let imo = path.imo()?;
    let incident = parse_incident(&body, today())?;
    let stored = rescore::append_incident(&state.jobs, imo, &incident).await?;
    vessel_answer(imo, stored.map(HistoryItem::from), StatusCode::CREATED)
}
