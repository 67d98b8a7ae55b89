//! Feature flags: what a flag is ([`definition`]), how an admin's change is
//! read ([`change`]), how a flag answers for one user ([`evaluate`], pure:
//! no IO, `now` passed in, a fixed named hash), and when the rollout guard
//! caps a rollout ([`guard`], pure decisions over recorded observations).
//! Storage, the per-replica cache and the HTTP routes live elsewhere.

pub mod change;
pub mod definition;
pub mod evaluate;
pub mod guard;

pub use change::{FlagChange, parse_flag_change};
pub use definition::{
    FlagKey, FlagRules, Percentage, Region, ScheduleStep, StoredFlag, UserGroup, UserId,
};
pub use evaluate::{Evaluation, EvaluationContext, Reason, bucket, evaluate};

/// The flag that gates `GET /api/fleet-risk/dashboard` for viewers.
pub const FLEET_RISK_DASHBOARD: &str = "fleetRiskDashboard";
