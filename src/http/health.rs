//! Liveness and readiness.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;

/// The process is up and serving.
pub async fn liveness() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers and every migration is applied; 503 otherwise.
pub async fn readiness(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db.ping().await;
    let migrations = match &database {
        Ok(()) => state.db.migrations_applied().await.unwrap_or(false),
        Err(_) => false,
    };
    if let Err(error) = &database {
        tracing::warn!(%error, "readiness: database check failed");
    }
    let ready = database.is_ok() && migrations;
    let body = json!({
        "status": if ready { "ok" } else { "unavailable" },
        "version": env!("CARGO_PKG_VERSION"),
        "checks": {
            "database": if database.is_ok() { "ok" } else { "unavailable" },
            "migrations": if migrations { "ok" } else { "pending" },
        },
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(body)
    }
}
