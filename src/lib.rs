//! fleet-risk: vessel and fleet risk scoring for a marine hull insurer.
//!
//! Layers (see README): `domain` (parsed values), `risk` (the pure engine),
//! `storage` (all SQL), `jobs` (recalculation), `http` (the REST API),
//! `telemetry` (logs, metrics, Sentry), `cli` (the command line).

pub mod domain;
pub mod model_file;
pub mod risk;
