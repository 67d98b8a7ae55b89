//! CORS for the dashboard origins (`CORS_ALLOWED_ORIGINS`), with actix-cors.
//!
//! Wrapped outside the rate limiter and the error rendering, so preflights
//! are answered here (never counted) and 429s and problems carry the CORS
//! headers too. A request from another origin is served as if it had no
//! `Origin` (no `Access-Control-Allow-Origin`: the browser keeps the answer
//! from the page); with no origins configured the layer is off.

use actix_cors::Cors;
use actix_web::http::{Method, header};

use crate::config::edge::EdgeSettings;

/// What a browser may read of an answer besides the CORS-safelisted headers.
const EXPOSED: [&str; 8] = [
    "etag",
    "location",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "idempotent-replayed",
    "content-disposition",
];

/// How long a browser may reuse a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: usize = 600;

/// Whether the CORS layer is on.
pub fn enabled(settings: &EdgeSettings) -> bool {
    !settings.cors_allowed_origins.is_empty()
}

/// The CORS layer of `settings` (build it in each worker's `App`).
pub fn cors(settings: &EdgeSettings) -> Cors {
    settings
        .cors_allowed_origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-api-key"),
        ])
        .expose_headers(EXPOSED)
        .max_age(PREFLIGHT_MAX_AGE)
        .block_on_origin_mismatch(false)
}
