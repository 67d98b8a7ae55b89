//! The one table of API errors and its mapping to RFC 9457 problem+json.
//!
//! Every layer only says which [`ErrorCode`] it is; status, title and type
//! come from here. 5xx bodies never carry internals: the cause is logged
//! once, and kept on the error (its [`source`](std::error::Error::source)) for
//! the Sentry event of the response (see [`super::server_error`]).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::{FieldError, FieldErrors};
use crate::storage::StorageError;

macro_rules! error_codes {
    ($($variant:ident => ($code:literal, $status:ident, $title:literal)),+ $(,)?) => {
        /// Stable problem codes (snake_case), as listed in openapi.yaml.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($variant),+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status),+ }
            }

            pub fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title),+ }
            }
        }
    };
}

error_codes! {
    MalformedJson => ("malformed_json", BAD_REQUEST, "Malformed JSON"),
    Unauthorized => ("unauthorized", UNAUTHORIZED, "Missing or invalid API key"),
    Forbidden => ("forbidden", FORBIDDEN, "Role not allowed"),
    FeatureDisabled => ("feature_disabled", FORBIDDEN, "Feature not enabled for this user"),
    NotFound => ("not_found", NOT_FOUND, "Resource not found"),
    RouteNotFound => ("route_not_found", NOT_FOUND, "No such route"),
    MethodNotAllowed => ("method_not_allowed", METHOD_NOT_ALLOWED, "Method not allowed"),
    DuplicateImo => ("duplicate_imo", CONFLICT, "Vessel already exists"),
    DuplicateFleetName => ("duplicate_fleet_name", CONFLICT, "Fleet name already taken"),
    FleetNotEmpty => ("fleet_not_empty", CONFLICT, "Fleet still has vessels"),
    RunInProgress => ("run_in_progress", CONFLICT, "A recalculation run is in progress"),
    IdempotencyKeyReused => ("idempotency_key_reused", CONFLICT, "Idempotency key used for another request"),
    PayloadTooLarge => ("payload_too_large", PAYLOAD_TOO_LARGE, "Request body too large"),
    UnsupportedMediaType => ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    ValidationFailed => ("validation_failed", UNPROCESSABLE_ENTITY, "Invalid request"),
    RateLimited => ("rate_limited", TOO_MANY_REQUESTS, "Too many requests"),
    Internal => ("internal_error", INTERNAL_SERVER_ERROR, "Internal server error"),
    Overloaded => ("overloaded", SERVICE_UNAVAILABLE, "Server busy"),
    DatabaseUnavailable => ("database_unavailable", SERVICE_UNAVAILABLE, "Database unavailable"),
}

/// An API error: a code from the table, a human detail, and for validation
/// failures every bad field.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after_seconds: Option<u32>,
    // Boxed: an error travels in every handler's Result, so it stays small.
    pub allow: Option<Box<str>>,
    /// The run a `run_in_progress` conflict is about.
    pub run_id: Option<uuid::Uuid>,
    /// How many problems there are in all, when `errors` lists only the first ones (an import).
    pub error_count: Option<u32>,
    /// What went wrong inside, for a 5xx: reported, never answered.
    pub cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
    /// The size of the bucket a 429 ran out of (`RateLimit-Limit`; its
    /// `RateLimit-Remaining` is 0 and `RateLimit-Reset` is `Retry-After`).
    /// Only the limit is kept, so the error stays small.
    pub rate_limit: Option<std::num::NonZeroU32>,
}

/// A caller's bucket when it was refused: its size (`RateLimit-Limit`)
/// and the seconds until one more request is let through (`RateLimit-Reset`
/// and `Retry-After`); `RateLimit-Remaining` of a refusal is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitState {
    pub limit: u32,
    pub reset_seconds: u32,
}

