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
struct Dashboard {
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
    let fleets = state.db.all_fleets().await?;
    let mut rows = Vec::with_capacity(fleets.len());
    let mut level_counts = LevelCounts::default();
    let mut scored_vessels: u64 = 0;
    for fleet in &fleets {
        let fleet_thresholds = thresholds.for_fleet(fleet.id);
        let current = state.db.current_fleet_score(fleet.id).await?;
        let previous = match current {
            Some((_, calculated_at)) => {
                state
                    .db
                    .previous_fleet_score(fleet.id, calculated_at)
                    .await?
            }
            None => None,
        };
        let counts = state
            .db
            .fleet_level_counts(fleet.id, fleet_thresholds)
            .await?;
        for (total, count) in [
            (&mut level_counts.low, counts.low),
            (&mut level_counts.medium, counts.medium),
            (&mut level_counts.high, counts.high),
            (&mut level_counts.critical, counts.critical),
        ] {
            *total += count;
            scored_vessels += count;
        }
        let score = current.map(|(score, _)| score);
        rows.push(DashboardFleet {
            id: fleet.id,
            name: fleet.name.as_str().to_string(),
            vessel_count: fleet.vessel_count,
            score,
            level: score.map(|s| fleet_thresholds.level_of(s)),
            previous_score: previous,
            change: score.zip(previous).map(|(now, before)| now - before),
            calculated_at: current.map(|(_, at)| at),
        });
    }
    let total_vessels: i64 = fleets.iter().map(|f| f.vessel_count).sum();

    let top_risks = state
        .db
        .top_scores(TOP_RISKS)
        .await?
        .into_iter()
        .map(|(imo, name, fleet, score)| TopRisk {
            vessel_imo: imo,
            name,
            fleet_id: fleet,
            fleet_name: fleets
                .iter()
                .find(|f| f.id == fleet)
                .map(|f| f.name.as_str().to_string())
                .unwrap_or_default(),
            score,
            level: thresholds.for_fleet(fleet).level_of(score),
        })
        .collect();

    let last_run = state.db.latest_published_book_run().await?;
    let last_published_at = state.db.latest_publication_at().await?;
    let freshness = Freshness {
        last_run_id: last_run.as_ref().map(|r| r.id),
        last_run_finished_at: last_run.and_then(|r| r.finished_at),
        last_published_at,
        last_data_change_at: state.db.latest_vessel_change_at().await?,
    };
    Ok(CachedBody::of(&Dashboard {
        fleets: rows,
        level_counts,
        unscored_vessels: (total_vessels - scored_vessels as i64).max(0),
        top_risks,
        freshness,
    }))
}
