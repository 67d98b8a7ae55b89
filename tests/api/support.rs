//! Spawning the application for a test and talking to it.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use fleet_risk::config::Settings;
use fleet_risk::domain::Role;
use fleet_risk::domain::{RunStatus, RunTrigger};
use fleet_risk::startup::Application;
use fleet_risk::storage::{BackendPool, Database, RunRecord};
use reqwest::Method;
use serde_json::Value;

pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One named case and where it runs.
#[derive(Clone, Copy)]
pub struct TestCase {
    pub name: &'static str,
    pub run: fn(Backend) -> CaseFuture,
    pub runs: Runs,
}

/// Where a case runs: on each backend, on PostgreSQL alone, or once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    /// The case reads or writes stored data: once per backend.
    EachBackend,
    /// The case tests what only PostgreSQL has.
    PostgresOnly,
    /// Nothing the case checks depends on the backend (it stores and reads
    /// nothing but the caller's key): it runs once, named `any::...`, and
    /// gets SQLite, which needs no service, when it starts a server.
    Once,
}

impl Runs {
    /// Each trial of a case: the prefix of its name and the backend it gets.
    pub fn trials(self) -> Vec<(&'static str, Backend)> {
        let each = |backends: &[Backend]| backends.iter().map(|b| (b.name(), *b)).collect();
        match self {
            Self::EachBackend => each(&[Backend::Sqlite, Backend::Postgres]),
            Self::PostgresOnly => each(&[Backend::Postgres]),
            Self::Once => vec![("any", Backend::Sqlite)],
        }
    }
}

/// Lists the `async fn name(backend: Backend)` cases of a module as `CASES`:
/// first those run on both backends; after `postgres:` those that test what
/// only PostgreSQL has (run there alone); after `once:` those whose checks
/// cannot depend on the backend (run a single time, see [`Runs::Once`]).
#[macro_export]
macro_rules! cases {
    (@case $name:ident, $runs:ident) => {
        $crate::support::TestCase {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |backend| Box::pin($name(backend)),
            runs: $crate::support::Runs::$runs,
        }
    };
    ($($both:ident),* $(,)? $(; postgres: $($pg:ident),+ $(,)?)? $(; once: $($once:ident),+ $(,)?)?) => {
        pub const CASES: &[$crate::support::TestCase] = &[
            $($crate::cases!(@case $both, EachBackend),)*
            $($($crate::cases!(@case $pg, PostgresOnly),)+)?
            $($($crate::cases!(@case $once, Once),)+)?
        ];
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

pub fn run_case(backend: Backend, run: fn(Backend) -> CaseFuture) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a test runtime");
    runtime.block_on(run(backend));
}

/// A database for one test: a temporary SQLite file, or a fresh PostgreSQL
/// database that is dropped when this is dropped.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("fleet-risk.db").display());
                Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let name = format!("fleet_risk_test_{}", uuid::Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&admin)
                    .await
                    .expect("create a test database");
                admin.close().await;
                let (base, _) = admin_url
                    .rsplit_once('/')
                    .expect("TEST_DATABASE_URL names a database");
                let base = base.to_string();
                Self {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    postgres: Some((admin_url, name)),
                }
            }
        }
    }
}

impl TestDatabase {
    /// Another handle on a database some other `TestDatabase` owns (and cleans up).
    pub fn sharing(url: &str) -> Self {
        Self {
            url: url.to_string(),
            _dir: None,
            postgres: None,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime; drop the database from a thread of its own.
        let label = name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a cleanup runtime");
            runtime.block_on(async {
                let admin = sqlx::PgPool::connect(&admin_url).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&admin)
                .await?;
                admin.close().await;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {label}: {dropped:?}");
        }
    }
}

pub struct Keys {
    pub admin: String,
    pub underwriter: String,
    pub viewer: String,
}

/// A job holding the compute bridge; see [`TestApp::hold_compute`].
pub struct ComputeHold {
    release: std::sync::mpsc::Sender<()>,
    job: tokio::task::JoinHandle<Result<bool, fleet_risk::compute::ComputeError>>,
}

/// The compute bridge's two lanes, as a test holds them.
#[derive(Clone, Copy)]
enum ComputeLane {
    Requests,
    Runs,
}

/// A compute job that lasts until `wait` is sent to (true) or 30 s pass (false).
fn held_until(wait: std::sync::mpsc::Receiver<()>) -> impl FnOnce() -> bool + Send + 'static {
    move || {
        wait.recv_timeout(std::time::Duration::from_secs(30))
            .is_ok()
    }
}

