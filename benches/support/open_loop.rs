//! A load generator for the mixed-load and soak benchmarks.
//!
//! `fixed_rate` is open-loop: request `n` is due at `start + n / rate`
//! whatever the answers before it, and its latency is counted from when it
//! was due, not from when it went out. A slow server therefore shows as
//! latency instead of silently lowering the rate (no coordinated omission).
//! `closed_loop` is the other kind: `connections` clients each send their
//! next request when the last is answered, to find the most a mix sustains.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;

/// One request a mix asks for.
pub struct Planned {
    /// What it stands for in the report ("vessel risk", "write: patch", ...).
    pub class: &'static str,
    pub method: Method,
    pub path: String,
    pub key: Arc<str>,
    /// Content type and bytes.
    pub body: Option<(&'static str, Vec<u8>)>,
    /// What the mix needs back in `answered` (a created IMO, ...).
    pub token: Option<String>,
}

/// A stream of requests: `plan(n)` is the `n`th. `answered` hears each
/// outcome (the status, 0 for no answer) so a mix can delete what it created.
pub trait Mix: Send + Sync + 'static {
    fn plan(&self, seq: u64) -> Planned;
    fn answered(&self, _planned: &Planned, _status: u16) {}
}

/// Latencies by class and every failure by class and cause.
#[derive(Default)]
pub struct Tally {
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    failures: BTreeMap<String, u64>,
    pub elapsed: Duration,
}

/// Nearest-rank percentile of sorted `values`.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Tally {
    fn record(&mut self, class: &'static str, latency: Duration, failure: Option<String>) {
        self.latencies.entry(class).or_default().push(latency);
        if let Some(cause) = failure {
            *self
                .failures
                .entry(format!("{class}: {cause}"))
                .or_default() += 1;
        }
    }

    /// Both phases' requests as one, over the longer of their times (for
    /// streams sent side by side).
    pub fn merge(mut self, other: Tally) -> Tally {
        for (class, latencies) in other.latencies {
            self.latencies.entry(class).or_default().extend(latencies);
        }
        for (what, count) in other.failures {
            *self.failures.entry(what).or_default() += count;
        }
        self.elapsed = self.elapsed.max(other.elapsed);
        self
    }

    /// The tally the phase's tasks shared, once they have all ended.
    fn finished(shared: Arc<Mutex<Tally>>, start: Instant) -> Tally {
        let mut tally = Arc::into_inner(shared)
            .expect("every task has ended")
            .into_inner()
            .unwrap();
        tally.elapsed = start.elapsed();
        tally
    }

    /// The headline and the breakdown, each line headed `label`.
    pub fn print(&self, label: &str, phase: &str) {
        println!("{label}: {phase}: {}", self.headline());
        for line in self.breakdown() {
            println!("{label}: {line}");
        }
    }

    pub fn requests(&self) -> usize {
        self.latencies.values().map(Vec::len).sum()
    }

    pub fn failures(&self) -> u64 {
        self.failures.values().sum()
    }

    /// Answered requests per second over the phase.
    pub fn throughput(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64()
    }

    /// Every latency, sorted.
    pub fn all(&self) -> Vec<Duration> {
        let mut all: Vec<Duration> = self.latencies.values().flatten().copied().collect();
        all.sort();
        all
    }

    /// One line for the whole phase: count, rate, p50, p99, max, failures.
    pub fn headline(&self) -> String {
        let all = self.all();
        format!(
            "{} requests in {:.1} s = {:.0} req/s; p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms; {} failed",
            all.len(),
            self.elapsed.as_secs_f64(),
            self.throughput(),
            ms(percentile(&all, 0.50)),
            ms(percentile(&all, 0.99)),
            ms(all.last().copied().unwrap_or_default()),
            self.failures(),
        )
    }

    /// A line per class, then a line per kind of failure.
    pub fn breakdown(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .latencies
            .iter()
            .map(|(class, latencies)| {
                let mut sorted = latencies.clone();
                sorted.sort();
                format!(
                    "  {class:<18} {:>7}   p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.1} ms",
                    sorted.len(),
                    ms(percentile(&sorted, 0.50)),
                    ms(percentile(&sorted, 0.99)),
                    ms(*sorted.last().unwrap()),
                )
            })
            .collect();
        lines.extend(
            self.failures
                .iter()
                .map(|(what, count)| format!("  FAILED {count} x {what}")),
        );
        lines
    }
}

