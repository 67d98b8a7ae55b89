//! Engine benchmarks: scoring a book on one thread and on all threads, and the
//! fleet Monte Carlo. A tiny harness (best and median of N runs), no criterion.
//!
//! Run: `cargo bench --bench engine`

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate};
use fleet_risk::domain::{
    ClassSocietyCode, CompanyPerformance, FlagState, Imo, Incident, IncidentKind, IncidentSeverity,
    Inspection, InspectionRegime, RiskThresholds, ShipType, UsdAmount, VesselName, VesselProfile,
};
use fleet_risk::risk::{LossExposure, RiskModel, assess_book, simulate_fleet};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn imo(n: u32) -> Imo {
    let prefix = format!("{:06}", 100_000 + n % 900_000);
    let digits: Vec<u32> = prefix.bytes().map(|b| u32::from(b - b'0')).collect();
    let check: u32 = digits
        .iter()
        .zip([7, 6, 5, 4, 3, 2])
        .map(|(d, w)| d * w)
        .sum::<u32>()
        % 10;
    Imo::parse(&format!("{prefix}{check}")).expect("valid check digit")
}

/// A realistic book, the same for a given seed.
fn book(model: &RiskModel, size: usize, as_of: NaiveDate, seed: u64) -> Vec<VesselProfile> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut flags: Vec<FlagState> = model.listed_flags().into_iter().map(|(f, _)| f).collect();
    flags.push(FlagState::parse("US").unwrap());
    let mut classes: Vec<Option<ClassSocietyCode>> = model
        .listed_class_societies()
        .into_iter()
        .map(|(c, _)| Some(ClassSocietyCode::parse(c).unwrap()))
        .collect();
    classes.push(Some(ClassSocietyCode::parse("XYZ").unwrap()));
    classes.push(None);
    let name = VesselName::parse("BENCH VESSEL").unwrap();
    (0..size)
        .map(|i| {
            let inspections = (0..rng.random_range(0..=8))
                .map(|_| Inspection {
                    date: as_of - Days::days(rng.random_range(0..6 * 365)),
                    regime: InspectionRegime::ALL[rng.random_range(0..4)],
                    deficiencies: rng.random_range(0..15),
                    detained: rng.random_bool(0.05),
                })
                .collect();
            let incidents = (0..rng.random_range(0..=3))
                .map(|_| Incident {
                    date: as_of - Days::days(rng.random_range(0..6 * 365)),
                    severity: IncidentSeverity::ALL[rng.random_range(0..3)],
                    kind: IncidentKind::ALL[rng.random_range(0..9)],
                    gross_loss_usd: UsdAmount::parse(rng.random_range(0.0..3e6)).unwrap(),
                })
                .collect();
            VesselProfile {
                imo: imo(i as u32),
                name: name.clone(),
                ship_type: ShipType::ALL[rng.random_range(0..11)],
                year_built: rng.random_range(1985..=2025),
                gross_tonnage: rng.random_range(500..200_000),
                flag: flags[rng.random_range(0..flags.len())],
                class_society: classes[rng.random_range(0..classes.len())].clone(),
                company_performance: CompanyPerformance::ALL[rng.random_range(0..4)],
                insured_value_usd: UsdAmount::parse(rng.random_range(1e6..1.5e8)).unwrap(),
                insurance_policy_id: None,
                sanctioned: rng.random_bool(0.002),
                banned_listed: rng.random_bool(0.005),
                days_in_listed_areas_12m: if rng.random_bool(0.1) {
                    rng.random_range(0..120)
                } else {
                    0
                },
                ais_gaps_12m: if rng.random_bool(0.1) {
                    rng.random_range(0..8)
                } else {
                    0
                },
                flag_changes_36m: if rng.random_bool(0.05) {
                    rng.random_range(0..3)
                } else {
                    0
                },
                inspections,
                incidents,
            }
        })
        .collect()
}

/// Best and median of `runs` timings of `f`.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[runs / 2])
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn main() {
    let model = fleet_risk::model_file::load_model(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/models/frm-1.0.toml"),
    )
    .expect("model loads");
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let thresholds = RiskThresholds::DEFAULT;
    let threads = rayon::current_num_threads();
    let one = pool(1);
    let all = pool(threads);

    for (size, runs) in [(100_000usize, 7usize), (1_000_000, 3)] {
        let vessels = book(&model, size, as_of, 2026);
        let (best1, med1) =
            one.install(|| time(runs, || assess_book(&model, &vessels, as_of, &thresholds)));
        let (best_n, med_n) =
            all.install(|| time(runs, || assess_book(&model, &vessels, as_of, &thresholds)));
        let per = |d: Duration| d.as_nanos() as f64 / size as f64;
        println!(
            "score {size:>9} vessels, 1 thread : best {:>8.1} ms ({:>6.0} ns/vessel), median {:>8.1} ms",
            best1.as_secs_f64() * 1e3,
            per(best1),
            med1.as_secs_f64() * 1e3
        );
        println!(
            "score {size:>9} vessels, {threads} threads: best {:>8.1} ms ({:>6.0} ns/vessel), median {:>8.1} ms, speedup {:.2}x (best), {:.2}x (median)",
            best_n.as_secs_f64() * 1e3,
            per(best_n),
            med_n.as_secs_f64() * 1e3,
            best1.as_secs_f64() / best_n.as_secs_f64(),
            med1.as_secs_f64() / med_n.as_secs_f64()
        );
    }

    let fleet = book(&model, 1_000, as_of, 7);
    let assessed = assess_book(&model, &fleet, as_of, &thresholds);
    let exposures: Vec<LossExposure> = fleet
        .iter()
        .zip(&assessed)
        .map(|(v, a)| LossExposure {
            lambda: a.expected_claims,
            insured_value_usd: v.insured_value_usd.value(),
        })
        .collect();
    let years = 100_000;
    let (best, median) = all.install(|| time(5, || simulate_fleet(&model, &exposures, years, 42)));
    let summary = simulate_fleet(&model, &exposures, years, 42);
    println!(
        "simulate {years} years x 1000 vessels, {threads} threads: best {:.1} ms, median {:.1} ms",
        best.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3
    );
    println!(
        "  mean {:.0}, EAL {:.0}, stdDev {:.0}, VaR95 {:.0}, VaR99.5 {:.0}, TVaR99.5 {:.0}, P(any total loss) {:.4}",
        summary.mean,
        summary.expected_annual_loss_usd,
        summary.std_dev,
        summary.var95,
        summary.var995,
        summary.tvar995,
        summary.p_any_total_loss
    );
}
