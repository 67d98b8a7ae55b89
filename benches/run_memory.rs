//! What a book-wide run holds in memory (issue 14, item 14): the server's
//! RSS at rest beside the peak of each of `RUNS` runs (default 5) on a
//! generated book of `LOAD_VESSELS` vessels (default 40,000), with no other
//! traffic. The peak is the kernel's high-water mark (`VmHWM`), reset before
//! each run, so it is the run's exact peak, not a sample's luck; a run's
//! transient is its peak less the RSS before it, also per vessel.
//!
//! Run: `cargo bench --bench run_memory` (`RUNS`, `LOAD_VESSELS`,
//! `BENCH_BACKENDS`; PostgreSQL at `TEST_DATABASE_URL`). Traffic goes to
//! 127.0.0.1 only and stops by itself.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use support::served_book;
use support::server::json_of;

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Starts a run on demand and waits (at most 5 minutes) until it ends.
async fn run(client: &reqwest::Client, server: &support::server::Server, admin: &str) -> String {
    let trigger = client.post(server.url("/api/cron/risk-calculations"));
    let accepted = json_of(trigger.bearer_auth(admin)).await;
    let id = accepted["runId"].as_str().expect("the run is accepted");
    for _ in 0..3000 {
        let record = client.get(server.url(&format!("/api/fleet-risk/runs/{id}")));
        let record = json_of(record.bearer_auth(admin)).await;
        if record["status"] != "running" {
            return record["status"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("run {id} did not end in 5 minutes");
}

async fn bench(label: &str, url: &str) {
    let runs: usize = support::var("RUNS", 5);
    let size: usize = support::var("LOAD_VESSELS", 40_000);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let (server, mix) = served_book::serve(url, size, &served_book::UNLIMITED, &log).await;
    let client = served_book::client();
    let admin = mix.admin_key();
    println!("{label}: {size} vessels, {runs} book-wide runs one after another, no other traffic");
    println!(
        "{label}: held per vessel inline: an Assessment {} bytes, a published VesselScore {} bytes (plus its stored document)",
        std::mem::size_of::<fleet_risk::risk::Assessment>(),
        std::mem::size_of::<fleet_risk::storage::VesselScore>()
    );
    let mut transients = Vec::new();
    for n in 1..=runs {
        // Let the previous run's trim and the pool settle first.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before = server.ps_rss_bytes();
        server
            .take_peak_rss_bytes()
            .expect("the kernel offers VmHWM");
        let status = run(&client, &server, &admin).await;
        let peak = server.take_peak_rss_bytes().unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let after = server.ps_rss_bytes();
        let transient = peak.saturating_sub(before);
        transients.push(transient);
        println!(
            "{label}: run {n} ({status}): RSS before {:.1} MB, peak {:.1} MB, 1 s after {:.1} MB; \
             transient {:.1} MB = {:.0} bytes per vessel",
            mb(before),
            mb(peak),
            mb(after),
            mb(transient),
            transient as f64 / size as f64
        );
    }
    transients.sort_unstable();
    println!(
        "{label}: transient over {runs} runs: lowest {:.1} MB, median {:.1} MB, highest {:.1} MB",
        mb(transients[0]),
        mb(transients[transients.len() / 2]),
        mb(*transients.last().unwrap())
    );
    drop(server);
}

fn main() {
    support::on_each_backend_blocking(async |label, url| bench(label, url).await);
}
