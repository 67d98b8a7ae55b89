//! SIGKILL during a book-wide run (issue 14, item 10), with the real binary
//! on both backends: a process is killed while its run holds scores it has
//! not published (the test hold, `FLEET_RISK_TEST_HOLD_RUNS`, makes "while"
//! certain). The previous run's scores stay served; the next start finds
//! the dead run, waits out its lease, records it failed (abandoned) and
//! catches up, publishing a run of its own.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;

use fleet_risk::config::DatabaseUrl;
use fleet_risk::domain::Role;
use fleet_risk::jobs::hold::{HELD_MESSAGE, HOLD_RUNS_VARIABLE};
use fleet_risk::storage::{BackendPool, Database};

use crate::binary::ServerProcess;
use crate::support::{Backend, TestDatabase};

crate::cases!(a_run_killed_mid_way_keeps_the_old_scores_and_the_next_start_catches_up);

/// The lease every process here runs with: short, so the dead run's is soon out.
const LEASE_SECONDS: &str = "3";

struct Client {
    http: reqwest::Client,
    key: String,
}

impl Client {
    async fn get(&self, server: &ServerProcess, path: &str) -> Value {
        let response = self
            .http
            .get(server.url(path))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    async fn trigger_run(&self, server: &ServerProcess) -> String {
        let response = self
            .http
            .post(server.url("/api/cron/risk-calculations"))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        body["runId"].as_str().unwrap().to_string()
    }

    /// Polls `path` until `done` holds (at most 60 s) and returns the body.
    async fn wait_for(
        &self,
        server: &ServerProcess,
        path: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let body = self.get(server, path).await;
            if done(&body) {
                return body;
            }
            assert!(Instant::now() < deadline, "{path} never got there: {body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn serve(database: &TestDatabase, extra: &[(&str, &str)]) -> ServerProcess {
    let mut environment = vec![
        ("DATABASE_URL", database.url.as_str()),
        ("RISK_RUN_LEASE", LEASE_SECONDS),
        ("RISK_RECALC_ENABLED", "false"),
    ];
    environment.extend_from_slice(extra);
    ServerProcess::start(&["serve"], &environment).await
}

/// Moves a published run's times back by `age`, as a missed six-hourly
/// tick would leave them: the next start then has scores to catch up on.
async fn age_run(db: &Database, run_id: &str, age: chrono::Duration) {
    let finished = Utc::now() - age;
    let id = uuid::Uuid::parse_str(run_id).unwrap();
    let sql =
        "UPDATE risk_runs SET started_at = $1, finished_at = $1, heartbeat_at = $1 WHERE id = $2";
    let updated = match db.pool() {
        BackendPool::Sqlite(pool) => {
            let query = sqlx::query(sql).bind(finished).bind(id);
            query.execute(pool).await.unwrap().rows_affected()
        }
        BackendPool::Postgres(pool) => {
            let query = sqlx::query(sql).bind(finished).bind(id);
            query.execute(pool).await.unwrap().rows_affected()
        }
    };
    assert_eq!(updated, 1);
}

async fn a_run_killed_mid_way_keeps_the_old_scores_and_the_next_start_catches_up(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    // The demo book, published by a book-wide run.
    let first = serve(&database, &[("DEMO_DATA", "true")]).await;
    let db = Database::connect(
        &DatabaseUrl::parse(&database.url).unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    let client = Client {
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        key: db
            .create_api_key("faults", Role::Admin)
            .await
            .unwrap()
            .secret,
    };
    let published = client.trigger_run(&first).await;
    let run_path = |id: &str| format!("/api/fleet-risk/runs/{id}");
    let run = client
        .wait_for(&first, &run_path(&published), |run| {
            run["status"] != "running"
        })
        .await;
    assert_eq!(run["status"], "published", "{run}");
    let dashboard = client.get(&first, "/api/fleet-risk/dashboard").await;
    let imo = dashboard["topRisks"][0]["vesselIMO"]
        .as_str()
        .unwrap()
        .to_string();
    let risk_path = format!("/api/fleet-risk/vessels/{imo}/risk");
    let before = client.get(&first, &risk_path).await;
    assert_eq!(before["runId"], published.as_str(), "{before}");
    drop(first);

    // A run that has scored the book and waits to publish, killed.
    let holding = serve(&database, &[(HOLD_RUNS_VARIABLE, "1")]).await;
    let killed = client.trigger_run(&holding).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !holding
        .log_since_start()
        .iter()
        .any(|line| line.contains(HELD_MESSAGE))
    {
        assert!(Instant::now() < deadline, "the run was never held");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(holding); // SIGKILL: no shutdown, no record of how the run ended

    // The previous run's scores stay served; the dead run still looks alive.
    let reader = serve(&database, &[]).await;
    assert_eq!(client.get(&reader, &risk_path).await, before);
    let dead = client.get(&reader, &run_path(&killed)).await;
    assert_eq!(
        dead["status"], "running",
        "nobody has reclaimed it yet: {dead}"
    );
    drop(reader);

    // The next start catches up: the dead run is recorded failed once its
    // lease is out, and a start-up run publishes.
    age_run(&db, &published, chrono::Duration::hours(7)).await;
    let next = serve(&database, &[("RISK_RECALC_ENABLED", "true")]).await;
    let dead = client
        .wait_for(&next, &run_path(&killed), |run| run["status"] != "running")
        .await;
    assert_eq!(dead["status"], "failed", "{dead}");
    let error = dead["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("abandoned"), "{dead}");
    let runs = client
        .wait_for(&next, "/api/fleet-risk/runs?limit=10", |runs| {
            runs["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|run| run["trigger"] == "startup" && run["status"] == "published")
        })
        .await;
    let caught_up = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["trigger"] == "startup")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(caught_up > killed, "the catch-up came after the dead run");
    let after = client.get(&next, &risk_path).await;
    assert_eq!(after["runId"], caught_up.as_str(), "{after}");
    assert_eq!(
        after["score"], before["score"],
        "the same book scores the same"
    );
    db.close().await;
}
