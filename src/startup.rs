//! Building the application: one code path for production and tests.
//!
//! `Application::build` connects and migrates the database, loads the demo
//! book into an empty one, binds the listener (port 0 picks a free port) and
//! returns the server ready to run, with the port it really got.

mod first_key;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, Condition, from_fn};
use actix_web::{App, HttpServer, web};
use chrono::Utc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use self::first_key::{FIRST_KEY_NAME, announcement, create_first_key, local_base_url};
use crate::compute::ComputeBridge;
use crate::config::Settings;
use crate::http::{self, AppState};
use crate::jobs::{JobContext, schedule};
use crate::model_file;
use crate::storage::{Database, DemoBook, PoolSettings, SeedError, SeedReport, StorageError};
use crate::telemetry::request::RequestTelemetry;
use crate::telemetry::scrub::Scrubber;
use crate::telemetry::{self, Metrics};

/// The demo book shipped in the binary, so a fresh machine needs no files.
const DEMO_BOOK: &str = include_str!("../fixtures/demo/book.json");

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Storage(#[from] StorageError),
    #[error("demo book: {0}")]
    Seed(#[from] SeedError),
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
    #[error("compute pool: {0}")]
    Compute(#[from] rayon::ThreadPoolBuildError),
    /// `MODEL_PATH` names a file that cannot be read or is not a valid model.
    #[error("MODEL_PATH: {0}")]
    Model(String),
}

pub struct Application {
    port: u16,
    server: Server,
    /// `/metrics` on its own listener when `METRICS_ADDR` is set.
    metrics_server: Option<(u16, Server)>,
    state: web::Data<AppState>,
}

/// Longest a rendered body is kept: a body is only ever served at its own
/// publication version, so this only bounds how long bodies of older
/// versions hold memory when reads are few; a hot one is re-rendered once.
const READ_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// How long shutdown waits for a cancelled run to record its failure.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// The job context of a process: shared by the server, the scheduler and the
/// CLI. Call it on the process's runtime: background runs are spawned there.
pub fn job_context(
    settings: &Settings,
    db: Database,
    model: Arc<crate::risk::RiskModel>,
    compute: ComputeBridge,
    metrics: Arc<Metrics>,
    sentry: Option<Arc<sentry::Hub>>,
) -> JobContext {
    JobContext {
        metrics,
        sentry,
        db,
        model,
        compute,
        run_timeout: settings.run_timeout,
        run_lease: settings.run_lease,
        shutdown: CancellationToken::new(),
        tasks: TaskTracker::new(),
        runtime: tokio::runtime::Handle::current(),
        hold_before_publish: crate::jobs::hold::armed_by_environment(),
        pause: Default::default(),
        rollout_guard: Arc::new(crate::jobs::rollout_guard::RolloutGuard::new(
            settings.rollout_guard_window,
        )),
    }
}

/// Connects to the configured database and applies pending migrations.
pub async fn open_database(settings: &Settings) -> Result<Database, StorageError> {
    let db = Database::connect_waiting(
        &settings.database_url,
        PoolSettings {
            max_connections: settings.db_max_connections,
            sqlite_busy_timeout: settings.sqlite_busy_timeout,
            ..PoolSettings::default()
        },
        settings.db_startup_wait,
    )
    .await?;
    db.migrate().await?;
    Ok(db)
}

/// The demo book embedded in the binary.
pub fn embedded_demo_book() -> DemoBook {
    serde_json::from_str(DEMO_BOOK)
        .expect("the embedded demo book is valid JSON of the book format")
}

/// Loads `book` as of today through the import (idempotent): what it
/// loads is scored and published before this returns.
pub async fn seed(
    ctx: &JobContext,
    settings: &Settings,
    book: &DemoBook,
) -> Result<SeedReport, SeedError> {
    crate::jobs::import::seed(ctx, book, Utc::now().date_naive(), &settings.policy_ids).await
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with(settings, |_| {}).await
    }

    /// [`Application::build`] with `extra_routes` registered first, inside
    /// the whole middleware stack: the seam tests mount what production
    /// never serves through (a handler that panics). Production passes none.
    pub async fn build_with(
        settings: Settings,
        extra_routes: fn(&mut web::ServiceConfig),
    ) -> Result<Self, StartupError> {
        let model = model_file::configured_model(settings.model_path.as_deref())
            .map_err(StartupError::Model)?;
        let model_document = model_file::model_document(settings.model_path.as_deref())
            .map_err(StartupError::Model)?;
        tracing::info!(model = %model.version(), "risk model loaded");
        let db = open_database(&settings).await?;
        let compute = ComputeBridge::new(settings.compute_threads, settings.compute_queue)?;
        let edge = settings.edge.clone();
        let listener =
            http::edge::limits::bind((settings.host, settings.port).into(), edge.backlog)?;
        let rate_limits = web::Data::from(http::edge::RateLimits::shared(&edge));
        let port = listener.local_addr()?.port();
        let workers = settings.http_workers;
        let key_cache_ttl = settings.api_key_cache;
        let read_cache_bytes = settings.read_cache_max_bytes;
        let publication_poll = settings.publication_poll;
        let model = Arc::new(model);
        let metrics_listener = settings.metrics_addr.map(TcpListener::bind).transpose()?;
        let scrubber = Arc::new(Scrubber::new(&settings.policy_ids));
        let sentry_hub = telemetry::sentry::app_hub(&settings);
        let metrics = Arc::new(Metrics::new());
        metrics.set_build_info(&model.version().to_string());
        let jobs = job_context(
            &settings,
            db.clone(),
            model.clone(),
            compute.clone(),
            metrics.clone(),
            sentry_hub.clone(),
        );
        if settings.demo_data && db.count_vessels().await? == 0 {
            let report = seed(&jobs, &settings, &embedded_demo_book()).await?;
            tracing::info!(
                fleets = report.fleets_created,
                vessels = report.vessels_created,
                "loaded the demo book into an empty database"
            );
        }
        let state = web::Data::new(AppState {
            db,
            settings,
            compute,
            model,
            jobs,
            model_document,
            metrics,
            sentry: sentry_hub.clone(),
            read_cache: http::cache::ReadCache::new(
                read_cache_bytes,
                READ_CACHE_TTL,
                publication_poll,
            ),
            key_cache: http::auth::KeyCache::new(key_cache_ttl),
            flag_cache: http::flag_cache::FlagCache::new(publication_poll),
        });
        let app_state = state.clone();
        let metrics_here = metrics_listener.is_none();
        let (cors_on, client_timeouts) = (http::edge::cors::enabled(&edge), edge.clone());
        let server = HttpServer::new(move || {
            // Transactions are named by route pattern; bodies are never read (see telemetry::sentry).
            let sentry = match &sentry_hub {
                Some(hub) => sentry_actix::Sentry::builder()
                    .with_hub(hub.clone())
                    .start_transaction(true)
                    // Reported with their cause by http::server_error instead.
                    .capture_server_errors(false)
                    .finish(),
                None => sentry_actix::Sentry::new(),
            };
            App::new()
                .app_data(app_state.clone())
                .app_data(rate_limits.clone())
                .wrap(actix_web::middleware::from_fn(
                    http::server_error::answer_server_errors,
                ))
                .wrap(Compress::default())
                .wrap(actix_web::middleware::from_fn(
                    http::cache::forget_version_after_writes,
                ))
                // The edge (see http::edge): CORS outside the headers and the limiter.
                .wrap(from_fn(http::edge::rate_limit::limit_rate))
                .wrap(from_fn(http::edge::security_headers::secure_headers))
                .wrap(Condition::new(cors_on, http::edge::cors::cors(&edge)))
                .wrap_fn(telemetry::request::name_sentry_scope)
                .wrap(Condition::new(sentry_hub.is_some(), sentry))
                .wrap(RequestTelemetry::new(
                    app_state.metrics.clone(),
                    scrubber.clone(),
                ))
                .configure(extra_routes)
                .configure(|config| {
                    if metrics_here {
                        http::metrics::configure(config);
                    }
                })
                .configure(http::configure)
        })
        .workers(workers)
        .client_request_timeout(client_timeouts.client_request_timeout)
        .client_disconnect_timeout(client_timeouts.client_disconnect_timeout)
        .keep_alive(client_timeouts.keep_alive)
        .max_connections(client_timeouts.max_connections)
        .listen(listener)?
        // Signals are ours (`stop_on_signal`), installed before any run starts.
        .disable_signals()
        .run();
        let metrics_server = match metrics_listener {
            Some(listener) => {
                let metrics_port = listener.local_addr()?.port();
                let metrics_state = state.clone();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(metrics_state.clone())
                        .configure(http::metrics::configure)
                })
                .workers(1)
                .listen(listener)?
                .disable_signals()
                .run();
                Some((metrics_port, server))
            }
            None => None,
        };
        Ok(Self {
            port,
            server,
            metrics_server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate metrics listener (`METRICS_ADDR`), if any.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(port, _)| *port)
    }

    /// The database the server uses (tests arrange data and break it through this).
    pub fn database(&self) -> Database {
        self.state.db.clone()
    }

    /// The compute bridge (tests fill it to prove overload is a 503).
    pub fn compute(&self) -> crate::compute::ComputeBridge {
        self.state.compute.clone()
    }

    /// The Sentry hub this server reports to (`None` when Sentry is off).
    pub fn sentry_hub(&self) -> Option<Arc<sentry::Hub>> {
        self.state.sentry.clone()
    }

    /// Stops the server (tests stop theirs when done).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (actix handles the signals and drains),
    /// running the recalculation schedule, the background reader of the
    /// database-backed metrics and, when the published scores are older than
    /// one period, a catch-up run (which waits out a busy slot). On the way
    /// out a run in progress, whatever started it, is cancelled (it is
    /// recorded `failed`, cancelled, and publishes nothing), the metrics
    /// listener stops, and pending Sentry events are flushed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let signals = stop_on_signal(self.server.handle())?;
        let settings = &self.state.settings;
        let jobs = self.state.jobs.clone();
        let mut scheduler = None;
        if settings.recalc_enabled {
            match schedule::start(jobs.clone(), &settings.recalc_cron).await {
                Ok(started) => scheduler = Some(started),
                Err(error) => tracing::error!(%error, "the recalculation schedule did not start"),
            }
            let (catch_up, schedule) = (jobs.clone(), settings.recalc_cron.clone());
            jobs.spawn_background(async move { schedule::catch_up(&catch_up, &schedule).await });
        }
        // The database-backed gauges are read in the background, so a scrape
        // answers at once whatever the database does; stopped with the jobs.
        let db_gauges = http::metrics::spawn_db_gauge_refresher(
            self.state.db.clone(),
            self.state.metrics.clone(),
            jobs.shutdown.clone(),
        );
        let metrics = self.metrics_server.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let served = self.server.await;
        signals.abort();
        if !jobs.tasks.is_empty() {
            tracing::info!(
                runs = jobs.tasks.len(),
                "shutting down: cancelling the background runs in progress"
            );
        }
        jobs.shutdown.cancel();
        if let Some(mut scheduler) = scheduler
            && let Err(error) = scheduler.shutdown().await
        {
            tracing::warn!(%error, "the recalculation schedule did not stop cleanly");
        }
        if let Err(error) = db_gauges.await {
            tracing::warn!(%error, "the metrics reader did not stop cleanly");
        }
        jobs.tasks.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, jobs.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("a background run did not stop in time; its lease will expire");
        }
        if let Some(handle) = metrics {
            handle.stop(true).await;
        }
        if let Some(hub) = &self.state.sentry
            && let Some(client) = hub.client()
        {
            client.flush(Some(telemetry::sentry::EXIT_FLUSH));
        }
        served
    }

    /// The job context (tests trigger runs through it).
    pub fn jobs(&self) -> JobContext {
        self.state.jobs.clone()
    }
}

/// SIGTERM stops the server gracefully (requests in flight drain), SIGINT
/// and SIGQUIT at once, as actix's own handling would. Installed before the
/// schedule and the catch-up start: actix installs its handlers only once
/// the server is first polled, and a SIGTERM that came before would kill
/// the process with a run left `running`.
fn stop_on_signal(server: ServerHandle) -> std::io::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    Ok(tokio::spawn(async move {
        let (name, graceful) = tokio::select! {
            _ = terminate.recv() => ("SIGTERM", true),
            _ = interrupt.recv() => ("SIGINT", false),
            _ = quit.recv() => ("SIGQUIT", false),
        };
        tracing::info!(
            signal = name,
            graceful,
            "signal received; stopping the server"
        );
        server.stop(graceful).await;
    }))
}
