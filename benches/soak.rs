//! Soak (issue 14, item 14): the mixed load of `mixed_load` at its fixed rates
//! for `SOAK_SECONDS` (default 600) while the scheduler runs a book-wide
//! recalculation every minute (`RISK_RECALC_CRON="0 * * * * *"`).
//!
//! Every 10 s it reads the server's resident memory from `ps` and from its
//! own `process_resident_memory_bytes`, its open file descriptors, its
//! pool's open connections and, on PostgreSQL, the server's sessions in
//! `pg_stat_activity`. It reports:
//! - each minute's exact peak RSS (the kernel's `VmHWM`, reset every
//!   minute), and its growth from the warm-up's last minute to the last two;
//! - memory growth after warm-up, from `ps` every second: the highest RSS
//!   of the last two minutes beside the highest of the warm-up's last minute
//!   (`SOAK_WARMUP_SECONDS`, default 120), and the same for the lowest (what
//!   is kept between runs), with each minute's highest and lowest to show
//!   the trend;
//! - connections and descriptors at the end of warm-up, at the end of the
//!   load and after 10 s idle (a leak grows them; a pool stays under its maximum);
//! - the runs the scheduler published during the load;
//! - failures and latency over the whole soak, runs included;
//! - the log bytes per 1,000 requests at the default level.
//!
//! Run: `cargo bench --bench soak` (`SOAK_SECONDS`, `SOAK_WARMUP_SECONDS`,
//! `LOAD_RATE` default 400, `LOAD_WRITE_RATE` default 2, `LOAD_FLEETS` default
//! 400, `LOAD_VESSELS` default 40000, `BENCH_BACKENDS`; PostgreSQL at
//! `TEST_DATABASE_URL`). Traffic goes to 127.0.0.1 only and stops by itself.

#[path = "support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::served_book;
use support::server::{Server, every_item, print_log_volume};

/// What one look at the server found.
struct Sample {
    at: Duration,
    ps_rss: u64,
    metrics_rss: u64,
    open_fds: u64,
    pool_connections: u64,
    pool_max: u64,
    /// The server's sessions on PostgreSQL; None on SQLite.
    database_sessions: Option<i64>,
}

async fn look(
    server: &Server,
    client: &reqwest::Client,
    pg: Option<&sqlx::PgPool>,
    since: Instant,
) -> Sample {
    let metrics = server.metrics(client).await;
    let sum = |prefix: &str| -> u64 {
        metrics
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(_, value)| *value as u64)
            .sum()
    };
    let database_sessions = match pg {
        // Our own session, which asks, is not the server's.
        Some(pool) => Some(
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_one(pool)
            .await
            .unwrap(),
        ),
        None => None,
    };
    Sample {
        at: since.elapsed(),
        ps_rss: server.ps_rss_bytes(),
        metrics_rss: sum("process_resident_memory_bytes"),
        open_fds: sum("process_open_fds"),
        pool_connections: sum("fleet_risk_db_pool_connections{"),
        pool_max: sum("fleet_risk_db_pool_max_connections"),
        database_sessions,
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn describe(label: &str, when: &str, s: &Sample) {
    let sessions = s
        .database_sessions
        .map_or(String::new(), |n| format!(", {n} PostgreSQL sessions"));
    println!(
        "{label}: {when} ({:.0} s): RSS {:.1} MB (ps) / {:.1} MB (metrics), {} open fds, \
         {} of {} pool connections{sessions}",
        s.at.as_secs_f64(),
        mb(s.ps_rss),
        mb(s.metrics_rss),
        s.open_fds,
        s.pool_connections,
        s.pool_max,
    );
}

/// RSS (ps) read every second: `(when, bytes)`. A book-wide run's peak
/// lasts a few seconds, so a sample every 10 s caught it in some minutes
/// and missed it in others, and each minute's highest measured that luck
/// rather than growth.
type RssSeries = [(Duration, u64)];

/// The RSS samples taken in `[from, to)`.
fn within(rss: &RssSeries, from: Duration, to: Duration) -> impl Iterator<Item = u64> + '_ {
    rss.iter()
        .filter(move |(at, _)| *at >= from && *at < to)
        .map(|(_, bytes)| *bytes)
}