#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: &'a str,
    code: &'static str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
    #[serde(rename = "runId", skip_serializing_if = "Option::is_none")]
    run_id: Option<uuid::Uuid>,
    #[serde(rename = "errorCount", skip_serializing_if = "Option::is_none")]
    error_count: Option<u32>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_seconds: None,
            allow: None,
            run_id: None,
            error_count: None,
            cause: None,
            rate_limit: None,
        }
    }

    /// This error, caused by `cause` (its source, in logs and Sentry).
    pub fn caused_by(self, cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            cause: Some(Arc::from(cause.into())),
            ..self
        }
    }

    /// A 422 naming every bad field; an error about the body as a whole
    /// (an empty path) is named `body`.
    pub fn validation(errors: FieldErrors) -> Self {
        let count = errors.len();
        let detail = if count == 1 {
            "1 field is invalid".to_string()
        } else {
            format!("{count} fields are invalid")
        };
        let errors = errors
            .into_vec()
            .into_iter()
            .map(|error| match error.field.as_str() {
                "" => FieldError {
                    field: "body".to_string(),
                    ..error
                },
                _ => error,
            })
            .collect();
        Self {
            errors,
            ..Self::new(ErrorCode::ValidationFailed, detail)
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(FieldError::new(field, message).into())
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, what)
    }

    /// A server-side failure: logged here with its cause, answered
    /// opaquely; the cause stays on the error for the Sentry event.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let cause = cause.into();
        tracing::error!(error = %cause, "internal error");
        Self::new(
            ErrorCode::Internal,
            "the server could not complete the request",
        )
        .caused_by(cause)
    }

    pub fn overloaded(retry_after_seconds: u32) -> Self {
        Self {
            retry_after_seconds: Some(retry_after_seconds),
            ..Self::new(ErrorCode::Overloaded, "the server is busy; retry shortly")
        }
    }

    /// 429: the caller's bucket is empty until `state.reset_seconds` pass.
    pub fn rate_limited(state: RateLimitState) -> Self {
        Self {
            retry_after_seconds: Some(state.reset_seconds),
            rate_limit: std::num::NonZeroU32::new(state.limit),
            ..Self::new(
                ErrorCode::RateLimited,
                format!(
                    "too many requests from this caller; retry in {} s",
                    state.reset_seconds
                ),
            )
        }
    }

    /// `allowed` as the route table spells them (`get`, `post`, ...).
    pub fn method_not_allowed(allowed: &[&str]) -> Self {
        let allow = allowed
            .iter()
            .map(|m| m.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            detail: format!("this route accepts {allow}"),
            allow: Some(allow.into_boxed_str()),
            ..Self::new(ErrorCode::MethodNotAllowed, "")
        }
    }

    /// The problem type URI of a code.
    pub fn type_uri(code: ErrorCode) -> String {
        format!("urn:fleet-risk:problem:{}", code.as_str())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let body = ProblemBody {
            kind: Self::type_uri(self.code),
            title: self.code.title(),
            status: self.code.status().as_u16(),
            detail: &self.detail,
            code: self.code.as_str(),
            errors: &self.errors,
            run_id: self.run_id,
            error_count: self.error_count,
        };
        let mut response = HttpResponse::build(self.code.status());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if self.code == ErrorCode::Unauthorized {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Some(allow) = &self.allow
            && let Ok(value) = HeaderValue::from_str(allow)
        {
            response.insert_header((header::ALLOW, value));
        }
        if let Some(limit) = self.rate_limit {
            let reset = self.retry_after_seconds.unwrap_or(1);
            response.insert_header(("RateLimit-Limit", limit.to_string()));
            response.insert_header(("RateLimit-Remaining", "0"));
            response.insert_header(("RateLimit-Reset", reset.to_string()));
        }
        response.body(serde_json::to_string(&body).expect("problem bodies serialize"))
    }
}

impl From<crate::compute::ComputeError> for ApiError {
    fn from(error: crate::compute::ComputeError) -> Self {
        match error {
            crate::compute::ComputeError::Overloaded => Self::overloaded(1),
            panicked @ crate::compute::ComputeError::Panicked(_) => Self::internal(panicked),
        }
    }
}

impl From<crate::jobs::ChangeError> for ApiError {
    fn from(error: crate::jobs::ChangeError) -> Self {
        match error {
            crate::jobs::ChangeError::Storage(storage) => storage.into(),
            crate::jobs::ChangeError::Compute(compute) => compute.into(),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::validation(errors)
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::DuplicateImo => Self::new(
                ErrorCode::DuplicateImo,
                "a vessel with this IMO number is already on the book",
            ),
            StorageError::DuplicateFleetName => Self::new(
                ErrorCode::DuplicateFleetName,
                "a fleet with this name already exists",
            ),
            StorageError::FleetNotEmpty => Self::new(
                ErrorCode::FleetNotEmpty,
                "move or delete the fleet's vessels before deleting the fleet",
            ),
            StorageError::UnknownFleet => Self::field("fleetId", "no fleet with this id"),
            StorageError::CursorMismatch => {
                Self::field("cursor", "belongs to a list in another sort order")
            }
            unavailable @ StorageError::Unavailable { .. } => {
                tracing::error!(error = %unavailable, "database unavailable");
                Self::database_unavailable().caused_by(unavailable)
            }
            StorageError::WriteQueueTimedOut => {
                tracing::error!("a write timed out waiting for its turn");
                Self::database_unavailable().caused_by(StorageError::WriteQueueTimedOut)
            }
            // Not logged per request: the failure that started the pause was.
            StorageError::WritesPaused => {
                Self::database_unavailable().caused_by(StorageError::WritesPaused)
            }
            other => Self::internal(other),
        }
    }
}

impl ApiError {
    /// 503 with `Retry-After`: the database is down, or too busy to take
    /// the write now ("database is locked" included); the request may succeed
    /// when retried.
    fn database_unavailable() -> Self {
        Self {
            retry_after_seconds: Some(5),
            ..Self::new(
                ErrorCode::DatabaseUnavailable,
                "the database is unavailable",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{}", code.as_str());
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
    }

    #[test]
    fn a_write_that_waited_too_long_for_its_turn_is_503_with_retry_after() {
        let error = ApiError::from(StorageError::WriteQueueTimedOut);
        assert_eq!(error.code.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(error.retry_after_seconds, Some(5));
    }

    #[test]
    fn internal_errors_hide_their_cause_and_keep_it_as_their_source() {
        let error = ApiError::internal("relation \"vessels\" does not exist, IMO 9074729");
        assert_eq!(error.code.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!error.detail.contains("vessels"));
        assert!(!error.detail.contains("9074729"));
        let body = actix_web::body::to_bytes(error.error_response().into_body());
        let body = futures_util::FutureExt::now_or_never(body)
            .unwrap()
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            !body.contains("vessels") && !body.contains("9074729"),
            "{body}"
        );
        let source = std::error::Error::source(&error).expect("the cause is kept");
        assert_eq!(
            source.to_string(),
            "relation \"vessels\" does not exist, IMO 9074729"
        );
    }
}
