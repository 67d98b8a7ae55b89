//! The single-runner slot over time: a run keeps it while its heartbeat
//! renews its lease, a dead run's row is reclaimed when its lease runs out,
//! and the start-up catch-up (on a real restart) runs once when the scores
//! are older than one period, waiting out a busy slot.

use std::future::Future;
use std::time::Duration;

use fleet_risk::config::DatabaseUrl;
use fleet_risk::domain::{RunStatus, RunTrigger};
use fleet_risk::jobs::{recalculation, start_run};
use fleet_risk::storage::{ClaimError, Database};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Backend, IMOS, TestApp, TestDatabase, base_environment, vessel_body};

crate::cases!(
    a_run_longer_than_its_lease_keeps_the_slot_while_its_heartbeat_renews_it,
    an_abandoned_run_frees_the_slot_after_its_lease,
    a_restarted_replica_catches_up_only_when_its_scores_are_older_than_one_period,
    a_catch_up_that_meets_a_dead_run_reclaims_the_slot_when_its_lease_runs_out,
    a_catch_up_that_meets_a_live_run_runs_once_the_slot_is_free,
    a_catch_up_that_meets_a_live_run_that_publishes_does_not_run,
    a_waiting_catch_up_ends_on_shutdown,
    a_waiting_catch_up_gives_up_after_the_run_timeout_and_the_lease,
);

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Polls `check` until it holds (at most 30 s); `what` names it on failure.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..1500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not within 30 s: {what}");
}

/// The book-wide runs of `trigger`, as the API lists them.
async fn runs_of(app: &TestApp, trigger: &str) -> Vec<Value> {
    let runs = app
        .get("/api/fleet-risk/runs?limit=100", &app.keys.viewer)
        .await;
    assert_eq!(runs.status, 200, "{}", runs.text);
    runs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|run| run["trigger"] == trigger)
        .cloned()
        .collect()
}

/// Waits for a published start-up run besides the `known` ones; returns it.
async fn new_startup_run(app: &TestApp, known: &[&Value]) -> Value {
    let published = || async {
        runs_of(app, "startup")
            .await
            .into_iter()
            .filter(|r| r["status"] == "published" && known.iter().all(|k| k["id"] != r["id"]))
            .collect::<Vec<_>>()
    };
    eventually("a start-up run is published", || async {
        !published().await.is_empty()
    })
    .await;
    let new = published().await;
    assert_eq!(new.len(), 1, "{new:?}");
    new[0].clone()
}

/// Waits for the first published start-up run.
async fn published_startup_run(app: &TestApp) -> Value {
    new_startup_run(app, &[]).await
}

/// `fleet_risk_recalculation_skipped_total` as the server's `/metrics` shows it.
async fn skipped_runs(app: &TestApp) -> u64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("fleet_risk_recalculation_skipped_total "))
        .and_then(|value| value.trim().parse().ok())
        .expect("the skip counter is exported")
}

async fn a_run_longer_than_its_lease_keeps_the_slot_while_its_heartbeat_renews_it(
    backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("RISK_RUN_LEASE", "1".into());
    })
    .await;
    let fleet = app.create_fleet("Lease").await;
    for imo in &IMOS[..3] {
        app.create_vessel(&fleet, vessel_body(imo)).await;
    }
    // The run waits for the compute lane the test holds: it lasts as long
    // as the test keeps it.
    let hold = app.hold_runs().await;
    let accepted = app
        .request(
            Method::POST,
            "/api/cron/risk-calculations",
            Some(&app.keys.admin),
            None,
        )
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.text);
    let run_id: Uuid = accepted.body["runId"].as_str().unwrap().parse().unwrap();
    let started = app.db.get_run(run_id).await.unwrap().unwrap().started_at;
    eventually("the run outlives its 1 s lease three times", || async {
        chrono::Utc::now() - started > chrono::Duration::seconds(3)
    })
    .await;

    // Another replica (its own pool, the same lease) cannot take the slot,
    // and the trigger answers 409 with the run that holds it.
    let replica = Database::connect(
        &DatabaseUrl::parse(&app.database.url).unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    match replica
        .claim_run(
            RunTrigger::Cron,
            today(),
            "frm-1.0",
            chrono::Duration::seconds(1),
        )
        .await
    {
        Err(ClaimError::InProgress(running)) => assert_eq!(running, run_id),
        other => panic!("a second run claimed the slot: {other:?}"),
    }
    let conflict = app
        .request(
            Method::POST,
            "/api/cron/risk-calculations",
            Some(&app.keys.admin),
            None,
        )
        .await;
    conflict.assert_problem(409, "run_in_progress");
    assert_eq!(conflict.body["runId"], json!(run_id.to_string()));
    let held = app.db.get_run(run_id).await.unwrap().unwrap();
    assert_eq!(held.status, RunStatus::Running, "{held:?}");

    hold.release().await;
    let run = app.wait_for_run(&run_id.to_string()).await;
    assert_eq!(run["status"], "published", "{run}");
    let book_wide: Vec<Value> = runs_of(&app, "manual").await;
    assert_eq!(book_wide.len(), 1, "no second run started: {book_wide:?}");
    replica.close().await;
}

