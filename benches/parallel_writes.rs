//! Throughput of parallel writes through the real server (issue 11, item 5):
//! `BENCH_WRITES` vessel POSTs sent at once (default 200, at most
//! `BENCH_IN_FLIGHT` in flight, default 50) on a pool of `DB_MAX_CONNECTIONS`
//! (default 5), beside the same number of vessels POSTed one after another
//! by a single client to the same server, in the same run. Writers queue, so
//! the ratio is near 1; what matters is that every write answers 201.
//!
//! Run: `cargo bench --bench parallel_writes` (`BENCH_BACKENDS`,
//! `TEST_DATABASE_URL` as for the recalculation bench). Traffic goes to
//! 127.0.0.1 only; every request is bounded by a 60 s timeout.

#[path = "support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fleet_risk::config::Settings;
use fleet_risk::domain::Role;
use fleet_risk::startup::Application;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The demo book's first vessel, as a POST body with this IMO number.
fn vessel(imo: u32, fleet: &str) -> Value {
    static TEMPLATE: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
        let book: Value = serde_json::from_str(include_str!("../fixtures/demo/book.json")).unwrap();
        book["fleets"][0]["vessels"][0].clone()
    });
    let mut body = TEMPLATE.clone();
    body["fleetId"] = json!(fleet);
    body["vesselIMO"] = json!(support::imo(imo).to_string());
    body["name"] = json!(format!("BENCH VESSEL {imo}"));
    body
}

struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Client {
    async fn post(&self, path: &str, body: &Value) -> u16 {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await
            .map_or(0, |r| r.status().as_u16())
    }

    /// POSTs vessels `imos` with at most `in_flight` at once: the wall time
    /// and the count of 201s.
    async fn create(
        &self,
        fleet: &str,
        imos: std::ops::Range<u32>,
        in_flight: usize,
    ) -> (Duration, usize) {
        let start = Instant::now();
        let created = stream::iter(imos)
            .map(|imo| async move {
                self.post("/api/fleet-risk/vessels", &vessel(imo, fleet))
                    .await
            })
            .buffer_unordered(in_flight)
            .filter(|status| std::future::ready(*status == 201))
            .count()
            .await;
        (start.elapsed(), created)
    }
}

async fn bench(label: &str, url: &str) {
    let writes = env_or("BENCH_WRITES", 200) as u32;
    let in_flight = env_or("BENCH_IN_FLIGHT", 50);
    let pool = std::env::var("DB_MAX_CONNECTIONS").unwrap_or_else(|_| "5".into());
    let environment = HashMap::from([
        ("DATABASE_URL", url),
        ("PORT", "0"),
        ("DEMO_DATA", "false"),
        ("RISK_RECALC_ENABLED", "false"),
        ("DB_MAX_CONNECTIONS", pool.as_str()),
    ]);
    let settings = Settings::from_environment(&environment).unwrap();
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.database();
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());
    let key = db
        .create_api_key("bench", Role::Admin)
        .await
        .unwrap()
        .secret;
    let client = Client {
        http: reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        base,
        key,
    };
    let fleet = {
        let response = client
            .http
            .post(format!("{}/api/fleet-risk/fleets", client.base))
            .bearer_auth(&client.key)
            .json(&json!({"name": "Bench fleet"}))
            .send()
            .await
            .unwrap();
        response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // The baseline first, so both measure a fleet that grows the same way.
    let (sequential, sequential_ok) = client.create(&fleet, 0..writes, 1).await;
    let (parallel, parallel_ok) = client.create(&fleet, writes..2 * writes, in_flight).await;
    let rate = |n: u32, d: Duration| f64::from(n) / d.as_secs_f64();
    println!(
        "{label}: {writes} vessel POSTs, pool {pool}: \
         sequential {:.1}/s ({sequential_ok} × 201), \
         {in_flight} in flight {:.1}/s ({parallel_ok} × 201), ratio {:.2}",
        rate(writes, sequential),
        rate(writes, parallel),
        sequential.as_secs_f64() / parallel.as_secs_f64(),
    );
    handle.stop(true).await;
    let _ = server.await;
    db.close().await;
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
