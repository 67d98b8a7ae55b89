//! Published risk: a vessel's assessment and history, a fleet's aggregate,
//! and the fleet loss simulation. Levels are cut with the thresholds in
//! force now, so a threshold change shows at once without re-scoring.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AppState;
use super::auth::{Underwriter, Viewer};
use super::cache::{CachedBody, ReadKey, json_with_etag};
use super::error::ApiError;
use super::extract::{FleetPath, ImoPath};
use super::query::{ListQuery, PageResponse};
use super::score_history::ScoreHistoryItem;
use crate::domain::{FieldErrors, FleetId};
use crate::jobs::ThresholdBook;
use crate::risk::{
    Assessment, FleetAggregate, LossExposure, SimulationSummary, relevel, simulate_fleet,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublishedVesselRisk {
    #[serde(flatten)]
    assessment: Assessment,
    run_id: Uuid,
    calculated_at: DateTime<Utc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublishedFleetRisk {
    fleet_id: FleetId,
    #[serde(flatten)]
    aggregate: FleetAggregate,
    run_id: Uuid,
    calculated_at: DateTime<Utc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FleetSimulation {
    fleet_id: FleetId,
    vessel_count: usize,
    #[serde(flatten)]
    summary: SimulationSummary,
}

pub async fn vessel_risk(
    _: Viewer,
    state: web::Data<AppState>,
    path: ImoPath,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let imo = path.imo()?;
    let cache = &state.read_cache;
    cache
        .serve(&state, &request, ReadKey::VesselRisk(imo), || async {
            let Some(published) = state.db.current_vessel_assessment(imo).await? else {
                return Err(if state.db.vessel_exists(imo).await? {
                    ApiError::not_found(format!("vessel {imo} has no published score yet"))
                } else {
                    ApiError::not_found(format!("no vessel with IMO number {imo}"))
                });
            };
            let mut assessment = published.assessment;
            assessment.level = ThresholdBook::load(&state.db, &state.model)
                .await?
                .for_fleet(published.fleet_id)
                .level_of(assessment.score);
            Ok(CachedBody::of(&PublishedVesselRisk {
                assessment,
                run_id: published.run_id,
                calculated_at: published.calculated_at,
            }))
        })
        .await
}

pub async fn vessel_risk_history(
    _: Viewer,
    state: web::Data<AppState>,
    path: ImoPath,
    query: web::Query<ListQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let imo = path.imo()?;
    let page = query.page()?;
    if !state.db.vessel_exists(imo).await? {
        return Err(ApiError::not_found(format!(
            "no vessel with IMO number {imo}"
        )));
    }
    let history = state.db.vessel_score_history(imo, &page).await?;
    let history = PageResponse::from(history.map(ScoreHistoryItem::from));
    Ok(json_with_etag(&request, &history))
}

pub async fn fleet_risk(
    _: Viewer,
    state: web::Data<AppState>,
    path: FleetPath,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let fleet = path.fleet()?;
    let cache = &state.read_cache;
    cache
        .serve(&state, &request, ReadKey::FleetRisk(fleet), || async {
            if state.db.get_fleet(fleet).await?.is_none() {
                return Err(ApiError::not_found(format!("no fleet with id {fleet}")));
            }
            let Some(published) = state.db.current_fleet_aggregate(fleet).await? else {
                return Err(ApiError::not_found(format!(
                    "fleet {fleet} has no published score yet"
                )));
            };
            let mut aggregate = published.aggregate;
            let members = state.db.fleet_member_scores(fleet).await?;
            let thresholds = *ThresholdBook::load(&state.db, &state.model)
                .await?
                .for_fleet(fleet);
            // O(fleet size): CPU work, so on the compute pool.
            let aggregate = state
                .compute
                .run(move || {
                    relevel(&mut aggregate, &members, &thresholds);
                    aggregate
                })
                .await?;
            Ok(CachedBody::of(&PublishedFleetRisk {
                fleet_id: fleet,
                aggregate,
                run_id: published.run_id,
                calculated_at: published.calculated_at,
            }))
        })
        .await
}

#[derive(Debug, Deserialize)]
pub struct SimulationQuery {
    years: Option<String>,
    seed: Option<String>,
}

/// Default simulated years (risk-model.md section 9).
const DEFAULT_YEARS: u32 = 100_000;

pub async fn fleet_simulation(
    _: Underwriter,
    state: web::Data<AppState>,
    path: FleetPath,
    query: web::Query<SimulationQuery>,
) -> Result<HttpResponse, ApiError> {
    let fleet = path.fleet()?;
    let max_years = state.settings.simulation_max_years;
    let mut errors = FieldErrors::new();
    let years = match query.years.as_deref() {
        None => Some(DEFAULT_YEARS.min(max_years)),
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if (1..=max_years).contains(&n) => Some(n),
            _ => {
                errors.push("years", format!("must be an integer from 1 to {max_years}"));
                None
            }
        },
    };
    let seed = match query.seed.as_deref() {
        None => Some(1),
        Some(raw) => errors.check(
            "seed",
            raw.parse::<u64>()
                .map_err(|_| "must be an unsigned integer"),
        ),
    };
    let (Some(years), Some(seed)) = (years, seed) else {
        return Err(errors.into());
    };
    if state.db.get_fleet(fleet).await?.is_none() {
        return Err(ApiError::not_found(format!("no fleet with id {fleet}")));
    }
    let exposures: Vec<LossExposure> = state
        .db
        .fleet_exposures(fleet)
        .await?
        .into_iter()
        .map(|(lambda, insured_value_usd)| LossExposure {
            lambda,
            insured_value_usd,
        })
        .collect();
    let vessel_count = exposures.len();
    let model = state.model.clone();
    let summary = state
        .compute
        .run(move || simulate_fleet(&model, &exposures, years, seed))
        .await?;
    Ok(HttpResponse::Ok().json(FleetSimulation {
        fleet_id: fleet,
        vessel_count,
        summary,
    }))
}
