//! Hard rules of risk-model.md section 2: floors on the final score.
//!
//! Every rule that fires is reported, in the order sanctioned, bannedListed,
//! detentions24m; `final = max(scorecard, highest floor)`. The detention rule
//! counts detentions of every regime in the model's window (24 months).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::VesselProfile;

use super::model::{AsOfWindows, RiskModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FloorRule {
    #[serde(rename = "sanctioned")]
    Sanctioned,
    #[serde(rename = "bannedListed")]
    BannedListed,
    #[serde(rename = "detentions24m")]
    Detentions24m,
}

/// A rule that fired and the floor it puts under the final score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FloorHit {
    pub rule: FloorRule,
    pub floor: f64,
}

/// The rules that fire for `vessel`, in rule order.
pub fn floors(model: &RiskModel, vessel: &VesselProfile, as_of: NaiveDate) -> Vec<FloorHit> {
    floors_within(model, vessel, &model.windows(as_of))
}

/// [`floors`] with the model's windows already resolved.
pub fn floors_within(
    model: &RiskModel,
    vessel: &VesselProfile,
    windows: &AsOfWindows,
) -> Vec<FloorHit> {
    let p = model.floors();
    let mut hits = Vec::new();
    if vessel.sanctioned {
        hits.push(FloorHit {
            rule: FloorRule::Sanctioned,
            floor: p.sanctioned,
        });
    }
    if vessel.banned_listed {
        hits.push(FloorHit {
            rule: FloorRule::BannedListed,
            floor: p.banned_listed,
        });
    }
    let window = windows.detention_floor;
    let detentions = vessel
        .inspections
        .iter()
        .filter(|i| i.detained && window.contains(i.date))
        .count();
    if detentions >= p.detention_count as usize {
        hits.push(FloorHit {
            rule: FloorRule::Detentions24m,
            floor: p.detention_floor,
        });
    }
    hits
}

/// `max(scorecard, highest floor)`.
pub fn final_score(scorecard: f64, hits: &[FloorHit]) -> f64 {
    hits.iter()
        .fold(scorecard, |score, hit| score.max(hit.floor))
}
