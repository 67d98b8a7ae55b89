//! The validated parameters of each section of the model: the scorecard
//! factors (section 3), the floors (section 2), the Ship Risk Profile
//! (section 5) and the expected loss (section 6). Tables are arrays indexed
//! by the enum they are keyed by, so the engine reads them without lookups.

use serde::Deserialize;

use crate::domain::CompanyPerformance;

/// Section 3 factor parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorParams {
    pub age_start_years: f64,
    pub age_span_years: f64,
    /// Indexed by `ShipType as usize`.
    pub ship_type: [f64; 11],
    /// Indexed by `FlagList as usize`.
    pub flag: [f64; 6],
    pub flag_unlisted: f64,
    /// Indexed by `ClassPerformance as usize`.
    pub class: [f64; 4],
    pub class_unlisted: f64,
    pub class_unclassed: f64,
    /// Indexed by `CompanyPerformance as usize`.
    pub company: [f64; 4],
    pub detentions_window_months: u32,
    pub detentions_one: f64,
    pub detentions_two_or_more: f64,
    pub deficiencies_window_months: u32,
    pub deficiencies_no_inspection: f64,
    pub deficiencies_full_at_mean: f64,
    pub incidents_window_months: u32,
    pub incidents_full_at_points: f64,
    /// Indexed A, B, C.
    pub severity_points: [f64; 3],
    pub incidents_recent_months: u32,
    pub incidents_recent_multiplier: f64,
    pub incidents_middle_months: u32,
    pub incidents_middle_multiplier: f64,
    pub incidents_older_multiplier: f64,
    pub loss_ratio_window_months: u32,
    pub loss_ratio_years: f64,
    pub loss_ratio_full_at: f64,
    pub listed_areas_full_at_days: f64,
    pub dark_full_at_ais_gaps: f64,
    pub dark_full_at_flag_changes: f64,
}

/// Section 2 hard rules.
#[derive(Debug, Clone, PartialEq)]
pub struct FloorParams {
    pub sanctioned: f64,
    pub banned_listed: f64,
    pub detention_count: u32,
    pub detention_window_months: u32,
    pub detention_floor: f64,
}

/// A next-inspection window in months after the latest inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WindowMonths {
    pub from_months: u32,
    pub to_months: u32,
}

/// Section 5 Ship Risk Profile rules.
#[derive(Debug, Clone, PartialEq)]
pub struct SrpParams {
    pub window_months: u32,
    pub hrs_at_points: u32,
    /// Indexed by `ShipType as usize`: true for the HRS ship types.
    pub hrs_ship_types: [bool; 11],
    pub ship_type_points: u32,
    pub age_over_years: i32,
    pub age_points: u32,
    pub detention_count: u32,
    pub detention_points: u32,
    pub lrs_max_deficiencies: u32,
    pub flag_points: [u32; 6],
    pub flag_unlisted_points: u32,
    pub class_points: [u32; 4],
    pub class_unlisted_points: u32,
    pub class_unclassed_points: u32,
    pub company_points: [u32; 4],
    pub hrs_window: WindowMonths,
    pub srs_window: WindowMonths,
    pub lrs_window: WindowMonths,
}

/// Section 6 expected loss constants.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedLossParams {
    pub base_frequency: f64,
    pub frequency_slope: f64,
    pub pivot_score: f64,
    pub claim_median_fraction: f64,
    pub claim_sigma: f64,
    /// Indexed by `ShipType as usize`.
    pub type_rel: [f64; 11],
}

/// `CompanyPerformance` table index, named for the reader.
pub(crate) fn company_index(company: CompanyPerformance) -> usize {
    company as usize
}
