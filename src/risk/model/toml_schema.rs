//! The model TOML as written: the serde schema of the file, before any
//! rule of the model is checked (see `validation`). Unknown keys are errors.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::ModelError;
use super::parameters::WindowMonths;

/// The reference files a model TOML names, as written (relative to the TOML file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceFiles {
    pub flags: String,
    pub class_societies: String,
}

/// The whole model file, parsed but not yet validated.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawModel {
    pub(super) version: String,
    pub(super) reference: RawReference,
    pub(super) thresholds: RawThresholds,
    pub(super) weights: BTreeMap<String, f64>,
    pub(super) factors: RawFactors,
    pub(super) floors: RawFloors,
    pub(super) srp: RawSrp,
    pub(super) expected_loss: RawExpectedLoss,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawReference {
    pub(super) flags: String,
    pub(super) class_societies: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawThresholds {
    pub(super) medium: f64,
    pub(super) high: f64,
    pub(super) critical: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawFactors {
    pub(super) age: RawAge,
    pub(super) ship_type: BTreeMap<String, f64>,
    pub(super) flag: BTreeMap<String, f64>,
    pub(super) class_society: BTreeMap<String, f64>,
    pub(super) company: BTreeMap<String, f64>,
    pub(super) detentions: RawDetentions,
    pub(super) deficiencies: RawDeficiencies,
    pub(super) incidents: RawIncidents,
    pub(super) loss_ratio: RawLossRatio,
    pub(super) listed_areas: RawListedAreas,
    pub(super) dark_activity: RawDarkActivity,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawAge {
    pub(super) start_years: f64,
    pub(super) span_years: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawDetentions {
    pub(super) window_months: u32,
    pub(super) one: f64,
    pub(super) two_or_more: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawDeficiencies {
    pub(super) window_months: u32,
    pub(super) no_inspection: f64,
    pub(super) full_at_mean: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawIncidents {
    pub(super) window_months: u32,
    pub(super) full_at_points: f64,
    pub(super) recent_months: u32,
    pub(super) recent_multiplier: f64,
    pub(super) middle_months: u32,
    pub(super) middle_multiplier: f64,
    pub(super) older_multiplier: f64,
    pub(super) severity_points: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawLossRatio {
    pub(super) window_months: u32,
    pub(super) years: f64,
    pub(super) full_at_ratio: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawListedAreas {
    pub(super) full_at_days: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawDarkActivity {
    pub(super) full_at_ais_gaps: f64,
    pub(super) full_at_flag_changes: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawFloors {
    pub(super) sanctioned: f64,
    pub(super) banned_listed: f64,
    pub(super) detentions: RawDetentionFloor,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawDetentionFloor {
    pub(super) count: u32,
    pub(super) window_months: u32,
    pub(super) floor: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawSrp {
    pub(super) window_months: u32,
    pub(super) hrs_at_points: u32,
    pub(super) hrs_ship_types: Vec<String>,
    pub(super) ship_type_points: u32,
    pub(super) age_over_years: i32,
    pub(super) age_points: u32,
    pub(super) detention_count: u32,
    pub(super) detention_points: u32,
    pub(super) lrs_max_deficiencies: u32,
    pub(super) flag_points: BTreeMap<String, u32>,
    pub(super) class_points: BTreeMap<String, u32>,
    pub(super) company_points: BTreeMap<String, u32>,
    pub(super) next_inspection: RawNextInspection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNextInspection {
    #[serde(rename = "HRS")]
    pub(super) hrs: WindowMonths,
    #[serde(rename = "SRS")]
    pub(super) srs: WindowMonths,
    #[serde(rename = "LRS")]
    pub(super) lrs: WindowMonths,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawExpectedLoss {
    pub(super) base_frequency: f64,
    pub(super) frequency_slope: f64,
    pub(super) pivot_score: f64,
    pub(super) claim_median_fraction: f64,
    pub(super) claim_sigma: f64,
    pub(super) type_rel: BTreeMap<String, f64>,
}

/// Parses the model TOML; a syntax or schema error is [`ModelError::Syntax`].
pub(super) fn parse(model_toml: &str) -> Result<RawModel, ModelError> {
    toml::from_str(model_toml).map_err(|e| ModelError::Syntax(e.to_string()))
}

/// The reference files the model TOML names, without reading the rest.
pub(super) fn reference_files(model_toml: &str) -> Result<ReferenceFiles, ModelError> {
    #[derive(Deserialize)]
    struct Only {
        reference: RawReference,
    }
    let raw: Only = toml::from_str(model_toml).map_err(|e| ModelError::Syntax(e.to_string()))?;
    Ok(ReferenceFiles {
        flags: raw.reference.flags,
        class_societies: raw.reference.class_societies,
    })
}
