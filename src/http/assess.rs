//! What-if assessments: score vessels sent in the body, store nothing.

use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

use super::AppState;
use super::auth::Underwriter;
use super::error::ApiError;
use super::extract::JsonBody;
use crate::domain::{FieldErrors, JsonFields, PolicyIdPattern, VesselProfile, parse_vessel_list};
use crate::risk::{Assessment, assess_book};

/// At most this many vessels per call.
const MAX_VESSELS: usize = 1000;

/// An `AssessRequest` body: `asOf` (default today, UTC) and 1 to 1,000
/// vessels, every bad field named at once. Vessels are checked against
/// today when `asOf` itself is bad.
fn parse(
    body: &Value,
    policy_ids: &PolicyIdPattern,
) -> Result<(NaiveDate, Vec<VesselProfile>), FieldErrors> {
    let mut fields = JsonFields::of(body)?;
    let as_of = fields.optional_string_as("asOf", calendar_date);
    let vessels = fields.array("vessels", true).filter(|items| {
        let counted = (1..=MAX_VESSELS).contains(&items.len());
        if !counted {
            fields
                .errors()
                .push("vessels", format!("must hold 1 to {MAX_VESSELS} vessels"));
        }
        counted
    });
    let mut errors = fields.finish();
    let as_of_or_today = as_of.flatten().unwrap_or_else(|| Utc::now().date_naive());
    let vessels =
        vessels.map(|items| parse_vessel_list(items, as_of_or_today, policy_ids, "vessels"));
    match (as_of, vessels) {
        (Some(_), Some(Ok(vessels))) if errors.is_empty() => Ok((as_of_or_today, vessels)),
        (_, Some(Err(vessel_errors))) => {
            errors.append(vessel_errors);
            Err(errors)
        }
        _ => Err(errors),
    }
}

#[derive(Debug, Serialize)]
pub struct AssessResponse {
    assessments: Vec<Assessment>,
}

/// A calendar date `YYYY-MM-DD`.
fn calendar_date(text: &str) -> Result<NaiveDate, &'static str> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or("must be a date in the form YYYY-MM-DD")
}

pub async fn assess(
    _: Underwriter,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (as_of, vessels) = parse(&body, &state.settings.policy_ids)?;
    let model = state.model.clone();
    let thresholds = model.thresholds();
    let assessments = state
        .compute
        .run(move || assess_book(&model, &vessels, as_of, &thresholds))
        .await?;
    Ok(HttpResponse::Ok().json(AssessResponse { assessments }))
}