async fn an_abandoned_run_frees_the_slot_after_its_lease(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dead = start_run(&app.jobs, RunTrigger::Cron, today())
        .await
        .unwrap();
    // Within its lease the run still holds the slot.
    assert!(
        start_run(&app.jobs, RunTrigger::Cron, today())
            .await
            .is_err()
    );
    // Its process died long ago: the last heartbeat is far older than the lease.
    app.execute_sql(
        "UPDATE risk_runs SET heartbeat_at = '2000-01-01T00:00:00+00:00' WHERE status = 'running'",
    )
    .await;
    let run_id = app.recalculate().await;
    assert_ne!(run_id, dead.to_string());
    let abandoned = app
        .get(&format!("/api/fleet-risk/runs/{dead}"), &app.keys.viewer)
        .await;
    assert_eq!(abandoned.body["status"], "failed");
    assert!(
        abandoned.body["error"]
            .as_str()
            .unwrap()
            .starts_with("abandoned")
    );
}

/// The environment of a replica that runs the schedule and its catch-up.
fn scheduling(database: &TestDatabase) -> std::collections::HashMap<&'static str, String> {
    let mut environment = base_environment(&database.url);
    environment.insert("RISK_RECALC_ENABLED", "true".into());
    environment.insert("DEMO_DATA", "true".into());
    environment.insert("RISK_RUN_LEASE", "1".into());
    environment
}

/// Another replica on `first`'s database, started with the schedule on.
async fn restart(first: &TestApp) -> TestApp {
    restart_with(first, &[]).await
}

