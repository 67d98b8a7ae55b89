//! Risk thresholds: the default and per-fleet overrides (risk-model.md
//! section 4). A change re-levels published scores at once (levels are cut
//! at read time) and is recorded with who made it.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::AppState;
use super::auth::{Admin, Viewer};
use super::error::ApiError;
use super::extract::{FleetPath, JsonBody, validated};
use crate::domain::{FleetId, RiskThresholds};
use crate::storage::ThresholdScope;

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsBody {
    #[validate(range(min = 0.0, max = 100.0, message = "must be from 0 to 100"))]
    medium: f64,
    #[validate(range(min = 0.0, max = 100.0, message = "must be from 0 to 100"))]
    high: f64,
    #[validate(range(min = 0.0, max = 100.0, message = "must be from 0 to 100"))]
    critical: f64,
}

/// Where the thresholds in force come from.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum Source {
    /// The model file's defaults (nothing configured).
    Model,
    /// The configured default.
    Default,
    /// This fleet's override.
    Fleet,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ThresholdsResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    fleet_id: Option<FleetId>,
    medium: f64,
    high: f64,
    critical: f64,
    source: Source,
    updated_at: Option<DateTime<Utc>>,
    updated_by: Option<String>,
}

fn parse(body: &ThresholdsBody) -> Result<RiskThresholds, ApiError> {
    validated(body)?;
    Ok(RiskThresholds::new(body.medium, body.high, body.critical)?)
}

async fn in_force(
    state: &AppState,
    fleet: Option<FleetId>,
) -> Result<ThresholdsResponse, ApiError> {
    let own = match fleet {
        Some(id) => {
            state
                .db
                .stored_thresholds(ThresholdScope::Fleet(id))
                .await?
        }
        None => None,
    };
    let (stored, source) = match own {
        Some(stored) => (Some(stored), Source::Fleet),
        None => match state.db.stored_thresholds(ThresholdScope::Default).await? {
            Some(stored) => (Some(stored), Source::Default),
            None => (None, Source::Model),
        },
    };
    let thresholds = stored
        .as_ref()
        .map_or_else(|| state.model.thresholds(), |s| s.thresholds);
    Ok(ThresholdsResponse {
        fleet_id: fleet,
        medium: thresholds.medium(),
        high: thresholds.high(),
        critical: thresholds.critical(),
        source,
        updated_at: stored.as_ref().map(|s| s.updated_at),
        updated_by: stored.map(|s| s.updated_by),
    })
}

/// Who made a change, as recorded: the key's name and id.
fn changed_by(admin: &Admin) -> String {
    format!("{} ({})", admin.0.key.name, admin.0.key.id)
}

async fn existing_fleet(state: &AppState, path: &FleetPath) -> Result<FleetId, ApiError> {
    let fleet = path.fleet()?;
    match state.db.get_fleet(fleet).await? {
        Some(_) => Ok(fleet),
        None => Err(ApiError::not_found(format!("no fleet with id {fleet}"))),
    }
}

pub async fn get_default(_: Viewer, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(in_force(&state, None).await?))
}

pub async fn put_default(
    admin: Admin,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<ThresholdsBody>,
) -> Result<HttpResponse, ApiError> {
    let thresholds = parse(&body)?;
    state
        .db
        .set_thresholds(
            ThresholdScope::Default,
            Some(&thresholds),
            &changed_by(&admin),
        )
        .await?;
    Ok(HttpResponse::Ok().json(in_force(&state, None).await?))
}

pub async fn get_fleet(
    _: Viewer,
    state: web::Data<AppState>,
    path: FleetPath,
) -> Result<HttpResponse, ApiError> {
    let fleet = existing_fleet(&state, &path).await?;
    Ok(HttpResponse::Ok().json(in_force(&state, Some(fleet)).await?))
}

pub async fn put_fleet(
    admin: Admin,
    state: web::Data<AppState>,
    path: FleetPath,
    JsonBody(body): JsonBody<ThresholdsBody>,
) -> Result<HttpResponse, ApiError> {
    let fleet = existing_fleet(&state, &path).await?;
    let thresholds = parse(&body)?;
    state
        .db
        .set_thresholds(
            ThresholdScope::Fleet(fleet),
            Some(&thresholds),
            &changed_by(&admin),
        )
        .await?;
    Ok(HttpResponse::Ok().json(in_force(&state, Some(fleet)).await?))
}

/// Removes the fleet's override; the default applies again.
pub async fn delete_fleet(
    admin: Admin,
    state: web::Data<AppState>,
    path: FleetPath,
) -> Result<HttpResponse, ApiError> {
    let fleet = existing_fleet(&state, &path).await?;
    if state
        .db
        .set_thresholds(ThresholdScope::Fleet(fleet), None, &changed_by(&admin))
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(format!(
            "fleet {fleet} has no threshold override"
        )))
    }
}
