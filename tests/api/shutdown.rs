//! A signal to a real process in the middle of a run, whatever started it
//! (the schedule, the start-up catch-up, the HTTP trigger, `fleet-risk
//! recalc`): the run is recorded failed (cancelled), the previous scores
//! stay, and the process exits within a bounded time (a failure bound, not
//! a speed assertion).
//!
//! The run is held before publishing by `FLEET_RISK_TEST_HOLD_RUNS`
//! (debug builds only, `src/jobs/hold.rs`), and the signal is sent once the
//! run logs that it is held: a run of a big book would only probably still
//! be running when the signal lands, a held run certainly is.

use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use fleet_risk::config::DatabaseUrl;
use fleet_risk::domain::{Imo, Role, RunStatus, RunTrigger};
use fleet_risk::jobs::hold::{HELD_MESSAGE, HOLD_RUNS_VARIABLE};
use fleet_risk::storage::{Database, PublishedAssessment};
use serde_json::Value;
use uuid::Uuid;

use crate::binary::fleet_risk;
use crate::support::{Backend, TestDatabase};

crate::cases!(
    sigterm_during_a_scheduled_run_records_it_cancelled,
    sigterm_during_the_startup_catch_up_records_it_cancelled,
    sigterm_during_an_http_triggered_run_records_it_cancelled,
    sigterm_during_recalc_records_it_cancelled_and_exits_143,
    sigint_during_recalc_records_it_cancelled_and_exits_130,
);

/// The longest a process may take to stop after the signal before the case fails.
const EXIT_BOUND: Duration = Duration::from_secs(60);

/// A vessel of the demo book.
const VESSEL: &str = "9601340";

/// The demo book with one published run, a handle on its database, and
/// the published score of [`VESSEL`].
struct PublishedBook {
    database: TestDatabase,
    db: Database,
    before: PublishedAssessment,
}

