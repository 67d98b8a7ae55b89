//! Per-request telemetry: a request id on every request and response, a
//! tracing span named by route pattern (raw paths carry IMO numbers, so they
//! are never logged), and the latency and error metrics.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use futures_util::future::{LocalBoxFuture, Ready, ready};
use tracing::Instrument;

use super::metrics::{Metrics, UNMATCHED};
use super::scrub::Scrubber;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// An incoming request id is kept when it is 1 to 128 visible ASCII
/// characters and carries nothing the scrubber would remove.
pub fn accepted_request_id(raw: &str, scrubber: &Scrubber) -> bool {
    (1..=128).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_graphic())
        && scrubber.scrub_text(raw) == raw
}

/// The `method` label: the standard methods, anything else is `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The middleware; wrap it outermost so it sees every response.
#[derive(Clone)]
pub struct RequestTelemetry {
    metrics: Arc<Metrics>,
    scrubber: Arc<Scrubber>,
}

impl RequestTelemetry {
    pub fn new(metrics: Arc<Metrics>, scrubber: Arc<Scrubber>) -> Self {
        Self { metrics, scrubber }
    }
}

impl<S, B> Transform<S, ServiceRequest> for RequestTelemetry
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = RequestTelemetryMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestTelemetryMiddleware {
            service: Rc::new(service),
            telemetry: self.clone(),
        }))
    }
}

pub struct RequestTelemetryMiddleware<S> {
    service: Rc<S>,
    telemetry: RequestTelemetry,
}

impl<S, B> Service<ServiceRequest> for RequestTelemetryMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let request_id = req
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|id| accepted_request_id(id, &self.telemetry.scrubber))
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let header = HeaderValue::from_str(&request_id).expect("visible ASCII is a header value");
        // Inner layers (the Sentry middleware, handlers) see the id as a header too.
        req.headers_mut().insert(REQUEST_ID_HEADER, header.clone());
        let endpoint = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_string());
        let method = method_label(req.method());
        let span =
            tracing::info_span!("request", request_id = %request_id, method, route = %endpoint);
        let metrics = self.telemetry.metrics.clone();
        let response = span.in_scope(|| self.service.call(req));
        Box::pin(async move {
            let result = response.instrument(span.clone()).await;
            let status = match &result {
                Ok(response) => response.status(),
                Err(error) => error.as_response_error().status_code(),
            };
            let elapsed = started.elapsed();
            metrics.observe_request(&endpoint, method, status.as_u16(), elapsed);
            span.in_scope(|| log_request(status.as_u16(), elapsed));
            let mut response = result?;
            response.headers_mut().insert(REQUEST_ID_HEADER, header);
            Ok(response)
        })
    }
}

/// A request slower than this is logged at `info` whatever its answer.
pub const SLOW_REQUEST: std::time::Duration = std::time::Duration::from_secs(1);

/// The access line. The metrics count every request (route, method,
/// status, latency), so the default `info` level logs only what a person
/// should read: server errors (`warn`) and slow requests (`info`); every
/// other answer, 4xx included, is `debug` (`RUST_LOG=fleet_risk=debug`
/// shows them all). A line per request at `info` was 308 MB of logs in two
/// minutes of load.
fn log_request(status: u16, elapsed: std::time::Duration) {
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(status, latency_ms, "request failed");
    } else if elapsed >= SLOW_REQUEST {
        tracing::info!(status, latency_ms, "slow request");
    } else {
        tracing::debug!(status, latency_ms, "request finished");
    }
}

/// Names the Sentry scope of a request after its route: the error event of a
/// 5xx carries the transaction `GET /api/fleet-risk/vessels/{imo}` and the
/// tags `route` and `status`. Wrap it inside the Sentry middleware (whose
/// per-request hub is the current one here), via `wrap_fn`.
pub fn name_sentry_scope<S, B>(
    req: ServiceRequest,
    service: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    // Sentry off: leave the worker's hub alone.
    let enabled = sentry::Hub::current().client().is_some();
    if enabled {
        let route = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_string());
        let transaction = format!("{} {route}", method_label(req.method()));
        sentry::Hub::current().configure_scope(|scope| {
            scope.set_transaction(Some(&transaction));
            scope.set_tag("route", &route);
        });
    }
    let response = service.call(req);
    async move {
        let response = response.await;
        if enabled && let Ok(response) = &response {
            sentry::Hub::current().configure_scope(|scope| {
                scope.set_tag("status", response.status().as_u16());
            });
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PolicyIdPattern;

    #[test]
    fn request_ids_are_validated() {
        let scrubber = Scrubber::new(&PolicyIdPattern::default());
        for ok in [
            "abc",
            "0190f5a2-7c1e-7b3a-9f00-123456789abc",
            &"x".repeat(128),
        ] {
            assert!(accepted_request_id(ok, &scrubber), "{ok}");
        }
        for bad in [
            "",
            &"x".repeat(129),
            "has space",
            "tab\t",
            "ünicode",
            "IMO9074729",
            "req-HULL-2026-004512",
        ] {
            assert!(!accepted_request_id(bad, &scrubber), "{bad}");
        }
    }
}
