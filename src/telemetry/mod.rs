//! Telemetry: logs, Prometheus metrics, Sentry error reporting and the
//! scrubber that keeps IMO numbers and policy ids out of everything sent.
//!
//! No business logic lives here: callers say what happened, this module
//! records it.

mod error_event;
mod logging;
pub mod metrics;
mod process_metrics;
pub mod request;
mod run_reports;
pub mod scrub;
pub mod sentry;
mod sentry_transport;

pub use error_event::error_event;
pub use logging::init_logging;
pub use metrics::{Metrics, RunOutcome};
pub use sentry::{init_sentry, report_run_failure, report_vessel_scoring_failure};
