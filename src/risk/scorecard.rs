//! The weighted scorecard of risk-model.md section 3: the 11 factors, each
//! with its value f in [0, 1], weight, contribution `weight x f` and a short
//! human reason (see [`super::reason`]).
//!
//! Inspections of every regime count here (the SRP alone is Paris-MoU only).
//! Events dated after `as_of` fall outside every window and are ignored.
//! Age is `as_of.year - yearBuilt`; a negative age (yearBuilt after the as-of
//! year, which the wire parse rejects) clamps to a factor of 0.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::{IncidentSeverity, VesselProfile};

use super::factor_key::FactorKey;
use super::model::{AsOfWindows, ClassStanding, RiskModel, company_index};
use super::reason::Reason;

/// One factor of the explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FactorScore {
    pub key: FactorKey,
    pub weight: f64,
    pub value: f64,
    pub contribution: f64,
    pub reason: Reason,
}

/// The scorecard before floors: the total and the 11 factors in spec order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub total: f64,
    pub factors: [FactorScore; 11],
}

/// `min(1, max(0, x))`; NaN and -0 become 0 so nothing odd reaches the output.
pub fn clamp01(x: f64) -> f64 {
    if x > 1.0 {
        1.0
    } else if x > 0.0 {
        x
    } else {
        0.0
    }
}

fn severity_index(s: IncidentSeverity) -> usize {
    match s {
        IncidentSeverity::A => 0,
        IncidentSeverity::B => 1,
        IncidentSeverity::C => 2,
    }
}

/// Scores the 11 factors of one vessel as of `as_of`.
pub fn scorecard(model: &RiskModel, vessel: &VesselProfile, as_of: NaiveDate) -> Scorecard {
    scorecard_within(model, vessel, &model.windows(as_of))
}

