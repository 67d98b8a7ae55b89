//! Mixed load (issue 14, item 13): the built binary serving a generated
//! book, sent dashboards, vessel reads, assessments and writes at a fixed
//! rate (`support/book_mix.rs` has the shares), beside the static endpoint
//! measured in the same run:
//!
//! 1. warm-up: 10 s of the mix (not counted, but its failures are shown);
//! 2. the static endpoint `GET /api/health/live` at the same fixed rate;
//! 3. the mix at the fixed rate for `LOAD_SECONDS`: failures, p50, p99, max;
//! 4. the most each sustains: `LOAD_CONNECTIONS` closed-loop clients for
//!    10 s on the static endpoint, then on the mix, and their ratio;
//! 5. the server's log bytes per 1,000 requests at its default level.
//!
//! Latency runs from when a request was due (open loop, see
//! `support/open_loop.rs`), so a stall shows. Traffic goes to 127.0.0.1
//! only; every phase ends by itself and the server is stopped at the end.
//!
//! Run: `cargo bench --bench mixed_load` (`LOAD_RATE` requests/s, default
//! 400; `LOAD_SECONDS`, default 60; `LOAD_VESSELS`, default 40000;
//! `LOAD_CONNECTIONS`, default 16; `BENCH_BACKENDS`; PostgreSQL at
//! `TEST_DATABASE_URL`). The generator shares the machine's cores with the
//! server.

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use support::open_loop::{self, Mix, Static, Tally};
use support::served_book;

fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn print(label: &str, phase: &str, tally: &Tally) {
    println!("{label}: {phase}: {}", tally.headline());
    for line in tally.breakdown() {
        println!("{label}: {line}");
    }
}

async fn bench(label: &str, url: &str) {
    let rate: f64 = var("LOAD_RATE", 400.0);
    let seconds = Duration::from_secs(var("LOAD_SECONDS", 60));
    let size: usize = var("LOAD_VESSELS", 40_000);
    let connections: usize = var("LOAD_CONNECTIONS", 16);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut environment = vec![("RISK_RECALC_ENABLED", "false")];
    environment.extend(served_book::UNLIMITED);
    let (server, mix) = served_book::serve(url, size, &environment, &log).await;
    let client = served_book::client();
    let mix: Arc<dyn Mix> = mix;
    let stat: Arc<dyn Mix> = Arc::new(Static);
    println!(
        "{label}: {size} vessels; {rate} req/s fixed rate, {connections} clients closed loop; {} cores shared by client and server",
        std::thread::available_parallelism().unwrap()
    );

    let warm = open_loop::fixed_rate(
        &client,
        &server.base,
        mix.clone(),
        rate,
        Duration::from_secs(10),
        2000,
    )
    .await;
    println!("{label}: warm-up: {}", warm.headline());
    let log_before = server.log_bytes();
    let baseline = open_loop::fixed_rate(
        &client,
        &server.base,
        stat.clone(),
        rate,
        Duration::from_secs(var("LOAD_BASELINE_SECONDS", 20)),
        2000,
    )
    .await;
    print(label, "static endpoint, fixed rate", &baseline);
    let mixed =
        open_loop::fixed_rate(&client, &server.base, mix.clone(), rate, seconds, 2000).await;
    print(label, "mixed load, fixed rate", &mixed);
    let static_most = open_loop::closed_loop(
        &client,
        &server.base,
        stat,
        connections,
        Duration::from_secs(10),
    )
    .await;
    println!(
        "{label}: static endpoint, closed loop: {}",
        static_most.headline()
    );
    let mixed_most = open_loop::closed_loop(
        &client,
        &server.base,
        mix,
        connections,
        Duration::from_secs(10),
    )
    .await;
    print(label, "mixed load, closed loop", &mixed_most);
    let requests =
        baseline.requests() + mixed.requests() + static_most.requests() + mixed_most.requests();
    let logged = server.log_bytes() - log_before;
    println!(
        "{label}: the mix sustains {:.2}x the static endpoint's throughput ({:.0} / {:.0} req/s); \
         fixed-rate p99 {:.2} ms mixed beside {:.2} ms static; {} failures in the fixed-rate mix",
        mixed_most.throughput() / static_most.throughput(),
        mixed_most.throughput(),
        static_most.throughput(),
        open_loop::percentile(&mixed.all(), 0.99).as_secs_f64() * 1e3,
        open_loop::percentile(&baseline.all(), 0.99).as_secs_f64() * 1e3,
        mixed.failures(),
    );
    println!(
        "{label}: default-level log: {logged} bytes over {requests} requests = {:.0} bytes per 1,000 requests",
        logged as f64 * 1000.0 / requests as f64
    );
    drop(server);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(support::on_each_backend(async |label, url| {
        bench(label, url).await
    }));
}
