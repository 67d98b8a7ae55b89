//! The OpenFeature Remote Evaluation Protocol (OFREP 0.3.0, the
//! open-feature/protocol repository's `service/openapi.yaml`), so any
//! OpenFeature SDK with the OFREP provider reads our flags.
//!
//! `POST /ofrep/v1/evaluate/flags/{key}` evaluates one flag and
//! `POST /ofrep/v1/evaluate/flags` all of them (with `ETag`, and 304 to a
//! matching `If-None-Match`). The body is `{"context": {...}}`:
//! `targetingKey` is the user id, `groups` (an array, or a comma-separated
//! string) and `region` are context fields; other fields are ignored.
//! `GET /ofrep/v1/configuration` is the provider configuration of the
//! protocol before 0.3.0 (which dropped it), kept because it tells polling
//! clients the interval the flag cache allows.
//!
//! Errors on these routes use OFREP's bodies, never problem+json:
//! `{key, errorCode, errorDetails}` for an evaluation, `{errorCode,
//! errorDetails}` for a bulk request, and `{errorDetails}` for statuses the
//! protocol gives no code (401, 403, 413, 415, 5xx). A key is accepted as
//! `Authorization: Bearer` or OFREP's `X-API-Key`; viewers and above.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use chrono::Utc;
use serde::Serialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::{api_key_header, authenticate, bearer_token};
use super::cache::CachedBody;
use super::error::{ApiError, ErrorCode};
use super::extract::JsonBody;
use super::flags::flag_set;
use crate::domain::Role;
use crate::flags::{
    Evaluation, EvaluationContext, FlagKey, Reason, Region, StoredFlag, UserGroup, UserId, evaluate,
};

/// An OFREP error answer.
#[derive(Debug)]
pub struct OfrepError {
    status: StatusCode,
    key: Option<String>,
    code: Option<&'static str>,
    details: String,
}

impl OfrepError {
    fn evaluation(status: StatusCode, code: &'static str, details: impl Into<String>) -> Self {
        Self {
            status,
            key: None,
            code: Some(code),
            details: details.into(),
        }
    }

    /// The same error about the flag `key` (single evaluations name it).
    fn about(self, key: &str) -> Self {
        Self {
            key: Some(key.to_string()),
            ..self
        }
    }
}

impl std::fmt::Display for OfrepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.details)
    }
}

impl From<ApiError> for OfrepError {
    fn from(error: ApiError) -> Self {
        match error.code {
            ErrorCode::MalformedJson | ErrorCode::ValidationFailed => {
                Self::evaluation(StatusCode::BAD_REQUEST, "PARSE_ERROR", error.detail)
            }
            code => Self {
                status: code.status(),
                key: None,
                code: None,
                // 5xx details are already opaque (see ApiError::internal).
                details: error.detail,
            },
        }
    }
}

impl ResponseError for OfrepError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = serde_json::Map::new();
        if let Some(key) = &self.key {
            body.insert("key".into(), json!(key));
        }
        if let Some(code) = self.code {
            body.insert("errorCode".into(), json!(code));
        }
        body.insert("errorDetails".into(), json!(self.details));
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.json(Value::Object(body))
    }
}

/// Authenticates a viewer (or above) by `Authorization: Bearer` or `X-API-Key`.
async fn authorize(request: &HttpRequest, state: &web::Data<AppState>) -> Result<(), OfrepError> {
    let token = bearer_token(request).or_else(|| api_key_header(request));
    let token_given = token.is_some();
    match authenticate(state.clone(), token, Role::Viewer).await {
        Ok(_) => Ok(()),
        Err(error) if error.code == ErrorCode::Unauthorized && !token_given => Err(OfrepError {
            details: "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
                .into(),
            ..OfrepError::from(error)
        }),
        Err(error) => Err(error.into()),
    }
}

