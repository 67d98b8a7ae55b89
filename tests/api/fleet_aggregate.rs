//! A fleet's aggregate as the tests expect it: risk-model.md section 8
//! computed from the vessels' published risk answers and the insured values
//! and types the test created them with, never from the service's own code.

use serde_json::{Value, json};

/// A fleet member as a test knows it.
pub struct Member<'a> {
    pub insured_value_usd: f64,
    /// An oil, chemical or gas tanker (the catastrophe exposure).
    pub tanker: bool,
    /// The vessel's `GET .../vessels/{imo}/risk` answer.
    pub risk: &'a Value,
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

/// Section 8 over `members`, in the answer's field names (the level, cut by
/// thresholds, is left out; `topDrivers` as their mean contributions only,
/// largest first, so ties need no order).
pub fn section_8(members: &[Member<'_>]) -> Value {
    let total_value: f64 = members.iter().map(|m| m.insured_value_usd).sum();
    // "sum V_i = 0 -> plain mean"
    let weight = |m: &Member<'_>| {
        if total_value > 0.0 {
            m.insured_value_usd
        } else {
            1.0
        }
    };
    let total_weight: f64 = members.iter().map(weight).sum();
    let mean = |of: &dyn Fn(&Member<'_>) -> f64| {
        members.iter().map(|m| weight(m) * of(m)).sum::<f64>() / total_weight
    };
    let sum = |field: &str| members.iter().map(|m| number(&m.risk[field])).sum::<f64>();
    let count = |of: &dyn Fn(&Member<'_>) -> bool| members.iter().filter(|m| of(m)).count();
    let level_count = |level: &str| count(&|m| m.risk["level"] == level);
    let srp_count = |profile: &str| count(&|m| m.risk["srp"]["profile"] == profile);
    let high_risk =
        |m: &Member<'_>| ["high", "critical"].contains(&m.risk["level"].as_str().unwrap());

    let keys: Vec<String> = members[0].risk["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect();
    let contribution = |m: &Member<'_>, key: &str| {
        m.risk["factors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .map_or_else(|| panic!("no factor {key}"), |f| number(&f["contribution"]))
    };
    let mut drivers: Vec<f64> = keys
        .iter()
        .map(|key| mean(&|m| contribution(m, key)))
        .collect();
    drivers.sort_by(|a, b| b.total_cmp(a));
    drivers.truncate(3);

    json!({
        "score": mean(&|m| number(&m.risk["score"])),
        "maxScore": members.iter().map(|m| number(&m.risk["score"])).fold(0.0, f64::max),
        "vesselCount": members.len(),
        "totalInsuredValueUsd": total_value,
        "levelCounts": {
            "low": level_count("low"),
            "medium": level_count("medium"),
            "high": level_count("high"),
            "critical": level_count("critical"),
        },
        "srpCounts": {"HRS": srp_count("HRS"), "SRS": srp_count("SRS"), "LRS": srp_count("LRS")},
        "highRiskValueShare": mean(&|m| if high_risk(m) { 1.0 } else { 0.0 }),
        "expectedClaims": sum("expectedClaims"),
        "expectedAnnualLossUsd": sum("expectedAnnualLossUsd"),
        "largestTankerExposureUsd": members
            .iter()
            .filter(|m| m.tanker)
            .map(|m| m.insured_value_usd)
            .fold(0.0, f64::max),
        "topDrivers": drivers,
    })
}

/// The fields of [`section_8`] from a published `GET .../fleets/{id}/risk` answer.
pub fn published(fleet_risk: &Value) -> Value {
    let mut figures = json!({});
    for field in section_8_fields() {
        figures[field] = fleet_risk[field].clone();
    }
    figures["topDrivers"] = fleet_risk["topDrivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["meanContribution"].clone())
        .collect();
    figures
}

fn section_8_fields() -> [&'static str; 10] {
    [
        "score",
        "maxScore",
        "vesselCount",
        "totalInsuredValueUsd",
        "levelCounts",
        "srpCounts",
        "highRiskValueShare",
        "expectedClaims",
        "expectedAnnualLossUsd",
        "largestTankerExposureUsd",
    ]
}
