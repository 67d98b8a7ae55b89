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
use super::error::{ApiError, ErrorCode};
use super::flags::{ContextQuery, flag_set};
use super::metrics;
use crate::domain::{FleetId, Imo, RiskLevel, Role};
use crate::flags::{EvaluationContext, FLEET_RISK_DASHBOARD, FlagKey, evaluate};
use crate::jobs::ThresholdBook;
use crate::risk::LevelCounts;
use crate::storage::{self, RunRecord};

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

/// How fresh the published data is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Freshness {
    last_run_id: Option<Uuid>,
    last_run_finished_at: Option<DateTime<Utc>>,
    /// When the scores in force were published: the last book-wide run (the
    /// age of the oldest score in force; the one-vessel re-score of an edit
    /// does not make the book fresh). The `risk_scores` freshness gauge's.
    last_published_at: Option<DateTime<Utc>>,
    /// When a vessel last changed. The `vessel_data` freshness gauge's.
    last_data_change_at: Option<DateTime<Utc>>,
}

impl Freshness {
    /// From the last book-wide run and [`metrics::changed_at`], the one
    /// definition of when each kind of data last changed.
    fn new(last_run: Option<RunRecord>, changed_at: &[(&str, Option<DateTime<Utc>>)]) -> Self {
        let changed = |data_type: &str| {
            changed_at
                .iter()
                .find(|(kind, _)| *kind == data_type)
                .and_then(|(_, at)| *at)
        };
        Self {
            last_run_id: last_run.as_ref().map(|run| run.id),
            last_run_finished_at: last_run.and_then(|run| run.finished_at),
            last_published_at: changed("risk_scores"),
            last_data_change_at: changed("vessel_data"),
        }
    }
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
    who: web::Query<ContextQuery>,
) -> Result<HttpResponse, ApiError> {
    // Parsed for every role, so a bad `userId`, `groups` or `region` is 422
    // whoever sends it, though only viewers are gated by the flag.
    let context = who.context()?;
    if viewer.0.key.role == Role::Viewer {
        gate(&state, &context).await?;
    }
    let started = std::time::Instant::now();
    state
        .metrics
        .dashboard_loaded(viewer.0.key.role.as_str(), region_label(&request));
    let cache = &state.read_cache;
    let response = cache
        .serve(&state, &request, ReadKey::Dashboard, || render(&state))
        .await;
    state.jobs.rollout_guard.dashboard_loaded(
        &state.jobs,
        started.elapsed(),
        std::time::Instant::now(),
    );
    response
}

/// Viewers see the dashboard when `fleetRiskDashboard` is on for them
/// (their `userId`, `groups` and `region`, as for `/api/flags`), from the
/// flag cache; a missing flag gates nothing.
async fn gate(state: &AppState, context: &EvaluationContext) -> Result<(), ApiError> {
    let set = flag_set(state).await?;
    let key = FlagKey::parse(FLEET_RISK_DASHBOARD).expect("the dashboard flag's key parses");
    match set.get(&key) {
        Some(flag) if !evaluate(&key, &flag.rules, context, Utc::now()).value => {
            Err(ApiError::new(
                ErrorCode::FeatureDisabled,
                "the dashboard is not enabled for this user yet (fleetRiskDashboard)",
            ))
        }
        _ => Ok(()),
    }
}

/// The dashboard as of the current publication.
async fn render(state: &AppState) -> Result<CachedBody, ApiError> {
    let thresholds = ThresholdBook::load(&state.db, &state.model).await?;
    let (dashboard, vessel_change) = tokio::try_join!(
        state
            .db
            .dashboard(&thresholds.default, &thresholds.overrides, TOP_RISKS),
        state.db.latest_vessel_change_at(),
    )?;
    let changed_at = metrics::changed_at(dashboard.last_run.as_ref(), vessel_change);
    Ok(CachedBody::of(&DashboardResponse {
        fleets: dashboard.fleets.into_iter().map(Into::into).collect(),
        level_counts: dashboard.level_counts,
        unscored_vessels: dashboard.unscored_vessels,
        top_risks: dashboard.top_risks.into_iter().map(Into::into).collect(),
        freshness: Freshness::new(dashboard.last_run, &changed_at),
    }))
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
