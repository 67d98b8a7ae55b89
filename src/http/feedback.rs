//! In-app feedback: `POST /api/feedback` (viewer and above) stores a
//! submission; `GET /api/feedback/summary` (admin) analyses the stored ones
//! on the compute bridge and answers JSON or the weekly Markdown report.
//!
//! The message is free text that may hold an IMO number or a policy id:
//! nothing here logs it or puts it in an error; Sentry never receives
//! request bodies and its scrubber removes feedback messages (telemetry::scrub).
//! `Idempotency-Key` is not handled here yet: it is wired to the shared
//! idempotency-key store once that lands (issue 13, item 8).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AppState;
use super::auth::{Admin, Viewer};
use super::error::ApiError;
use super::extract::JsonBody;
use crate::domain::{FieldErrors, parse_feedback};
use crate::feedback::report::{ReportPeriod, render_markdown};
use crate::feedback::{FeedbackSummary, analyse, compound};
use crate::storage::FeedbackFilter;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FeedbackCreated {
    id: Uuid,
    received_at: DateTime<Utc>,
}

pub async fn submit(
    viewer: Viewer,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let feedback = parse_feedback(&body, now)?;
    let submitted_by = viewer.0.key.id.to_string();
    // Scored once here, so a summary over many messages only counts.
    let message = feedback.message.clone();
    let compound = state.compute.run(move || compound(&message)).await?;
    let id = state
        .db
        .insert_feedback(&feedback, compound, now, &submitted_by)
        .await?;
    state
        .metrics
        .feedback_submitted(feedback.category.as_str(), feedback.rating.get());
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/feedback/{id}")))
        .json(FeedbackCreated {
            id,
            received_at: now,
        }))
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
