//! `GET /model`: the model in force, as a client needs it to read scores.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;
use super::auth::Viewer;
use super::error::ApiError;
use crate::jobs::ThresholdBook;

/// The model in force: its file (weights, tables, windows), its reference
/// tables, and the default thresholds in force.
pub async fn show(_: Viewer, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let thresholds = ThresholdBook::load(&state.db, &state.model).await?.default;
    let flags: Vec<_> = state
        .model
        .listed_flags()
        .into_iter()
        .map(|(flag, record)| {
            json!({"flag": flag.as_str(), "list": record.list.as_str(), "imoAudited": record.imo_audited})
        })
        .collect();
    let societies: Vec<_> = state
        .model
        .listed_class_societies()
        .into_iter()
        .map(|(code, record)| {
            json!({"code": code, "performance": record.performance.as_str(), "euRecognized": record.eu_recognized})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "version": state.model.version().as_str(),
        "thresholdsInForce": {
            "medium": thresholds.medium(), "high": thresholds.high(), "critical": thresholds.critical(),
        },
        "parameters": state.model_document,
        "flags": flags,
        "classSocieties": societies,
        "schedule": state.settings.recalc_cron.expression(),
    })))
}
