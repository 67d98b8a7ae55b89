//! The pure risk engine of risk-model.md (model FRM-1): per-vessel
//! scorecard, hard-rule floors, risk level, Paris MoU Ship Risk Profile,
//! expected loss, fleet aggregation and the fleet loss Monte Carlo.
//!
//! No IO, no clock (every entry point takes `as_of`), no unseeded randomness
//! (the simulation takes a seed), no global state; rayon parallelism inside,
//! with results independent of the number of threads. The model's parameters
//! come from a validated [`RiskModel`].
//!
//! Readings of the spec this engine implements (beyond its literal text):
//! - Events dated after `as_of` are ignored everywhere; the "latest paris_mou
//!   inspection" is the latest on or before `as_of`.
//! - Age is `as_of.year - yearBuilt`; it may be negative for odd data (the age
//!   factor clamps to 0; the SRP age point needs age > 12).
//! - The detention floor counts detentions of any regime in the last 24
//!   months (3 or more). Scorecard detentions and deficiencies count every
//!   regime in the last 36 months; deficiencies f is the clamped mean per
//!   inspection over those inspections / 10, 0.5 when there are none.
//! - The SRP uses only paris_mou inspections. An unlisted flag gets 0 flag
//!   points; an unlisted class society and an unclassed ship get no class
//!   point and can never be LRS. HRS (points >= 5) is checked before LRS.
//!   `inspectionDue` is `as_of >= window.from`, or true with no paris_mou
//!   inspection on record (window null).
//! - Loss ratio with insured value 0: f = 0 without losses in the window, 1 with.
//! - Expected loss: V = 0 gives an EAL of 0 while `expectedClaims` is still lambda.
//! - Levels come from the thresholds passed in (a threshold value belongs to
//!   the higher level), applied to the final score.
//! - Factor ties keep the spec's table order; floors are listed in the order
//!   sanctioned, bannedListed, detentions24m.
//! - Fleet and simulation conventions: see [`fleet`] and [`simulation`].

pub mod assessment;
pub mod book;
pub mod calendar;
pub mod expected_loss;
pub mod factor_key;
pub mod fixed_str;
pub mod fleet;
pub mod floors;
pub mod model;
pub mod reason;
pub mod scorecard;
pub mod simulation;
pub mod srp;

#[cfg(test)]
mod tests;

pub use assessment::{Assessment, assess, assess_within, rank_factors};
pub use book::assess_book;
pub use factor_key::FactorKey;
pub use fleet::{
    FleetAggregate, FleetMember, LevelCounts, MemberFigures, SrpCounts, TopDriver, aggregate_fleet,
    aggregate_members, relevel,
};
pub use floors::{FloorHit, FloorRule};
pub use model::{AsOfWindows, ModelError, ModelVersion, RiskModel};
pub use reason::Reason;
pub use scorecard::FactorScore;
pub use simulation::{LossExposure, SimulationSummary, simulate_fleet};
pub use srp::{InspectionWindow, ShipRiskProfile, SrpProfile};
