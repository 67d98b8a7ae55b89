//! What handlers take from a request besides the caller: the ids in the path
//! and the JSON body.
//!
//! A path id that does not parse names nothing (404). A body that is not JSON
//! is 415, one over `MAX_BODY_BYTES` 413, one that is not well-formed JSON 400,
//! and one of the wrong shape (wrong type, unknown or missing field) 422
//! naming the field.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::{ApiError, ErrorCode};
use crate::domain::{FieldError, FieldErrors, FleetId, Imo};

/// The `{imo}` of a vessel path (`9074729` or `IMO 9074729`, percent-decoded).
///
/// The handler checks it with [`ImoPath::imo`] rather than the extractor
/// refusing it: actix polls all extractors together, so a refusal here would
/// answer 404 before the role guard's key lookup could answer 401.
pub struct ImoPath(String);

impl ImoPath {
    /// The IMO number; one that is not valid names no vessel (404).
    pub fn imo(&self) -> Result<Imo, ApiError> {
        Imo::parse(&self.0).map_err(|e| ApiError::not_found(format!("no vessel {}: {e}", self.0)))
    }
}

/// The `{fleetId}` of a fleet path, checked by [`FleetPath::fleet`] (see [`ImoPath`]).
pub struct FleetPath(String);

impl FleetPath {
    /// The fleet id; one that is not a UUID names no fleet (404).
    pub fn fleet(&self) -> Result<FleetId, ApiError> {
        FleetId::parse(&self.0)
            .map_err(|_| ApiError::not_found(format!("no fleet with id {}", self.0)))
    }
}

/// The one path parameter of the route, decoded as `web::Path<String>` decodes it.
fn path_segment(request: &HttpRequest) -> Result<String, ApiError> {
    web::Path::<String>::extract(request)
        .into_inner()
        .map(web::Path::into_inner)
        .map_err(|error| ApiError::internal(&error))
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

/// A JSON request body decoded into `T`.
pub struct JsonBody<T>(pub T);

/// True for `application/json` (and `application/merge-patch+json`), with any parameters.
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
    essence == "application/json" || essence == "application/merge-patch+json"
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(request);
        let limit = request
            .app_data::<web::Data<AppState>>()
            .map_or(4 * 1024 * 1024, |state| state.settings.max_body_bytes);
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

/// Decodes `bytes`: bad syntax is 400, a wrong shape 422 naming the field.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let malformed = |error: &serde_json::Error| {
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not well-formed JSON: {error}"),
        )
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let inner = error.inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            malformed(inner)
        } else {
            shape_error(&error.path().to_string(), &inner.to_string())
        }
    })?;
    deserializer.end().map_err(|error| malformed(&error))?;
    Ok(value)
}

/// A 422 for a wrong-shaped body, naming the field.
fn shape_error(path: &str, message: &str) -> ApiError {
    ApiError::validation(FieldErrors::from(FieldError::from_serde(path, message)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::VesselInput;

    fn field_of(error: &ApiError) -> &str {
        &error.errors[0].field
    }

    #[test]
    fn syntax_errors_are_400() {
        let error = decode_json::<VesselInput>(b"{\"vesselIMO\": ").unwrap_err();
        assert_eq!(error.code, ErrorCode::MalformedJson);
        let error = decode_json::<serde_json::Value>(b"{} trailing").unwrap_err();
        assert_eq!(error.code, ErrorCode::MalformedJson);
        assert!(decode_json::<serde_json::Value>(b" {} \n").is_ok());
    }

    #[test]
    fn unknown_missing_and_mistyped_fields_are_named() {
        let error =
            decode_json::<VesselInput>(br#"{"vesselIMO": "9074729", "imoNumber": 1}"#).unwrap_err();
        assert_eq!(error.code, ErrorCode::ValidationFailed);
        assert_eq!(field_of(&error), "imoNumber");

        let error = decode_json::<VesselInput>(br#"{"vesselIMO": "9074729"}"#).unwrap_err();
        assert_eq!(field_of(&error), "name");
        assert_eq!(error.errors[0].message, "is required");

        let body =
            br#"{"vesselIMO": "9074729", "name": "A", "shipType": "tug", "yearBuilt": "old"}"#;
        let error = decode_json::<VesselInput>(body).unwrap_err();
        assert_eq!(field_of(&error), "yearBuilt");

        let body = br#"{"vesselIMO": "9074729", "name": "A", "shipType": "tug", "yearBuilt": 2000,
            "grossTonnage": 300, "flag": "DK", "insuredValueUsd": 1,
            "inspections": [{"date": "2026-01-01", "regime": "uscg", "deficiencies": 0, "detained": false, "port": "X"}]}"#;
        let error = decode_json::<VesselInput>(body).unwrap_err();
        assert_eq!(field_of(&error), "inspections[0].port");
    }
}

/// Runs the `validator` rules of a DTO; every failing field is named in camelCase.
pub fn validated<T: validator::Validate>(dto: &T) -> Result<(), ApiError> {
    let Err(errors) = dto.validate() else {
        return Ok(());
    };
    let mut fields = FieldErrors::new();
    collect_validation_errors(&mut fields, "", &errors);
    Err(ApiError::validation(fields))
}

fn collect_validation_errors(
    out: &mut FieldErrors,
    prefix: &str,
    errors: &validator::ValidationErrors,
) {
    use validator::ValidationErrorsKind;
    let mut entries: Vec<_> = errors.errors().iter().collect();
    entries.sort_by_key(|(name, _)| name.to_string());
    for (name, kind) in entries {
        let field = if prefix.is_empty() {
            camel_case(name)
        } else {
            format!("{prefix}.{}", camel_case(name))
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list.iter().take(1) {
                    let message = error.message.as_ref().map_or_else(
                        || format!("is not valid ({})", error.code),
                        |m| m.to_string(),
                    );
                    out.push(field.clone(), message);
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation_errors(out, &field, inner),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation_errors(out, &format!("{field}[{index}]"), inner);
                }
            }
        }
    }
}

/// `days_in_listed_areas_12m` -> `daysInListedAreas12m`.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod validator_tests {
    use super::*;
    use validator::Validate;

    #[derive(Validate)]
    struct Sample {
        #[validate(length(min = 1, message = "must not be empty"))]
        display_name: String,
        #[validate(range(min = 1, max = 5))]
        star_rating: i64,
    }

    #[test]
    fn every_failing_field_is_named_in_camel_case() {
        let error = validated(&Sample {
            display_name: String::new(),
            star_rating: 9,
        })
        .unwrap_err();
        let fields: Vec<(&str, &str)> = error
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("displayName", "must not be empty"),
                ("starRating", "is not valid (range)")
            ]
        );
        assert_eq!(
            camel_case("days_in_listed_areas_12m"),
            "daysInListedAreas12m"
        );
    }
}
