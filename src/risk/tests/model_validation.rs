//! The committed model loads, and each kind of broken model is rejected with
//! a message that names the problem.

use super::fixture;
use crate::risk::{ModelError, RiskModel};

fn sources() -> (String, String, String) {
    let read = |p: &str| std::fs::read_to_string(fixture(p)).unwrap();
    (
        read("fixtures/models/frm-1.0.toml"),
        read("fixtures/reference/flag-performance.csv"),
        read("fixtures/reference/class-society-performance.csv"),
    )
}

/// The model with `from` replaced by `to` (which must occur exactly once).
fn broken(from: &str, to: &str) -> Result<RiskModel, ModelError> {
    let (toml, flags, classes) = sources();
    assert_eq!(
        toml.matches(from).count(),
        1,
        "{from:?} is unique in the model file"
    );
    RiskModel::from_sources(&toml.replace(from, to), &flags, &classes)
}

fn message(result: Result<RiskModel, ModelError>) -> String {
    result.expect_err("the model must be rejected").to_string()
}

#[test]
fn the_committed_model_loads_with_the_spec_parameters() {
    let model = super::model();
    assert_eq!(model.version().as_str(), "frm-1.0");
    assert_eq!(model.thresholds(), crate::domain::RiskThresholds::DEFAULT);
    let weights: f64 = crate::risk::FactorKey::ALL
        .iter()
        .map(|k| model.weight(*k))
        .sum();
    assert_eq!(weights, 100.0);
    assert_eq!(model.weight(crate::risk::FactorKey::Incidents), 14.0);
    assert_eq!(model.listed_flags().len(), 39);
    assert_eq!(model.listed_class_societies().len(), 16);
    assert_eq!(model.expected_loss().base_frequency, 0.22);
}

#[test]
fn weights_must_sum_to_100() {
    assert_eq!(
        message(broken("age = 14", "age = 13")),
        "weights sum to 99, expected 100"
    );
}

#[test]
fn unknown_and_missing_factors_are_named() {
    let m = message(broken(
        "darkActivity = 3\n",
        "darkActivity = 3\nweather = 0\n",
    ));
    assert!(m.contains("unknown factor 'weather'"), "{m}");
    let m = message(broken("listedAreas = 5\n", "darkness = 5\n"));
    assert!(m.contains("darkness"), "{m}");
}

#[test]
fn thresholds_must_be_ordered() {
    let m = message(broken("high = 50", "high = 20"));
    assert!(
        m.contains("thresholds") && m.contains("high must be greater than medium"),
        "{m}"
    );
    let m = message(broken("critical = 70", "critical = 120"));
    assert!(m.contains("critical must be at most 100"), "{m}");
}

#[test]
fn every_ship_type_needs_a_value_and_a_type_rel() {
    assert_eq!(
        message(broken("tug = 0.5\n", "")),
        "shipType table has no value for tug"
    );
    assert_eq!(
        message(broken("tug = 0.8\n", "")),
        "typeRel table has no value for tug"
    );
    let m = message(broken("tug = 0.5\n", "tug = 0.5\nyacht = 0.1\n"));
    assert!(m.contains("shipType table has unknown key 'yacht'"), "{m}");
}

#[test]
fn factor_values_must_lie_in_0_1() {
    assert_eq!(
        message(broken("black_very_high = 1.0", "black_very_high = 1.2")),
        "flag value for black_very_high is 1.2, expected a value in [0, 1]"
    );
    let m = message(broken("noInspection = 0.5", "noInspection = -0.1"));
    assert!(m.contains("deficiencies.noInspection is -0.1"), "{m}");
}

#[test]
fn windows_and_divisors_must_be_positive() {
    let m = message(broken(
        "windowMonths = 60\nyears = 5",
        "windowMonths = 0\nyears = 5",
    ));
    assert!(m.contains("lossRatio.windowMonths is 0"), "{m}");
    let m = message(broken("fullAtDays = 90", "fullAtDays = 0"));
    assert!(m.contains("listedAreas.fullAtDays is 0"), "{m}");
    let m = message(broken(
        "HRS = { fromMonths = 5, toMonths = 6 }",
        "HRS = { fromMonths = 7, toMonths = 6 }",
    ));
    assert!(m.contains("srp.nextInspection.HRS ends"), "{m}");
}

#[test]
fn unknown_factor_sections_and_bad_reference_rows_are_rejected() {
    let m = message(broken(
        "[factors.listedAreas]",
        "[factors.weather]\nx = 1\n[factors.listedAreas]",
    ));
    assert!(m.contains("weather"), "{m}");
    let (toml, flags, classes) = sources();
    let bad_flags = flags.replace("PA,Panama,grey", "PA,Panama,purple");
    let m = RiskModel::from_sources(&toml, &bad_flags, &classes)
        .unwrap_err()
        .to_string();
    assert!(m.contains("flag table line") && m.contains("purple"), "{m}");
    let dup = format!("{classes}DNV,DNV again,true,high,true,no,dup\n");
    let m = RiskModel::from_sources(&toml, &flags, &dup)
        .unwrap_err()
        .to_string();
    assert!(m.contains("class society DNV is listed twice"), "{m}");
}

#[test]
fn the_loader_reports_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let (toml, _, _) = sources();
    let path = dir.path().join("model.toml");
    std::fs::write(&path, toml).unwrap();
    let err = crate::model_file::load_model(&path).unwrap_err();
    assert!(err.contains("flag-performance.csv"), "{err}");
}
