//! fleet-risk: vessel and fleet risk scoring for a marine hull insurer.
//!
//! Layers, in the direction data flows: `http` and `cli` parse input into
//! `domain` values; `storage` holds all SQL; `compute` is the one bridge from
//! async code to CPU work; `telemetry` owns logs. See the README's map.

pub mod cli;
pub mod compute;
pub mod config;
pub mod domain;
pub mod http;
pub mod startup;
pub mod storage;
pub mod telemetry;
