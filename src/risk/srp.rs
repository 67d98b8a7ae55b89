//! The Paris MoU Ship Risk Profile of risk-model.md section 5, reported beside
//! the score.
//!
//! Only `paris_mou` inspections count. Interpretations (see the module docs
//! of `risk`): an unlisted flag scores no flag point; an unlisted class
//! society and an unclassed ship score no class point and can never be LRS;
//! HRS (points >= 5) is checked before LRS. The next inspection window runs
//! from the latest `paris_mou` inspection on or before `as_of`; with none on
//! record the window is null and an inspection is due.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::{InspectionRegime, VesselProfile};

use super::calendar::add_months;
use super::model::{
    AsOfWindows, ClassPerformance, ClassStanding, FlagList, RiskModel, WindowMonths, company_index,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SrpProfile {
    #[serde(rename = "HRS")]
    High,
    #[serde(rename = "SRS")]
    Standard,
    #[serde(rename = "LRS")]
    Low,
}

impl SrpProfile {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "HRS",
            Self::Standard => "SRS",
            Self::Low => "LRS",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionWindow {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipRiskProfile {
    pub profile: SrpProfile,
    pub points: u32,
    pub inspection_due: bool,
    pub next_inspection_window: Option<InspectionWindow>,
}

pub fn ship_risk_profile(
    model: &RiskModel,
    vessel: &VesselProfile,
    as_of: NaiveDate,
) -> ShipRiskProfile {
    ship_risk_profile_within(model, vessel, &model.windows(as_of))
}

/// [`ship_risk_profile`] with the model's windows already resolved.
pub fn ship_risk_profile_within(
    model: &RiskModel,
    vessel: &VesselProfile,
    windows: &AsOfWindows,
) -> ShipRiskProfile {
    let as_of = windows.as_of;
    let p = model.srp();
    let window = windows.srp;

    let mut latest: Option<NaiveDate> = None;
    let mut recent_inspections = 0u32;
    let mut recent_detentions = 0u32;
    let mut recent_max_deficiencies = 0u32;
    for inspection in vessel
        .inspections
        .iter()
        .filter(|i| i.regime == InspectionRegime::ParisMou && i.date <= as_of)
    {
        latest = Some(latest.map_or(inspection.date, |d| d.max(inspection.date)));
        if window.contains(inspection.date) {
            recent_inspections += 1;
            recent_max_deficiencies = recent_max_deficiencies.max(inspection.deficiencies);
            if inspection.detained {
                recent_detentions += 1;
            }
        }
    }

    let flag = model.flag(vessel.flag);
    let class = model.class_standing(vessel.class_society.as_ref().map(|c| c.as_str()));
    let mut points = 0;
    if p.hrs_ship_types[vessel.ship_type as usize] {
        points += p.ship_type_points;
    }
    if as_of.year() - vessel.year_built > p.age_over_years {
        points += p.age_points;
    }
    points += flag.map_or(p.flag_unlisted_points, |f| p.flag_points[f.list as usize]);
    points += match class {
        ClassStanding::Listed(record) => p.class_points[record.performance as usize],
        ClassStanding::Unlisted => p.class_unlisted_points,
        ClassStanding::Unclassed => p.class_unclassed_points,
    };
    points += p.company_points[company_index(vessel.company_performance)];
    if recent_detentions >= p.detention_count {
        points += p.detention_points;
    }

    let low_risk = flag.is_some_and(|f| f.list == FlagList::White && f.imo_audited)
        && matches!(class, ClassStanding::Listed(r) if r.performance == ClassPerformance::High && r.eu_recognized)
        && vessel.company_performance == crate::domain::CompanyPerformance::High
        && recent_inspections > 0
        && recent_max_deficiencies <= p.lrs_max_deficiencies
        && recent_detentions == 0;

    let (profile, months) = if points >= p.hrs_at_points {
        (SrpProfile::High, p.hrs_window)
    } else if low_risk {
        (SrpProfile::Low, p.lrs_window)
    } else {
        (SrpProfile::Standard, p.srs_window)
    };
    let next_inspection_window = latest.map(|date| window_after(date, months));
    ShipRiskProfile {
        profile,
        points,
        inspection_due: next_inspection_window.is_none_or(|w| as_of >= w.from),
        next_inspection_window,
    }
}

fn window_after(date: NaiveDate, months: WindowMonths) -> InspectionWindow {
    InspectionWindow {
        from: add_months(date, months.from_months as i32),
        to: add_months(date, months.to_months as i32),
    }
}
