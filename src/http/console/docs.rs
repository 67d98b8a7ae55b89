//! The API reference: `GET /docs` renders the served spec with Redoc
//! (vendored in `vendor/redoc/`, see its README: version, source, licence),
//! `GET /docs/{asset}` serves Redoc and its licences, and `GET
//! /openapi.yaml` is the repository's `openapi.yaml` byte for byte (`GET
//! /openapi.json` the same document as JSON). Nothing is fetched from
//! elsewhere: the reference works with no network.

use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};

use super::embedded::{EmbeddedFile, find};
use crate::http::error::ApiError;
use crate::http::extract::echoed;

/// Redoc's needs, on `/docs` only: inline styles (styled-components), a
/// search worker from a `blob:` URL, the spec fetched from here.
pub const DOCS_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; worker-src blob:; connect-src 'self'; \
     img-src 'self' data:; font-src 'self' data:; frame-ancestors 'none'";

static PAGE: EmbeddedFile = EmbeddedFile::new("docs.html", include_bytes!("docs.html"));

static ASSETS: [EmbeddedFile; 3] = [
    EmbeddedFile::new(
        "redoc.standalone.js",
        include_bytes!("vendor/redoc/redoc.standalone.js"),
    ),
    EmbeddedFile::new(
        "redoc.standalone.js.LICENSE.txt",
        include_bytes!("vendor/redoc/redoc.standalone.js.LICENSE.txt"),
    ),
    EmbeddedFile::new("LICENSE", include_bytes!("vendor/redoc/LICENSE")),
];

/// The contract, as the repository has it.
pub const OPENAPI_YAML: &str = include_str!("../../../openapi.yaml");

static SPEC_YAML: EmbeddedFile = EmbeddedFile::new("openapi.yaml", OPENAPI_YAML.as_bytes());

static SPEC_JSON: LazyLock<EmbeddedFile> = LazyLock::new(|| {
    let document: serde_json::Value = serde_norway::from_str(OPENAPI_YAML)
        .expect("openapi.yaml is valid YAML (a test proves it)");
    let json = serde_json::to_vec(&document).expect("a JSON value serializes");
    EmbeddedFile::new("openapi.json", Vec::leak(json))
});

/// `GET /docs`.
pub async fn page(request: HttpRequest) -> HttpResponse {
    PAGE.respond(&request, Some(DOCS_POLICY))
}

/// `GET /docs/{asset}`.
pub async fn asset(
    request: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    find(&ASSETS, &name)
        .map(|file| file.respond(&request, None))
        .ok_or_else(|| {
            ApiError::not_found(format!("the API reference has no file {}", echoed(&name)))
        })
}

/// `GET /openapi.yaml`.
pub async fn openapi_yaml(request: HttpRequest) -> HttpResponse {
    SPEC_YAML.respond(&request, None)
}

/// `GET /openapi.json`.
pub async fn openapi_json(request: HttpRequest) -> HttpResponse {
    SPEC_JSON.respond(&request, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_spec_is_the_yaml_document() {
        let json: serde_json::Value = serde_json::from_slice(SPEC_JSON.bytes).unwrap();
        let yaml: serde_json::Value = serde_norway::from_str(OPENAPI_YAML).unwrap();
        assert_eq!(json, yaml);
        assert_eq!(json["openapi"], "3.1.0");
    }
}
