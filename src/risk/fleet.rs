//! Fleet aggregation of risk-model.md section 8.
//!
//! Value-weighted means (score, top drivers, high-risk share) use the insured
//! values V_i; when they sum to 0 every vessel weighs the same (plain means),
//! the rule the spec gives for the score, applied to all three so the figures
//! stay consistent. Levels are re-cut from each final score with the fleet's
//! thresholds. An empty fleet has vesselCount 0, score 0, level low, no top
//! drivers and every sum 0. `largestTankerExposureUsd` is 0 when the fleet has
//! no oil, chemical or gas tanker.

use serde::{Deserialize, Serialize};

use crate::domain::{RiskLevel, RiskThresholds, ShipType, VesselProfile};

use super::assessment::Assessment;
use super::factor_key::FactorKey;
use super::srp::SrpProfile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LevelCounts {
    pub low: u64,
    pub medium: u64,
    pub high: u64,
    pub critical: u64,
}

impl LevelCounts {
    /// Counts one vessel at `level`; true when that level is high or critical.
    pub fn count(&mut self, level: RiskLevel) -> bool {
        match level {
            RiskLevel::Low => self.low += 1,
            RiskLevel::Medium => self.medium += 1,
            RiskLevel::High => self.high += 1,
            RiskLevel::Critical => self.critical += 1,
        }
        matches!(level, RiskLevel::High | RiskLevel::Critical)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SrpCounts {
    #[serde(rename = "HRS")]
    pub hrs: u64,
    #[serde(rename = "SRS")]
    pub srs: u64,
    #[serde(rename = "LRS")]
    pub lrs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopDriver {
    pub key: FactorKey,
    pub mean_contribution: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetAggregate {
    pub score: f64,
    pub level: RiskLevel,
    pub max_score: f64,
    pub vessel_count: u64,
    pub total_insured_value_usd: f64,
    pub level_counts: LevelCounts,
    pub srp_counts: SrpCounts,
    pub high_risk_value_share: f64,
    pub expected_claims: f64,
    pub expected_annual_loss_usd: f64,
    pub top_drivers: Vec<TopDriver>,
    pub largest_tanker_exposure_usd: f64,
}

/// How many factors `topDrivers` lists.
pub const TOP_DRIVERS: usize = 3;

/// Aggregates a fleet's vessels with their assessments.
pub fn aggregate_fleet(
    members: &[(&VesselProfile, &Assessment)],
    thresholds: &RiskThresholds,
) -> FleetAggregate {
    let members: Vec<FleetMember> = members
        .iter()
        .map(|(vessel, assessment)| FleetMember {
            insured_value_usd: vessel.insured_value_usd.value(),
            ship_type: vessel.ship_type,
            figures: MemberFigures::of(assessment),
        })
        .collect();
    aggregate_members(&members, thresholds)
}

/// What aggregation reads of a vessel's assessment: its score, SRP profile,
/// expected loss and each factor's contribution (a tenth of the whole
/// assessment, which a book-wide run need not keep for every vessel).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberFigures {
    pub score: f64,
    pub srp_profile: SrpProfile,
    pub expected_claims: f64,
    pub expected_annual_loss_usd: f64,
    /// Each factor's contribution, in the spec's factor order
    /// (`FactorKey as usize`).
    pub contributions: [f64; FactorKey::ALL.len()],
}

impl MemberFigures {
    pub fn of(assessment: &Assessment) -> Self {
        let mut contributions = [0.0; FactorKey::ALL.len()];
        for factor in &assessment.factors {
            contributions[factor.key as usize] = factor.contribution;
        }
        Self {
            score: assessment.score,
            srp_profile: assessment.srp.profile,
            expected_claims: assessment.expected_claims,
            expected_annual_loss_usd: assessment.expected_annual_loss_usd,
            contributions,
        }
    }
}

/// What aggregation reads of one vessel: its insured value, its type (for the
/// tanker exposure) and its assessment's figures. Published assessments are
/// aggregated through this without reloading the vessels' histories.
#[derive(Debug, Clone, Copy)]
pub struct FleetMember {
    pub insured_value_usd: f64,
    pub ship_type: ShipType,
    pub figures: MemberFigures,
}

/// [`aggregate_fleet`] over members.
pub fn aggregate_members(members: &[FleetMember], thresholds: &RiskThresholds) -> FleetAggregate {
    let total_value: f64 = members.iter().map(|m| m.insured_value_usd).sum();
    // Plain means when no vessel carries value (the spec's rule for the score).
    let weight_of = |member: &FleetMember| {
        if total_value > 0.0 {
            member.insured_value_usd
        } else {
            1.0
        }
    };
    let total_weight: f64 = members.iter().map(weight_of).sum();

    let mut weighted_score = 0.0;
    let mut max_score = 0.0f64;
    let mut min_score = f64::INFINITY;
    let mut level_counts = LevelCounts::default();
    let mut srp_counts = SrpCounts::default();
    let mut high_risk_weight = 0.0;
    let mut expected_claims = 0.0;
    let mut expected_annual_loss_usd = 0.0;
    let mut contributions = [0.0; FactorKey::ALL.len()];
    let mut largest_tanker_exposure_usd = 0.0f64;

    for member in members {
        let figures = &member.figures;
        let weight = weight_of(member);
        weighted_score += weight * figures.score;
        max_score = max_score.max(figures.score);
        min_score = min_score.min(figures.score);
        if level_counts.count(thresholds.level_of(figures.score)) {
            high_risk_weight += weight;
        }
        match figures.srp_profile {
            SrpProfile::High => srp_counts.hrs += 1,
            SrpProfile::Standard => srp_counts.srs += 1,
            SrpProfile::Low => srp_counts.lrs += 1,
        }
        expected_claims += figures.expected_claims;
        expected_annual_loss_usd += figures.expected_annual_loss_usd;
        for (sum, contribution) in contributions.iter_mut().zip(figures.contributions) {
            *sum += weight * contribution;
        }
        if member.ship_type.is_tanker() {
            largest_tanker_exposure_usd = largest_tanker_exposure_usd.max(member.insured_value_usd);
        }
    }

    let mean = |sum: f64| {
        if total_weight > 0.0 {
            sum / total_weight
        } else {
            0.0
        }
    };
    // A weighted mean lies between the least and the greatest member; the
    // rounding of the sums can push it just outside (100.00000000000001 for
    // a fleet of 100s), so it is held there.
    let score = if members.is_empty() {
        0.0
    } else {
        mean(weighted_score).clamp(min_score, max_score)
    };
    let mut top_drivers: Vec<TopDriver> = if members.is_empty() {
        Vec::new()
    } else {
        FactorKey::ALL
            .iter()
            .map(|key| TopDriver {
                key: *key,
                mean_contribution: mean(contributions[*key as usize]),
            })
            .collect()
    };
    // Stable: ties keep the spec's factor order.
    top_drivers.sort_by(|a, b| {
        b.mean_contribution
            .partial_cmp(&a.mean_contribution)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    top_drivers.truncate(TOP_DRIVERS);

    FleetAggregate {
        score,
        level: thresholds.level_of(score),
        max_score,
        vessel_count: members.len() as u64,
        total_insured_value_usd: total_value,
        level_counts,
        srp_counts,
        // A share, held at most 1 for the same reason.
        high_risk_value_share: mean(high_risk_weight).min(1.0),
        expected_claims,
        expected_annual_loss_usd,
        top_drivers,
        largest_tanker_exposure_usd,
    }
}

/// Re-cuts the level-dependent parts of a published aggregate (`level`,
/// `levelCounts`, `highRiskValueShare`) with new thresholds, from the members'
/// `(final score, insured value)`: what a threshold change does without
/// re-scoring. Gives what [`aggregate_members`] would with those thresholds.
pub fn relevel(
    aggregate: &mut FleetAggregate,
    members: &[(f64, f64)],
    thresholds: &RiskThresholds,
) {
    let total_value: f64 = members.iter().map(|(_, value)| value).sum();
    let weight_of = |value: f64| if total_value > 0.0 { value } else { 1.0 };
    let total_weight: f64 = members.iter().map(|(_, value)| weight_of(*value)).sum();
    let mut level_counts = LevelCounts::default();
    let mut high_risk_weight = 0.0;
    for (score, value) in members {
        if level_counts.count(thresholds.level_of(*score)) {
            high_risk_weight += weight_of(*value);
        }
    }
    aggregate.level = thresholds.level_of(aggregate.score);
    aggregate.level_counts = level_counts;
    aggregate.high_risk_value_share = if total_weight > 0.0 {
        high_risk_weight / total_weight
    } else {
        0.0
    };
}