/// The highest RSS in `[from, to)`: with a run every minute, a whole
/// minute's highest is that run's peak.
fn highest(rss: &RssSeries, from: Duration, to: Duration) -> u64 {
    within(rss, from, to).max().unwrap_or(0)
}

/// The lowest RSS in `[from, to)`: what the process keeps between runs.
fn lowest(rss: &RssSeries, from: Duration, to: Duration) -> u64 {
    within(rss, from, to).min().unwrap_or(0)
}

/// Each minute's `pick` of `rss`, in MB.
fn per_minute(
    rss: &RssSeries,
    minutes: u64,
    pick: fn(&RssSeries, Duration, Duration) -> u64,
) -> String {
    (0..minutes)
        .map(|m| {
            let from = Duration::from_secs(m * 60);
            format!("{:.0}", mb(pick(rss, from, from + Duration::from_secs(60))))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `pick` over the warm-up's last minute beside `pick` over the load's
/// last two minutes, and the growth from one to the other.
fn growth(
    label: &str,
    what: &str,
    rss: &RssSeries,
    (warmup, soak): (Duration, Duration),
    pick: fn(&RssSeries, Duration, Duration) -> u64,
) {
    let warmed = pick(rss, warmup.saturating_sub(Duration::from_secs(60)), warmup);
    let last = pick(
        rss,
        soak.saturating_sub(Duration::from_secs(120)),
        soak + Duration::from_secs(60),
    );
    println!(
        "{label}: {what}: after warm-up {:.1} MB, in the last two minutes {:.1} MB: growth {:+.1} %",
        mb(warmed),
        mb(last),
        (last as f64 / warmed as f64 - 1.0) * 100.0
    );
}

/// Each minute's exact peak (the kernel's high-water mark, reset every
/// minute), and the growth from the warm-up's last minute to the highest of
/// the last two minutes.
fn peak_growth(label: &str, peaks: &[u64], warmup: Duration) {
    let each: Vec<String> = peaks.iter().map(|p| format!("{:.0}", mb(*p))).collect();
    println!(
        "{label}: peak RSS each minute (VmHWM, reset every minute), MB: {}",
        each.join(", ")
    );
    let warmed = (warmup.as_secs() / 60).saturating_sub(1) as usize;
    let (Some(at_warmup), Some(last)) = (
        peaks.get(warmed),
        peaks.iter().skip(peaks.len().saturating_sub(2)).max(),
    ) else {
        println!("{label}: peak RSS: too few minutes to compare");
        return;
    };
    println!(
        "{label}: peak RSS: after warm-up {:.1} MB, in the last two minutes {:.1} MB: growth {:+.1} %",
        mb(*at_warmup),
        mb(*last),
        (*last as f64 / *at_warmup as f64 - 1.0) * 100.0
    );
}

/// The scheduled runs started since `start`: how many, and how many published.
async fn scheduled_runs_since(
    server: &Server,
    client: &reqwest::Client,
    key: &str,
    start: chrono::DateTime<chrono::Utc>,
) -> (usize, usize) {
    let url = server.url("/api/fleet-risk/runs?limit=500");
    let runs: Vec<serde_json::Value> = every_item(client, &url, key)
        .await
        .into_iter()
        .filter(|run| run["trigger"] == "cron")
        .filter(|run| {
            let at = run["startedAt"].as_str().unwrap();
            chrono::DateTime::parse_from_rfc3339(at).unwrap() >= start
        })
        .collect();
    let published = runs
        .iter()
        .filter(|run| run["status"] == "published")
        .count();
    (runs.len(), published)
}

async fn bench(label: &str, url: &str) {
    let rate: f64 = support::var("LOAD_RATE", 400.0);
    let write_rate: f64 = support::var("LOAD_WRITE_RATE", 2.0);
    let soak = Duration::from_secs(support::var("SOAK_SECONDS", 600));
    let warmup = Duration::from_secs(support::var("SOAK_WARMUP_SECONDS", 120));
    let size: usize = support::var("LOAD_VESSELS", 40_000);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut environment = vec![("RISK_RECALC_CRON", "0 * * * * *")];
    environment.extend(served_book::UNLIMITED);
    let (server, mix) = served_book::serve(url, size, &environment, &log).await;
    let viewer = mix.viewer_key();
    let pg = match url.starts_with("postgres") {
        true => Some(sqlx::PgPool::connect(url).await.unwrap()),
        false => None,
    };
    let client = served_book::client();
    let start = Instant::now();
    let wall_start = chrono::Utc::now();
    let idle = look(&server, &client, pg.as_ref(), start).await;
    println!(
        "{label}: {size} vessels; {rate} reads/s and {write_rate} writes/s for {} s, a book-wide run every minute",
        soak.as_secs()
    );
    describe(label, "idle before the load", &idle);
    let log_before = server.log_bytes();

    let done = AtomicBool::new(false);
    let load = async {
        let rates = (rate, write_rate);
        let tally = served_book::send_mix(&client, &server, &mix, rates, soak, 4000).await;
        done.store(true, Ordering::SeqCst);
        tally
    };
    let watch = async {
        let (mut samples, mut rss, mut peaks) = (Vec::new(), Vec::new(), Vec::new());
        for second in 0u64.. {
            if done.load(Ordering::SeqCst) {
                break;
            }
            if second % 60 == 0 {
                // Each minute's exact peak; the first call only resets it.
                let peak = server.take_peak_rss_bytes();
                if second > 0 {
                    peaks.extend(peak);
                }
            }
            if second % 10 == 0 {
                samples.push(look(&server, &client, pg.as_ref(), start).await);
            }
            rss.push((start.elapsed(), server.ps_rss_bytes()));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        peaks.extend(server.take_peak_rss_bytes());
        (samples, rss, peaks)
    };
    let (tally, (samples, rss, peaks)) = tokio::join!(load, watch);
    let end = look(&server, &client, pg.as_ref(), start).await;
    let logged = server.log_bytes() - log_before;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = look(&server, &client, pg.as_ref(), start).await;

    tally.print(label, "the soak");
    let minutes = soak.as_secs().div_ceil(60);
    println!(
        "{label}: highest RSS (ps, every second) each minute, MB: {}",
        per_minute(&rss, minutes, highest)
    );
    println!(
        "{label}: lowest RSS each minute (between runs), MB: {}",
        per_minute(&rss, minutes, lowest)
    );
    peak_growth(label, &peaks, warmup);
    growth(label, "highest RSS", &rss, (warmup, soak), highest);
    growth(label, "lowest RSS", &rss, (warmup, soak), lowest);
    if let Some(at_warmup) = samples.iter().find(|s| s.at >= warmup) {
        describe(label, "end of warm-up", at_warmup);
    }
    describe(label, "end of the load", &end);
    describe(label, "10 s idle after", &after);
    let highest_pool = samples
        .iter()
        .map(|s| s.pool_connections)
        .max()
        .unwrap_or(0);
    println!(
        "{label}: pool connections at most {highest_pool} of {}",
        end.pool_max
    );
    let (runs, published) = scheduled_runs_since(&server, &client, &viewer, wall_start).await;
    println!("{label}: book-wide runs during the soak: {runs} started, {published} published");
    print_log_volume(label, logged, tally.requests());
    let kept = std::env::temp_dir().join(format!("fleet-risk-soak-{label}.log"));
    std::fs::copy(&log, &kept).unwrap();
    println!("{label}: the server's log is kept in {}", kept.display());
    if let Some(pool) = pg {
        pool.close().await;
    }
    drop(server);
}

fn main() {
    support::on_each_backend_blocking(async |label, url| bench(label, url).await);
}
