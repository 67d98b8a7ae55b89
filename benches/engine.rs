//! Engine benchmarks: scoring a book on one thread and on all threads, and the
//! fleet Monte Carlo. A tiny harness (best and median of N runs), no criterion.
//!
//! Run: `cargo bench --bench engine`

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use fleet_risk::domain::RiskThresholds;
use fleet_risk::risk::{LossExposure, assess_book, simulate_fleet};
use support::{book, time};

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