/// [`scorecard`] with the model's windows already resolved.
pub fn scorecard_within(
    model: &RiskModel,
    vessel: &VesselProfile,
    windows: &AsOfWindows,
) -> Scorecard {
    let p = model.factors();
    let as_of = windows.as_of;
    // Filled in spec order below; no heap allocation per vessel.
    let mut factors: [FactorScore; 11] = std::array::from_fn(|i| FactorScore {
        key: FactorKey::ALL[i],
        weight: model.weight(FactorKey::ALL[i]),
        value: 0.0,
        contribution: 0.0,
        reason: Reason::Unclassed,
    });
    let mut push = |key: FactorKey, value: f64, reason: Reason| {
        let factor = &mut factors[key as usize];
        factor.value = value;
        factor.contribution = factor.weight * value;
        factor.reason = reason;
    };

    let age = as_of.year() - vessel.year_built;
    push(
        FactorKey::Age,
        clamp01((f64::from(age) - p.age_start_years) / p.age_span_years),
        Reason::Built {
            year: vessel.year_built,
            age,
        },
    );

    push(
        FactorKey::ShipType,
        p.ship_type[vessel.ship_type as usize],
        Reason::ShipType(vessel.ship_type),
    );

    let list = model.flag(vessel.flag).map(|r| r.list);
    push(
        FactorKey::Flag,
        list.map_or(p.flag_unlisted, |l| p.flag[l as usize]),
        Reason::Flag {
            flag: vessel.flag,
            list,
        },
    );

    let class_code = vessel.class_society.as_ref().map(|c| c.as_str());
    let standing = model.class_standing(class_code);
    let class_value = match standing {
        ClassStanding::Listed(record) => p.class[record.performance as usize],
        ClassStanding::Unlisted => p.class_unlisted,
        ClassStanding::Unclassed => p.class_unclassed,
    };
    push(
        FactorKey::ClassSociety,
        class_value,
        Reason::class(standing, class_code),
    );

    push(
        FactorKey::Company,
        p.company[company_index(vessel.company_performance)],
        Reason::Company(vessel.company_performance),
    );

    // detentions and deficiencies: every regime
    let detention_window = windows.detentions;
    let deficiency_window = windows.deficiencies;
    let mut detentions = 0u32;
    let mut inspections = 0u32;
    let mut deficiencies = 0u64;
    for inspection in &vessel.inspections {
        if inspection.detained && detention_window.contains(inspection.date) {
            detentions += 1;
        }
        if deficiency_window.contains(inspection.date) {
            inspections += 1;
            deficiencies += u64::from(inspection.deficiencies);
        }
    }
    push(
        FactorKey::Detentions,
        match detentions {
            0 => 0.0,
            1 => p.detentions_one,
            _ => p.detentions_two_or_more,
        },
        Reason::Detentions {
            count: detentions,
            months: p.detentions_window_months,
        },
    );
    let months = p.deficiencies_window_months;
    if inspections == 0 {
        push(
            FactorKey::Deficiencies,
            p.deficiencies_no_inspection,
            Reason::NoInspection { months },
        );
    } else {
        let mean = deficiencies as f64 / f64::from(inspections);
        push(
            FactorKey::Deficiencies,
            clamp01(mean / p.deficiencies_full_at_mean),
            Reason::Deficiencies {
                deficiencies,
                inspections,
                months,
            },
        );
    }

    // incidents and lossRatio
    let incident_window = windows.incidents;
    let recent = windows.incidents_recent;
    let middle = windows.incidents_middle;
    let loss_window = windows.losses;
    let mut points = 0.0;
    let mut incident_count = 0u32;
    let mut losses = 0.0;
    for incident in &vessel.incidents {
        if incident_window.contains(incident.date) {
            let recency = if recent.contains(incident.date) {
                p.incidents_recent_multiplier
            } else if middle.contains(incident.date) {
                p.incidents_middle_multiplier
            } else {
                p.incidents_older_multiplier
            };
            points += p.severity_points[severity_index(incident.severity)] * recency;
            incident_count += 1;
        }
        if loss_window.contains(incident.date) {
            losses += incident.gross_loss_usd.value();
        }
    }
    let months = p.incidents_window_months;
    push(
        FactorKey::Incidents,
        clamp01(points / p.incidents_full_at_points),
        if incident_count == 0 {
            Reason::NoIncident { months }
        } else {
            Reason::Incidents {
                count: incident_count,
                months,
                points,
            }
        },
    );
    let insured = vessel.insured_value_usd.value();
    let months = p.loss_ratio_window_months;
    let (loss_value, loss_reason) = if insured > 0.0 {
        let ratio = losses / (p.loss_ratio_years * insured);
        let reason = if losses > 0.0 {
            Reason::Losses {
                losses,
                ratio,
                months,
            }
        } else {
            Reason::NoLosses { months }
        };
        (clamp01(ratio / p.loss_ratio_full_at), reason)
    } else if losses > 0.0 {
        (1.0, Reason::NoValueLosses { losses, months })
    } else {
        (0.0, Reason::NoValueNoLosses { months })
    };
    push(FactorKey::LossRatio, loss_value, loss_reason);

    push(
        FactorKey::ListedAreas,
        clamp01(f64::from(vessel.days_in_listed_areas_12m) / p.listed_areas_full_at_days),
        Reason::ListedAreas {
            days: vessel.days_in_listed_areas_12m,
        },
    );

    push(
        FactorKey::DarkActivity,
        clamp01(
            f64::from(vessel.ais_gaps_12m) / p.dark_full_at_ais_gaps
                + f64::from(vessel.flag_changes_36m) / p.dark_full_at_flag_changes,
        ),
        Reason::DarkActivity {
            ais_gaps: vessel.ais_gaps_12m,
            flag_changes: vessel.flag_changes_36m,
        },
    );

    let total = factors.iter().map(|f| f.contribution).sum();
    Scorecard { total, factors }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_maps_nan_and_negative_zero_to_zero() {
        assert!(clamp01(-0.0).is_sign_positive());
        assert_eq!(clamp01(f64::NAN), 0.0);
        assert_eq!(clamp01(1.5), 1.0);
        assert_eq!(clamp01(0.25), 0.25);
    }
}
