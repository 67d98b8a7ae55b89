//! What-if assessments: score vessels sent in the body, store nothing.

use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::AppState;
use super::auth::Underwriter;
use super::error::ApiError;
use super::extract::{JsonBody, validated};
use crate::domain::parse_vessel_list;
use crate::risk::{Assessment, assess_book};

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssessRequest {
    /// Defaults to today (UTC).
    as_of: Option<String>,
    /// At most 1,000 per call.
    #[validate(length(min = 1, max = 1000, message = "must hold 1 to 1000 vessels"))]
    vessels: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct AssessResponse {
    assessments: Vec<Assessment>,
}

/// Parses an optional `YYYY-MM-DD` date; `field` names it in the error.
pub fn as_of_date(raw: Option<&str>, field: &str) -> Result<NaiveDate, ApiError> {
    match raw {
        None => Ok(Utc::now().date_naive()),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .ok_or_else(|| ApiError::field(field, "must be a date in the form YYYY-MM-DD")),
    }
}

pub async fn assess(
    _: Underwriter,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<AssessRequest>,
) -> Result<HttpResponse, ApiError> {
    validated(&body)?;
    let as_of = as_of_date(body.as_of.as_deref(), "asOf")?;
    let vessels = parse_vessel_list(body.vessels, as_of, &state.settings.policy_ids, "vessels")?;
    let model = state.model.clone();
    let thresholds = model.thresholds();
    let assessments = state
        .compute
        .run(move || assess_book(&model, &vessels, as_of, &thresholds))
        .await?;
    Ok(HttpResponse::Ok().json(AssessResponse { assessments }))
}
