//! The weighted scorecard of risk-model.md section 3: the 11 factors, each
//! with its value f in [0, 1], weight, contribution `weight x f` and a short
//! human reason.
//!
//! Inspections of every regime count here (the SRP alone is Paris-MoU only).
//! Events dated after `as_of` fall outside every window and are ignored.
//! Age is `as_of.year - yearBuilt`; a negative age (yearBuilt after the as-of
//! year, which the wire parse rejects) clamps to a factor of 0.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::{CompanyPerformance, IncidentSeverity, VesselProfile};

use super::calendar::Window;
use super::model::{ClassPerformance, ClassStanding, FlagList, RiskModel, company_index};

/// The factors of the scorecard, in the order of the spec's table (which is
/// also the tie order when contributions are equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FactorKey {
    Age,
    ShipType,
    Flag,
    ClassSociety,
    Company,
    Detentions,
    Deficiencies,
    Incidents,
    LossRatio,
    ListedAreas,
    DarkActivity,
}

impl FactorKey {
    pub const ALL: [FactorKey; 11] = [
        Self::Age,
        Self::ShipType,
        Self::Flag,
        Self::ClassSociety,
        Self::Company,
        Self::Detentions,
        Self::Deficiencies,
        Self::Incidents,
        Self::LossRatio,
        Self::ListedAreas,
        Self::DarkActivity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Age => "age",
            Self::ShipType => "shipType",
            Self::Flag => "flag",
            Self::ClassSociety => "classSociety",
            Self::Company => "company",
            Self::Detentions => "detentions",
            Self::Deficiencies => "deficiencies",
            Self::Incidents => "incidents",
            Self::LossRatio => "lossRatio",
            Self::ListedAreas => "listedAreas",
            Self::DarkActivity => "darkActivity",
        }
    }
}

/// One factor of the explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FactorScore {
    pub key: FactorKey,
    pub weight: f64,
    pub value: f64,
    pub contribution: f64,
    pub reason: String,
}

/// The scorecard before floors: the total and the 11 factors in spec order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub total: f64,
    pub factors: Vec<FactorScore>,
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

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn flag_label(list: Option<FlagList>) -> &'static str {
    match list {
        Some(FlagList::White) => "white list",
        Some(FlagList::Grey) => "grey list",
        Some(FlagList::BlackMedium) => "black list, medium risk",
        Some(FlagList::BlackMediumHigh) => "black list, medium to high risk",
        Some(FlagList::BlackHigh) => "black list, high risk",
        Some(FlagList::BlackVeryHigh) => "black list, very high risk",
        None => "not on the flag list",
    }
}

fn performance_label(p: ClassPerformance) -> &'static str {
    match p {
        ClassPerformance::High => "high",
        ClassPerformance::Medium => "medium",
        ClassPerformance::Low => "low",
        ClassPerformance::VeryLow => "very low",
    }
}