/// The evaluation context of a request body `{"context": {...}}`.
fn context_of(body: &Value) -> Result<EvaluationContext, OfrepError> {
    let invalid =
        |details: &str| OfrepError::evaluation(StatusCode::BAD_REQUEST, "INVALID_CONTEXT", details);
    let Some(context) = body.get("context").and_then(Value::as_object) else {
        return Err(invalid("the body must be {\"context\": {...}}"));
    };
    let user_id = match context.get("targetingKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) if raw.is_empty() => None,
        Some(Value::String(raw)) => {
            Some(UserId::parse(raw).map_err(|e| invalid(&format!("targetingKey {e}")))?)
        }
        Some(_) => return Err(invalid("targetingKey must be a string")),
    };
    let Some(user_id) = user_id else {
        return Err(OfrepError::evaluation(
            StatusCode::BAD_REQUEST,
            "TARGETING_KEY_MISSING",
            "the context needs a targetingKey (the user id)",
        ));
    };
    let raw_groups: Vec<&str> = match context.get("groups") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(list)) => list
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(|| invalid("groups must be strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("groups must be an array of strings")),
    };
    let groups = raw_groups
        .into_iter()
        .map(|raw| UserGroup::parse(raw).map_err(|e| invalid(&format!("groups: {raw:?} {e}"))))
        .collect::<Result<_, _>>()?;
    let region = match context.get("region") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) if raw.is_empty() => None,
        Some(Value::String(raw)) => {
            Some(Region::parse(raw).map_err(|e| invalid(&format!("region {e}")))?)
        }
        Some(_) => return Err(invalid("region must be a string")),
    };
    Ok(EvaluationContext {
        user_id: Some(user_id),
        groups,
        region,
    })
}

/// One flag's OFREP success body.
#[derive(Serialize)]
struct EvaluationSuccess<'a> {
    key: &'a str,
    value: bool,
    reason: &'static str,
    variant: &'static str,
    metadata: Metadata,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    /// Our own reason word: OFREP 0.3.0 lists no `DEFAULT`.
    evaluation_reason: &'static str,
    rollout_percentage: u8,
}

/// OFREP's reason for ours: its enum (STATIC, TARGETING_MATCH, SPLIT,
/// DISABLED, UNKNOWN) has no DEFAULT, so a default answer is STATIC (no
/// targeting or split decided it); `metadata.evaluationReason` keeps ours.
fn ofrep_reason(reason: Reason) -> &'static str {
    match reason {
        Reason::Default => "STATIC",
        other => other.as_str(),
    }
}

fn success<'a>(flag: &'a StoredFlag, evaluation: Evaluation) -> EvaluationSuccess<'a> {
    EvaluationSuccess {
        key: flag.key.as_str(),
        value: evaluation.value,
        reason: ofrep_reason(evaluation.reason),
        variant: if evaluation.value { "on" } else { "off" },
        metadata: Metadata {
            evaluation_reason: evaluation.reason.as_str(),
            rollout_percentage: evaluation.percentage.get(),
        },
    }
}

/// `POST /ofrep/v1/evaluate/flags/{key}`.
pub async fn evaluate_one(
    request: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: Result<JsonBody, ApiError>,
) -> Result<HttpResponse, OfrepError> {
    authorize(&request, &state).await?;
    // A body that does not parse is a 400 about this flag, like a bad context.
    let body = body.map_err(|e| match OfrepError::from(e) {
        e if e.status == StatusCode::BAD_REQUEST => e.about(&key),
        e => e,
    })?;
    let context = context_of(&body.0).map_err(|e| e.about(&key))?;
    let set = flag_set(&state).await?;
    let flag = FlagKey::parse(&key).ok().and_then(|k| set.get(&k).cloned());
    let Some(flag) = flag else {
        return Err(OfrepError::evaluation(
            StatusCode::NOT_FOUND,
            "FLAG_NOT_FOUND",
            format!("flag '{}' was not found", super::extract::echoed(&key)),
        )
        .about(&key));
    };
    let evaluation = evaluate(&flag.key, &flag.rules, &context, Utc::now());
    Ok(HttpResponse::Ok().json(success(&flag, evaluation)))
}

/// `POST /ofrep/v1/evaluate/flags`: every flag, with an `ETag` over the
/// answer (304 to a matching `If-None-Match`).
pub async fn evaluate_all(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: Result<JsonBody, ApiError>,
) -> Result<HttpResponse, OfrepError> {
    authorize(&request, &state).await?;
    let body = body.map_err(OfrepError::from)?;
    let context = context_of(&body.0)?;
    let set = flag_set(&state).await?;
    let now = Utc::now();
    let flags: Vec<EvaluationSuccess<'_>> = set
        .flags
        .iter()
        .map(|flag| success(flag, evaluate(&flag.key, &flag.rules, &context, now)))
        .collect();
    Ok(CachedBody::of(&json!({ "flags": flags })).respond(&request))
}

/// `GET /ofrep/v1/configuration`.
pub async fn configuration(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OfrepError> {
    authorize(&request, &state).await?;
    let poll_ms = state.flag_cache.poll_interval().as_millis() as u64;
    Ok(CachedBody::of(&json!({
        "name": "fleet-risk",
        "capabilities": {
            "cacheInvalidation": {"polling": {"enabled": true, "minPollingIntervalMs": poll_ms}},
            "flagEvaluation": {"supportedTypes": ["boolean"]},
        },
    }))
    .respond(&request))
}
