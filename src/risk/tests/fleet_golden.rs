//! Fleet aggregation (section 8) checked against hand arithmetic.

use chrono::NaiveDate;

use crate::domain::{PolicyIdPattern, RiskLevel, RiskThresholds, VesselInput, VesselProfile};
use crate::risk::model::ModelVersion;
use crate::risk::{
    Assessment, FactorKey, FactorScore, ShipRiskProfile, SrpProfile, aggregate_fleet,
};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn vessel(imo: &str, ship_type: &str, insured: f64) -> VesselProfile {
    let input: VesselInput = serde_json::from_value(serde_json::json!({
        "vesselIMO": imo, "name": "FLEET", "shipType": ship_type, "yearBuilt": 2010,
        "grossTonnage": 1000, "flag": "DK", "insuredValueUsd": insured
    }))
    .unwrap();
    input.parse(as_of(), &PolicyIdPattern::default()).unwrap()
}

/// An assessment with the given score, SRP profile, claims, EAL and
/// non-zero contributions (all other factors 0).
fn assessment(
    vessel: &VesselProfile,
    score: f64,
    profile: SrpProfile,
    lambda: f64,
    eal: f64,
    contributions: &[(FactorKey, f64)],
) -> Assessment {
    Assessment {
        vessel_imo: vessel.imo,
        as_of: as_of(),
        model_version: ModelVersion::parse("frm-1.0").unwrap(),
        score,
        scorecard: score,
        level: RiskThresholds::DEFAULT.level_of(score),
        floors: vec![],
        factors: std::array::from_fn(|i| {
            let key = &FactorKey::ALL[i];
            FactorScore {
                key: *key,
                weight: 0.0,
                value: 0.0,
                contribution: contributions
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(0.0, |(_, c)| *c),
                reason: crate::risk::Reason::Text(String::new()),
            }
        }),
        srp: ShipRiskProfile {
            profile,
            points: 0,
            inspection_due: false,
            next_inspection_window: None,
        },
        expected_claims: lambda,
        expected_annual_loss_usd: eal,
    }
}

