//! The risk model's parameters (model `frm-1.0` and successors): weights,
//! factor tables, windows, floors, SRP rules, expected-loss constants and the
//! flag / class society reference tables.
//!
//! Built by one pure constructor, [`RiskModel::from_sources`], from the text of
//! the model TOML and the two reference CSVs (reading the files is the
//! caller's job: see `crate::model_file`). Everything is validated there, so
//! the engine can index tables without checks: weights sum to 100, every table
//! has every key and no unknown one, factor values lie in [0, 1], windows and
//! divisors are positive, thresholds are ordered. Error messages name the
//! table and key at fault.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::{CompanyPerformance, FlagState, RiskThresholds, ShipType};

use super::calendar::Window;
use super::scorecard::FactorKey;

/// A model that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("model file: {0}")]
    Syntax(String),
    #[error("{file} line {line}: {message}")]
    Reference {
        file: &'static str,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Paris MoU White/Grey/Black list colour of a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagList {
    White,
    Grey,
    BlackMedium,
    BlackMediumHigh,
    BlackHigh,
    BlackVeryHigh,
}

impl FlagList {
    pub const ALL: [FlagList; 6] = [
        Self::White,
        Self::Grey,
        Self::BlackMedium,
        Self::BlackMediumHigh,
        Self::BlackHigh,
        Self::BlackVeryHigh,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::White => "white",
            Self::Grey => "grey",
            Self::BlackMedium => "black_medium",
            Self::BlackMediumHigh => "black_medium_high",
            Self::BlackHigh => "black_high",
            Self::BlackVeryHigh => "black_very_high",
        }
    }

    fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|list| list.as_str() == input)
    }
}

/// Paris MoU RO (recognized organization) performance of a class society.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClassPerformance {
    High,
    Medium,
    Low,
    VeryLow,
}

impl ClassPerformance {
    pub const ALL: [ClassPerformance; 4] = [Self::High, Self::Medium, Self::Low, Self::VeryLow];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
            Self::VeryLow => "very_low",
        }
    }

    fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == input)
    }
}

/// One row of the flag reference table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagRecord {
    pub list: FlagList,
    pub imo_audited: bool,
}

/// One row of the class society reference table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassRecord {
    pub performance: ClassPerformance,
    pub eu_recognized: bool,
}

/// How a vessel's classification reads against the reference table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassStanding {
    Listed(ClassRecord),
    Unlisted,
    Unclassed,
}

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

/// The model's windows resolved for one as-of date, so that scoring a book
/// does the month arithmetic once rather than once per vessel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOfWindows {
    pub as_of: NaiveDate,
    pub detentions: Window,
    pub deficiencies: Window,
    pub incidents: Window,
    pub incidents_recent: Window,
    pub incidents_middle: Window,
    pub losses: Window,
    pub detention_floor: Window,
    pub srp: Window,
}

/// A model version kept inline (at most 31 bytes), so every assessment can
/// carry it without an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelVersion {
    len: u8,
    bytes: [u8; 31],
}

impl ModelVersion {
    pub const MAX_LEN: usize = 31;