impl ComputeHold {
    /// Lets the job finish, and asserts it ran to the end.
    pub async fn release(self) {
        self.release.send(()).unwrap();
        assert_eq!(self.job.await.unwrap(), Ok(true));
    }
}

/// The running application of one test.
pub struct TestApp {
    pub address: String,
    pub db: Database,
    pub compute: fleet_risk::compute::ComputeBridge,
    pub jobs: fleet_risk::jobs::JobContext,
    pub keys: Keys,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    /// The server's Sentry hub (when `SENTRY_DSN` is set) and metrics listener port.
    pub sentry: Option<std::sync::Arc<sentry::Hub>>,
    pub metrics_port: Option<u16>,
    /// The test's own pool for [`TestApp::count_sql`] and
    /// [`TestApp::execute_sql`]. `db` is the server's: connections an HTTP
    /// worker opened belong to that worker's runtime and fail ("Tokio
    /// context being shutdown") once the server stops, which this pool's,
    /// opened by the test, never do.
    sql: Database,
    handle: actix_web::dev::ServerHandle,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // stop() sends the command at once; the returned future only awaits completion.
        drop(self.handle.stop(false));
    }
}

/// The environment a test server starts with; tests override entries.
pub fn base_environment(database_url: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("DATABASE_URL", database_url.to_string()),
        ("PORT", "0".to_string()),
        ("DEMO_DATA", "false".to_string()),
        ("HTTP_WORKERS", "1".to_string()),
        ("COMPUTE_THREADS", "2".to_string()),
        ("DB_MAX_CONNECTIONS", "5".to_string()),
        // Exact reads across replicas in tests; the polling case has its own test.
        ("PUBLICATION_POLL_MS", "0".to_string()),
        // Revocation must take effect at once in tests; the cache has its own.
        ("API_KEY_CACHE_SECONDS", "0".to_string()),
        // Cases that exercise the schedule or the catch-up turn it on.
        ("RISK_RECALC_ENABLED", "false".to_string()),
        // Tests send bursts; the rate-limit cases lower these.
        ("RATE_LIMIT_PER_SECOND", "100000".to_string()),
        ("RATE_LIMIT_BURST", "100000".to_string()),
        ("RATE_LIMIT_WRITE_PER_SECOND", "100000".to_string()),
        ("RATE_LIMIT_WRITE_BURST", "100000".to_string()),
    ])
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Spawns with the base environment changed by `adjust`.
    pub async fn spawn_with(
        backend: Backend,
        adjust: impl FnOnce(&mut HashMap<&'static str, String>),
    ) -> Self {
        let database = TestDatabase::create(backend).await;
        let mut environment = base_environment(&database.url);
        adjust(&mut environment);
        Self::spawn_on(database, environment).await
    }

    pub async fn spawn_on(
        database: TestDatabase,
        environment: HashMap<&'static str, String>,
    ) -> Self {
        Self::spawn_on_with(database, environment, |_| {}).await
    }

    /// [`TestApp::spawn_on`] with routes only this test mounts, inside the
    /// real middleware stack (`Application::build_with`).
    pub async fn spawn_on_with(
        database: TestDatabase,
        environment: HashMap<&'static str, String>,
        extra_routes: fn(&mut actix_web::web::ServiceConfig),
    ) -> Self {
        let borrowed: HashMap<&str, &str> =
            environment.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let settings = Settings::from_environment(&borrowed).expect("test settings are valid");
        let database_url = settings.database_url.clone();
        let app = Application::build_with(settings, extra_routes)
            .await
            .expect("the application builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.database();
        let sql = Database::connect(
            &database_url,
            fleet_risk::storage::PoolSettings {
                max_connections: 2,
                ..Default::default()
            },
        )
        .await
        .expect("the test's own pool connects");
        let compute = app.compute();
        let jobs = app.jobs();
        let handle = app.handle();
        let sentry = app.sentry_hub();
        let metrics_port = app.metrics_port();
        let served = Some(tokio::spawn(app.run_until_stopped()));
        let keys = Keys {
            admin: db
                .create_api_key("test admin", Role::Admin)
                .await
                .unwrap()
                .secret,
            underwriter: db
                .create_api_key("test underwriter", Role::Underwriter)
                .await
                .unwrap()
                .secret,
            viewer: db
                .create_api_key("test viewer", Role::Viewer)
                .await
                .unwrap()
                .secret,
        };
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client");
        Self {
            address,
            db,
            compute,
            jobs,
            keys,
            client,
            database,
            sentry,
            metrics_port,
            sql,
            handle,
            served,
        }
    }

    /// Stops the server as SIGTERM does and waits until it has shut down,
    /// its background runs cancelled and recorded. The database (and `db`)
    /// stay: a restart is [`TestApp::spawn_on`] with
    /// [`TestDatabase::sharing`] its URL.
    pub async fn stop(&mut self) {
        self.handle.stop(true).await;
        if let Some(served) = self.served.take() {
            served.await.unwrap().expect("the server shut down cleanly");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        let (_, port) = self
            .address
            .rsplit_once(':')
            .expect("an address with a port");
        port.parse().expect("a port number")
    }

    /// Sends a request with an optional key and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> TestResponse {
        let mut request = self.client.request(method, self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        TestResponse::read(request.send().await.expect("the request is sent")).await
    }

    /// POSTs `body` with `key` and an `Idempotency-Key` header.
    pub async fn post_idempotent(
        &self,
        path: &str,
        key: &str,
        idempotency_key: &str,
        body: &Value,
    ) -> TestResponse {
        let request = self
            .client
            .post(self.url(path))
            .bearer_auth(key)
            .header("Idempotency-Key", idempotency_key)
            .json(body);
        TestResponse::read(request.send().await.expect("the request is sent")).await
    }

    pub async fn get(&self, path: &str, key: &str) -> TestResponse {
        self.request(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> TestResponse {
        self.request(Method::POST, path, Some(key), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, key: &str, body: &Value) -> TestResponse {
        self.request(Method::PATCH, path, Some(key), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, key: &str) -> TestResponse {
        self.request(Method::DELETE, path, Some(key), None).await
    }

    /// Sends raw bytes with a chosen content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> TestResponse {
        self.send_raw(Method::POST, path, content_type, body).await
    }

    /// Sends `body` as it is, with `content_type`, by `method`, as the admin.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> TestResponse {
        let response = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.keys.admin)
            .header("content-type", content_type)
            .body(body.into())
            .send()
            .await
            .expect("the request is sent");
        TestResponse::read(response).await
    }

    /// Occupies every admission slot of the compute bridge's request lane
    /// (run with `COMPUTE_QUEUE=1`) until [`ComputeHold::release`].
    pub async fn hold_compute(&self) -> ComputeHold {
        self.hold_lane(ComputeLane::Requests).await
    }

    /// Occupies the compute bridge's background lane, where book-wide runs
    /// score, until [`ComputeHold::release`]: a run started meanwhile waits.
    pub async fn hold_runs(&self) -> ComputeHold {
        self.hold_lane(ComputeLane::Runs).await
    }

    async fn hold_lane(&self, lane: ComputeLane) -> ComputeHold {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let bridge = self.compute.clone();
        let job = tokio::spawn(async move {
            match lane {
                ComputeLane::Requests => bridge.run(held_until(wait)).await,
                ComputeLane::Runs => bridge.run_in_background(held_until(wait)).await,
            }
        });
        let free = || match lane {
            ComputeLane::Requests => self.compute.available(),
            ComputeLane::Runs => self.compute.background_available(),
        };
        while free() > 0 {
            tokio::task::yield_now().await;
        }
        ComputeHold { release, job }
    }

    /// Creates a fleet and returns its id.
    pub async fn create_fleet(&self, name: &str) -> String {
        let response = self
            .post(
                "/api/fleet-risk/fleets",
                &self.keys.admin,
                &serde_json::json!({"name": name}),
            )
            .await;
        assert_eq!(response.status, 201, "{}", response.body);
        response.body["id"].as_str().unwrap().to_string()
    }

    /// Creates a vessel from `body` (with `fleetId` added) and asserts 201.
    pub async fn create_vessel(&self, fleet_id: &str, mut body: Value) -> Value {
        body["fleetId"] = Value::String(fleet_id.to_string());
        let response = self
            .post("/api/fleet-risk/vessels", &self.keys.admin, &body)
            .await;
        assert_eq!(response.status, 201, "{}", response.body);
        response.body
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl TestResponse {
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a readable body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["type"], format!("urn:fleet-risk:problem:{code}"));
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
    }

    /// The `field` of every entry in a 422's `errors`, in order.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A valid vessel body (section 1 fields) with this IMO number.
pub fn vessel_body(imo: &str) -> Value {
    serde_json::json!({
        "vesselIMO": imo,
        "name": format!("TEST VESSEL {imo}"),
        "shipType": "bulk_carrier",
        "yearBuilt": 2008,
        "grossTonnage": 43000,
        "flag": "MT",
        "classSociety": "LR",
        "companyPerformance": "medium",
        "insuredValueUsd": 18500000.0,
        "insurancePolicyId": "HULL-2026-001234",
        "sanctioned": false,
        "bannedListed": false,
        "daysInListedAreas12m": 12,
        "aisGaps12m": 1,
        "flagChanges36m": 0,
        "inspections": [
            {"date": "2025-03-14", "regime": "paris_mou", "deficiencies": 3, "detained": false},
            {"date": "2024-06-02", "regime": "tokyo_mou", "deficiencies": 0, "detained": false}
        ],
        "incidents": [
            {"date": "2023-09-20", "severity": "C", "kind": "machinery", "grossLossUsd": 180000.0}
        ]
    })
}

/// Valid IMO numbers for tests (real examples from risk-model.md and more).
pub const IMOS: [&str; 8] = [
    "9074729", "9811000", "8320901", "7625811", "9598335", "1234567", "9176187", "9321483",
];

impl TestApp {
    /// Runs one book-wide recalculation to the end, whatever its outcome.
    pub async fn run(&self, trigger: RunTrigger) -> RunRecord {
        fleet_risk::jobs::run_once(&self.jobs, trigger, chrono::Utc::now().date_naive())
            .await
            .expect("the slot is free")
    }

    /// Runs one book-wide recalculation (as the CLI does), asserts it published, returns its id.
    pub async fn recalculate(&self) -> String {
        let run = self.run(RunTrigger::Manual).await;
        assert_eq!(run.status, RunStatus::Published, "{run:?}");
        run.id.to_string()
    }

    /// Starts a book-wide run on demand as an admin, asserts 202, and
    /// returns the run's id.
    pub async fn trigger_run(&self) -> String {
        let accepted = self
            .request(
                reqwest::Method::POST,
                "/api/cron/risk-calculations",
                Some(&self.keys.admin),
                None,
            )
            .await;
        assert_eq!(accepted.status, 202, "{}", accepted.text);
        accepted.body["runId"].as_str().unwrap().to_string()
    }

    /// Polls a run until it is no longer running (at most 30 s) and returns it.
    pub async fn wait_for_run(&self, run_id: &str) -> Value {
        for _ in 0..300 {
            let run = self
                .get(&format!("/api/fleet-risk/runs/{run_id}"), &self.keys.viewer)
                .await;
            assert_eq!(run.status, 200, "{}", run.text);
            if run.body["status"] != "running" {
                return run.body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("run {run_id} did not finish within 30 s");
    }

    /// A count read with raw SQL (to inspect what is stored).
    pub async fn count_sql(&self, sql: &str) -> i64 {
        match self.sql.pool() {
            BackendPool::Sqlite(pool) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
                    .fetch_one(pool)
                    .await
            }
            BackendPool::Postgres(pool) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
                    .fetch_one(pool)
                    .await
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Executes raw SQL on the test database (to break or inspect it).
    pub async fn execute_sql(&self, sql: &str) {
        match self.sql.pool() {
            BackendPool::Sqlite(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(pool)
                .await
                .map(drop),
            BackendPool::Postgres(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(pool)
                .await
                .map(drop),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

impl TestApp {
    /// Makes every insert into `table` fail with a database error, as a
    /// real fault would (a trigger, on both backends), until
    /// [`TestApp::allow_inserts`].
    pub async fn refuse_inserts(&self, table: &str) {
        let sql = match self.db.pool() {
            BackendPool::Sqlite(_) => format!(
                "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                 BEGIN SELECT RAISE(ABORT, 'insert into {table} refused by test'); END"
            ),
            BackendPool::Postgres(_) => format!(
                "CREATE FUNCTION refuse_{table}() RETURNS trigger AS $$ BEGIN \
                 RAISE EXCEPTION 'insert into {table} refused by test'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION refuse_{table}();"
            ),
        };
        self.execute_sql(&sql).await;
    }

    /// Removes what [`TestApp::refuse_inserts`] installed.
    pub async fn allow_inserts(&self, table: &str) {
        let sql = match self.db.pool() {
            BackendPool::Sqlite(_) => format!("DROP TRIGGER refuse_{table}"),
            BackendPool::Postgres(_) => {
                format!("DROP TRIGGER refuse_{table} ON {table}; DROP FUNCTION refuse_{table}();")
            }
        };
        self.execute_sql(&sql).await;
    }
}

/// Numbers equal to 1e-9 (relative) or 1e-9 (absolute); everything else exactly.
pub fn assert_close(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            assert!(
                (a - e).abs() <= 1e-9_f64.max(1e-9 * e.abs()),
                "{path}: {a} != {e}"
            );
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{path}: lengths differ");
            for (i, (a, e)) in a.iter().zip(e).enumerate() {
                assert_close(a, e, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(a), Value::Object(e)) => {
            let mut keys_a: Vec<&String> = a.keys().collect();
            let mut keys_e: Vec<&String> = e.keys().collect();
            keys_a.sort();
            keys_e.sort();
            assert_eq!(keys_a, keys_e, "{path}: fields differ");
            for (key, value) in e {
                assert_close(&a[key], value, &format!("{path}.{key}"));
            }
        }
        _ => assert_eq!(actual, expected, "{path}"),
    }
}

/// One `GET /metrics` answer (the Prometheus text format), read over HTTP.
pub struct Scrape(pub String);

impl Scrape {
    /// The sample of `series` (its name and labels exactly as exposed), or
    /// 0 when there is none yet (a labelled counter appears on its first count).
    pub fn value(&self, series: &str) -> f64 {
        self.0
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |value| value.parse().expect("a sample value"))
    }
}

impl TestApp {
    /// Scrapes the server's metrics on the API listener.
    pub async fn scrape(&self) -> Scrape {
        let response = self.request(Method::GET, "/metrics", None, None).await;
        assert_eq!(response.status, 200, "{}", response.text);
        Scrape(response.text)
    }
}