fn company_label(c: CompanyPerformance) -> &'static str {
    match c {
        CompanyPerformance::High => "high",
        CompanyPerformance::Medium => "medium",
        CompanyPerformance::Low => "low",
        CompanyPerformance::VeryLow => "very low",
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
    let p = model.factors();
    let mut factors = Vec::with_capacity(FactorKey::ALL.len());
    let mut push = |key: FactorKey, value: f64, reason: String| {
        let weight = model.weight(key);
        factors.push(FactorScore {
            key,
            weight,
            value,
            contribution: weight * value,
            reason,
        });
    };

    // age
    let age = as_of.year() - vessel.year_built;
    push(
        FactorKey::Age,
        clamp01((f64::from(age) - p.age_start_years) / p.age_span_years),
        format!(
            "built {}: {} old",
            vessel.year_built,
            plural(age.unsigned_abs().into(), "year", "years")
        ),
    );

    // shipType
    push(
        FactorKey::ShipType,
        p.ship_type[vessel.ship_type as usize],
        format!("ship type {}", vessel.ship_type.as_str()),
    );

    // flag
    let flag = model.flag(vessel.flag);
    let flag_list = flag.map(|r| r.list);
    push(
        FactorKey::Flag,
        flag_list.map_or(p.flag_unlisted, |l| p.flag[l as usize]),
        format!("flag {}: {}", vessel.flag.as_str(), flag_label(flag_list)),
    );

    // classSociety
    let class_code = vessel.class_society.as_ref().map(|c| c.as_str());
    let (class_value, class_reason) = match model.class_standing(class_code) {
        ClassStanding::Listed(record) => (
            p.class[record.performance as usize],
            format!(
                "class {}: {} performance",
                class_code.unwrap_or_default(),
                performance_label(record.performance)
            ),
        ),
        ClassStanding::Unlisted => (
            p.class_unlisted,
            format!(
                "class {}: not on the RO list",
                class_code.unwrap_or_default()
            ),
        ),
        ClassStanding::Unclassed => (p.class_unclassed, "unclassed".to_string()),
    };
    push(FactorKey::ClassSociety, class_value, class_reason);

    // company
    push(
        FactorKey::Company,
        p.company[company_index(vessel.company_performance)],
        format!(
            "company performance {}",
            company_label(vessel.company_performance)
        ),
    );

    // detentions and deficiencies: every regime
    let detention_window = Window::last_months(as_of, p.detentions_window_months);
    let deficiency_window = Window::last_months(as_of, p.deficiencies_window_months);
    let mut detentions = 0u64;
    let mut inspections = 0u64;
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
        format!(
            "{} in the last {} months",
            plural(detentions, "detention", "detentions"),
            p.detentions_window_months
        ),
    );
    let (deficiency_value, deficiency_reason) = if inspections == 0 {
        (
            p.deficiencies_no_inspection,
            format!(
                "no inspection in the last {} months",
                p.deficiencies_window_months
            ),
        )
    } else {
        let mean = deficiencies as f64 / inspections as f64;
        (
            clamp01(mean / p.deficiencies_full_at_mean),
            format!(
                "{} in {} in the last {} months",
                plural(deficiencies, "deficiency", "deficiencies"),
                plural(inspections, "inspection", "inspections"),
                p.deficiencies_window_months
            ),
        )
    };
    push(FactorKey::Deficiencies, deficiency_value, deficiency_reason);

    // incidents and lossRatio
    let incident_window = Window::last_months(as_of, p.incidents_window_months);
    let recent = Window::last_months(as_of, p.incidents_recent_months);
    let middle = Window::last_months(as_of, p.incidents_middle_months);
    let loss_window = Window::last_months(as_of, p.loss_ratio_window_months);
    let mut points = 0.0;
    let mut incident_count = 0u64;
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
    push(
        FactorKey::Incidents,
        clamp01(points / p.incidents_full_at_points),
        if incident_count == 0 {
            format!(
                "no incident in the last {} months",
                p.incidents_window_months
            )
        } else {
            format!(
                "{} in the last {} months: {:.2} severity points",
                plural(incident_count, "incident", "incidents"),
                p.incidents_window_months,
                points
            )
        },
    );
    let insured = vessel.insured_value_usd.value();
    let (loss_value, loss_reason) = if insured > 0.0 {
        let ratio = losses / (p.loss_ratio_years * insured);
        let reason = if losses > 0.0 {
            format!(
                "losses of USD {losses:.0} in the last {} months: loss ratio {ratio:.4}",
                p.loss_ratio_window_months
            )
        } else {
            format!(
                "no losses in the last {} months",
                p.loss_ratio_window_months
            )
        };
        (clamp01(ratio / p.loss_ratio_full_at), reason)
    } else if losses > 0.0 {
        (
            1.0,
            format!(
                "no insured value; losses of USD {losses:.0} in the last {} months",
                p.loss_ratio_window_months
            ),
        )
    } else {
        (
            0.0,
            format!(
                "no insured value; no losses in the last {} months",
                p.loss_ratio_window_months
            ),
        )
    };
    push(FactorKey::LossRatio, loss_value, loss_reason);

    // listedAreas
    push(
        FactorKey::ListedAreas,
        clamp01(f64::from(vessel.days_in_listed_areas_12m) / p.listed_areas_full_at_days),
        format!(
            "{} in listed areas in the last 12 months",
            plural(vessel.days_in_listed_areas_12m.into(), "day", "days")
        ),
    );

    // darkActivity
    push(
        FactorKey::DarkActivity,
        clamp01(
            f64::from(vessel.ais_gaps_12m) / p.dark_full_at_ais_gaps
                + f64::from(vessel.flag_changes_36m) / p.dark_full_at_flag_changes,
        ),
        format!(
            "{} in 12 months, {} in 36 months",
            plural(vessel.ais_gaps_12m.into(), "AIS gap", "AIS gaps"),
            plural(
                vessel.flag_changes_36m.into(),
                "flag change",
                "flag changes"
            )
        ),
    );

    let total = factors.iter().map(|f| f.contribution).sum();
    Scorecard { total, factors }
}
