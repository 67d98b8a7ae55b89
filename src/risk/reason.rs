//! The human reason of each scorecard factor ("built 1998: 28 years old"):
//! the facts behind the sentence, rendered only when displayed or serialized.

use serde::{Deserialize, Serialize};

use crate::domain::{CompanyPerformance, FlagState, ShipType};

use super::fixed_str::FixedStr;
use super::model::{ClassPerformance, ClassStanding, FlagList};

/// A class society code short enough to keep inline (no allocation).
pub type ShortCode = FixedStr<23>;

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

impl Reason {
    /// The reason of the class society factor for `code` (`None`: unclassed)
    /// standing as it does in the reference table.
    pub fn class(standing: ClassStanding, code: Option<&str>) -> Self {
        let code = code.unwrap_or_default();
        match (standing, ShortCode::new(code)) {
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
        }
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
}
