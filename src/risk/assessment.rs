//! One vessel's assessment (risk-model.md section 10): scorecard, floors,
//! final score and level, the SRP, and expected loss, in the output shape
//! and field order of the API and CLI.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Imo, RiskLevel, RiskThresholds, VesselProfile};

use super::expected_loss::{claim_frequency, expected_annual_loss};
use super::floors::{FloorHit, final_score, floors_within};
use super::model::{AsOfWindows, ModelVersion, RiskModel};
use super::scorecard::{FactorScore, scorecard_within};
use super::srp::{ShipRiskProfile, ship_risk_profile_within};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    #[serde(rename = "vesselIMO")]
    pub vessel_imo: Imo,
    pub as_of: NaiveDate,
    pub model_version: ModelVersion,
    /// Final score: `max(scorecard, highest floor)`, full precision.
    pub score: f64,
    /// Sum of the factor contributions, before floors.
    pub scorecard: f64,
    pub level: RiskLevel,
    pub floors: Vec<FloorHit>,
    /// All 11 factors, largest contribution first; ties in the spec's table order.
    pub factors: [FactorScore; 11],
    pub srp: ShipRiskProfile,
    pub expected_claims: f64,
    pub expected_annual_loss_usd: f64,
}

/// Assesses one vessel as of `as_of`, its level cut by `thresholds`
/// (the fleet's, or the model's defaults).
pub fn assess(
    model: &RiskModel,
    vessel: &VesselProfile,
    as_of: NaiveDate,
    thresholds: &RiskThresholds,
) -> Assessment {
    assess_within(model, vessel, &model.windows(as_of), thresholds)
}

/// [`assess`] with the model's windows already resolved (one book, one as-of date).
pub fn assess_within(
    model: &RiskModel,
    vessel: &VesselProfile,
    windows: &AsOfWindows,
    thresholds: &RiskThresholds,
) -> Assessment {
    let card = scorecard_within(model, vessel, windows);
    let hits = floors_within(model, vessel, windows);
    let score = final_score(card.total, &hits);
    let mut factors = card.factors;
    rank_factors(&mut factors);
    let lambda = claim_frequency(model, vessel.ship_type, score);
    Assessment {
        vessel_imo: vessel.imo,
        as_of: windows.as_of,
        model_version: model.version(),
        score,
        scorecard: card.total,
        level: thresholds.level_of(score),
        floors: hits,
        factors,
        srp: ship_risk_profile_within(model, vessel, windows),
        expected_claims: lambda,
        expected_annual_loss_usd: expected_annual_loss(
            model,
            lambda,
            vessel.insured_value_usd.value(),
        ),
    }
}

/// Orders the factors as the output lists them: largest
/// contribution first, equal contributions in the spec's table order
/// (a stable sort, allocation-free for 11 items).
pub fn rank_factors(factors: &mut [FactorScore; 11]) {
    factors.sort_by(|a, b| {
        b.contribution
            .partial_cmp(&a.contribution)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}
