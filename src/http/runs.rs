//! Recalculation runs: the trigger and run history.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AppState;
use super::auth::{Viewer, bearer_token};
use super::error::{ApiError, ErrorCode};
use super::query::ListQuery;
use crate::domain::Role;
use crate::jobs::{recalculation, start_run};
use crate::storage::{ClaimError, RunRecord, RunTrigger, RunVesselError};

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
            state.jobs.tasks.spawn(async move {
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
    Ok(HttpResponse::Ok().json(runs))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunDetail {
    #[serde(flatten)]
    run: RunRecord,
    vessel_errors: Vec<RunVesselError>,
}

pub async fn show(
    _: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let missing = || ApiError::not_found(format!("no run with id {path}"));
    let id = Uuid::parse_str(&path).map_err(|_| missing())?;
    let run = state.db.get_run(id).await?.ok_or_else(missing)?;
    let vessel_errors = state.db.run_vessel_errors(id).await?;
    Ok(HttpResponse::Ok().json(RunDetail { run, vessel_errors }))
}