async fn published_book(backend: Backend) -> PublishedBook {
    let database = TestDatabase::create(backend).await;
    let environment = [("DATABASE_URL", database.url.as_str())];
    let seeded = fleet_risk(&["seed"], &environment).await;
    assert!(seeded.status.success(), "{seeded:?}");
    let published = fleet_risk(&["recalc"], &environment).await;
    assert!(published.status.success(), "{published:?}");
    let db = Database::connect(
        &DatabaseUrl::parse(&database.url).unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    let before = current_score(&db).await;
    PublishedBook {
        database,
        db,
        before,
    }
}

async fn current_score(db: &Database) -> PublishedAssessment {
    db.current_vessel_assessment(Imo::parse(VESSEL).unwrap())
        .await
        .unwrap()
        .expect("the vessel has a published score")
}

/// Moves the published run's end by `offset` from now (old scores call for
/// a catch-up; scores from the future never do).
async fn published_at(book: &PublishedBook, offset: chrono::Duration) {
    let at = (chrono::Utc::now() + offset).to_rfc3339();
    let sql = format!("UPDATE risk_runs SET finished_at = '{at}' WHERE status = 'published'");
    match book.db.pool() {
        fleet_risk::storage::BackendPool::Sqlite(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .map(drop),
        fleet_risk::storage::BackendPool::Postgres(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .map(drop),
    }
    .unwrap();
}

/// The real binary as a child process; its log (stderr) and stdout go to files.
struct Process {
    child: std::process::Child,
    dir: tempfile::TempDir,
}

impl Process {
    fn start(args: &[&str], database_url: &str, environment: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str| std::fs::File::create(dir.path().join(name)).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_fleet-risk"))
            .args(args)
            .env_clear()
            .env("RUST_LOG", "info")
            .env("LOG_FORMAT", "json")
            .env("DATABASE_URL", database_url)
            .env("PORT", "0")
            .env("DEMO_DATA", "false")
            .env("HTTP_WORKERS", "1")
            .env("COMPUTE_THREADS", "2")
            .env("DB_MAX_CONNECTIONS", "5")
            .env(HOLD_RUNS_VARIABLE, "1")
            .envs(environment.iter().copied())
            .stdin(Stdio::null())
            .stdout(file("stdout"))
            .stderr(file("log"))
            .spawn()
            .expect("the binary starts");
        Self { child, dir }
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Waits (bounded) for the first log event whose message contains `message`.
    async fn wait_for_log(&mut self, message: &str) -> Value {
        for _ in 0..1200 {
            let found = self.read("log").lines().find_map(|line| {
                let event: Value = serde_json::from_str(line).ok()?;
                event["message"]
                    .as_str()?
                    .contains(message)
                    .then_some(event)
            });
            if let Some(event) = found {
                return event;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "exited ({status}) before logging {message:?}:\n{}",
                    self.read("log")
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never logged {message:?}:\n{}", self.read("log"));
    }

    /// Waits until a run is held before publishing; its id.
    async fn held_run(&mut self) -> Uuid {
        let held = self.wait_for_log(HELD_MESSAGE).await;
        held["run_id"].as_str().unwrap().parse().unwrap()
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{name} failed");
    }

    /// Waits for the process to exit, at most [`EXIT_BOUND`]; its status, stdout and log.
    async fn exit(mut self) -> (ExitStatus, String, String) {
        for _ in 0..EXIT_BOUND.as_millis() / 50 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, self.read("stdout"), self.read("log"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.child.kill();
        panic!(
            "still running {EXIT_BOUND:?} after the signal:\n{}",
            self.read("log")
        );
    }
}

/// What every trigger must leave: the held run recorded failed, cancelled,
/// after loading and scoring and before publishing; no run left running;
/// the previous score in force.
async fn assert_cancelled(book: &PublishedBook, run_id: Uuid, trigger: RunTrigger, log: &str) {
    let run = book.db.get_run(run_id).await.unwrap().unwrap();
    assert_eq!(run.trigger, trigger, "{run:?}");
    assert_eq!(run.status, RunStatus::Failed, "{run:?}\n{log}");
    assert_eq!(
        run.error.as_deref(),
        Some("cancelled: the service is shutting down"),
        "{run:?}"
    );
    assert!(
        run.finished_at.is_some_and(|at| at >= run.started_at),
        "{run:?}"
    );
    assert!(
        run.phases.load_ms.is_some() && run.phases.score_ms.is_some(),
        "{run:?}"
    );
    assert_eq!(run.phases.publish_ms, None, "it never published: {run:?}");
    assert_eq!(
        book.db.running_run().await.unwrap(),
        None,
        "no run is left running"
    );
    let after = current_score(&book.db).await;
    assert_eq!(after.run_id, book.before.run_id, "the previous scores stay");
    assert_eq!(after.calculated_at, book.before.calculated_at);
    assert_eq!(after.assessment, book.before.assessment);
    assert!(log.contains("the run is recorded failed"), "{log}");
}

/// SIGTERM to `serve` once its run is held; the process exits 0.
async fn stop_serve(mut serve: Process) -> (Uuid, String) {
    let run_id = serve.held_run().await;
    serve.signal("TERM");
    let (status, _, log) = serve.exit().await;
    assert_eq!(status.code(), Some(0), "{log}");
    (run_id, log)
}

async fn sigterm_during_a_scheduled_run_records_it_cancelled(backend: Backend) {
    let book = published_book(backend).await;
    // Fresh scores (no catch-up); a tick every second starts the run.
    published_at(&book, chrono::Duration::hours(1)).await;
    let serve = Process::start(
        &["serve"],
        &book.database.url,
        &[
            ("RISK_RECALC_ENABLED", "true"),
            ("RISK_RECALC_CRON", "* * * * * *"),
        ],
    );
    let (run_id, log) = stop_serve(serve).await;
    assert_cancelled(&book, run_id, RunTrigger::Cron, &log).await;
}

async fn sigterm_during_the_startup_catch_up_records_it_cancelled(backend: Backend) {
    let book = published_book(backend).await;
    // Older than one period of the default six-hourly schedule.
    published_at(&book, -chrono::Duration::hours(7)).await;
    let serve = Process::start(
        &["serve"],
        &book.database.url,
        &[("RISK_RECALC_ENABLED", "true")],
    );
    let (run_id, log) = stop_serve(serve).await;
    assert_cancelled(&book, run_id, RunTrigger::Startup, &log).await;
}

async fn sigterm_during_an_http_triggered_run_records_it_cancelled(backend: Backend) {
    let book = published_book(backend).await;
    let admin = book
        .db
        .create_api_key("shutdown test", Role::Admin)
        .await
        .unwrap()
        .secret;
    let mut serve = Process::start(
        &["serve"],
        &book.database.url,
        &[("RISK_RECALC_ENABLED", "false")],
    );
    let serving = serve.wait_for_log("serving fleet-risk").await;
    let port = serving["port"].as_u64().unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let accepted = client
        .post(format!(
            "http://127.0.0.1:{port}/api/cron/risk-calculations"
        ))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 202);
    let accepted: Value = accepted.json().await.unwrap();
    drop(client);
    let (run_id, log) = stop_serve(serve).await;
    assert_eq!(accepted["runId"], run_id.to_string());
    assert_cancelled(&book, run_id, RunTrigger::Manual, &log).await;
}

/// `recalc` is sent `signal` once its run is held: it records the run
/// cancelled, prints its report, and exits 128 + the signal.
async fn signal_during_recalc(backend: Backend, signal: &str, code: i32) {
    let book = published_book(backend).await;
    let mut recalc = Process::start(&["recalc"], &book.database.url, &[]);
    let run_id = recalc.held_run().await;
    recalc.signal(signal);
    let (status, stdout, log) = recalc.exit().await;
    assert_eq!(status.code(), Some(code), "{log}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["run"]["id"], run_id.to_string());
    assert_eq!(report["run"]["status"], "failed");
    assert_cancelled(&book, run_id, RunTrigger::Cli, &log).await;
}

async fn sigterm_during_recalc_records_it_cancelled_and_exits_143(backend: Backend) {
    signal_during_recalc(backend, "TERM", 143).await;
}

async fn sigint_during_recalc_records_it_cancelled_and_exits_130(backend: Backend) {
    signal_during_recalc(backend, "INT", 130).await;
}
