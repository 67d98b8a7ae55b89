//! `GET /metrics`: the Prometheus exposition, no auth.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};

use super::AppState;
use crate::storage::Database;
use crate::telemetry::metrics::ScrapeInputs;

/// Minutes since each kind of data last changed, read at scrape time; a
/// `None` (no data yet, or the database cannot say) omits the series.
/// `risk_scores`: since scores were last published (any run);
/// `vessel_data`: since a vessel last changed.
pub async fn freshness(db: &Database) -> Vec<(&'static str, Option<f64>)> {
    let now = Utc::now();
    let minutes_since = |at: Option<DateTime<Utc>>| {
        at.map(|at| ((now - at).num_milliseconds() as f64 / 60_000.0).max(0.0))
    };
    vec![
        (
            "risk_scores",
            minutes_since(db.latest_publication_at().await.ok().flatten()),
        ),
        (
            "vessel_data",
            minutes_since(db.latest_vessel_change_at().await.ok().flatten()),
        ),
    ]
}

pub async fn serve(state: web::Data<AppState>) -> HttpResponse {
    let (pool_size, pool_idle) = state.db.pool_usage();
    let inputs = ScrapeInputs {
        freshness: freshness(&state.db).await,
        pool_size,
        pool_idle,
        pool_max: state.settings.db_max_connections,
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&inputs))
}

/// Registers `GET /metrics` (outside the API route table and its contract)
/// with the table's routing rules: HEAD as GET, 405 with `Allow` otherwise.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::resource("/metrics")
            .route(super::method_route("get").to(serve))
            .default_service(super::other_methods(&["get"])),
    );
}
