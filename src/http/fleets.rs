//! Fleets: list, create, read, update, delete.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use validator::Validate;

use super::AppState;
use super::auth::{Admin, Viewer};
use super::error::ApiError;
use super::extract::{FleetPath, JsonBody, validated};
use super::query::{ListQuery, PageResponse};
use crate::domain::{FieldErrors, FleetId, FleetName};
use crate::storage::{FleetChanges, FleetRecord, NewFleet};

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateFleetRequest {
    #[validate(length(min = 1, max = 120, message = "must be 1 to 120 characters"))]
    name: String,
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    description: Option<String>,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateFleetRequest {
    /// Absent: unchanged; `null` is refused (a fleet always has a name).
    #[serde(default, deserialize_with = "present")]
    #[validate(length(min = 1, max = 120, message = "must be 1 to 120 characters"))]
    name: Option<Option<String>>,
    /// Absent: unchanged; `null`: cleared.
    #[serde(default, deserialize_with = "present")]
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    description: Option<Option<String>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetResponse {
    id: FleetId,
    name: FleetName,
    description: Option<String>,
    vessel_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<FleetRecord> for FleetResponse {
    fn from(fleet: FleetRecord) -> Self {
        Self {
            id: fleet.id,
            name: fleet.name,
            description: fleet.description,
            vessel_count: fleet.vessel_count,
            created_at: fleet.created_at,
            updated_at: fleet.updated_at,
        }
    }
}

fn fleet_name(raw: &str) -> Result<FleetName, ApiError> {
    FleetName::parse(raw).map_err(|message| {
        let mut errors = FieldErrors::new();
        errors.push("name", message);
        errors.into()
    })
}

pub async fn list(
    _: Viewer,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state.db.list_fleets(&query.page()?).await?;
    Ok(HttpResponse::Ok().json(PageResponse::from(page.map(FleetResponse::from))))
}

pub async fn create(
    _: Admin,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<CreateFleetRequest>,
) -> Result<HttpResponse, ApiError> {
    validated(&body)?;
    let fleet = NewFleet {
        name: fleet_name(&body.name)?,
        description: body.description,
    };
    let created = state.db.create_fleet(&fleet).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/fleet-risk/fleets/{}", created.id)))
        .json(FleetResponse::from(created)))
}

pub async fn show(
    _: Viewer,
    state: web::Data<AppState>,
    path: FleetPath,
) -> Result<HttpResponse, ApiError> {
    let id = path.fleet()?;
    match state.db.get_fleet(id).await? {
        Some(fleet) => Ok(HttpResponse::Ok().json(FleetResponse::from(fleet))),
        None => Err(ApiError::not_found(format!("no fleet with id {id}"))),
    }
}

pub async fn update(
    _: Admin,
    state: web::Data<AppState>,
    path: FleetPath,
    JsonBody(body): JsonBody<UpdateFleetRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.fleet()?;
    validated(&body)?;
    let name = match body.name {
        None => None,
        Some(None) => return Err(ApiError::field("name", "cannot be null")),
        Some(Some(raw)) => Some(fleet_name(&raw)?),
    };
    let changes = FleetChanges {
        name,
        description: body.description,
    };
    match state.db.update_fleet(id, &changes).await? {
        Some(fleet) => Ok(HttpResponse::Ok().json(FleetResponse::from(fleet))),
        None => Err(ApiError::not_found(format!("no fleet with id {id}"))),
    }
}

pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    path: FleetPath,
) -> Result<HttpResponse, ApiError> {
    let id = path.fleet()?;
    if state.db.delete_fleet(id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(format!("no fleet with id {id}")))
    }
}
