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

use crate::domain::{CompanyPerformance, FlagState, IncidentSeverity, ShipType, VesselProfile};

use super::model::{
    AsOfWindows, ClassPerformance, ClassStanding, FlagList, RiskModel, company_index,
};

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
    pub reason: Reason,
}

/// The scorecard before floors: the total and the 11 factors in spec order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub total: f64,
    pub factors: [FactorScore; 11],
}

/// A class society code short enough to keep inline (no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortCode {
    len: u8,
    bytes: [u8; 23],
}

impl ShortCode {
    fn new(code: &str) -> Option<Self> {
        let len = code.len();
        if len > 23 {
            return None;
        }
        let mut bytes = [0u8; 23];
        bytes[..len].copy_from_slice(code.as_bytes());
        Some(Self {
            len: len as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("copied from a str")
    }
}

/// The human reason of a factor ("built 1998: 28 years old").
///
/// Kept as the facts behind the sentence and rendered only when serialized
/// or displayed: scoring a million vessels should not build eleven million
/// strings nobody reads. A reason read back from JSON is `Text`; two reasons
/// are equal when they read the same.
#[derive(Debug, Clone)]
pub enum Reason {
    Built {
        year: i32,
        age: i32,
    },
    ShipType(ShipType),
    Flag {
        flag: FlagState,
        list: Option<FlagList>,
    },
    ClassListed {
        code: ShortCode,
        performance: ClassPerformance,
    },
    ClassUnlisted {
        code: ShortCode,
    },
    Unclassed,
    Company(CompanyPerformance),
    Detentions {
        count: u32,
        months: u32,
    },
    NoInspection {
        months: u32,
    },
    Deficiencies {
        deficiencies: u64,
        inspections: u32,
        months: u32,
    },
    NoIncident {
        months: u32,
    },
    Incidents {
        count: u32,
        months: u32,
        points: f64,
    },
    NoLosses {
        months: u32,
    },
    Losses {
        losses: f64,
        ratio: f64,
        months: u32,
    },
    NoValueNoLosses {
        months: u32,
    },
    NoValueLosses {
        losses: f64,
        months: u32,
    },
    ListedAreas {
        days: u32,
    },
    DarkActivity {
        ais_gaps: u32,
        flag_changes: u32,
    },
    Text(String),
}

struct Count<'a>(u64, &'a str, &'a str);

impl std::fmt::Display for Count<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == 1 {
            write!(f, "1 {}", self.1)
        } else {
            write!(f, "{} {}", self.0, self.2)
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Built { year, age } => write!(
                f,
                "built {year}: {} old",
                Count(age.unsigned_abs().into(), "year", "years")
            ),
            Self::ShipType(ship_type) => write!(f, "ship type {ship_type}"),
            Self::Flag { flag, list } => write!(f, "flag {flag}: {}", flag_label(*list)),
            Self::ClassListed { code, performance } => write!(
                f,
                "class {}: {} performance",
                code.as_str(),
                performance_label(*performance)
            ),
            Self::ClassUnlisted { code } => {
                write!(f, "class {}: not on the RO list", code.as_str())
            }
            Self::Unclassed => f.write_str("unclassed"),
            Self::Company(company) => {
                write!(f, "company performance {}", company_label(*company))
            }
            Self::Detentions { count, months } => write!(
                f,
                "{} in the last {months} months",
                Count((*count).into(), "detention", "detentions")
            ),
            Self::NoInspection { months } => {
                write!(f, "no inspection in the last {months} months")
            }
            Self::Deficiencies {
                deficiencies,
                inspections,
                months,
            } => write!(
                f,
                "{} in {} in the last {months} months",
                Count(*deficiencies, "deficiency", "deficiencies"),
                Count((*inspections).into(), "inspection", "inspections")
            ),
            Self::NoIncident { months } => write!(f, "no incident in the last {months} months"),
            Self::Incidents {
                count,
                months,
                points,
            } => write!(
                f,
                "{} in the last {months} months: {points:.2} severity points",
                Count((*count).into(), "incident", "incidents")
            ),
            Self::NoLosses { months } => write!(f, "no losses in the last {months} months"),
            Self::Losses {
                losses,
                ratio,
                months,
            } => write!(
                f,
                "losses of USD {losses:.0} in the last {months} months: loss ratio {ratio:.4}"
            ),
            Self::NoValueNoLosses { months } => {
                write!(f, "no insured value; no losses in the last {months} months")
            }
            Self::NoValueLosses { losses, months } => write!(
                f,
                "no insured value; losses of USD {losses:.0} in the last {months} months"
            ),
            Self::ListedAreas { days } => write!(
                f,
                "{} in listed areas in the last 12 months",
                Count((*days).into(), "day", "days")
            ),
            Self::DarkActivity {
                ais_gaps,
                flag_changes,
            } => write!(
                f,
                "{} in 12 months, {} in 36 months",
                Count((*ais_gaps).into(), "AIS gap", "AIS gaps"),
                Count((*flag_changes).into(), "flag change", "flag changes")
            ),
            Self::Text(text) => f.write_str(text),
        }
    }
}

impl PartialEq for Reason {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Text(a), Self::Text(b)) => a == b,
            _ => self.to_string() == other.to_string(),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::Text)
    }
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
    let code = class_code.unwrap_or_default();
    let class_reason = match (standing, ShortCode::new(code)) {
        (ClassStanding::Unclassed, _) => Reason::Unclassed,
        (ClassStanding::Listed(record), Some(code)) => Reason::ClassListed {
            code,
            performance: record.performance,
        },
        (ClassStanding::Unlisted, Some(code)) => Reason::ClassUnlisted { code },
        // Codes too long to keep inline: render now (rare).
        (ClassStanding::Listed(record), None) => Reason::Text(format!(
            "class {code}: {} performance",
            performance_label(record.performance)
        )),
        (ClassStanding::Unlisted, None) => {
            Reason::Text(format!("class {code}: not on the RO list"))
        }
    };
    push(FactorKey::ClassSociety, class_value, class_reason);

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
    fn reasons_read_the_same_before_and_after_a_round_trip() {
        let reason = Reason::Deficiencies {
            deficiencies: 1,
            inspections: 2,
            months: 36,
        };
        assert_eq!(
            reason.to_string(),
            "1 deficiency in 2 inspections in the last 36 months"
        );
        let json = serde_json::to_string(&reason).unwrap();
        let back: Reason = serde_json::from_str(&json).unwrap();
        assert_eq!(back, reason);
        assert_ne!(back, Reason::NoInspection { months: 36 });
        let long = "X".repeat(24);
        assert!(ShortCode::new(&long).is_none());
        assert_eq!(ShortCode::new("DNV").unwrap().as_str(), "DNV");
    }

    #[test]
    fn clamp_maps_nan_and_negative_zero_to_zero() {
        assert!(clamp01(-0.0).is_sign_positive());
        assert_eq!(clamp01(f64::NAN), 0.0);
        assert_eq!(clamp01(1.5), 1.0);
        assert_eq!(clamp01(0.25), 0.25);
    }
}
