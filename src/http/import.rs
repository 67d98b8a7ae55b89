//! `POST /api/fleet-risk/vessels/import`: the body read as its format
//! says (JSON, a CSV streamed in, or a multipart form of three CSVs) into
//! an [`ImportBatch`], then stored, scored and published by
//! [`jobs::import`](crate::jobs::import). Parsing runs on the compute pool,
//! a megabyte at a time as the body arrives.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;

use super::AppState;
use super::auth::Admin;
use super::error::{ApiError, ErrorCode};
use super::extract::decode_json;
use super::idempotency;
use crate::domain::{FieldErrors, FleetId};
use crate::import::{
    CsvImport, CsvKind, ImportBatch, ImportMode, ImportProblems, parse_json_import,
};
use crate::jobs::import::{IdempotencyKey, ImportError, import as run_import};

/// CSV bytes handed to the parser at a time (one compute job each).
const PARSE_CHUNK_BYTES: usize = 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    mode: Option<String>,
    #[serde(rename = "fleetId")]
    fleet_id: Option<String>,
}

/// What the request's `Content-Type` says the body is.
enum Format {
    Json,
    Csv,
    Multipart,
}

fn format_of(request: &HttpRequest) -> Result<Format, ApiError> {
    let essence = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match essence.as_str() {
        "application/json" => Ok(Format::Json),
        "text/csv" => Ok(Format::Csv),
        "multipart/form-data" => Ok(Format::Multipart),
        _ => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the import as application/json, text/csv or multipart/form-data",
        )),
    }
}

/// The 422 of a refused import: the first problems, and how many in all.
fn refused(problems: ImportProblems) -> ApiError {
    let total = problems.total();
    let mut error = ApiError::validation(problems.into_listed());
    error.detail = if total == 1 {
        "1 problem; nothing was imported".to_string()
    } else {
        format!("{total} problems; nothing was imported")
    };
    error.error_count = Some(u32::try_from(total).unwrap_or(u32::MAX));
    error
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("an import body is at most {limit} bytes (IMPORT_MAX_BODY_BYTES)"),
    )
}

/// Counts the bytes of a body against the import's limit.
struct BodyBudget {
    limit: usize,
    read: usize,
}

impl BodyBudget {
    fn take(&mut self, bytes: usize) -> Result<(), ApiError> {
        self.read += bytes;
        if self.read > self.limit {
            Err(too_large(self.limit))
        } else {
            Ok(())
        }
    }
}

pub async fn import(
    _: Admin,
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let format = format_of(&request)?;
    let mut errors = FieldErrors::new();
    let mode = match query.mode.as_deref() {
        None => Some(ImportMode::Create),
        Some(raw) => errors.check("mode", ImportMode::parse(raw)),
    };
    let default_fleet = match query.fleet_id.as_deref() {
        None => None,
        Some(raw) => errors.check("fleetId", FleetId::parse(raw)),
    };
    let key = idempotency::scoped_key(&request, "import")?;
    let Some(mode) = mode else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let limit = state.settings.import_max_body_bytes;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large(limit));
    }
    let mut budget = BodyBudget { limit, read: 0 };
    let parsed = match format {
        Format::Json => read_json(&state, payload, &mut budget, default_fleet).await?,
        Format::Csv => {
            let mut csv = new_csv(&state, default_fleet);
            csv.begin(CsvKind::Vessels);
            let csv = stream_csv(&state, csv, payload, &mut budget).await?;
            finish_csv(&state, csv).await?
        }
        Format::Multipart => {
            read_multipart(&state, &request, payload, &mut budget, default_fleet).await?
        }
    };
    let batch = parsed.map_err(refused)?;
    let (batch, key) = match key {
        None => (batch, None),
        Some(key) => {
            let (batch, key) = state
                .compute
                .run(move || {
                    let key = IdempotencyKey::of(key, &batch, mode);
                    (batch, key)
                })
                .await?;
            (batch, Some(key))
        }
    };
    let answer = run_import(&state.jobs, batch, mode, key.as_ref())
        .await
        .map_err(|error| match error {
            ImportError::Rejected(problems) => refused(problems),
            ImportError::KeyReused => ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was first sent with another import; use a new key",
            ),
            ImportError::Storage(storage) => storage.into(),
            ImportError::Compute(compute) => compute.into(),
        })?;
    idempotency::json_answer(answer.status, answer.body, answer.replayed)
}

