//! The `Idempotency-Key` header of the routes that honour it (the bulk
//! import, feedback): its rule, the scope that keeps one route's keys
//! apart from another's in the shared store, and the replayed answer.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::error::ApiError;
use crate::storage::RememberedAnswer;

/// The most characters a key may have.
pub const MAX_CHARS: usize = 255;

/// The request's `Idempotency-Key` (1 to 255 visible ASCII characters), as
/// stored: prefixed with `scope`, so the same key sent to two routes names
/// two requests.
pub fn scoped_key(request: &HttpRequest, scope: &str) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key)
            if !key.is_empty()
                && key.len() <= MAX_CHARS
                && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(format!("{scope}:{key}")))
        }
        _ => Err(ApiError::field(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        )),
    }
}

/// A JSON answer with `status`; `replayed` marks the remembered answer of
/// an earlier request (`Idempotent-Replayed: true`: nothing was done again).
pub fn json_answer(status: u16, body: String, replayed: bool) -> Result<HttpResponse, ApiError> {
    let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
    let mut response = HttpResponse::build(status);
    response.content_type("application/json");
    if replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.body(body))
}

/// The remembered answer, or `None` when it belongs to another request.
pub fn replay(answer: RememberedAnswer, fingerprint: &str) -> Option<(u16, String)> {
    (answer.fingerprint == fingerprint).then_some((answer.status, answer.body))
}
