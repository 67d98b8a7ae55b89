//! Mixed load (issue 14, item 13): the built binary serving a generated
//! book, sent dashboards, vessel reads and assessments at `LOAD_RATE`
//! requests a second and, beside them, writes at `LOAD_WRITE_RATE`
//! (`support/book_mix.rs` has the shares), with the static endpoint
//! measured in the same run:
//!
//! 1. warm-up: 10 s of the mix (not counted, but its failures are shown);
//! 2. the static endpoint `GET /api/health/live` at the mix's total rate;
//! 3. the mix at its fixed rates for `LOAD_SECONDS`: failures, p50, p99, max;
//! 4. the most each sustains: `LOAD_CONNECTIONS` closed-loop clients for
//!    10 s on the static endpoint, on the reads, then on the writes;
//! 5. the server's log bytes per 1,000 requests at its default level.
//!
//! Latency runs from when a request was due (open loop, see
//! `support/open_loop.rs`), so a stall shows. Traffic goes to 127.0.0.1
//! only; every phase ends by itself and the server is stopped at the end.
//!
//! Run: `cargo bench --bench mixed_load` (`LOAD_RATE` reads/s, default 400;
//! `LOAD_WRITE_RATE` writes/s, default 2; `LOAD_SECONDS`, default 60;
//! `LOAD_VESSELS`, default 40000; `LOAD_FLEETS`, default 400;
//! `LOAD_CONNECTIONS`, default 16; `BENCH_BACKENDS`; PostgreSQL at
//! `TEST_DATABASE_URL`). The generator shares the machine's cores with the
//! server.

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use support::book_mix::{Reads, Writes};
use support::open_loop::{self, Mix, Static, Tally};
use support::served_book;
use support::server::print_log_volume;

async fn bench(label: &str, url: &str) {
    let rate: f64 = support::var("LOAD_RATE", 400.0);
    let write_rate: f64 = support::var("LOAD_WRITE_RATE", 2.0);
    let seconds = Duration::from_secs(support::var("LOAD_SECONDS", 60));
    let size: usize = support::var("LOAD_VESSELS", 40_000);
    let connections: usize = support::var("LOAD_CONNECTIONS", 16);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut environment = vec![("RISK_RECALC_ENABLED", "false")];
    environment.extend(served_book::UNLIMITED);
    let (server, mix) = served_book::serve(url, size, &environment, &log).await;
    let client = served_book::client();
    let rates = (rate, write_rate);
    println!(
        "{label}: {size} vessels; {rate} reads/s and {write_rate} writes/s at fixed rates, \
         {connections} clients closed loop; {} cores shared by client and server",
        std::thread::available_parallelism().unwrap()
    );
    let ten = Duration::from_secs(10);
    let warm = served_book::send_mix(&client, &server, &mix, rates, ten, 2000).await;
    warm.print(label, "warm-up");
    let log_before = server.log_bytes();
    let stat: Arc<dyn Mix> = Arc::new(Static);
    let baseline_time = Duration::from_secs(support::var("LOAD_BASELINE_SECONDS", 20));
    let baseline = open_loop::fixed_rate(
        &client,
        &server.base,
        stat.clone(),
        rate + write_rate,
        baseline_time,
        2000,
    )
    .await;
    baseline.print(label, "static endpoint, fixed rate");
    let mixed = served_book::send_mix(&client, &server, &mix, rates, seconds, 2000).await;
    mixed.print(label, "mixed load, fixed rates");
    let base = &server.base;
    let static_most = open_loop::closed_loop(&client, base, stat, connections, ten).await;
    println!(
        "{label}: static endpoint, closed loop: {}",
        static_most.headline()
    );
    let reads = Arc::new(Reads(mix.clone()));
    let reads_most = open_loop::closed_loop(&client, base, reads, connections, ten).await;
    reads_most.print(label, "reads, closed loop");
    let writes = Arc::new(Writes(mix.clone()));
    let writes_most = open_loop::closed_loop(&client, base, writes, connections, ten).await;
    writes_most.print(label, "writes, closed loop");
    let requests = [&baseline, &mixed, &static_most, &reads_most, &writes_most]
        .iter()
        .map(|t| t.requests())
        .sum::<usize>();
    let p99 = |t: &Tally| open_loop::percentile(&t.all(), 0.99).as_secs_f64() * 1e3;
    println!(
        "{label}: fixed rates: p99 {:.2} ms mixed beside {:.2} ms static ({:.1}x), {} failures; \
         closed loop: reads {:.0} req/s = {:.3}x the static endpoint's {:.0} req/s, writes {:.0}/s",
        p99(&mixed),
        p99(&baseline),
        p99(&mixed) / p99(&baseline),
        mixed.failures(),
        reads_most.throughput(),
        reads_most.throughput() / static_most.throughput(),
        static_most.throughput(),
        writes_most.throughput(),
    );
    let logged = server.log_bytes() - log_before;
    print_log_volume(label, logged, requests);
    drop(server);
}

fn main() {
    support::on_each_backend_blocking(async |label, url| bench(label, url).await);
}
