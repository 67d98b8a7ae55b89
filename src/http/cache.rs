//! Conditional reads: an `ETag` over the response body, and 304 for a
//! matching `If-None-Match`. The tag is weak: the body may be sent gzipped
//! or not, and both are the same representation for caching.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A JSON 200 with an `ETag`, or a bodiless 304 when the client has it.
pub fn cached_json<T: Serialize>(request: &HttpRequest, body: &T) -> HttpResponse {
    let bytes = serde_json::to_vec(body).expect("responses serialize");
    let opaque = format!("\"{}\"", &hex::encode(Sha256::digest(&bytes))[..32]);
    let etag = format!("W/{opaque}");
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|value| {
            value.trim() == "*"
                || value
                    .split(',')
                    .map(|tag| tag.trim().trim_start_matches("W/"))
                    .any(|tag| tag == opaque)
        });
    if matches {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish()
    } else {
        HttpResponse::Ok()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .content_type("application/json")
            .body(bytes)
    }
}
