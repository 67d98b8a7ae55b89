//! What the benchmarks share: a realistic generated book and a timing harness.
// Each benchmark uses part of this module.
#![allow(dead_code)]

pub mod book_mix;
pub mod open_loop;
pub mod served_book;
pub mod server;

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate};
use fleet_risk::config::Settings;
use fleet_risk::domain::{
    ClassSocietyCode, CompanyPerformance, FlagState, FleetName, Imo, Incident, IncidentKind,
    IncidentSeverity, Inspection, InspectionRegime, ShipType, UsdAmount, VesselName, VesselProfile,
};
use fleet_risk::jobs::JobContext;
use fleet_risk::risk::RiskModel;
use fleet_risk::storage::{BackendPool, Database, NewFleet, PoolSettings};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub fn imo(n: u32) -> Imo {
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
pub fn book(model: &RiskModel, size: usize, as_of: NaiveDate, seed: u64) -> Vec<VesselProfile> {
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

/// A benchmark's settings on `url` (a run may take an hour) and its
/// database, migrated.
pub async fn open(url: &str) -> (Settings, Database) {
    let settings = Settings::from_environment(&std::collections::HashMap::from([
        ("DATABASE_URL", url),
        ("RISK_RUN_TIMEOUT", "3600"),
    ]))
    .unwrap();
    let db = Database::connect(&settings.database_url, PoolSettings::default())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    (settings, db)
}

/// What a run or an import needs: `db`, the built-in model, a compute pool
/// of the settings' size and metrics of its own.
pub fn jobs(settings: &Settings, db: &Database) -> JobContext {
    let compute =
        fleet_risk::compute::ComputeBridge::new(settings.compute_threads, settings.compute_queue)
            .unwrap();
    fleet_risk::startup::job_context(
        settings,
        db.clone(),
        std::sync::Arc::new(fleet_risk::model_file::builtin_model()),
        compute,
        std::sync::Arc::new(fleet_risk::telemetry::metrics::Metrics::new()),
        None,
    )
}

/// On PostgreSQL, `VACUUM ANALYZE`: a book is not bulk-loaded seconds
/// before it is read in service, so PostgreSQL finishes what autovacuum
/// would do before anything is timed.
pub async fn settle(db: &Database) {
    if let BackendPool::Postgres(pool) = db.pool() {
        sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await.unwrap();
    }
}

/// Stores `vessels` in `fleets` fleets of equal size ("Bench fleet 000", ...),
/// a fleet per write transaction, as an import of each fleet would. Returns the time taken.
pub async fn load_book(db: &Database, vessels: &[VesselProfile], fleets: usize) -> Duration {
    let start = Instant::now();
    for (index, fleet) in vessels.chunks(vessels.len().div_ceil(fleets)).enumerate() {
        let created = db
            .create_fleet(&NewFleet {
                name: FleetName::parse(&format!("Bench fleet {index:03}")).unwrap(),
                description: None,
            })
            .await
            .unwrap();
        let mut tx = db.begin_write().await.unwrap();
        tx.insert_vessels(created.id, fleet).await.unwrap();
        tx.commit().await.unwrap();
    }
    start.elapsed()
}

/// Best and median of `runs` timings of `f`.
pub fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
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

/// The variable `name` parsed, or `default` when unset or unreadable.
pub fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// [`on_each_backend`] on a runtime of its own, for a benchmark's `main`.
pub fn on_each_backend_blocking(bench: impl AsyncFn(&'static str, &str)) {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(on_each_backend(bench));
}

/// Runs `bench(label, database_url)` on each backend of `BENCH_BACKENDS`
/// (default `sqlite,postgres`): SQLite in a temporary file, PostgreSQL in a
/// fresh database at `TEST_DATABASE_URL` (default
/// postgres://postgres@127.0.0.1:5432/test) that is dropped afterwards, or
/// skipped with a note when unreachable.
pub async fn on_each_backend(bench: impl AsyncFn(&'static str, &str)) {
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    if backends.contains("sqlite") {
        bench("sqlite", &sqlite).await;
    }
    if !backends.contains("postgres") {
        return;
    }

    let admin_url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    match sqlx::PgPool::connect(&admin_url).await {
        Err(error) => println!("postgres: skipped ({admin_url} unreachable: {error})"),
        Ok(admin) => {
            let name = format!("fleet_risk_bench_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await
                .unwrap();
            let (base, _) = admin_url.rsplit_once('/').unwrap();
            bench("postgres", &format!("{base}/{name}")).await;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await
            .unwrap();
        }
    }
}
