//! Fleets: list (with each fleet's current risk), create, read, update, delete.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::AppState;
use super::auth::{Admin, Viewer};
use super::error::ApiError;
use super::extract::{FleetPath, JsonBody};
use super::query::{PageResponse, ScoredListQuery};
use crate::domain::{FieldErrors, FleetDescription, FleetId, FleetName, JsonFields, RiskLevel};
use crate::jobs::ThresholdBook;
use crate::storage::{FleetChanges, FleetRecord, NewFleet, ScoredFleet};

/// `description` as sent: `Some(None)` for `null`, `None` when absent.
fn description(fields: &mut JsonFields<'_>) -> Option<Option<FleetDescription>> {
    fields.optional_string_as("description", FleetDescription::parse)
}

/// A `POST /fleets` body (`FleetCreate`), naming every bad field.
fn parse_new_fleet(body: &Value) -> Result<NewFleet, FieldErrors> {
    let mut fields = JsonFields::of(body)?;
    let name = fields.string_as("name", FleetName::parse);
    let description = description(&mut fields);
    let errors = fields.finish();
    match (name, description) {
        (Some(name), Some(description)) if errors.is_empty() => Ok(NewFleet {
            name,
            description: description.map(FleetDescription::into_string),
        }),
        _ => Err(errors),
    }
}

/// A `PATCH /fleets/{id}` body (`FleetUpdate`): an absent member is left
/// unchanged; `name: null` is treated as absent (a fleet always has a
/// name), `description: null` clears the description.
fn parse_fleet_changes(body: &Value) -> Result<FleetChanges, FieldErrors> {
    let mut fields = JsonFields::of(body)?;
    let name = fields.optional_string_as("name", FleetName::parse);
    let described = fields.sent("description");
    let description = description(&mut fields);
    let errors = fields.finish();
    match (name, description) {
        (Some(name), Some(description)) if errors.is_empty() => Ok(FleetChanges {
            name,
            description: described.then(|| description.map(FleetDescription::into_string)),
        }),
        _ => Err(errors),
    }
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

fn no_fleet(id: FleetId) -> ApiError {
    ApiError::not_found(format!("no fleet with id {id}"))
}

/// A listed fleet: its fields with its current published score, that
/// score's level under the fleet's thresholds in force, and when it was
/// published (all three null while it has no published score).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListedFleet {
    #[serde(flatten)]
    fleet: FleetResponse,
    score: Option<f64>,
    level: Option<RiskLevel>,
    calculated_at: Option<DateTime<Utc>>,
}

impl ListedFleet {
    fn cut(listed: ScoredFleet, thresholds: &ThresholdBook) -> Self {
        let score = listed.current.map(|(score, _)| score);
        Self {
            level: score.map(|s| thresholds.for_fleet(listed.fleet.id).level_of(s)),
            calculated_at: listed.current.map(|(_, at)| at),
            score,
            fleet: FleetResponse::from(listed.fleet),
        }
    }
}

/// The fleets with their current risk, sorted, filtered to levels and paged
/// as a fleet's vessel list is.
pub async fn list(
    _: Viewer,
    state: web::Data<AppState>,
    query: web::Query<ScoredListQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.parse()?;
    let thresholds = ThresholdBook::load(&state.db, &state.model).await?;
    let page = state
        .db
        .list_fleets(
            request.order,
            &request.levels,
            (&thresholds.default, &thresholds.overrides),
            &request.page,
        )
        .await?;
    Ok(HttpResponse::Ok().json(PageResponse::from(
        page.map(|listed| ListedFleet::cut(listed, &thresholds)),
    )))
}

pub async fn create(
    _: Admin,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let fleet = parse_new_fleet(&body)?;
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
        None => Err(no_fleet(id)),
    }
}

pub async fn update(
    _: Admin,
    state: web::Data<AppState>,
    path: FleetPath,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let id = path.fleet()?;
    let changes = parse_fleet_changes(&body)?;
    match state.db.update_fleet(id, &changes).await? {
        Some(fleet) => Ok(HttpResponse::Ok().json(FleetResponse::from(fleet))),
        None => Err(no_fleet(id)),
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
        Err(no_fleet(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(errors: FieldErrors) -> Vec<String> {
        errors.iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn a_new_fleet_names_every_bad_field() {
        let errors =
            parse_new_fleet(&json!({"description": "a\u{0}b", "region": "EU"})).unwrap_err();
        assert_eq!(fields(errors), ["name", "description", "region"]);
        let errors = parse_new_fleet(&json!(["name", "desc"])).unwrap_err();
        assert_eq!(errors.iter().next().unwrap().message, "must be an object");
        let fleet = parse_new_fleet(&json!({"name": " A ", "description": null})).unwrap();
        assert_eq!((fleet.name.as_str(), fleet.description), ("A", None));
    }

    #[test]
    fn a_null_name_is_absent_and_a_null_description_clears() {
        let changes = parse_fleet_changes(&json!({"name": null, "description": null})).unwrap();
        assert_eq!(changes.name, None);
        assert_eq!(changes.description, Some(None));
        let untouched = parse_fleet_changes(&json!({})).unwrap();
        assert_eq!(untouched.description, None);
        let errors = parse_fleet_changes(&json!({"name": 7, "description": 1})).unwrap_err();
        assert_eq!(fields(errors), ["name", "description"]);
    }
}
