//! Properties over random vessels and fleets.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use super::model;
use crate::domain::{
    ClassSocietyCode, CompanyPerformance, FlagState, Imo, Incident, IncidentKind, IncidentSeverity,
    Inspection, InspectionRegime, RiskThresholds, ShipType, UsdAmount, VesselName, VesselProfile,
};
use crate::risk::{
    Assessment, LossExposure, aggregate_fleet, assess, assess_book, relevel, simulate_fleet,
};

/// The reference a book's scoring must equal: each vessel on its own, on
/// the calling thread.
fn assess_book_sequential(
    model: &crate::risk::RiskModel,
    vessels: &[VesselProfile],
    as_of: NaiveDate,
    thresholds: &RiskThresholds,
) -> Vec<Assessment> {
    vessels
        .iter()
        .map(|vessel| assess(model, vessel, as_of, thresholds))
        .collect()
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

const FLAGS: &[&str] = &["DK", "PA", "TZ", "MD", "KM", "DZ", "US", "LR", "BR"];
const CLASSES: &[&str] = &["DNV", "LR", "RS", "BKR", "INTLREG", "PHRS", "XYZ"];

fn inspection() -> impl Strategy<Value = Inspection> {
    (0i64..3000, 0usize..4, 0u32..25, any::<bool>()).prop_map(
        |(days, regime, deficiencies, detained)| Inspection {
            date: as_of() - Duration::days(days),
            regime: InspectionRegime::ALL[regime],
            deficiencies,
            detained,
        },
    )
}

fn incident() -> impl Strategy<Value = Incident> {
    (
        0i64..3000,
        0usize..3,
        0usize..9,
        prop_oneof![Just(0.0), 0.0..5e7f64],
    )
        .prop_map(|(days, severity, kind, loss)| Incident {
            date: as_of() - Duration::days(days),
            severity: IncidentSeverity::ALL[severity],
            kind: IncidentKind::ALL[kind],
            gross_loss_usd: UsdAmount::parse(loss).unwrap(),
        })
}

prop_compose! {
    fn vessel()(
        ship_type in 0usize..11,
        year_built in 1950i32..=2026,
        flag in 0usize..FLAGS.len(),
        class in proptest::option::weighted(0.9, 0usize..CLASSES.len()),
        company in 0usize..4,
        insured in prop_oneof![1 => Just(0.0), 6 => 0.0..3e8f64],
        sanctioned in proptest::bool::weighted(0.05),
        banned in proptest::bool::weighted(0.05),
        days in 0u32..=366,
        gaps in 0u32..10,
        changes in 0u32..4,
        inspections in proptest::collection::vec(inspection(), 0..8),
        incidents in proptest::collection::vec(incident(), 0..4),
    ) -> VesselProfile {
        VesselProfile {
            imo: Imo::parse("9074729").unwrap(),
            name: VesselName::parse("PROPERTY").unwrap(),
            ship_type: ShipType::ALL[ship_type],
            year_built,
            gross_tonnage: 10_000,
            flag: FlagState::parse(FLAGS[flag]).unwrap(),
            class_society: class.map(|c| ClassSocietyCode::parse(CLASSES[c]).unwrap()),
            company_performance: CompanyPerformance::ALL[company],
            insured_value_usd: UsdAmount::parse(insured).unwrap(),
            insurance_policy_id: None,
            sanctioned,
            banned_listed: banned,
            days_in_listed_areas_12m: days,
            ais_gaps_12m: gaps,
            flag_changes_36m: changes,
            inspections,
            incidents,
        }
    }
}

fn score(vessel: &VesselProfile) -> f64 {
    assess(model(), vessel, as_of(), &RiskThresholds::DEFAULT).score
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scores_stay_within_0_and_100(v in vessel()) {
        let a = assess(model(), &v, as_of(), &RiskThresholds::DEFAULT);
        prop_assert!((0.0..=100.0 + 1e-9).contains(&a.scorecard), "{}", a.scorecard);
        prop_assert!((0.0..=100.0).contains(&a.score), "{}", a.score);
        prop_assert!(a.score >= a.scorecard);
        prop_assert_eq!(a.factors.len(), 11);
        prop_assert!(a.factors.windows(2).all(|w| w[0].contribution >= w[1].contribution));
        prop_assert!(a.factors.iter().all(|f| (0.0..=1.0).contains(&f.value)));
        prop_assert!(a.expected_claims > 0.0 && a.expected_annual_loss_usd >= 0.0);
        prop_assert!(a.expected_annual_loss_usd <= a.expected_claims * v.insured_value_usd.value() + 1e-6);
    }

    #[test]
    fn a_detention_never_lowers_the_score(v in vessel(), regime in 0usize..4, days in 0i64..700) {
        let mut worse = v.clone();
        worse.inspections.push(Inspection {
            date: as_of() - Duration::days(days),
            regime: InspectionRegime::ALL[regime],
            // At least the clamp point, so the deficiency mean cannot fall.
            deficiencies: 10,
            detained: true,
        });
        prop_assert!(score(&worse) >= score(&v));
    }

    #[test]
    fn an_incident_never_lowers_the_score(v in vessel(), extra in incident()) {
        let mut worse = v.clone();
        worse.incidents.push(extra);
        prop_assert!(score(&worse) >= score(&v));
    }

    #[test]
    fn a_year_of_age_never_lowers_the_score(v in vessel()) {
        let mut older = v.clone();
        older.year_built -= 1;
        prop_assert!(score(&older) >= score(&v));
    }

    #[test]
    fn fleet_aggregates_do_not_depend_on_vessel_order(
        vessels in proptest::collection::vec(vessel(), 1..12),
        rotate in 0usize..12,
    ) {
        let t = RiskThresholds::DEFAULT;
        let assessed = assess_book_sequential(model(), &vessels, as_of(), &t);
        let members: Vec<_> = vessels.iter().zip(&assessed).collect();
        let mut shuffled = members.clone();
        shuffled.reverse();
        let len = shuffled.len();
        shuffled.rotate_left(rotate % len);
        let a = aggregate_fleet(&members, &t);
        let b = aggregate_fleet(&shuffled, &t);
        prop_assert!(close(a.score, b.score));
        prop_assert_eq!(a.max_score, b.max_score);
        prop_assert_eq!(a.vessel_count, b.vessel_count);
        prop_assert!(close(a.total_insured_value_usd, b.total_insured_value_usd));
        prop_assert_eq!(a.level_counts, b.level_counts);
        prop_assert_eq!(a.srp_counts, b.srp_counts);
        prop_assert!(close(a.high_risk_value_share, b.high_risk_value_share));
        prop_assert!(close(a.expected_claims, b.expected_claims));
        prop_assert!(close(a.expected_annual_loss_usd, b.expected_annual_loss_usd));
        prop_assert_eq!(a.largest_tanker_exposure_usd, b.largest_tanker_exposure_usd);
        prop_assert_eq!(a.top_drivers.len(), b.top_drivers.len());
        for (x, y) in a.top_drivers.iter().zip(&b.top_drivers) {
            // Keys may only swap between means that are equal up to rounding.
            prop_assert!(close(x.mean_contribution, y.mean_contribution));
        }
        if a.level != b.level {
            prop_assert!(close(a.score, t.medium()) || close(a.score, t.high()) || close(a.score, t.critical()));
        }
    }

    #[test]
    fn relevelling_equals_aggregating_with_the_new_thresholds(
        vessels in proptest::collection::vec(vessel(), 0..30),
        cuts in (1.0..40.0f64, 1.0..30.0f64, 1.0..30.0f64),
    ) {
        let old = RiskThresholds::DEFAULT;
        let new = RiskThresholds::new(cuts.0, cuts.0 + cuts.1, (cuts.0 + cuts.1 + cuts.2).min(100.0)).unwrap();
        let assessments = assess_book_sequential(model(), &vessels, as_of(), &old);
        let members: Vec<(&VesselProfile, &Assessment)> = vessels.iter().zip(&assessments).collect();
        let mut relevelled = aggregate_fleet(&members, &old);
        let scores: Vec<(f64, f64)> = vessels
            .iter()
            .zip(&assessments)
            .map(|(v, a)| (a.score, v.insured_value_usd.value()))
            .collect();
        relevel(&mut relevelled, &scores, &new);
        let fresh = aggregate_fleet(&members, &new);
        prop_assert_eq!(relevelled.level, fresh.level);
        prop_assert_eq!(relevelled.level_counts, fresh.level_counts);
        prop_assert!(close(relevelled.high_risk_value_share, fresh.high_risk_value_share));
        prop_assert_eq!(relevelled.score, fresh.score);
    }

    #[test]
    fn the_parallel_book_equals_the_sequential_book(vessels in proptest::collection::vec(vessel(), 0..40)) {
        let t = RiskThresholds::DEFAULT;
        let sequential = assess_book_sequential(model(), &vessels, as_of(), &t);
        prop_assert_eq!(&assess_book(model(), &vessels, as_of(), &t), &sequential);
        for (vessel, assessment) in vessels.iter().zip(&sequential) {
            prop_assert_eq!(&assess(model(), vessel, as_of(), &t), assessment);
        }
    }
}

fn exposures() -> impl Strategy<Value = Vec<LossExposure>> {
    proptest::collection::vec(
        (0.01..1.5f64, prop_oneof![1 => Just(0.0), 5 => 1e5..1e8f64]).prop_map(|(lambda, v)| {
            LossExposure {
                lambda,
                insured_value_usd: v,
            }
        }),
        1..30,
    )
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn simulations_are_bit_identical_on_any_number_of_threads(
        fleet in exposures(),
        seed in any::<u64>(),
        years in 1u32..5_500,
    ) {
        let one = in_pool(1, || simulate_fleet(model(), &fleet, years, seed));
        let two = in_pool(2, || simulate_fleet(model(), &fleet, years, seed));
        let three = in_pool(3, || simulate_fleet(model(), &fleet, years, seed));
        prop_assert_eq!(one.mean.to_bits(), two.mean.to_bits());
        prop_assert_eq!(&one, &two);
        prop_assert_eq!(&one, &three);
    }

    #[test]
    fn the_simulated_mean_matches_the_analytic_expected_loss(fleet in exposures(), seed in any::<u64>()) {
        let years = 20_000;
        let s = simulate_fleet(model(), &fleet, years, seed);
        let bound = 4.0 * s.std_dev / f64::from(years).sqrt();
        prop_assert!(
            (s.mean - s.expected_annual_loss_usd).abs() < bound.max(1e-9),
            "mean {} vs EAL {} (bound {})", s.mean, s.expected_annual_loss_usd, bound
        );
        prop_assert!(s.var95 <= s.var995 && s.var995 <= s.tvar995);
        prop_assert!((0.0..=1.0).contains(&s.p_any_total_loss));
    }
}

#[test]
fn a_fleet_without_value_simulates_to_zero() {
    let fleet = [LossExposure {
        lambda: 0.4,
        insured_value_usd: 0.0,
    }];
    let s = simulate_fleet(model(), &fleet, 3_000, 1);
    assert_eq!(
        (s.mean, s.std_dev, s.tvar995, s.p_any_total_loss),
        (0.0, 0.0, 0.0, 0.0)
    );
    assert_eq!(s.expected_annual_loss_usd, 0.0);
}

#[test]
fn different_seeds_give_different_runs() {
    let fleet = [LossExposure {
        lambda: 0.4,
        insured_value_usd: 1e7,
    }];
    let a = simulate_fleet(model(), &fleet, 5_000, 1);
    let b = simulate_fleet(model(), &fleet, 5_000, 2);
    assert_ne!(a.mean, b.mean);
    assert_eq!(a, simulate_fleet(model(), &fleet, 5_000, 1));
}