async fn restart_with(first: &TestApp, extra: &[(&'static str, &str)]) -> TestApp {
    let database = TestDatabase::sharing(&first.database.url);
    let mut environment = scheduling(&database);
    for (variable, value) in extra {
        environment.insert(variable, value.to_string());
    }
    TestApp::spawn_on(database, environment).await
}

async fn a_restarted_replica_catches_up_only_when_its_scores_are_older_than_one_period(
    backend: Backend,
) {
    // A new database: the first replica catches up once on start.
    let mut first = TestApp::spawn_with(backend, |env| {
        env.insert("RISK_RECALC_ENABLED", "true".into());
        env.insert("DEMO_DATA", "true".into());
    })
    .await;
    let caught_up = published_startup_run(&first).await;
    assert_eq!(caught_up["vesselsScored"], 67);
    first.stop().await;

    // Restarted with scores younger than one period (six hours): no run.
    // Stopping waits for the catch-up task, so a run it started would be
    // recorded by then, published or cancelled.
    let mut fresh = restart(&first).await;
    fresh.stop().await;
    let startups = "SELECT COUNT(*) FROM risk_runs WHERE trigger = 'startup'";
    assert_eq!(
        first.count_sql(startups).await,
        1,
        "no run on a fresh restart"
    );

    // Restarted once the last book-wide run is older than one period: one run.
    first
        .execute_sql(&format!(
            "UPDATE risk_runs SET finished_at = '{}' WHERE trigger <> 'data_change'",
            (chrono::Utc::now() - chrono::Duration::hours(7)).to_rfc3339()
        ))
        .await;
    let mut stale = restart(&first).await;
    new_startup_run(&stale, &[&caught_up]).await;
    stale.stop().await;
    assert_eq!(first.count_sql(startups).await, 2, "exactly one more run");
    assert_eq!(
        first
            .count_sql(
                "SELECT COUNT(*) FROM risk_runs WHERE trigger = 'startup' AND status = 'published'"
            )
            .await,
        2
    );
}

/// A book on a database whose slot another replica (`other`, without the
/// schedule) holds with run `held`: alive while the test sends its
/// heartbeats, dead once it stops. The scores are older than one period.
struct BusySlot {
    other: TestApp,
    held: Uuid,
    heartbeats: tokio::task::JoinHandle<()>,
}

async fn busy_slot(backend: Backend) -> BusySlot {
    let other = TestApp::spawn_with(backend, |env| {
        env.insert("DEMO_DATA", "true".into());
    })
    .await;
    let held = start_run(&other.jobs, RunTrigger::Cron, today())
        .await
        .unwrap();
    let db = other.db.clone();
    let heartbeats = tokio::spawn(async move {
        loop {
            db.heartbeat_run(held).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    BusySlot {
        other,
        held,
        heartbeats,
    }
}

/// A replica starting beside `slot.other`; returns once its catch-up has
/// met the busy slot and waits (the skip is counted once).
async fn starting_beside(slot: &BusySlot) -> TestApp {
    starting_beside_with(slot, &[]).await
}

async fn starting_beside_with(slot: &BusySlot, extra: &[(&'static str, &str)]) -> TestApp {
    let starting = restart_with(&slot.other, extra).await;
    eventually("the catch-up meets the busy slot", || async {
        skipped_runs(&starting).await == 1
    })
    .await;
    starting
}

async fn a_catch_up_that_meets_a_dead_run_reclaims_the_slot_when_its_lease_runs_out(
    backend: Backend,
) {
    let slot = busy_slot(backend).await;
    let starting = starting_beside(&slot).await;
    // The other replica dies mid-run: its row stays `running`, unrenewed.
    slot.heartbeats.abort();
    let caught_up = published_startup_run(&starting).await;
    assert_eq!(caught_up["vesselsScored"], 67);
    let dead = slot.other.db.get_run(slot.held).await.unwrap().unwrap();
    assert_eq!(dead.status, RunStatus::Failed, "{dead:?}");
    assert!(
        dead.error.as_deref().unwrap().starts_with("abandoned"),
        "{dead:?}"
    );
    assert_eq!(skipped_runs(&starting).await, 1, "one wait, counted once");
}

async fn a_catch_up_that_meets_a_live_run_runs_once_the_slot_is_free(backend: Backend) {
    let slot = busy_slot(backend).await;
    let starting = starting_beside(&slot).await;
    // The other replica's run fails: the scores are still old.
    slot.other
        .db
        .fail_run(slot.held, "failed on the other replica", 0)
        .await
        .unwrap();
    slot.heartbeats.abort();
    let caught_up = published_startup_run(&starting).await;
    assert_eq!(caught_up["vesselsScored"], 67);
    let other = slot.other.db.get_run(slot.held).await.unwrap().unwrap();
    assert_eq!(other.error.as_deref(), Some("failed on the other replica"));
}

async fn a_catch_up_that_meets_a_live_run_that_publishes_does_not_run(backend: Backend) {
    let slot = busy_slot(backend).await;
    let starting = starting_beside(&slot).await;
    // The other replica's run publishes: the scores are fresh again.
    let published = recalculation::execute(&slot.other.jobs, slot.held, today())
        .await
        .unwrap();
    slot.heartbeats.abort();
    assert_eq!(published.status, RunStatus::Published, "{published:?}");
    // The catch-up is the starting replica's only background task: once it
    // has ended, it has decided.
    eventually("the catch-up ends", || async {
        starting.jobs.tasks.is_empty()
    })
    .await;
    assert_eq!(runs_of(&starting, "startup").await, Vec::<Value>::new());
}

async fn a_waiting_catch_up_ends_on_shutdown(backend: Backend) {
    let slot = busy_slot(backend).await;
    let mut starting = starting_beside(&slot).await;
    // Shutdown waits a bounded grace for background work; a catch-up that
    // ignored it would still be waiting for the live run afterwards.
    starting.stop().await;
    assert!(starting.jobs.tasks.is_empty(), "the catch-up still waits");
    let startups = "SELECT COUNT(*) FROM risk_runs WHERE trigger = 'startup'";
    assert_eq!(starting.count_sql(startups).await, 0);
    slot.heartbeats.abort();
}

async fn a_waiting_catch_up_gives_up_after_the_run_timeout_and_the_lease(backend: Backend) {
    let slot = busy_slot(backend).await;
    // RISK_RUN_TIMEOUT 1 s + RISK_RUN_LEASE 1 s: the longest the slot can be
    // busy with a live or a dead run; this one stays live.
    let starting = starting_beside_with(&slot, &[("RISK_RUN_TIMEOUT", "1")]).await;
    eventually("the catch-up gives up", || async {
        starting.jobs.tasks.is_empty()
    })
    .await;
    assert_eq!(
        slot.other.db.running_run().await.unwrap(),
        Some(slot.held),
        "the slot is still held"
    );
    assert_eq!(runs_of(&starting, "startup").await, Vec::<Value>::new());
    slot.heartbeats.abort();
}
