//! The rules a model must satisfy, section by section, turning the raw TOML
//! values into the engine's parameters. Every message names the table and
//! key at fault; the first fault found is the one reported.

use std::collections::BTreeMap;

use crate::domain::{RiskThresholds, ShipType};
use crate::risk::factor_key::FactorKey;

use super::error::{ModelError, invalid};
use super::parameters::{ExpectedLossParams, FactorParams, FloorParams, SrpParams, WindowMonths};
use super::toml_schema::{RawExpectedLoss, RawFactors, RawFloors, RawSrp, RawThresholds};

/// Thresholds ordered `0 < medium < high < critical <= 100`.
pub(super) fn thresholds(raw: &RawThresholds) -> Result<RiskThresholds, ModelError> {
    RiskThresholds::new(raw.medium, raw.high, raw.critical).map_err(|errors| {
        let detail: Vec<String> = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect();
        invalid(format!(
            "thresholds must satisfy 0 < medium < high < critical <= 100: {}",
            detail.join("; ")
        ))
    })
}

/// One non-negative weight per factor (indexed by `FactorKey as usize`), summing to 100.
pub(super) fn weights(raw: &BTreeMap<String, f64>) -> Result<[f64; 11], ModelError> {
    let factor_keys: [&str; 11] = std::array::from_fn(|i| FactorKey::ALL[i].as_str());
    if let Some(unknown) = raw.keys().find(|k| !factor_keys.contains(&k.as_str())) {
        return Err(invalid(format!("unknown factor '{unknown}' in weights")));
    }
    let weights = complete_table("weights", raw, factor_keys)?;
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
    Ok(weights)
}

/// Section 3: every factor table complete, values in [0, 1], windows and divisors positive.
pub(super) fn factors(f: &RawFactors) -> Result<FactorParams, ModelError> {
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
    Ok(FactorParams {
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
        incidents_window_months: check_months("incidents.windowMonths", f.incidents.window_months)?,
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
        loss_ratio_full_at: check_positive("lossRatio.fullAtRatio", f.loss_ratio.full_at_ratio)?,
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
    })
}

/// Section 2: floors in 0..=100 and a positive detention count and window.
pub(super) fn floors(raw: &RawFloors) -> Result<FloorParams, ModelError> {
    if raw.detentions.count == 0 {
        return Err(invalid("floors.detentions.count must be at least 1"));
    }
    Ok(FloorParams {
        sanctioned: check_floor("sanctioned", raw.sanctioned)?,
        banned_listed: check_floor("bannedListed", raw.banned_listed)?,
        detention_count: raw.detentions.count,
        detention_window_months: check_months(
            "floors.detentions.windowMonths",
            raw.detentions.window_months,
        )?,
        detention_floor: check_floor("detentions", raw.detentions.floor)?,
    })
}

/// Section 5: known HRS ship types, complete point tables, ordered inspection windows.
pub(super) fn srp(s: &RawSrp) -> Result<SrpParams, ModelError> {
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
    Ok(SrpParams {
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
    })
}

/// Section 6: positive constants and a claim median of at most the insured value.
pub(super) fn expected_loss(e: &RawExpectedLoss) -> Result<ExpectedLossParams, ModelError> {
    let ship_keys = ship_type_keys();
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
    Ok(ExpectedLossParams {
        base_frequency: check_positive("expectedLoss.baseFrequency", e.base_frequency)?,
        frequency_slope: e.frequency_slope,
        pivot_score: check_positive("expectedLoss.pivotScore", e.pivot_score)?,
        claim_median_fraction,
        claim_sigma: check_positive("expectedLoss.claimSigma", e.claim_sigma)?,
        type_rel,
    })
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
