//! A generated book stored, published and served by the built binary, with
//! the mixed load to send it: what the mixed-load and soak benchmarks share.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use fleet_risk::domain::{RunStatus, RunTrigger};
use fleet_risk::jobs::run_once;
use fleet_risk::model_file::builtin_model;

use super::book_mix::{BookMix, Keys, Reads, Writes};
use super::open_loop::{self, Tally};
use super::server::{Server, create_key, every_item};

/// Shipowners' fleets run from a few ships to a few hundred: the book is
/// in fleets of about 100 (`LOAD_FLEETS`, default 400 for the default 40,000
/// vessels). A write re-aggregates its vessel's whole fleet, so its cost
/// grows with the fleet's size.
fn fleets() -> usize {
    std::env::var("LOAD_FLEETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

/// The rate limits a load from one client needs: far above what it sends,
/// so that the limiter is on the path but never refuses.
pub const UNLIMITED: [(&str, &str); 4] = [
    ("RATE_LIMIT_PER_SECOND", "1000000"),
    ("RATE_LIMIT_BURST", "1000000"),
    ("RATE_LIMIT_WRITE_PER_SECOND", "1000000"),
    ("RATE_LIMIT_WRITE_BURST", "1000000"),
];

/// Stores a book of `size` generated vessels in [`fleets`] fleets at `url`,
/// publishes a book-wide run, makes a key per role and starts `serve` with
/// `environment`, logging into `log`. Returns the server and the mix.
pub async fn serve(
    url: &str,
    size: usize,
    environment: &[(&str, &str)],
    log: &Path,
) -> (Server, Arc<BookMix>) {
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let (settings, db) = super::open(url).await;
    let vessels = super::book(&builtin_model(), size, as_of, 42);
    super::load_book(&db, &vessels, fleets()).await;
    let run = run_once(&super::jobs(&settings, &db), RunTrigger::Cli, as_of)
        .await
        .unwrap();
    assert_eq!(run.status, RunStatus::Published, "{run:?}");
    super::settle(&db).await;
    db.close().await;

    let keys = Keys {
        viewer: create_key(url, "viewer").into(),
        underwriter: create_key(url, "underwriter").into(),
        admin: create_key(url, "admin").into(),
    };
    let server = Server::start(url, environment, log).await;
    let client = reqwest::Client::new();
    let url = server.url("/api/fleet-risk/fleets?limit=500");
    let fleet_ids: Vec<String> = every_item(&client, &url, &keys.viewer)
        .await
        .iter()
        .map(|fleet| fleet["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fleet_ids.len(), size.div_ceil(size.div_ceil(fleets())));
    let book = vessels.iter().map(|v| v.imo.to_string()).collect();
    let mix = BookMix::new(keys, book, fleet_ids, 500_000);
    (server, Arc::new(mix))
}

/// The client the load goes through: keeps connections open and gives up
/// on an answer after 10 s (a failure in the report). It drops a connection
/// idle for 2 s, before the server's keep-alive (5 s) closes it: reusing one
/// just as the server closes it fails the request ("connection closed
/// before message completed", seen once in a PostgreSQL soak).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .pool_max_idle_per_host(1024)
        .build()
        .unwrap()
}

/// The mix's reads at `read_rate` and its writes at `write_rate` a second,
/// side by side for `duration`, each open-loop (at most `max_in_flight`
/// unanswered each), as one tally.
pub async fn send_mix(
    client: &reqwest::Client,
    server: &Server,
    mix: &Arc<BookMix>,
    (read_rate, write_rate): (f64, f64),
    duration: std::time::Duration,
    max_in_flight: usize,
) -> Tally {
    let reads = open_loop::fixed_rate(
        client,
        &server.base,
        Arc::new(Reads(mix.clone())),
        read_rate,
        duration,
        max_in_flight,
    );
    let writes = open_loop::fixed_rate(
        client,
        &server.base,
        Arc::new(Writes(mix.clone())),
        write_rate,
        duration,
        max_in_flight,
    );
    let (reads, writes) = tokio::join!(reads, writes);
    reads.merge(writes)
}
