//! Bulk import benchmark (issue 12, item 6): 50,000 vessels with about five
//! histories each imported through the service's path (stored, scored and
//! published in one transaction), beside a raw bulk insert of the same rows
//! in one transaction without scoring, in the same run on each backend; the
//! ratio is the import's cost over the raw insert. Also times parsing the
//! same vessels from a JSON import body (the HTTP and CLI front end).
//!
//! Run: `cargo bench --bench import` (`BENCH_VESSELS`, default 50000;
//! `BENCH_BACKENDS`, PostgreSQL at `TEST_DATABASE_URL` as in `support`).

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use chrono::NaiveDate;
use fleet_risk::domain::{FleetName, PolicyIdPattern, VesselInput, VesselProfile};
use fleet_risk::import::{ImportBatch, ImportMode, ImportedVessel, parse_json_import};
use fleet_risk::model_file::builtin_model;
use fleet_risk::storage::{BackendPool, Database, NewFleet};

async fn fleet(db: &Database, name: &str) -> fleet_risk::domain::FleetId {
    db.create_fleet(&NewFleet {
        name: FleetName::parse(name).unwrap(),
        description: None,
    })
    .await
    .unwrap()
    .id
}

async fn quiesce(db: &Database) {
    if let BackendPool::Postgres(pool) = db.pool() {
        sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await.unwrap();
    }
}

async fn bench(label: &str, url: &str, vessels: &[VesselProfile]) {
    let (settings, db) = support::open(url).await;
    let histories: usize = vessels
        .iter()
        .map(|v| v.inspections.len() + v.incidents.len())
        .sum();

    // Raw: the same rows in one transaction, no checks, no scores.
    let raw_fleet = fleet(&db, "Raw").await;
    let start = Instant::now();
    let mut tx = db.begin_write().await.unwrap();
    tx.insert_vessels(raw_fleet, vessels).await.unwrap();
    tx.commit().await.unwrap();
    let raw = start.elapsed();
    match db.pool() {
        BackendPool::Sqlite(pool) => {
            sqlx::raw_sql("DELETE FROM vessels")
                .execute(pool)
                .await
                .unwrap();
        }
        BackendPool::Postgres(pool) => {
            sqlx::raw_sql("DELETE FROM vessels")
                .execute(pool)
                .await
                .unwrap();
        }
    }
    quiesce(&db).await;

    // The import: checked, stored, scored and published, one transaction.
    let import_fleet = fleet(&db, "Imported").await;
    let batch = ImportBatch {
        vessels: vessels
            .iter()
            .enumerate()
            .map(|(row, profile)| ImportedVessel {
                fleet_id: import_fleet,
                profile: profile.clone(),
                row,
                line: None,
            })
            .collect(),
    };
    let ctx = support::jobs(&settings, &db);
    let start = Instant::now();
    let answer = fleet_risk::jobs::import::import(&ctx, batch, ImportMode::Create, None)
        .await
        .unwrap();
    let imported = start.elapsed();
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(db.count_vessels().await.unwrap() as usize, vessels.len());
    println!(
        "{label}: {} vessels, {histories} histories: raw insert {:.2} s, import (stored, scored, published) {:.2} s, ratio {:.2}x",
        vessels.len(),
        raw.as_secs_f64(),
        imported.as_secs_f64(),
        imported.as_secs_f64() / raw.as_secs_f64()
    );
    db.close().await;
}

fn main() {
    fleet_risk::telemetry::init_logging(fleet_risk::config::LogFormat::Pretty);
    let size: usize = std::env::var("BENCH_VESSELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let vessels = support::book(&builtin_model(), size, as_of, 42);

    let inputs: Vec<VesselInput> = vessels.iter().map(VesselInput::from_profile).collect();
    let body = serde_json::to_vec(&serde_json::json!({
        "fleetId": uuid::Uuid::nil(), "vessels": inputs
    }))
    .unwrap();
    let start = Instant::now();
    let value = fleet_risk::domain::parse_json_document(&body).unwrap();
    let parsed = parse_json_import(&value, None, as_of, &PolicyIdPattern::default()).unwrap();
    println!(
        "parse: a {:.1} MB JSON import body of {} vessels in {:.2} s",
        body.len() as f64 / 1e6,
        parsed.vessels.len(),
        start.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        support::on_each_backend(async |label, url| bench(label, url, &vessels).await).await;
    });
}
