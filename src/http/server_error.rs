//! Server errors (5xx): a panicking handler is answered like any other
//! internal error, and every server error reaches Sentry with its cause.
//!
//! Wrapped innermost, inside the Sentry middleware (whose per-request hub
//! is the current one here, with the route and the scrubbed request on its
//! scope), so the event is captured from the typed [`ApiError`] with its
//! whole cause chain ([`telemetry::error_event`]): the opaque problem+json
//! the client gets says nothing, the event says what went wrong. The
//! sentry-actix middleware's own capture is off (`capture_server_errors`),
//! since it sees only the response's error and none of its sources.
//!
//! A panic is reported by the Sentry panic integration at the moment it
//! happens, with the stack trace (only the panic hook can take it, before
//! the stack unwinds), to the request's hub; here it is only turned into a
//! 500, not reported a second time.

use std::panic::AssertUnwindSafe;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use futures_util::FutureExt;

use super::error::ApiError;
use crate::telemetry;

/// The cause of the 500 that answers a panicking handler.
#[derive(Debug, thiserror::Error)]
#[error("the handler panicked (reported with its stack trace by the panic hook)")]
pub struct HandlerPanicked;

/// The middleware (`middleware::from_fn`). A panic is answered as an
/// error the server turns into the problem+json response (a middleware
/// cannot keep the request to build one: the router needs it unshared).
pub async fn answer_server_errors(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let called = std::panic::catch_unwind(AssertUnwindSafe(|| next.call(request)));
    let outcome = match called {
        Ok(response) => AssertUnwindSafe(response).catch_unwind().await,
        Err(panic) => Err(panic),
    };
    match outcome {
        Ok(Ok(response)) => {
            if response.status().is_server_error()
                && let Some(error) = response.response().error()
            {
                report(error);
            }
            Ok(response)
        }
        Ok(Err(error)) => {
            if error.as_response_error().status_code().is_server_error() {
                report(&error);
            }
            Err(error)
        }
        Err(_panic) => Err(ApiError::internal(HandlerPanicked).into()),
    }
}

/// Captures a server error on the request's hub (when Sentry is on).
fn report(error: &actix_web::Error) {
    let hub = sentry::Hub::current();
    if hub.client().is_none() {
        return;
    }
    let mut event = match error.as_error::<ApiError>() {
        Some(api)
            if api
                .cause
                .as_deref()
                .is_some_and(|c| c.is::<HandlerPanicked>()) =>
        {
            return;
        }
        Some(api) => telemetry::error_event(api),
        None => telemetry::error_event(error),
    };
    event.tags.insert(
        "status".into(),
        error.as_response_error().status_code().as_u16().to_string(),
    );
    hub.capture_event(event);
}

#[cfg(test)]
mod tests {
    use actix_web::{App, HttpResponse, test, web};

    use super::*;
    use crate::storage::StorageError;

    async fn panics() -> HttpResponse {
        panic!("no score for IMO 9074729");
    }

    async fn fails() -> Result<HttpResponse, ApiError> {
        Err(StorageError::CorruptRow("flag: XX".into()).into())
    }

    #[actix_web::test]
    async fn a_panicking_handler_is_an_opaque_500_problem() {
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(answer_server_errors))
                .route("/panics", web::get().to(panics))
                .route("/fails", web::get().to(fails)),
        )
        .await;
        let request = test::TestRequest::get().uri("/panics").to_request();
        let error = test::try_call_service(&app, request).await.err().unwrap();
        let response = error.error_response();
        assert_eq!(response.status(), 500);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "internal_error");
        assert!(!body.to_string().contains("9074729"), "{body}");
        // The worker still serves.
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/fails").to_request()).await;
        assert_eq!(response.status(), 500);
    }
}
