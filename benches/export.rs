//! Export benchmark (issue 12, item 10): a generated book loaded and
//! published, then `fleet-risk export` of the whole book as CSV and as xlsx
//! (the binary, as a batch job runs it, under `/usr/bin/time` for its peak
//! RSS), beside a baseline in the same run: one SELECT of the same rows
//! (vessels joined to their current scores) written to a file.
//!
//! Run: `cargo bench --bench export` (`BENCH_VESSELS`, default 100000;
//! `BENCH_BACKENDS`, default `sqlite,postgres`; PostgreSQL at `TEST_DATABASE_URL`).

#[path = "support/mod.rs"]
mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use fleet_risk::domain::{RunStatus, RunTrigger};
use fleet_risk::jobs::run_once;
use fleet_risk::model_file::builtin_model;
use fleet_risk::storage::{BackendPool, Database};

const FLEETS: usize = 100;

const RAW_DUMP: &str = "SELECT v.imo, v.name, v.ship_type, v.flag, v.class_society, v.year_built, \
     f.name, s.score, s.level, s.srp_profile, s.expected_annual_loss_usd, s.expected_claims, \
     s.assessment, s.calculated_at FROM vessels v JOIN fleets f ON f.id = v.fleet_id \
     JOIN current_vessel_scores c ON c.vessel_imo = v.imo \
     JOIN vessel_scores s ON s.vessel_imo = c.vessel_imo AND s.run_id = c.run_id ORDER BY v.imo";

type DumpRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    f64,
    String,
    String,
    f64,
    f64,
    String,
    String,
);

/// The baseline: one SELECT of the same rows, each written as a line.
async fn raw_dump(db: &Database, path: &std::path::Path) -> Duration {
    let start = Instant::now();
    let rows: Vec<DumpRow> = match db.pool() {
        BackendPool::Sqlite(pool) => sqlx::query_as(RAW_DUMP).fetch_all(pool).await.unwrap(),
        BackendPool::Postgres(pool) => {
            let sql = RAW_DUMP.replace("s.calculated_at", "s.calculated_at::text");
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await
                .unwrap()
        }
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for row in &rows {
        let (
            imo,
            name,
            ship_type,
            flag,
            class,
            year,
            fleet,
            score,
            level,
            srp,
            eal,
            claims,
            doc,
            at,
        ) = row;
        writeln!(
            file,
            "{imo},{name},{ship_type},{flag},{class:?},{year},{fleet},{score},{level},{srp},{eal},{claims},{},{at}",
            doc.len()
        )
        .unwrap();
    }
    file.flush().unwrap();
    start.elapsed()
}

/// `fleet-risk export` of the whole book: its time and peak RSS (KiB).
fn cli_export(url: &str, format: &str, path: &std::path::Path) -> (Duration, u64) {
    let start = Instant::now();
    let output = std::process::Command::new("/usr/bin/time")
        .args([
            "-f",
            "%M",
            env!("CARGO_BIN_EXE_fleet-risk"),
            "export",
            "--format",
            format,
            "-o",
        ])
        .arg(path)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("/usr/bin/time runs");
    let elapsed = start.elapsed();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak = stderr.lines().last().unwrap().trim().parse().unwrap();
    (elapsed, peak)
}

async fn bench(label: &str, url: &str, size: usize, as_of: NaiveDate) {
    let (settings, db) = support::open(url).await;
    support::load_book(
        &db,
        &support::book(&builtin_model(), size, as_of, 42),
        FLEETS,
    )
    .await;
    let run = run_once(&support::jobs(&settings, &db), RunTrigger::Cli, as_of)
        .await
        .unwrap();
    assert_eq!(run.status, RunStatus::Published, "{run:?}");
    support::settle(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let dump = raw_dump(&db, &dir.path().join("dump.txt")).await;
    println!(
        "{label}: raw dump of {size} rows: {:.2} s",
        dump.as_secs_f64()
    );
    for format in ["csv", "xlsx"] {
        let path = dir.path().join(format!("book.{format}"));
        let (elapsed, peak) = cli_export(url, format, &path);
        let bytes = std::fs::metadata(&path).unwrap().len();
        println!(
            "{label}: export {format} of {size} vessels: {:.2} s ({:.1}x the raw dump), \
             peak RSS {:.0} MB, file {:.1} MB",
            elapsed.as_secs_f64(),
            elapsed.as_secs_f64() / dump.as_secs_f64(),
            peak as f64 / 1024.0,
            bytes as f64 / 1e6,
        );
    }
    db.close().await;
}

fn main() {
    let size: usize = std::env::var("BENCH_VESSELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        support::on_each_backend(async |label, url| bench(label, url, size, as_of).await).await;
    });
}
