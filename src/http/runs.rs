//! Recalculation runs: the trigger and run history.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AppState;
use super::auth::{Viewer, bearer_token};
use super::error::{ApiError, ErrorCode};
use super::extract::echoed;
use super::query::{ListQuery, PageResponse};
use crate::domain::{Role, RunStatus, RunTrigger};
use crate::jobs::{recalculation, start_run};
use crate::storage::{ClaimError, RunPhases, RunRecord, RunVesselError};

/// A run as the API (and the CLI's report) sends it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResponse {
    id: Uuid,
    trigger: RunTrigger,
    status: RunStatus,
    as_of: NaiveDate,
    model_version: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    vessels_scored: i64,
    vessels_failed: i64,
    duration_ms: Option<i64>,
    phases: RunPhasesResponse,
    error: Option<String>,
}

/// The phases of a run, in milliseconds (null when not completed).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RunPhasesResponse {
    load_ms: Option<i64>,
    score_ms: Option<i64>,
    publish_ms: Option<i64>,
}

impl From<RunPhases> for RunPhasesResponse {
    fn from(phases: RunPhases) -> Self {
        Self {
            load_ms: phases.load_ms,
            score_ms: phases.score_ms,
            publish_ms: phases.publish_ms,
        }
    }
}

impl From<RunRecord> for RunResponse {
    fn from(run: RunRecord) -> Self {
        Self {
            id: run.id,
            trigger: run.trigger,
            status: run.status,
            as_of: run.as_of,
            model_version: run.model_version,
            started_at: run.started_at,
            finished_at: run.finished_at,
            vessels_scored: run.vessels_scored,
            vessels_failed: run.vessels_failed,
            duration_ms: run.duration_ms,
            phases: run.phases.into(),
            error: run.error,
        }
    }
}

/// A vessel a run could not score.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunVesselErrorResponse {
    #[serde(rename = "vesselIMO")]
    vessel_imo: String,
    message: String,
}

impl From<RunVesselError> for RunVesselErrorResponse {
    fn from(error: RunVesselError) -> Self {
        Self {
            vessel_imo: error.vessel_imo,
            message: error.message,
        }
    }
}

/// The vessel errors of a run as the API sends them.
pub fn vessel_errors(errors: Vec<RunVesselError>) -> Vec<RunVesselErrorResponse> {
    errors.into_iter().map(Into::into).collect()
}

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// The trigger's caller: the cron secret (an external scheduler) or an admin key.
async fn trigger_of(state: &AppState, request: &HttpRequest) -> Result<RunTrigger, ApiError> {
    let unauthorized = || {
        ApiError::new(
            ErrorCode::Unauthorized,
            "send an admin key or the cron secret as 'Authorization: Bearer <token>'",
        )
    };
    let token = bearer_token(request).ok_or_else(unauthorized)?;
    if let Some(secret) = &state.settings.cron_secret
        && same_secret(&token, secret.expose())
    {
        return Ok(RunTrigger::Cron);
    }
    match state.db.find_api_key(&token).await? {
        Some(key) if key.role.allows(Role::Admin) => Ok(RunTrigger::Manual),
        Some(key) => Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("this needs the admin role; the key has {}", key.role),
        )),
        None => Err(unauthorized()),
    }
}

/// Starts a book-wide run and answers at once: 202 with its id, or 409 with
/// the id of the run in progress (on any replica).
pub async fn trigger(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let trigger = trigger_of(&state, &request).await?;
    let as_of = Utc::now().date_naive();
    match start_run(&state.jobs, trigger, as_of).await {
        Ok(run_id) => {
            let ctx = state.jobs.clone();
            // On the process's runtime, not this worker's: the worker stops
            // with the server, before shutdown cancels and records the run.
            state.jobs.spawn_background(async move {
                if let Err(error) = recalculation::execute(&ctx, run_id, as_of).await {
                    tracing::error!(%run_id, %error, "the run's record could not be read back");
                }
            });
            Ok(HttpResponse::Accepted()
                .insert_header(("Location", format!("/api/fleet-risk/runs/{run_id}")))
                .json(json!({"runId": run_id, "status": "running"})))
        }
        Err(ClaimError::InProgress(running)) => {
            state.metrics.run_skipped();
            Err(ApiError {
                run_id: Some(running),
                ..ApiError::new(
                    ErrorCode::RunInProgress,
                    format!("run {running} is in progress; try again when it has finished"),
                )
            })
        }
        Err(ClaimError::Storage(error)) => Err(error.into()),
    }
}

pub async fn list(
    _: Viewer,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let runs = state.db.list_runs(&query.page()?).await?;
    Ok(HttpResponse::Ok().json(PageResponse::from(runs.map(RunResponse::from))))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunDetail {
    #[serde(flatten)]
    run: RunResponse,
    vessel_errors: Vec<RunVesselErrorResponse>,
}

pub async fn show(
    _: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let missing = || ApiError::not_found(format!("no run with id {}", echoed(&path)));
    let id = Uuid::parse_str(&path).map_err(|_| missing())?;
    let run = state.db.get_run(id).await?.ok_or_else(missing)?;
    let vessel_errors = vessel_errors(state.db.run_vessel_errors(id).await?);
    Ok(HttpResponse::Ok().json(RunDetail {
        run: run.into(),
        vessel_errors,
    }))
}
