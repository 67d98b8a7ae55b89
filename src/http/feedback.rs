//! In-app feedback: `POST /api/feedback` (viewer and above) stores a
//! submission; `GET /api/feedback/summary` (admin) analyses the stored ones
//! on the compute bridge and answers JSON or the weekly Markdown report.
//!
//! The message is free text that may hold an IMO number or a policy id:
//! nothing here logs it or puts it in an error; Sentry never receives
//! request bodies and its scrubber removes feedback messages (telemetry::scrub).
//! An `Idempotency-Key` makes a retry replay the first answer: the key is
//! kept with its answer and a fingerprint of the body (the shared store the
//! bulk import uses, scoped to the route and the caller's API key); the same key with another body is
//! 409 `idempotency_key_reused`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AppState;
use super::auth::{Admin, Viewer};
use super::error::{ApiError, ErrorCode};
use super::extract::JsonBody;
use super::idempotency;
use crate::domain::{FieldErrors, parse_feedback};
use crate::feedback::report::{ReportPeriod, render_markdown};
use crate::feedback::{FeedbackSummary, analyse, compound};
use crate::jobs::import::IDEMPOTENCY_RETENTION;
use crate::storage::{FeedbackFilter, FeedbackStored, NewFeedback, RememberedAnswer};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedbackCreated {
    id: Uuid,
    received_at: DateTime<Utc>,
}

pub async fn submit(
    viewer: Viewer,
    state: web::Data<AppState>,
    request: HttpRequest,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let submitted_by = viewer.0.key.id.to_string();
    // Per caller: two users' widgets may pick the same key.
    let key = idempotency::scoped_key(&request, &format!("feedback:{submitted_by}"))?;
    let feedback = parse_feedback(&body, now)?;
    // Scored once here, so a summary over many messages only counts. The
    // fingerprint is of the parsed JSON value, whose objects keep their
    // keys sorted: the same body in another key order is the same request.
    let message = feedback.message.clone();
    let (compound, fingerprint) = state
        .compute
        .run(move || {
            let fingerprint = hex::encode(Sha256::digest(body.to_string()));
            (compound(&message), fingerprint)
        })
        .await?;
    let id = Uuid::now_v7();
    let answer = serde_json::to_string(&FeedbackCreated {
        id,
        received_at: now,
    })
    .map_err(ApiError::internal)?;
    let remember = key.as_deref().map(|key| {
        let answer = RememberedAnswer {
            fingerprint: fingerprint.clone(),
            status: StatusCode::CREATED.as_u16(),
            body: answer.clone(),
        };
        (key, answer)
    });
    let new = NewFeedback {
        id,
        feedback: &feedback,
        compound,
        received_at: now,
        submitted_by: &submitted_by,
        remember,
    };
    let retained_since = now - IDEMPOTENCY_RETENTION;
    let (status, body, replayed) = match state.db.insert_feedback(new, retained_since).await? {
        FeedbackStored::Stored => {
            state
                .metrics
                .feedback_submitted(feedback.category.as_str(), feedback.rating.get());
            (StatusCode::CREATED.as_u16(), answer, false)
        }
        FeedbackStored::KeyAnswered(first) => {
            let (status, body) = idempotency::replay(first, &fingerprint).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::IdempotencyKeyReused,
                    "this Idempotency-Key was first sent with another submission; use a new key",
                )
            })?;
            (status, body, true)
        }
    };
    let location = serde_json::from_str::<FeedbackCreated>(&body)
        .map(|created| format!("/api/feedback/{}", created.id))
        .map_err(ApiError::internal)?;
    let mut response = idempotency::json_answer(status, body, replayed)?;
    response.headers_mut().insert(
        header::LOCATION,
        header::HeaderValue::from_str(&location).map_err(ApiError::internal)?,
    );
    Ok(response)
}

/// `?feature=&since=&until=&format=` as sent; parsed by [`SummaryQuery::parse`].
#[derive(Debug, Deserialize)]
pub struct SummaryQuery {
    feature: Option<String>,
    since: Option<String>,
    until: Option<String>,
    format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Markdown,
}

fn timestamp(text: &str) -> Result<DateTime<Utc>, &'static str> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| "must be an RFC 3339 timestamp")
}

impl SummaryQuery {
    /// The filter (until defaults to `now`) and the format asked for; every
    /// bad parameter named.
    fn parse(&self, now: DateTime<Utc>) -> Result<(FeedbackFilter, Option<Format>), FieldErrors> {
        let mut errors = FieldErrors::new();
        let since = self
            .since
            .as_deref()
            .map(|s| errors.check("since", timestamp(s)));
        let until = self
            .until
            .as_deref()
            .map(|s| errors.check("until", timestamp(s)));
        let format = match self.format.as_deref() {
            None => None,
            Some("json") => Some(Format::Json),
            Some("md" | "markdown") => Some(Format::Markdown),
            Some(_) => {
                errors.push("format", "must be json or md");
                None
            }
        };
        let feature = self.feature.clone().filter(|f| !f.is_empty());
        let since = since.flatten();
        let until = until.flatten().unwrap_or(now);
        if let Some(since) = since
            && since > until
        {
            errors.push("since", "must not be after until");
        }
        errors.into_result(|| {
            (
                FeedbackFilter {
                    feature,
                    since,
                    until,
                },
                format,
            )
        })
    }
}

/// Markdown when `?format=md`, or when no format is named and `Accept`
/// prefers `text/markdown` to JSON.
fn wants_markdown(request: &HttpRequest, format: Option<Format>) -> bool {
    match format {
        Some(format) => format == Format::Markdown,
        None => request
            .headers()
            .get_all(header::ACCEPT)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|item| {
                item.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .find(|media| media == "text/markdown" || media == "application/json")
            .is_some_and(|media| media == "text/markdown"),
    }
}

pub async fn summary(
    _: Admin,
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, format) = query.parse(Utc::now())?;
    let entries = state.db.feedback_entries(&filter).await?;
    let until = filter.until;
    let summary: FeedbackSummary = state.compute.run(move || analyse(&entries, until)).await?;
    if wants_markdown(&request, format) {
        let period = ReportPeriod {
            since: filter.since,
            until,
            feature: filter.feature,
        };
        return Ok(HttpResponse::Ok()
            .content_type("text/markdown; charset=utf-8")
            .insert_header((header::VARY, "Accept"))
            .body(render_markdown(&summary, &period)));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Accept"))
        .json(SummaryResponse {
            feature: filter.feature,
            since: filter.since,
            until,
            summary,
        }))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryResponse {
    feature: Option<String>,
    since: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
    #[serde(flatten)]
    summary: FeedbackSummary,
}
