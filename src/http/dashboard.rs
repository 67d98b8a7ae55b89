//! The dashboard's first screen in one call: every fleet's score, level and
//! change since the previous book-wide run, level counts, the ten riskiest
//! vessels, and how fresh the data is.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::AppState;
use super::auth::Viewer;
use super::cache::{CachedBody, ReadKey};
use super::error::ApiError;
use crate::domain::{FleetId, Imo, RiskLevel};
use crate::jobs::ThresholdBook;
use crate::risk::LevelCounts;
use crate::storage;

/// How many vessels the top list shows.
const TOP_RISKS: i64 = 10;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DashboardFleet {
    id: FleetId,
    name: String,
    vessel_count: i64,
    score: Option<f64>,
    level: Option<RiskLevel>,
    previous_score: Option<f64>,
    /// `score - previousScore`.
    change: Option<f64>,
    calculated_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TopRisk {
    #[serde(rename = "vesselIMO")]
    vessel_imo: Imo,
    name: String,
    fleet_id: FleetId,
    fleet_name: String,
    score: f64,
    level: RiskLevel,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Freshness {
    last_run_id: Option<Uuid>,
    last_run_finished_at: Option<DateTime<Utc>>,
    last_published_at: Option<DateTime<Utc>>,
    last_data_change_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DashboardResponse {
    fleets: Vec<DashboardFleet>,
    level_counts: LevelCounts,
    unscored_vessels: i64,
    top_risks: Vec<TopRisk>,
    freshness: Freshness,
}

/// The region a dashboard user reports in `X-User-Region`, folded into a
/// small fixed set so it is safe as a metric label.
fn region_label(request: &HttpRequest) -> &'static str {
    let region = request
        .headers()
        .get("x-user-region")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match region.as_str() {
        "emea" | "europe" | "africa" | "middle_east" => "emea",
        "americas" | "north_america" | "south_america" => "americas",
        "apac" | "asia" | "oceania" => "apac",
        _ => "unknown",
    }
}

pub async fn dashboard(
    viewer: Viewer,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    state
        .metrics
        .dashboard_loaded(viewer.0.key.role.as_str(), region_label(&request));
    let cache = &state.read_cache;
    cache
        .serve(&state, &request, ReadKey::Dashboard, || render(&state))
        .await
}

/// The dashboard as of the current publication.
async fn render(state: &AppState) -> Result<CachedBody, ApiError> {
    let thresholds = ThresholdBook::load(&state.db, &state.model).await?;
    let dashboard = state
        .db
        .dashboard(&thresholds.default, &thresholds.overrides, TOP_RISKS)
        .await?;
    Ok(CachedBody::of(&DashboardResponse::from(dashboard)))
}

impl From<storage::DashboardFleet> for DashboardFleet {
    fn from(row: storage::DashboardFleet) -> Self {
        let score = row.current.map(|(score, _, _)| score);
        Self {
            id: row.fleet.id,
            name: row.fleet.name.as_str().to_string(),
            vessel_count: row.fleet.vessel_count,
            score,
            level: row.current.map(|(_, level, _)| level),
            previous_score: row.previous_score,
            change: score
                .zip(row.previous_score)
                .map(|(now, before)| now - before),
            calculated_at: row.current.map(|(_, _, at)| at),
        }
    }
}

impl From<storage::DashboardRisk> for TopRisk {
    fn from(row: storage::DashboardRisk) -> Self {
        Self {
            vessel_imo: row.imo,
            name: row.name,
            fleet_id: row.fleet_id,
            fleet_name: row.fleet_name,
            score: row.score,
            level: row.level,
        }
    }
}

impl From<storage::Dashboard> for DashboardResponse {
    fn from(dashboard: storage::Dashboard) -> Self {
        Self {
            fleets: dashboard.fleets.into_iter().map(Into::into).collect(),
            level_counts: dashboard.level_counts,
            unscored_vessels: dashboard.unscored_vessels,
            top_risks: dashboard.top_risks.into_iter().map(Into::into).collect(),
            freshness: Freshness {
                last_run_id: dashboard.last_run.as_ref().map(|r| r.id),
                last_run_finished_at: dashboard.last_run.and_then(|r| r.finished_at),
                last_published_at: dashboard.last_published_at,
                last_data_change_at: dashboard.last_data_change_at,
            },
        }
    }
}
