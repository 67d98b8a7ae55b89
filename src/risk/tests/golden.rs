//! Golden cases: `fixtures/engine-cases/*.json`, each a vessel in the wire
//! format with the hand arithmetic and the full expected assessment. The
//! expected values were computed from the spec text, independently of this
//! code; every field is compared (numbers to 1e-9 relative or 1e-6 absolute).
//! The expected reasons are the texts of docs/reasons.md's templates; the
//! independent reference checks every case against them (tools/frm1,
//! `compare.py`, its golden part) and that the cases take every branch.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

use super::{fixture, model};
use crate::domain::{PolicyIdPattern, RiskThresholds, VesselInput};
use crate::risk::{Assessment, assess};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GoldenCase {
    name: String,
    description: String,
    as_of: NaiveDate,
    vessel: VesselInput,
    arithmetic: Vec<String>,
    expected: Value,
}

fn close(actual: f64, expected: f64) -> bool {
    let diff = (actual - expected).abs();
    diff <= 1e-6 || diff <= 1e-9 * expected.abs()
}

/// Every difference between `actual` and `expected`, by JSON path.
fn diff(path: &str, actual: &Value, expected: &Value, out: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            if !close(a, e) {
                out.push(format!("{path}: {a} != expected {e}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            if a.len() != e.len() {
                out.push(format!("{path}: {} items != expected {}", a.len(), e.len()));
            }
            for (i, (a, e)) in a.iter().zip(e).enumerate() {
                diff(&format!("{path}[{i}]"), a, e, out);
            }
        }
        (Value::Object(a), Value::Object(e)) => {
            for key in e.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}.{key}: missing"));
            }
            for key in a.keys().filter(|k| !e.contains_key(*k)) {
                out.push(format!("{path}.{key}: unexpected"));
            }
            for (key, e) in e {
                if let Some(a) = a.get(key) {
                    diff(&format!("{path}.{key}"), a, e, out);
                }
            }
        }
        (a, e) if a == e => {}
        (a, e) => out.push(format!("{path}: {a} != expected {e}")),
    }
}

fn cases() -> Vec<(String, GoldenCase)> {
    let dir = fixture("fixtures/engine-cases");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/engine-cases exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let case: GoldenCase =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (
                path.file_stem().unwrap().to_string_lossy().into_owned(),
                case,
            )
        })
        .collect()
}

#[test]
fn every_golden_case_matches_field_by_field() {
    let cases = cases();
    assert!(cases.len() >= 26, "only {} golden cases", cases.len());
    let mut failures = Vec::new();
    for (file, case) in &cases {
        assert_eq!(&case.name, file, "case name matches its file");
        assert!(!case.description.is_empty() && !case.arithmetic.is_empty());
        let vessel = case
            .vessel
            .parse(case.as_of, &PolicyIdPattern::default())
            .unwrap_or_else(|e| panic!("{file}: vessel does not parse: {e:?}"));
        let assessment = assess(model(), &vessel, case.as_of, &RiskThresholds::DEFAULT);
        let actual = serde_json::to_value(&assessment).unwrap();
        let mut out = Vec::new();
        diff("", &actual, &case.expected, &mut out);
        failures.extend(out.into_iter().map(|d| format!("{file}{d}")));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn assessments_serialize_in_the_documented_field_order_and_read_back() {
    let (_, case) = cases().into_iter().next().unwrap();
    let vessel = case
        .vessel
        .parse(case.as_of, &PolicyIdPattern::default())
        .unwrap();
    let assessment = assess(model(), &vessel, case.as_of, &RiskThresholds::DEFAULT);
    let text = serde_json::to_string(&assessment).unwrap();
    let order = [
        "\"vesselIMO\"",
        "\"asOf\"",
        "\"modelVersion\"",
        "\"score\"",
        "\"scorecard\"",
        "\"level\"",
        "\"floors\"",
        "\"factors\"",
        "\"srp\"",
        "\"expectedClaims\"",
        "\"expectedAnnualLossUsd\"",
    ];
    let positions: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    let factor = &text[text.find("\"factors\":[{").unwrap()..];
    let keys = [
        "\"key\"",
        "\"weight\"",
        "\"value\"",
        "\"contribution\"",
        "\"reason\"",
    ];
    let positions: Vec<usize> = keys.iter().map(|k| factor.find(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{factor}");
    let back: Assessment = serde_json::from_str(&text).unwrap();
    assert_eq!(back, assessment);
}
