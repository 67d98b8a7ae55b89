//! Security headers on every response.
//!
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and
//!   `Referrer-Policy: no-referrer` on every answer;
//! - `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`
//!   on JSON answers only (problems included): HTML pages set their own;
//! - `Cache-Control: no-store` on answers to requests that bring a key and
//!   that say nothing of caching themselves. The cacheable reads (an `ETag`,
//!   `private, no-cache`: see `http::cache`) keep their own headers, a 304
//!   included; so does anything a handler marked itself.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;

const JSON_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// True for `application/json` and `application/<x>+json`.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase())
        .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"))
}

/// The headers `response` gets, given whether its request brought a key.
pub fn decorate(headers: &mut HeaderMap, authenticated: bool) {
    let mut set_default = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(header::X_FRAME_OPTIONS, "DENY");
    set_default(header::REFERRER_POLICY, "no-referrer");
    if is_json(headers) && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(JSON_POLICY),
        );
    }
    if authenticated
        && !headers.contains_key(header::CACHE_CONTROL)
        && !headers.contains_key(header::ETAG)
    {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The middleware (`from_fn`).
pub async fn secure_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let authenticated = request.headers().contains_key(header::AUTHORIZATION)
        || request.headers().contains_key("x-api-key");
    let mut response = next.call(request).await?;
    decorate(response.headers_mut(), authenticated);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn a_cacheable_read_keeps_its_cache_headers() {
        let mut map = headers(&[
            (header::ETAG, "W/\"v1\""),
            (header::CACHE_CONTROL, "private, no-cache"),
        ]);
        decorate(&mut map, true);
        assert_eq!(map.get(header::CACHE_CONTROL).unwrap(), "private, no-cache");
        let mut not_modified = headers(&[(header::ETAG, "W/\"v1\"")]);
        decorate(&mut not_modified, true);
        assert!(not_modified.get(header::CACHE_CONTROL).is_none());
    }

    #[test]
    fn an_html_page_keeps_its_own_policy_and_gets_none_of_ours() {
        let mut map = headers(&[(header::CONTENT_TYPE, "text/html; charset=utf-8")]);
        decorate(&mut map, false);
        assert!(map.get(header::CONTENT_SECURITY_POLICY).is_none());
        assert_eq!(map.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert!(map.get(header::CACHE_CONTROL).is_none());
    }
}