    pub fn parse(input: &str) -> Result<Self, String> {
        let version = input.trim();
        if version.is_empty() {
            return Err("version must not be empty".into());
        }
        if version.len() > Self::MAX_LEN {
            return Err(format!("version must be at most {} bytes", Self::MAX_LEN));
        }
        let mut bytes = [0u8; 31];
        bytes[..version.len()].copy_from_slice(version.as_bytes());
        Ok(Self {
            len: version.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("copied from a str")
    }
}

impl std::fmt::Display for ModelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ModelVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ModelVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A validated risk model. Fields are read-only to the engine; the only way
/// to build one is [`RiskModel::from_sources`].
#[derive(Debug, Clone, PartialEq)]
pub struct RiskModel {
    version: ModelVersion,
    thresholds: RiskThresholds,
    /// Indexed by `FactorKey as usize`.
    weights: [f64; 11],
    factors: FactorParams,
    floors: FloorParams,
    srp: SrpParams,
    expected_loss: ExpectedLossParams,
    /// Indexed by the two letters of the flag code (26 x 26).
    flags: Vec<Option<FlagRecord>>,
    class_societies: HashMap<String, ClassRecord>,
}

/// The reference files a model TOML names, as written (relative to the TOML file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceFiles {
    pub flags: String,
    pub class_societies: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawModel {
    version: String,
    reference: RawReference,
    thresholds: RawThresholds,
    weights: BTreeMap<String, f64>,
    factors: RawFactors,
    floors: RawFloors,
    srp: RawSrp,
    expected_loss: RawExpectedLoss,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawReference {
    flags: String,
    class_societies: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    medium: f64,
    high: f64,
    critical: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawFactors {
    age: RawAge,
    ship_type: BTreeMap<String, f64>,
    flag: BTreeMap<String, f64>,
    class_society: BTreeMap<String, f64>,
    company: BTreeMap<String, f64>,
    detentions: RawDetentions,
    deficiencies: RawDeficiencies,
    incidents: RawIncidents,
    loss_ratio: RawLossRatio,
    listed_areas: RawListedAreas,
    dark_activity: RawDarkActivity,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawAge {
    start_years: f64,
    span_years: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawDetentions {
    window_months: u32,
    one: f64,
    two_or_more: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawDeficiencies {
    window_months: u32,
    no_inspection: f64,
    full_at_mean: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawIncidents {
    window_months: u32,
    full_at_points: f64,
    recent_months: u32,
    recent_multiplier: f64,
    middle_months: u32,
    middle_multiplier: f64,
    older_multiplier: f64,
    severity_points: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawLossRatio {
    window_months: u32,
    years: f64,
    full_at_ratio: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawListedAreas {
    full_at_days: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawDarkActivity {
    full_at_ais_gaps: f64,
    full_at_flag_changes: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawFloors {
    sanctioned: f64,
    banned_listed: f64,
    detentions: RawDetentionFloor,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawDetentionFloor {
    count: u32,
    window_months: u32,
    floor: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSrp {
    window_months: u32,
    hrs_at_points: u32,
    hrs_ship_types: Vec<String>,
    ship_type_points: u32,
    age_over_years: i32,
    age_points: u32,
    detention_count: u32,
    detention_points: u32,
    lrs_max_deficiencies: u32,
    flag_points: BTreeMap<String, u32>,
    class_points: BTreeMap<String, u32>,
    company_points: BTreeMap<String, u32>,
    next_inspection: RawNextInspection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNextInspection {
    #[serde(rename = "HRS")]
    hrs: WindowMonths,
    #[serde(rename = "SRS")]
    srs: WindowMonths,
    #[serde(rename = "LRS")]
    lrs: WindowMonths,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawExpectedLoss {
    base_frequency: f64,
    frequency_slope: f64,
    pivot_score: f64,
    claim_median_fraction: f64,
    claim_sigma: f64,
    type_rel: BTreeMap<String, f64>,
}

fn invalid(message: impl Into<String>) -> ModelError {
    ModelError::Invalid(message.into())
}

/// Takes every key of `keys` out of `table` (named `name` in messages),
/// rejecting missing and unknown keys.
fn complete_table<V: Copy, const N: usize>(
    name: &str,
    table: &BTreeMap<String, V>,
    keys: [&str; N],
) -> Result<[V; N], ModelError> {
    if let Some(unknown) = table.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(invalid(format!(
            "{name} table has unknown key '{unknown}' (expected {})",
            keys.join(", ")
        )));
    }
    let mut values = Vec::with_capacity(N);
    for key in keys {
        match table.get(key) {
            Some(value) => values.push(*value),
            None => return Err(invalid(format!("{name} table has no value for {key}"))),
        }
    }
    Ok(values
        .try_into()
        .unwrap_or_else(|_| unreachable!("one value per key")))
}

fn check_unit(name: &str, value: f64) -> Result<f64, ModelError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(format!(
            "{name} is {value}, expected a value in [0, 1]"
        )))
    }
}

fn check_unit_table<const N: usize>(
    name: &str,
    keys: [&str; N],
    values: [f64; N],
) -> Result<[f64; N], ModelError> {
    for (key, value) in keys.iter().zip(values) {
        check_unit(&format!("{name} value for {key}"), value)?;
    }
    Ok(values)
}

fn check_positive(name: &str, value: f64) -> Result<f64, ModelError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(format!(
            "{name} is {value}, expected a positive number"
        )))
    }
}

fn check_months(name: &str, value: u32) -> Result<u32, ModelError> {
    // Ten thousand years is far beyond any sensible window and keeps month
    // arithmetic inside chrono's range.
    if (1..=120_000).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(format!(
            "{name} is {value}, expected a positive number of months"
        )))
    }
}

fn check_floor(name: &str, value: f64) -> Result<f64, ModelError> {
    if value.is_finite() && (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(format!(
            "{name} floor is {value}, expected 0..=100"
        )))
    }
}

fn ship_type_keys() -> [&'static str; 11] {
    std::array::from_fn(|i| ShipType::ALL[i].as_str())
}

const FLAG_KEYS: [&str; 7] = [
    "white",
    "grey",
    "black_medium",
    "black_medium_high",
    "black_high",
    "black_very_high",
    "unlisted",
];
const CLASS_KEYS: [&str; 6] = ["high", "medium", "low", "very_low", "unlisted", "unclassed"];
const COMPANY_KEYS: [&str; 4] = ["high", "medium", "low", "very_low"];

fn first<const N: usize, const M: usize, T: Copy + Default>(values: [T; N]) -> [T; M] {
    std::array::from_fn(|i| values[i])
}

fn window(name: &str, w: WindowMonths) -> Result<WindowMonths, ModelError> {
    check_months(
        &format!("srp.nextInspection.{name}.fromMonths"),
        w.from_months,
    )?;
    check_months(&format!("srp.nextInspection.{name}.toMonths"), w.to_months)?;
    if w.to_months < w.from_months {
        return Err(invalid(format!(
            "srp.nextInspection.{name} ends ({} months) before it starts ({} months)",
            w.to_months, w.from_months
        )));
    }
    Ok(w)
}

impl RiskModel {
    /// The reference files a model TOML names, so the loader knows what to read.
    pub fn reference_files(model_toml: &str) -> Result<ReferenceFiles, ModelError> {
        #[derive(Deserialize)]
        struct Only {
            reference: RawReference,
        }
        let raw: Only =
            toml::from_str(model_toml).map_err(|e| ModelError::Syntax(e.to_string()))?;
        Ok(ReferenceFiles {
            flags: raw.reference.flags,
            class_societies: raw.reference.class_societies,
        })
    }

    /// Parses and validates a model from the text of its TOML file and of the
    /// two reference tables it names.
    pub fn from_sources(
        model_toml: &str,
        flags_csv: &str,
        class_societies_csv: &str,
    ) -> Result<RiskModel, ModelError> {
        let raw: RawModel =
            toml::from_str(model_toml).map_err(|e| ModelError::Syntax(e.to_string()))?;

        let version = ModelVersion::parse(&raw.version).map_err(invalid)?;
        if raw.reference.flags.trim().is_empty() || raw.reference.class_societies.trim().is_empty()
        {
            return Err(invalid("reference table paths must not be empty"));
        }
        let thresholds = RiskThresholds::new(
            raw.thresholds.medium,
            raw.thresholds.high,
            raw.thresholds.critical,
        )
        .map_err(|errors| {
            let detail: Vec<String> = errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect();
            invalid(format!(
                "thresholds must satisfy 0 < medium < high < critical <= 100: {}",
                detail.join("; ")
            ))
        })?;

        let factor_keys: [&str; 11] = std::array::from_fn(|i| FactorKey::ALL[i].as_str());
        if let Some(unknown) = raw
            .weights
            .keys()
            .find(|k| !factor_keys.contains(&k.as_str()))
        {
            return Err(invalid(format!("unknown factor '{unknown}' in weights")));
        }
        let weights = complete_table("weights", &raw.weights, factor_keys)?;
        for (key, weight) in factor_keys.iter().zip(weights) {
            if !weight.is_finite() || weight < 0.0 {
                return Err(invalid(format!(
                    "weight of {key} is {weight}, expected a non-negative number"
                )));
            }
        }
        let sum: f64 = weights.iter().sum();
        if (sum - 100.0).abs() > 1e-9 {
            return Err(invalid(format!("weights sum to {sum}, expected 100")));
        }

        let f = &raw.factors;
        let ship_keys = ship_type_keys();
        let ship_type = check_unit_table(
            "shipType",
            ship_keys,
            complete_table("shipType", &f.ship_type, ship_keys)?,
        )?;
        let flag_all = check_unit_table(
            "flag",
            FLAG_KEYS,
            complete_table("flag", &f.flag, FLAG_KEYS)?,
        )?;
        let class_all = check_unit_table(
            "classSociety",
            CLASS_KEYS,
            complete_table("classSociety", &f.class_society, CLASS_KEYS)?,
        )?;
        let company = check_unit_table(
            "company",
            COMPANY_KEYS,
            complete_table("company", &f.company, COMPANY_KEYS)?,
        )?;
        let severity_points = complete_table(
            "incidents.severityPoints",
            &f.incidents.severity_points,
            ["A", "B", "C"],
        )?;
        for (key, points) in ["A", "B", "C"].iter().zip(severity_points) {
            if !points.is_finite() || points < 0.0 {
                return Err(invalid(format!(
                    "incidents.severityPoints value for {key} is {points}, expected a non-negative number"
                )));
            }
        }
        if !f.age.start_years.is_finite() {
            return Err(invalid("age.startYears must be a finite number"));
        }
        let incidents_recent_months =
            check_months("incidents.recentMonths", f.incidents.recent_months)?;
        let incidents_middle_months =
            check_months("incidents.middleMonths", f.incidents.middle_months)?;
        if incidents_middle_months < incidents_recent_months {
            return Err(invalid(
                "incidents.middleMonths must not be shorter than incidents.recentMonths",
            ));
        }
        let factors = FactorParams {
            age_start_years: f.age.start_years,
            age_span_years: check_positive("age.spanYears", f.age.span_years)?,
            ship_type,
            flag: first(flag_all),
            flag_unlisted: flag_all[6],
            class: first(class_all),
            class_unlisted: class_all[4],
            class_unclassed: class_all[5],
            company,
            detentions_window_months: check_months(
                "detentions.windowMonths",
                f.detentions.window_months,
            )?,
            detentions_one: check_unit("detentions.one", f.detentions.one)?,
            detentions_two_or_more: check_unit("detentions.twoOrMore", f.detentions.two_or_more)?,
            deficiencies_window_months: check_months(
                "deficiencies.windowMonths",
                f.deficiencies.window_months,
            )?,
            deficiencies_no_inspection: check_unit(
                "deficiencies.noInspection",
                f.deficiencies.no_inspection,
            )?,
            deficiencies_full_at_mean: check_positive(
                "deficiencies.fullAtMean",
                f.deficiencies.full_at_mean,
            )?,
            incidents_window_months: check_months(
                "incidents.windowMonths",
                f.incidents.window_months,
            )?,
            incidents_full_at_points: check_positive(
                "incidents.fullAtPoints",
                f.incidents.full_at_points,
            )?,
            severity_points,
            incidents_recent_months,
            incidents_recent_multiplier: check_unit(
                "incidents.recentMultiplier",
                f.incidents.recent_multiplier,
            )?,
            incidents_middle_months,
            incidents_middle_multiplier: check_unit(
                "incidents.middleMultiplier",
                f.incidents.middle_multiplier,
            )?,
            incidents_older_multiplier: check_unit(
                "incidents.olderMultiplier",
                f.incidents.older_multiplier,
            )?,
            loss_ratio_window_months: check_months(
                "lossRatio.windowMonths",
                f.loss_ratio.window_months,
            )?,
            loss_ratio_years: check_positive("lossRatio.years", f.loss_ratio.years)?,
            loss_ratio_full_at: check_positive(
                "lossRatio.fullAtRatio",
                f.loss_ratio.full_at_ratio,
            )?,
            listed_areas_full_at_days: check_positive(
                "listedAreas.fullAtDays",
                f.listed_areas.full_at_days,
            )?,
            dark_full_at_ais_gaps: check_positive(
                "darkActivity.fullAtAisGaps",
                f.dark_activity.full_at_ais_gaps,
            )?,
            dark_full_at_flag_changes: check_positive(
                "darkActivity.fullAtFlagChanges",
                f.dark_activity.full_at_flag_changes,
            )?,
        };

        if raw.floors.detentions.count == 0 {
            return Err(invalid("floors.detentions.count must be at least 1"));
        }
        let floors = FloorParams {
            sanctioned: check_floor("sanctioned", raw.floors.sanctioned)?,
            banned_listed: check_floor("bannedListed", raw.floors.banned_listed)?,
            detention_count: raw.floors.detentions.count,
            detention_window_months: check_months(
                "floors.detentions.windowMonths",
                raw.floors.detentions.window_months,
            )?,
            detention_floor: check_floor("detentions", raw.floors.detentions.floor)?,
        };

        let s = &raw.srp;
        let mut hrs_ship_types = [false; 11];
        for name in &s.hrs_ship_types {
            let ship_type = ShipType::parse(name)
                .map_err(|e| invalid(format!("srp.hrsShipTypes: '{name}' {e}")))?;
            hrs_ship_types[ship_type as usize] = true;
        }
        if s.detention_count == 0 {
            return Err(invalid("srp.detentionCount must be at least 1"));
        }
        let flag_points = complete_table("srp.flagPoints", &s.flag_points, FLAG_KEYS)?;
        let class_points = complete_table("srp.classPoints", &s.class_points, CLASS_KEYS)?;
        let srp = SrpParams {
            window_months: check_months("srp.windowMonths", s.window_months)?,
            hrs_at_points: s.hrs_at_points,
            hrs_ship_types,
            ship_type_points: s.ship_type_points,
            age_over_years: s.age_over_years,
            age_points: s.age_points,
            detention_count: s.detention_count,
            detention_points: s.detention_points,
            lrs_max_deficiencies: s.lrs_max_deficiencies,
            flag_points: first(flag_points),
            flag_unlisted_points: flag_points[6],
            class_points: first(class_points),
            class_unlisted_points: class_points[4],
            class_unclassed_points: class_points[5],
            company_points: complete_table("srp.companyPoints", &s.company_points, COMPANY_KEYS)?,
            hrs_window: window("HRS", s.next_inspection.hrs)?,
            srs_window: window("SRS", s.next_inspection.srs)?,
            lrs_window: window("LRS", s.next_inspection.lrs)?,
        };

        let e = &raw.expected_loss;
        let type_rel = complete_table("typeRel", &e.type_rel, ship_keys)?;
        for (key, rel) in ship_keys.iter().zip(type_rel) {
            check_positive(&format!("typeRel value for {key}"), rel)?;
        }
        if !e.frequency_slope.is_finite() {
            return Err(invalid(
                "expectedLoss.frequencySlope must be a finite number",
            ));
        }
        let claim_median_fraction =
            check_positive("expectedLoss.claimMedianFraction", e.claim_median_fraction)?;
        if claim_median_fraction > 1.0 {
            return Err(invalid(format!(
                "expectedLoss.claimMedianFraction is {claim_median_fraction}, expected at most 1"
            )));
        }
        let expected_loss = ExpectedLossParams {
            base_frequency: check_positive("expectedLoss.baseFrequency", e.base_frequency)?,
            frequency_slope: e.frequency_slope,
            pivot_score: check_positive("expectedLoss.pivotScore", e.pivot_score)?,
            claim_median_fraction,
            claim_sigma: check_positive("expectedLoss.claimSigma", e.claim_sigma)?,
            type_rel,
        };

        Ok(RiskModel {
            version,
            thresholds,
            weights,
            factors,
            floors,
            srp,
            expected_loss,
            flags: parse_flags(flags_csv)?,
            class_societies: parse_class_societies(class_societies_csv)?,
        })
    }

    pub fn version(&self) -> ModelVersion {
        self.version
    }

    /// Every window of the model, resolved for `as_of`.
    pub fn windows(&self, as_of: NaiveDate) -> AsOfWindows {
        let f = &self.factors;
        let w = |months| Window::last_months(as_of, months);
        AsOfWindows {
            as_of,
            detentions: w(f.detentions_window_months),
            deficiencies: w(f.deficiencies_window_months),
            incidents: w(f.incidents_window_months),
            incidents_recent: w(f.incidents_recent_months),
            incidents_middle: w(f.incidents_middle_months),
            losses: w(f.loss_ratio_window_months),
            detention_floor: w(self.floors.detention_window_months),
            srp: w(self.srp.window_months),
        }
    }

    /// The model's default thresholds (a fleet may override them).
    pub fn thresholds(&self) -> RiskThresholds {
        self.thresholds
    }

    pub fn weight(&self, key: FactorKey) -> f64 {
        self.weights[key as usize]
    }

    pub fn factors(&self) -> &FactorParams {
        &self.factors
    }

    pub fn floors(&self) -> &FloorParams {
        &self.floors
    }

    pub fn srp(&self) -> &SrpParams {
        &self.srp
    }

    pub fn expected_loss(&self) -> &ExpectedLossParams {
        &self.expected_loss
    }

    /// The flag's row of the reference table; `None` is unlisted.
    pub fn flag(&self, flag: FlagState) -> Option<FlagRecord> {
        flag_index(flag.as_str()).and_then(|i| self.flags[i])
    }

    /// Every listed flag, in code order (for generators and reports).
    pub fn listed_flags(&self) -> Vec<(FlagState, FlagRecord)> {
        let mut out = Vec::new();
        for (i, record) in self.flags.iter().enumerate() {
            if let Some(record) = record {
                let code = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8];
                let code = std::str::from_utf8(&code).expect("ASCII");
                out.push((FlagState::parse(code).expect("validated at load"), *record));
            }
        }
        out
    }

    /// Every listed class society code, sorted.
    pub fn listed_class_societies(&self) -> Vec<(&str, ClassRecord)> {
        let mut out: Vec<(&str, ClassRecord)> = self
            .class_societies
            .iter()
            .map(|(code, record)| (code.as_str(), *record))
            .collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    pub fn class_standing(&self, code: Option<&str>) -> ClassStanding {
        match code {
            None => ClassStanding::Unclassed,
            Some(code) => self
                .class_societies
                .get(code)
                .map_or(ClassStanding::Unlisted, |r| ClassStanding::Listed(*r)),
        }
    }
}

fn flag_index(code: &str) -> Option<usize> {
    match code.as_bytes() {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}

/// Splits a CSV text into its header columns and rows; the last column takes
/// the rest of the line, so free-text `source` notes may hold commas.
/// A CSV table: the positions of the required columns, then each row with
/// its 1-based line number.
struct CsvTable<'a> {
    positions: Vec<usize>,
    rows: Vec<(usize, Vec<&'a str>)>,
}

fn csv_rows<'a>(
    file: &'static str,
    text: &'a str,
    required: &[&str],
) -> Result<CsvTable<'a>, ModelError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(ModelError::Reference {
            file,
            line: 1,
            message: "empty file".into(),
        });
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let mut positions = Vec::new();
    for name in required {
        match columns.iter().position(|c| c == name) {
            Some(p) => positions.push(p),
            None => {
                return Err(ModelError::Reference {
                    file,
                    line: 1,
                    message: format!("missing column {name}"),
                });
            }
        }
    }
    let mut rows = Vec::new();
    for (index, line) in lines {
        let cells: Vec<&str> = line.splitn(columns.len(), ',').map(str::trim).collect();
        if cells.len() != columns.len() {
            return Err(ModelError::Reference {
                file,
                line: index + 1,
                message: format!("expected {} columns, found {}", columns.len(), cells.len()),
            });
        }
        rows.push((index + 1, cells));
    }
    Ok(CsvTable { positions, rows })
}

fn parse_bool(
    file: &'static str,
    line: usize,
    column: &str,
    raw: &str,
    default: bool,
) -> Result<bool, ModelError> {
    match raw {
        "" => Ok(default),
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(ModelError::Reference {
            file,
            line,
            message: format!("{column} is '{other}', expected true or false"),
        }),
    }
}

fn parse_flags(text: &str) -> Result<Vec<Option<FlagRecord>>, ModelError> {
    const FILE: &str = "flag table";
    let CsvTable {
        positions: pos,
        rows,
    } = csv_rows(FILE, text, &["iso2", "list", "imo_audited"])?;
    let mut table = vec![None; 26 * 26];
    for (line, cells) in rows {
        let code = cells[pos[0]];
        let flag = FlagState::parse(code).map_err(|message| ModelError::Reference {
            file: FILE,
            line,
            message: format!("iso2 {message}"),
        })?;
        let list = FlagList::parse(cells[pos[1]]).ok_or_else(|| ModelError::Reference {
            file: FILE,
            line,
            message: format!(
                "list is '{}', expected one of white, grey, black_medium, black_medium_high, black_high, black_very_high",
                cells[pos[1]]
            ),
        })?;
        let imo_audited = parse_bool(FILE, line, "imo_audited", cells[pos[2]], true)?;
        let slot = &mut table[flag_index(flag.as_str()).expect("parsed flags are two letters")];
        if slot.is_some() {
            return Err(ModelError::Reference {
                file: FILE,
                line,
                message: format!("flag {code} is listed twice"),
            });
        }
        *slot = Some(FlagRecord { list, imo_audited });
    }
    Ok(table)
}

fn parse_class_societies(text: &str) -> Result<HashMap<String, ClassRecord>, ModelError> {
    const FILE: &str = "class society table";
    let CsvTable {
        positions: pos,
        rows,
    } = csv_rows(FILE, text, &["code", "performance", "eu_recognized"])?;
    let mut table = HashMap::new();
    for (line, cells) in rows {
        let code = cells[pos[0]];
        if code.is_empty() {
            return Err(ModelError::Reference {
                file: FILE,
                line,
                message: "code is empty".into(),
            });
        }
        let performance =
            ClassPerformance::parse(cells[pos[1]]).ok_or_else(|| ModelError::Reference {
                file: FILE,
                line,
                message: format!(
                    "performance is '{}', expected one of high, medium, low, very_low",
                    cells[pos[1]]
                ),
            })?;
        let eu_recognized = parse_bool(FILE, line, "eu_recognized", cells[pos[2]], false)?;
        let record = ClassRecord {
            performance,
            eu_recognized,
        };
        if table.insert(code.to_string(), record).is_some() {
            return Err(ModelError::Reference {
                file: FILE,
                line,
                message: format!("class society {code} is listed twice"),
            });
        }
    }
    Ok(table)
}

/// `CompanyPerformance` table index, named for the reader.
pub(crate) fn company_index(company: CompanyPerformance) -> usize {
    company as usize
}
