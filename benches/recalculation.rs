//! End-to-end recalculation benchmark: a full run (load, score, publish) over
//! a generated book on SQLite and on PostgreSQL. Best and median of a few runs.
//!
//! Run: `cargo bench --bench recalculation` (`BENCH_VESSELS`, default 100000;
//! PostgreSQL at `TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test,
//! in a fresh database that is dropped afterwards; skipped with a note when unreachable).

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use chrono::NaiveDate;
use fleet_risk::config::DatabaseUrl;
use fleet_risk::domain::VesselProfile;
use fleet_risk::domain::{RunStatus, RunTrigger};
use fleet_risk::jobs::run_once;
use fleet_risk::model_file::builtin_model;

const FLEETS: usize = 100;
const RUNS: usize = 3;

async fn bench(label: &str, url: &str, vessels: &[VesselProfile], as_of: NaiveDate) {
    let (settings, db) = support::open(url).await;
    let loaded = support::load_book(&db, vessels, FLEETS).await;
    support::settle(&db).await;
    println!(
        "{label}: loaded {} vessels with histories in {:.1} s",
        vessels.len(),
        loaded.as_secs_f64()
    );
    let ctx = support::jobs(&settings, &db);
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let run = run_once(&ctx, RunTrigger::Cli, as_of).await.unwrap();
        let elapsed = start.elapsed();
        assert_eq!(run.status, RunStatus::Published, "{run:?}");
        assert_eq!(run.vessels_scored as usize, vessels.len());
        times.push(elapsed);
    }
    times.sort();
    println!(
        "{label}: full run over {} vessels: best {:.2} s, median {:.2} s",
        vessels.len(),
        times[0].as_secs_f64(),
        times[RUNS / 2].as_secs_f64()
    );
    db.close().await;
}

fn main() {
    fleet_risk::telemetry::init_logging(fleet_risk::config::LogFormat::Pretty);
    let size: usize = std::env::var("BENCH_VESSELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let vessels = support::book(&builtin_model(), size, as_of, 42);
    let histories: usize = vessels
        .iter()
        .map(|v| v.inspections.len() + v.incidents.len())
        .sum();
    println!("book: {size} vessels, {histories} inspections and incidents, {FLEETS} fleets");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        support::on_each_backend(async |label, url| {
            assert!(DatabaseUrl::parse(url).is_ok());
            bench(label, url, &vessels, as_of).await;
        })
        .await;
    });
}