fn new_csv(state: &AppState, default_fleet: Option<FleetId>) -> CsvImport {
    CsvImport::new(
        default_fleet,
        Utc::now().date_naive(),
        state.settings.policy_ids.clone(),
    )
}

/// Reads the whole JSON body (a JSON document is parsed whole), then parses
/// it on the compute pool.
async fn read_json(
    state: &AppState,
    mut payload: web::Payload,
    budget: &mut BodyBudget,
    default_fleet: Option<FleetId>,
) -> Result<Result<ImportBatch, ImportProblems>, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| unreadable(&e))?;
        budget.take(chunk.len())?;
        body.extend_from_slice(&chunk);
    }
    let policy_ids = state.settings.policy_ids.clone();
    let as_of = Utc::now().date_naive();
    state
        .compute
        .run(move || {
            let value = decode_json(&body)?;
            Ok(parse_json_import(&value, default_fleet, as_of, &policy_ids))
        })
        .await?
}

fn unreadable(error: &impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::MalformedJson,
        format!("could not read the body: {error}"),
    )
}

/// Feeds one CSV body (or form part) to `csv`, a megabyte at a time on the
/// compute pool, until it ends or the import is refused whatever follows.
async fn stream_csv<S, E>(
    state: &AppState,
    mut csv: CsvImport,
    mut body: S,
    budget: &mut BodyBudget,
) -> Result<CsvImport, ApiError>
where
    S: Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut pending = web::BytesMut::new();
    loop {
        let next = body.next().await;
        let end = next.is_none();
        if let Some(chunk) = next {
            let chunk = chunk.map_err(|e| unreadable(&e))?;
            budget.take(chunk.len())?;
            pending.extend_from_slice(&chunk);
        }
        if pending.len() >= PARSE_CHUNK_BYTES || (end && !pending.is_empty()) {
            let bytes = pending.split().freeze();
            csv = state
                .compute
                .run(move || {
                    csv.feed(&bytes);
                    csv
                })
                .await?;
            if csv.refused() {
                return Ok(csv);
            }
        }
        if end {
            return Ok(csv);
        }
    }
}

async fn finish_csv(
    state: &AppState,
    csv: CsvImport,
) -> Result<Result<ImportBatch, ImportProblems>, ApiError> {
    Ok(state.compute.run(move || csv.finish()).await?)
}

/// A `multipart/form-data` body: parts `vessels` (required), `inspections`
/// and `incidents`, each a CSV file, streamed one after the other.
async fn read_multipart(
    state: &AppState,
    request: &HttpRequest,
    payload: web::Payload,
    budget: &mut BodyBudget,
    default_fleet: Option<FleetId>,
) -> Result<Result<ImportBatch, ImportProblems>, ApiError> {
    let mut form = actix_multipart::Multipart::new(request.headers(), payload);
    let mut csv = new_csv(state, default_fleet);
    let mut seen: Vec<CsvKind> = Vec::new();
    let mut problems = ImportProblems::new();
    while let Some(part) = form.next().await {
        let part = part.map_err(|e| unreadable(&e))?;
        let name = part.name().unwrap_or_default().to_string();
        let Some(kind) = CsvKind::from_part(&name) else {
            problems.whole(
                &name,
                "is not a part of an import (vessels, inspections, incidents)",
            );
            continue;
        };
        if seen.contains(&kind) {
            problems.whole(&name, "is sent more than once");
            continue;
        }
        seen.push(kind);
        csv.begin(kind);
        csv = stream_csv(state, csv, part, budget).await?;
        if csv.refused() {
            break;
        }
    }
    if !seen.contains(&CsvKind::Vessels) {
        problems.whole("vessels", "is required: the CSV file of the vessels");
    }
    let parsed = finish_csv(state, csv).await?;
    if problems.is_empty() {
        return Ok(parsed);
    }
    if let Err(more) = parsed {
        problems.append(more);
    }
    Ok(Err(problems))
}
