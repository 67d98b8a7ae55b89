//! fleet-risk: vessel and fleet risk scoring for a marine hull insurer.
//!
//! Layers, in the direction data flows: `http` and `cli` parse input into
//! `domain` values; `risk` is the pure engine of risk-model.md; `storage`
//! holds all SQL; `compute` is the one bridge from async code to CPU work;
//! `telemetry` owns logs, metrics and error reporting. See the README's map.

pub mod allocator;
pub mod cli;
pub mod compute;
pub mod config;
pub mod domain;
pub mod export;
pub mod feedback;
pub mod flags;
pub mod http;
pub mod import;
pub mod jobs;
pub mod model_file;
pub mod risk;
pub mod startup;
pub mod storage;
pub mod telemetry;
