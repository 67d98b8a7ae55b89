//! What handlers take from a request besides the caller: the ids in the path
//! and the JSON body.
//!
//! A path id that does not parse names nothing (404), and the 404 echoes at
//! most [`ECHO_CHARS`] characters of it. A body that is not JSON is 415, one
//! over `MAX_BODY_BYTES` 413, one that is not well-formed JSON 400, and one
//! with a key sent twice 422 naming it; the handler reads the rest of the
//! shape field by field, naming every bad field at once.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

use super::AppState;
use super::error::{ApiError, ErrorCode};
use crate::domain::{FleetId, Imo, JsonDocumentError, parse_json_document};

/// The `{imo}` of a vessel path (`9074729` or `IMO 9074729`, percent-decoded).
///
/// The handler checks it with [`ImoPath::imo`] rather than the extractor
/// refusing it: actix polls all extractors together, so a refusal here would
/// answer 404 before the role guard's key lookup could answer 401.
pub struct ImoPath(String);

impl ImoPath {
    /// The IMO number; one that is not valid names no vessel (404).
    pub fn imo(&self) -> Result<Imo, ApiError> {
        Imo::parse(&self.0)
            .map_err(|e| ApiError::not_found(format!("no vessel {}: {e}", echoed(&self.0))))
    }
}

/// The `{fleetId}` of a fleet path, checked by [`FleetPath::fleet`] (see [`ImoPath`]).
pub struct FleetPath(String);

impl FleetPath {
    /// The fleet id; one that is not a UUID names no fleet (404).
    pub fn fleet(&self) -> Result<FleetId, ApiError> {
        FleetId::parse(&self.0)
            .map_err(|_| ApiError::not_found(format!("no fleet with id {}", echoed(&self.0))))
    }
}

/// How many characters of a path segment a 404 repeats.
pub const ECHO_CHARS: usize = 64;

/// `segment` as a 404's detail repeats it: the first [`ECHO_CHARS`]
/// characters, then an ellipsis when there was more, so a 10 kB segment is
/// not sent back whole.
pub fn echoed(segment: &str) -> String {
    match segment.char_indices().nth(ECHO_CHARS) {
        None => segment.to_string(),
        Some((cut, _)) => format!("{}…", &segment[..cut]),
    }
}

/// The one path parameter of the route, decoded as `web::Path<String>` decodes it.
fn path_segment(request: &HttpRequest) -> Result<String, ApiError> {
    web::Path::<String>::extract(request)
        .into_inner()
        .map(web::Path::into_inner)
        .map_err(|error| ApiError::internal(error.to_string()))
}

impl FromRequest for ImoPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(path_segment(request).map(Self))
    }
}

impl FromRequest for FleetPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(path_segment(request).map(Self))
    }
}

/// A JSON request body, well-formed and with no key sent twice; handlers
/// read it field by field (see [`JsonFields`](crate::domain::JsonFields)).
pub struct JsonBody(pub Value);

/// True for `application/json` and any `application/<x>+json`
/// (`merge-patch+json`, `problem+json`, ...), with any parameters.
fn is_json(request: &HttpRequest) -> bool {
    let Some(value) = request.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.strip_prefix("application/") {
        Some("json") => true,
        Some(subtype) => subtype
            .strip_suffix("+json")
            .is_some_and(|name| !name.is_empty() && !name.contains(['/', ' '])),
        None => false,
    }
}

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(request);
        let limit = request
            .app_data::<web::Data<AppState>>()
            .map_or(4 * 1024 * 1024, |state| {
                super::edge::limits::json_body_limit(request, &state.settings)
            });
        let declared_length = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send the body as application/json",
                ));
            }
            if declared_length.is_some_and(|length| length > limit) {
                return Err(too_large(limit));
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::new(
                        ErrorCode::MalformedJson,
                        format!("could not read the body: {e}"),
                    )
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
            decode_json(&body).map(JsonBody)
        })
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the body is larger than {limit} bytes"),
    )
}

/// Decodes `bytes`: bad syntax is 400, a key sent twice 422 naming it.
pub fn decode_json(bytes: &[u8]) -> Result<Value, ApiError> {
    parse_json_document(bytes).map_err(|error| match error {
        // serde_json quotes tokens in Rust's backticks ("expected `,`").
        JsonDocumentError::Malformed(message) => ApiError::new(
            ErrorCode::MalformedJson,
            format!(
                "the body is not well-formed JSON: {}",
                message.replace('`', "'")
            ),
        ),
        JsonDocumentError::DuplicateKeys(fields) => ApiError::validation(fields),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn syntax_errors_are_400_and_repeated_keys_422() {
        for bad in [&b"{\"vesselIMO\": "[..], b"{} trailing", b"", b"[1,]"] {
            let error = decode_json(bad).unwrap_err();
            assert_eq!(error.code, ErrorCode::MalformedJson);
        }
        assert!(decode_json(b" {} \n").is_ok());
        let error = decode_json(b"{\"a\": 1 2}").unwrap_err();
        assert_eq!(
            error.detail,
            "the body is not well-formed JSON: expected ',' or '}' at line 1 column 9"
        );
        let error = decode_json(br#"{"name": "A", "name": "B"}"#).unwrap_err();
        assert_eq!(error.code, ErrorCode::ValidationFailed);
        assert_eq!(error.errors[0].field, "name");
    }

    #[test]
    fn a_404_echoes_at_most_64_characters() {
        assert_eq!(echoed("9074729"), "9074729");
        let exact = "é".repeat(ECHO_CHARS);
        assert_eq!(echoed(&exact), exact);
        let long = format!("{}<script>", "x".repeat(ECHO_CHARS));
        assert_eq!(echoed(&long), format!("{}…", "x".repeat(ECHO_CHARS)));
    }

    #[test]
    fn json_and_every_json_suffix_are_json() {
        let with = |content_type: &str| {
            is_json(
                &TestRequest::default()
                    .insert_header((header::CONTENT_TYPE, content_type))
                    .to_http_request(),
            )
        };
        for yes in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
            "application/problem+json",
            "application/vnd.fleet-risk.v1+json",
        ] {
            assert!(with(yes), "{yes}");
        }
        for no in [
            "text/json",
            "application/+json",
            "application/jsonx",
            "application/json-seq",
            "text/plain",
            "application/x-www-form-urlencoded",
        ] {
            assert!(!with(no), "{no}");
        }
        assert!(!is_json(&TestRequest::default().to_http_request()));
    }
}
