//! The REST API (actix-web): routes matching openapi.yaml, DTOs, auth, errors.
//!
//! Handlers are thin: parse the request into domain values, call storage or
//! the engine (through the compute bridge), shape the response.

mod api_keys;
mod assess;
pub mod auth;
pub mod cache;
pub mod console;
mod dashboard;
pub mod edge;
pub mod error;
mod export;
pub mod extract;
mod feedback;
pub mod flag_cache;
mod flags;
mod fleets;
mod health;
mod idempotency;
mod import;
pub mod metrics;
mod model;
mod ofrep;
mod query;
mod risk;
pub(crate) mod runs;
mod score_history;
pub mod server_error;
mod thresholds;
mod vessel_response;
mod vessels;

use std::sync::Arc;

use actix_web::{HttpResponse, web};

use crate::compute::ComputeBridge;
use crate::config::Settings;
use crate::jobs::JobContext;
use crate::risk::RiskModel;
use crate::storage::Database;
use crate::telemetry::Metrics;
use error::{ApiError, ErrorCode};

/// What every handler may reach.
pub struct AppState {
    pub db: Database,
    pub settings: Settings,
    pub compute: ComputeBridge,
    pub model: Arc<RiskModel>,
    pub jobs: JobContext,
    /// Rendered published-risk bodies per publication version.
    pub read_cache: cache::ReadCache,
    /// Feature flags of this replica (`PUBLICATION_POLL_MS`).
    pub flag_cache: flag_cache::FlagCache,
    /// Recently authenticated API keys (`API_KEY_CACHE_SECONDS`).
    pub key_cache: auth::KeyCache,
    /// The model file as JSON, for `GET /model`.
    pub model_document: serde_json::Value,
    /// Prometheus metrics of this server (recorders: `record_calculation`, `record_run`, ...).
    pub metrics: Arc<Metrics>,
    /// The Sentry hub of this server; `None` when Sentry is off.
    pub sentry: Option<Arc<sentry::Hub>>,
}

/// Declares the routes once: [`ROUTES`] lists them (for the contract test)
/// and [`configure`] registers exactly those, each path answering any other
/// method with 405 and an `Allow` header.
macro_rules! routes {
    ($($path:literal => { $($method:ident => $handler:path),+ $(,)? }),+ $(,)?) => {
        /// Every `(path, methods)` the server serves, in OpenAPI path syntax.
        pub const ROUTES: &[(&str, &[&str])] = &[$(($path, &[$(stringify!($method)),+])),+];

        fn register(config: &mut web::ServiceConfig) {
            $(
                config.service(
                    web::resource($path)
                        $(.route(method_route(stringify!($method)).to($handler)))+
                        .default_service(other_methods(&[$(stringify!($method)),+])),
                );
            )+
        }
    };
}

routes! {
    "/" => { get => console::page },
    "/console/{file}" => { get => console::file },
    "/console/views/{view}" => { get => console::view },
    "/docs" => { get => console::docs::page },
    "/docs/{asset}" => { get => console::docs::asset },
    "/openapi.yaml" => { get => console::docs::openapi_yaml },
    "/openapi.json" => { get => console::docs::openapi_json },
    "/api/health" => { get => health::readiness },
    "/api/health/live" => { get => health::liveness },
    "/api/fleet-risk/fleets" => { get => fleets::list, post => fleets::create },
    "/api/fleet-risk/fleets/{fleetId}" => {
        get => fleets::show, patch => fleets::update, delete => fleets::delete,
    },
    "/api/fleet-risk/fleets/{fleetId}/vessels" => { get => vessels::list_in_fleet },
    "/api/fleet-risk/fleets/{fleetId}/risk" => { get => risk::fleet_risk },
    "/api/fleet-risk/fleets/{fleetId}/risk/simulation" => { get => risk::fleet_simulation },
    "/api/fleet-risk/fleets/{fleetId}/export" => { get => export::fleet_export },
    "/api/fleet-risk/fleets/{fleetId}/thresholds" => {
        get => thresholds::get_fleet, put => thresholds::put_fleet, delete => thresholds::delete_fleet,
    },
    "/api/fleet-risk/vessels" => { post => vessels::create },
    "/api/fleet-risk/vessels/import" => { post => import::import },
    "/api/fleet-risk/vessels/{imo}" => {
        get => vessels::show, patch => vessels::update, delete => vessels::delete,
    },
    "/api/fleet-risk/vessels/{imo}/risk" => { get => risk::vessel_risk },
    "/api/fleet-risk/vessels/{imo}/risk/history" => { get => risk::vessel_risk_history },
    "/api/fleet-risk/vessels/{imo}/inspections" => { post => vessels::add_inspection },
    "/api/fleet-risk/vessels/{imo}/incidents" => { post => vessels::add_incident },
    "/api/fleet-risk/assess" => { post => assess::assess },
    "/api/fleet-risk/dashboard" => { get => dashboard::dashboard },
    "/api/fleet-risk/export" => { get => export::book_export },
    "/api/fleet-risk/thresholds" => { get => thresholds::get_default, put => thresholds::put_default },
    "/api/fleet-risk/runs" => { get => runs::list },
    "/api/fleet-risk/runs/{runId}" => { get => runs::show },
    "/api/fleet-risk/model" => { get => model::show },
    "/api/cron/risk-calculations" => { post => runs::trigger },
    "/api/feedback" => { post => feedback::submit },
    "/api/feedback/summary" => { get => feedback::summary },
    "/api/flags" => { get => flags::for_caller },
    "/api/admin/flags" => { get => flags::list },
    "/api/admin/flags/{key}" => { get => flags::show, put => flags::put },
    "/api/admin/flags/{key}/audit" => { get => flags::audit },
    "/api/admin/keys" => { get => api_keys::list, post => api_keys::create },
    "/api/admin/keys/{keyId}" => { delete => api_keys::revoke },
    "/ofrep/v1/evaluate/flags" => { post => ofrep::evaluate_all },
    "/ofrep/v1/evaluate/flags/{key}" => { post => ofrep::evaluate_one },
    "/ofrep/v1/configuration" => { get => ofrep::configuration },
}

/// The route of a method named in the table; GET routes answer HEAD too.
fn method_route(method: &str) -> actix_web::Route {
    use actix_web::guard;
    match method {
        "get" => web::route().guard(guard::Any(guard::Get()).or(guard::Head())),
        "post" => web::post(),
        "put" => web::put(),
        "patch" => web::patch(),
        "delete" => web::delete(),
        other => unreachable!("the route table names no method {other}"),
    }
}

/// What a path answers to a method it does not serve: 405 with `Allow`
/// naming `allowed` (as the route table spells them).
fn other_methods(allowed: &'static [&'static str]) -> actix_web::Route {
    web::to(move || async move { Err::<HttpResponse, _>(ApiError::method_not_allowed(allowed)) })
}

/// Registers every route, the query-string error mapping and the 404 fallback.
pub fn configure(config: &mut web::ServiceConfig) {
    config.app_data(query::config());
    register(config);
    config.default_service(web::to(|| async {
        Err::<HttpResponse, _>(ApiError::new(ErrorCode::RouteNotFound, "no such route"))
    }));
}
