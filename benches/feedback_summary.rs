//! The feedback summary over 100,000 stored messages (issue 13, item 10),
//! beside a baseline measured in the same run: a plain SELECT of the same
//! rows and columns. Reported: the SELECT, the summary as the handler
//! builds it (the storage read with row parsing, the analysis on the
//! compute bridge, the JSON body), and the ratio. Best and median of runs.
//!
//! Run: `cargo bench --bench feedback_summary` (`BENCH_MESSAGES`, default
//! 100000; PostgreSQL at `TEST_DATABASE_URL`, default
//! postgres://postgres@127.0.0.1:5432/test, in a fresh database dropped
//! afterwards; skipped with a note when unreachable). The messages are the
//! fixture corpus's, each with a numbered suffix, ratings and categories
//! cycling, received over four weeks.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fleet_risk::compute::ComputeBridge;
use fleet_risk::config::DatabaseUrl;
use fleet_risk::feedback::analyse;
use fleet_risk::storage::{BackendPool, Database, FeedbackFilter, PoolSettings};
use serde_json::Value;
use uuid::Uuid;

const RUNS: usize = 5;
const INSERT: &str = "INSERT INTO feedback (id, rating, category, message, compound, feature, app_version, \
    session_id, sent_at, received_at, submitted_by) VALUES ($1, $2, $3, $4, $8, $5, '2.4.0', $6, $7, $7, 'bench')";
const BASELINE: &str = "SELECT id, rating, category, message, received_at FROM feedback \
    WHERE received_at <= $1 ORDER BY received_at, id";

fn corpus() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/feedback/corpus.json");
    let corpus: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    corpus["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap().to_string())
        .collect()
}

async fn load(db: &Database, count: usize, now: DateTime<Utc>) {
    // Scored once per corpus message, as submission scores each one.
    let messages: Vec<(String, f64)> = corpus()
        .into_iter()
        .map(|m| {
            let c = fleet_risk::feedback::compound(&m);
            (m, c)
        })
        .collect();
    let categories = ["Performance", "Accuracy", "Usability", "Features"];
    macro_rules! insert_all {
        ($pool:expr) => {{
            let mut tx = $pool.begin().await.unwrap();
            for i in 0..count {
                let at = now - chrono::Duration::seconds((i as i64 * 24_192) % 2_419_200);
                sqlx::query(INSERT)
                    .bind(Uuid::now_v7())
                    .bind((i % 5) as i32 + 1)
                    .bind(categories[i % 4])
                    .bind(format!("{} (ref {i})", messages[i % messages.len()].0))
                    .bind(if i % 10 == 0 {
                        "vessel-map"
                    } else {
                        "fleet-dashboard"
                    })
                    .bind(format!("s-{}", i % 977))
                    .bind(chrono::SubsecRound::trunc_subsecs(at, 0))
                    .bind(messages[i % messages.len()].1)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }};
    }
    match db.pool() {
        BackendPool::Sqlite(pool) => insert_all!(pool),
        BackendPool::Postgres(pool) => {
            insert_all!(pool);
            sqlx::raw_sql("VACUUM ANALYZE feedback")
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

async fn time<F: std::future::Future<Output = usize>>(
    mut f: impl FnMut() -> F,
) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut out = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        out = f().await;
        times.push(start.elapsed());
    }
    times.sort();
    (times[0], times[RUNS / 2], out)
}

async fn bench(label: &str, url: &str, count: usize) {
    let db = Database::connect(&DatabaseUrl::parse(url).unwrap(), PoolSettings::default())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let now = Utc::now();
    let started = Instant::now();
    load(&db, count, now).await;
    println!(
        "{label}: stored {count} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let compute = ComputeBridge::new(rayon::current_num_threads(), 4).unwrap();
    let until = now;

    let (select_best, select_median, rows) = time(|| async {
        let rows: Vec<(Uuid, i32, String, String, DateTime<Utc>)> = match db.pool() {
            BackendPool::Sqlite(pool) => sqlx::query_as(BASELINE).bind(until).fetch_all(pool).await,
            BackendPool::Postgres(pool) => {
                sqlx::query_as(BASELINE).bind(until).fetch_all(pool).await
            }
        }
        .unwrap();
        rows.len()
    })
    .await;
    let filter = FeedbackFilter {
        feature: None,
        since: None,
        until,
    };
    let (summary_best, summary_median, bytes) = time(|| async {
        let entries = db.feedback_entries(&filter).await.unwrap();
        let summary = compute.run(move || analyse(&entries, until)).await.unwrap();
        serde_json::to_vec(&summary).unwrap().len()
    })
    .await;
    let entries = db.feedback_entries(&filter).await.unwrap();
    let (analysis_best, analysis_median, _) = time(|| {
        let entries = entries.clone();
        let compute = compute.clone();
        async move {
            let summary = compute.run(move || analyse(&entries, until)).await.unwrap();
            summary.total as usize
        }
    })
    .await;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label}: plain SELECT of {rows} rows: best {:.0} ms, median {:.0} ms",
        ms(select_best),
        ms(select_median)
    );
    println!(
        "{label}: summary (read + analysis + JSON, {bytes} bytes): best {:.0} ms, median {:.0} ms; \
         ratio to the SELECT {:.2}x (best), {:.2}x (median)",
        ms(summary_best),
        ms(summary_median),
        ms(summary_best) / ms(select_best),
        ms(summary_median) / ms(select_median)
    );
    println!(
        "{label}: analysis alone on the bridge ({} threads): best {:.0} ms, median {:.0} ms",
        rayon::current_num_threads(),
        ms(analysis_best),
        ms(analysis_median)
    );
    db.close().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let count: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("feedback-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}/bench.db?mode=rwc", dir.display());
    bench("sqlite", &sqlite, count).await;
    std::fs::remove_dir_all(&dir).ok();

    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("feedback_bench_{}", std::process::id());
    let Ok(pool) = sqlx::PgPool::connect(&admin).await else {
        println!("postgres: skipped, {admin} is unreachable");
        return;
    };
    let create = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"));
    sqlx::query(create).execute(&pool).await.unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    bench("postgres", &format!("{base}/{name}"), count).await;
    let drop = sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"));
    sqlx::query(drop).execute(&pool).await.unwrap();
}