#[test]
fn value_weighted_fleet_by_hand() {
    let a = vessel("9074729", "oil_tanker", 10e6);
    let b = vessel("9811000", "container", 30e6);
    let c = vessel("8320901", "gas_carrier", 0.0);
    let aa = assessment(
        &a,
        60.0,
        SrpProfile::High,
        0.3,
        1000.0,
        &[(FactorKey::Age, 14.0), (FactorKey::Flag, 10.0)],
    );
    let ab = assessment(
        &b,
        20.0,
        SrpProfile::Standard,
        0.2,
        2000.0,
        &[(FactorKey::Company, 3.6), (FactorKey::ShipType, 3.2)],
    );
    let ac = assessment(
        &c,
        80.0,
        SrpProfile::Low,
        0.5,
        0.0,
        &[(FactorKey::Incidents, 14.0)],
    );
    let fleet = aggregate_fleet(&[(&a, &aa), (&b, &ab), (&c, &ac)], &RiskThresholds::DEFAULT);

    // score = (10 x 60 + 30 x 20 + 0 x 80) / 40 = 1200 / 40 = 30 -> medium
    assert!((fleet.score - 30.0).abs() < 1e-12);
    assert_eq!(fleet.level, RiskLevel::Medium);
    assert_eq!(fleet.max_score, 80.0);
    assert_eq!(fleet.vessel_count, 3);
    assert_eq!(fleet.total_insured_value_usd, 40e6);
    // levels: 60 high, 20 low, 80 critical
    assert_eq!(
        (
            fleet.level_counts.low,
            fleet.level_counts.medium,
            fleet.level_counts.high,
            fleet.level_counts.critical
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(
        (
            fleet.srp_counts.hrs,
            fleet.srp_counts.srs,
            fleet.srp_counts.lrs
        ),
        (1, 1, 1)
    );
    // high or critical value: 10M (A) + 0 (C) of 40M = 0.25
    assert!((fleet.high_risk_value_share - 0.25).abs() < 1e-12);
    assert!((fleet.expected_claims - 1.0).abs() < 1e-12);
    assert_eq!(fleet.expected_annual_loss_usd, 3000.0);
    // age 10 x 14 / 40 = 3.5; company 30 x 3.6 / 40 = 2.7; flag 10 x 10 / 40 = 2.5;
    // shipType 30 x 3.2 / 40 = 2.4; incidents 0 x 14 / 40 = 0
    let drivers: Vec<(FactorKey, f64)> = fleet
        .top_drivers
        .iter()
        .map(|d| (d.key, d.mean_contribution))
        .collect();
    assert_eq!(drivers.len(), 3);
    for ((key, mean), (want_key, want)) in drivers.iter().zip([
        (FactorKey::Age, 3.5),
        (FactorKey::Company, 2.7),
        (FactorKey::Flag, 2.5),
    ]) {
        assert_eq!(*key, want_key);
        assert!((mean - want).abs() < 1e-12, "{key:?} {mean}");
    }
    // tankers: oil 10M, gas 0 -> 10M
    assert_eq!(fleet.largest_tanker_exposure_usd, 10e6);
    let json = serde_json::to_value(&fleet).unwrap();
    assert_eq!(json["srpCounts"]["HRS"], 1);
    assert_eq!(json["topDrivers"][0]["key"], "age");
    assert!(json["levelCounts"]["critical"].is_number());
}

#[test]
fn a_fleet_without_insured_value_uses_plain_means() {
    let a = vessel("9074729", "bulk_carrier", 0.0);
    let b = vessel("9811000", "container", 0.0);
    let aa = assessment(
        &a,
        40.0,
        SrpProfile::Standard,
        0.2,
        0.0,
        &[(FactorKey::Age, 6.0)],
    );
    let ab = assessment(
        &b,
        60.0,
        SrpProfile::High,
        0.4,
        0.0,
        &[(FactorKey::Age, 2.0), (FactorKey::Detentions, 12.0)],
    );
    let fleet = aggregate_fleet(&[(&a, &aa), (&b, &ab)], &RiskThresholds::DEFAULT);
    // (40 + 60) / 2 = 50 -> high (50 belongs to high)
    assert_eq!(fleet.score, 50.0);
    assert_eq!(fleet.level, RiskLevel::High);
    // one of two vessels is high
    assert_eq!(fleet.high_risk_value_share, 0.5);
    // detentions 12 / 2 = 6; age (6 + 2) / 2 = 4; then shipType 0 (first of the zero ties)
    assert_eq!(fleet.top_drivers[0].key, FactorKey::Detentions);
    assert_eq!(fleet.top_drivers[0].mean_contribution, 6.0);
    assert_eq!(fleet.top_drivers[1].key, FactorKey::Age);
    assert_eq!(fleet.top_drivers[1].mean_contribution, 4.0);
    assert_eq!(fleet.top_drivers[2].key, FactorKey::ShipType);
    assert_eq!(fleet.largest_tanker_exposure_usd, 0.0);
    // Custom thresholds re-cut the levels: 40 and 60 are both critical at 30/35/40.
    let strict = RiskThresholds::new(30.0, 35.0, 40.0).unwrap();
    let fleet = aggregate_fleet(&[(&a, &aa), (&b, &ab)], &strict);
    assert_eq!(fleet.level_counts.critical, 2);
    assert_eq!(fleet.level, RiskLevel::Critical);
}

#[test]
fn an_empty_fleet_is_all_zero_and_low() {
    let fleet = aggregate_fleet(&[], &RiskThresholds::DEFAULT);
    assert_eq!(fleet.vessel_count, 0);
    assert_eq!(fleet.score, 0.0);
    assert_eq!(fleet.level, RiskLevel::Low);
    assert_eq!(fleet.max_score, 0.0);
    assert!(fleet.top_drivers.is_empty());
    assert_eq!(fleet.high_risk_value_share, 0.0);
}

#[test]
fn a_fleet_score_stays_within_its_members_scores_despite_rounding() {
    // These values weight three 100s to 100.00000000000001 in plain f64 sums.
    let vessels = [
        vessel("9074729", "bulk_carrier", 90_241_318.3),
        vessel("9811000", "container", 4_028_408.32),
        vessel("9319466", "oil_tanker", 3_519_140.24),
    ];
    let assessments: Vec<Assessment> = vessels
        .iter()
        .map(|v| assessment(v, 100.0, SrpProfile::High, 0.1, 0.0, &[]))
        .collect();
    let members: Vec<_> = vessels.iter().zip(&assessments).collect();
    let fleet = aggregate_fleet(&members, &RiskThresholds::DEFAULT);
    assert_eq!(fleet.score, 100.0);
    assert_eq!(fleet.high_risk_value_share, 1.0);
}