/// Sends one request and reads its whole answer: the status, or why there was none.
async fn send(client: &reqwest::Client, base: &str, planned: &Planned) -> Result<u16, String> {
    let mut request = client.request(planned.method.clone(), format!("{base}{}", planned.path));
    if !planned.key.is_empty() {
        request = request.bearer_auth(&*planned.key);
    }
    if let Some((content_type, bytes)) = &planned.body {
        request = request
            .header("content-type", *content_type)
            .body(bytes.clone());
    }
    let response = request.send().await.map_err(cause)?;
    let status = response.status().as_u16();
    response.bytes().await.map_err(cause)?;
    Ok(status)
}

/// The innermost cause of a failed request ("connection reset by peer",
/// "operation timed out", ...), which names no path.
fn cause(error: reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = &error;
    while let Some(source) = inner.source() {
        inner = source;
    }
    match error.is_timeout() {
        true => "no answer within the client's timeout".into(),
        false => inner.to_string(),
    }
}

async fn send_and_record(
    client: &reqwest::Client,
    base: &str,
    mix: &dyn Mix,
    planned: Planned,
    since: Instant,
    tally: &Mutex<Tally>,
) {
    let outcome = send(client, base, &planned).await;
    let latency = since.elapsed();
    let status = *outcome.as_ref().unwrap_or(&0);
    mix.answered(&planned, status);
    let failure = match outcome {
        Ok(status) if (200..300).contains(&status) => None,
        Ok(status) => Some(format!("HTTP {status}")),
        Err(error) => Some(error),
    };
    tally
        .lock()
        .unwrap()
        .record(planned.class, latency, failure);
}

/// `rate` requests a second of `mix` for `duration`, open-loop (see the
/// module). A request due while `max_in_flight` are unanswered is not sent
/// and counts as a failure ("client backlog"), so an overload cannot hide.
pub async fn fixed_rate(
    client: &reqwest::Client,
    base: &str,
    mix: Arc<dyn Mix>,
    rate: f64,
    duration: Duration,
    max_in_flight: usize,
) -> Tally {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let start = Instant::now();
    let total = (rate * duration.as_secs_f64()).round() as u64;
    for seq in 0..total {
        let due = start + Duration::from_secs_f64(seq as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let planned = mix.plan(seq);
        if in_flight.load(Ordering::SeqCst) >= max_in_flight {
            let late = due.elapsed();
            let backlog = Some("client backlog".to_string());
            tally.lock().unwrap().record(planned.class, late, backlog);
            continue;
        }
        in_flight.fetch_add(1, Ordering::SeqCst);
        let (client, base, mix) = (client.clone(), base.to_string(), mix.clone());
        let (tally, in_flight) = (tally.clone(), in_flight.clone());
        tasks.spawn(async move {
            send_and_record(&client, &base, &*mix, planned, due, &tally).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    Tally::finished(tally, start)
}

/// `connections` clients sending `mix` back to back for `duration`; each
/// latency is counted from its send.
pub async fn closed_loop(
    client: &reqwest::Client,
    base: &str,
    mix: Arc<dyn Mix>,
    connections: usize,
    duration: Duration,
) -> Tally {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (client, base, mix) = (client.clone(), base.to_string(), mix.clone());
        let (tally, next) = (tally.clone(), next.clone());
        tasks.spawn(async move {
            while start.elapsed() < duration {
                let planned = mix.plan(next.fetch_add(1, Ordering::SeqCst) as u64);
                send_and_record(&client, &base, &*mix, planned, Instant::now(), &tally).await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Tally::finished(tally, start)
}

/// The static endpoint as a mix: `GET /api/health/live`, the baseline.
pub struct Static;

impl Mix for Static {
    fn plan(&self, _seq: u64) -> Planned {
        Planned {
            class: "static",
            method: Method::GET,
            path: "/api/health/live".into(),
            key: Arc::from(""),
            body: None,
            token: None,
        }
    }
}
