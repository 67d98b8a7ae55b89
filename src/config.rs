//! Configuration from the environment (the README lists every variable).
//!
//! Invalid configuration is reported as one line naming the variable, and the
//! process exits with code 2; nothing here panics.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

mod database_url;
mod durations;
pub mod edge;

use crate::domain::PolicyIdPattern;
pub use database_url::DatabaseUrl;
use durations::{parse_seconds, parse_window};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://fleet-risk.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// 50,000 vessels with five histories each are about 45 MB of JSON (36 MB
/// as the three CSVs): 128 MiB leaves room for longer names and more events.
pub const DEFAULT_IMPORT_MAX_BODY_BYTES: u64 = 128 * 1024 * 1024;

/// 64 MiB: about 20,000 vessel risk bodies (some 3 KB each), the hot part
/// of a book, where 100,000 entries of any size had let a replica reach
/// 220 MB after two minutes of reads.
pub const DEFAULT_READ_CACHE_MAX_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub db_max_connections: u32,
    /// How long a SQLite statement waits for another process's lock before
    /// it fails as busy (answered 503 with `Retry-After`).
    pub sqlite_busy_timeout: std::time::Duration,
    /// How long `serve` retries (with backoff) a database that is not up yet
    /// before it exits naming the host and port it waited for.
    pub db_startup_wait: std::time::Duration,
    pub host: IpAddr,
    pub port: u16,
    /// actix worker threads.
    pub http_workers: usize,
    pub log_format: LogFormat,
    /// Load the demo book when `serve` starts on an empty database.
    pub demo_data: bool,
    /// Create and print one admin key when `serve` creates a new embedded database.
    pub bootstrap_admin_key: bool,
    /// `None`: the model file built into the binary (frm-1.0).
    pub model_path: Option<PathBuf>,
    pub policy_ids: PolicyIdPattern,
    pub max_body_bytes: usize,
    /// The body limit of the bulk import alone (sized for 50,000 vessels with histories).
    pub import_max_body_bytes: usize,
    /// Most simulated years one simulation may ask for.
    pub simulation_max_years: u32,
    /// The rendered read bodies (vessel and fleet risk, the dashboard) kept
    /// per replica, in bytes.
    pub read_cache_max_bytes: u64,
    /// Six-field cron (with seconds, UTC) of the book-wide recalculation.
    pub recalc_cron: RecalcSchedule,
    /// Run the schedule (and the catch-up on start) in this process.
    pub recalc_enabled: bool,
    /// A run taking longer is failed and publishes nothing.
    pub run_timeout: std::time::Duration,
    /// A running run whose heartbeat is older than this is taken as abandoned.
    pub run_lease: std::time::Duration,
    /// Accepted as `Authorization: Bearer` by the cron trigger, besides admin keys.
    pub cron_secret: Option<Secret>,
    /// How long a replica trusts the publication version it last read (0: read it per request).
    pub publication_poll: std::time::Duration,
    /// How long an authenticated key is trusted without a lookup (0: always look up).
    pub api_key_cache: std::time::Duration,
    /// Threads of the rayon pool that scores vessels.
    pub compute_threads: usize,
    /// CPU jobs admitted at once (running or queued); more are answered 503.
    pub compute_queue: usize,
    /// Sentry is on when this is set.
    pub sentry_dsn: Option<String>,
    pub sentry_environment: String,
    /// Share of requests traced (0 to 1).
    pub sentry_traces_sample_rate: f32,
    /// The longest one send to Sentry may take (connect and answer).
    pub sentry_timeout: std::time::Duration,
    /// Serve `/metrics` on this address instead of the API listener.
    pub metrics_addr: Option<SocketAddr>,
    /// The rollout guard's window: timeouts and dashboard loads within it count.
    pub rollout_guard_window: std::time::Duration,
    /// Rate limits, CORS, body limits and client timeouts (see [`edge`]).
    pub edge: edge::EdgeSettings,
}

pub const DEFAULT_RECALC_CRON: &str = "0 0 */6 * * *";

/// A secret whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A validated six-field cron expression (seconds first, UTC).
#[derive(Debug, Clone)]
pub struct RecalcSchedule {
    expression: String,
    cron: croner::Cron,
}

impl RecalcSchedule {
    pub fn parse(expression: &str) -> Result<Self, String> {
        let cron = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Required)
            .dom_and_dow(true)
            .build()
            .parse(expression)
            .map_err(|e| {
                format!("{expression:?} is not a six-field cron expression (seconds first): {e}")
            })?;
        let schedule = Self {
            expression: expression.to_string(),
            cron,
        };
        schedule
            .period_after(chrono::Utc::now())
            .ok_or_else(|| format!("{expression:?} never fires"))?;
        Ok(schedule)
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The gap between the next two firings after `now`: how old the last
    /// run may be before a starting replica catches up.
    pub fn period_after(&self, now: chrono::DateTime<chrono::Utc>) -> Option<chrono::Duration> {
        let mut times = self.cron.iter_after(now);
        let first = times.next()?;
        let second = times.next()?;
        Some(second - first)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

/// Where settings come from: the process environment, or a map in tests.
pub trait Environment {
    fn get(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Environment for std::collections::HashMap<&str, &str> {
    fn get(&self, name: &str) -> Option<String> {
        std::collections::HashMap::get(self, name).map(|v| v.to_string())
    }
}

fn parse_var<T>(
    env: &dyn Environment,
    variable: &'static str,
    default: T,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    match env.get(variable) {
        None => Ok(default),
        Some(raw) => parse(raw.trim()).map_err(|message| ConfigError { variable, message }),
    }
}

fn parse_bool(raw: &str) -> Result<bool, String> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("expected true or false, got {raw:?}")),
    }
}

fn parse_in_range(raw: &str, min: u64, max: u64) -> Result<u64, String> {
    match raw.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected an integer from {min} to {max}, got {raw:?}"
        )),
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_environment(&ProcessEnvironment)
    }

    pub fn from_environment(env: &dyn Environment) -> Result<Self, ConfigError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let database_url = parse_var(
            env,
            "DATABASE_URL",
            DatabaseUrl::parse(DEFAULT_DATABASE_URL).expect("the default URL is valid"),
            DatabaseUrl::parse,
        )?;
        let compute_threads = parse_var(env, "COMPUTE_THREADS", cores as u64, |raw| {
            parse_in_range(raw, 1, 256)
        })? as usize;
        Ok(Self {
            database_url,
            db_max_connections: parse_var(env, "DB_MAX_CONNECTIONS", 10, |raw| {
                parse_in_range(raw, 1, 1000)
            })? as u32,
            sqlite_busy_timeout: std::time::Duration::from_millis(parse_var(
                env,
                "SQLITE_BUSY_TIMEOUT_MS",
                5_000,
                |raw| parse_in_range(raw, 0, 600_000),
            )?),
            db_startup_wait: std::time::Duration::from_secs(parse_var(
                env,
                "DB_STARTUP_WAIT_SECONDS",
                60,
                |raw| parse_in_range(raw, 0, 3_600),
            )?),
            host: parse_var(env, "HOST", IpAddr::from([127, 0, 0, 1]), |raw| {
                raw.parse()
                    .map_err(|_| format!("expected an IP address, got {raw:?}"))
            })?,
            port: parse_var(env, "PORT", 8080, |raw| parse_in_range(raw, 0, 65535))? as u16,
            http_workers: parse_var(env, "HTTP_WORKERS", cores as u64, |raw| {
                parse_in_range(raw, 1, 256)
            })? as usize,
            log_format: parse_var(env, "LOG_FORMAT", LogFormat::Pretty, |raw| match raw {
                "json" => Ok(LogFormat::Json),
                "pretty" => Ok(LogFormat::Pretty),
                _ => Err(format!("expected json or pretty, got {raw:?}")),
            })?,
            demo_data: parse_var(env, "DEMO_DATA", true, parse_bool)?,
            bootstrap_admin_key: parse_var(env, "BOOTSTRAP_ADMIN_KEY", true, parse_bool)?,
            model_path: parse_var(env, "MODEL_PATH", None, |raw| Ok(Some(PathBuf::from(raw))))?,
            policy_ids: parse_var(
                env,
                "POLICY_ID_PATTERN",
                PolicyIdPattern::default(),
                PolicyIdPattern::parse,
            )?,
            max_body_bytes: parse_var(env, "MAX_BODY_BYTES", 4 * 1024 * 1024, |raw| {
                parse_in_range(raw, 1024, 256 * 1024 * 1024)
            })? as usize,
            import_max_body_bytes: parse_var(
                env,
                "IMPORT_MAX_BODY_BYTES",
                DEFAULT_IMPORT_MAX_BODY_BYTES,
                |raw| parse_in_range(raw, 1024, 1024 * 1024 * 1024),
            )? as usize,
            simulation_max_years: parse_var(env, "SIMULATION_MAX_YEARS", 1_000_000, |raw| {
                parse_in_range(raw, 1, 10_000_000)
            })? as u32,
            read_cache_max_bytes: parse_var(
                env,
                "READ_CACHE_MAX_BYTES",
                DEFAULT_READ_CACHE_MAX_BYTES,
                |raw| parse_in_range(raw, 0, 16 * 1024 * 1024 * 1024),
            )?,
            recalc_cron: parse_var(
                env,
                "RISK_RECALC_CRON",
                RecalcSchedule::parse(DEFAULT_RECALC_CRON).expect("the default schedule parses"),
                RecalcSchedule::parse,
            )?,
            recalc_enabled: parse_var(env, "RISK_RECALC_ENABLED", true, parse_bool)?,
            run_timeout: parse_var(
                env,
                "RISK_RUN_TIMEOUT",
                std::time::Duration::from_secs(300),
                parse_seconds,
            )?,
            run_lease: parse_var(
                env,
                "RISK_RUN_LEASE",
                std::time::Duration::from_secs(60),
                parse_seconds,
            )?,
            cron_secret: parse_var(env, "CRON_SECRET", None, |raw| {
                if raw.len() < 16 {
                    Err("must be at least 16 characters".into())
                } else {
                    Ok(Some(Secret(raw.to_string())))
                }
            })?,
            publication_poll: std::time::Duration::from_millis(parse_var(
                env,
                "PUBLICATION_POLL_MS",
                250,
                |raw| parse_in_range(raw, 0, 60_000),
            )?),
            api_key_cache: parse_var(
                env,
                "API_KEY_CACHE_SECONDS",
                std::time::Duration::from_secs(5),
                |raw| {
                    if raw == "0" {
                        Ok(std::time::Duration::ZERO)
                    } else {
                        parse_seconds(raw)
                    }
                },
            )?,
            compute_threads,
            compute_queue: parse_var(env, "COMPUTE_QUEUE", (compute_threads * 4) as u64, |raw| {
                parse_in_range(raw, 1, 100_000)
            })? as usize,
            sentry_dsn: parse_var(env, "SENTRY_DSN", None, |raw| {
                raw.parse::<sentry::types::Dsn>()
                    .map(|_| Some(raw.to_string()))
                    .map_err(|e| format!("expected a Sentry DSN: {e}"))
            })?,
            sentry_environment: parse_var(
                env,
                "SENTRY_ENVIRONMENT",
                "production".to_string(),
                |raw| Ok(raw.to_string()),
            )?,
            sentry_traces_sample_rate: parse_var(env, "SENTRY_TRACES_SAMPLE_RATE", 0.1, |raw| {
                match raw.parse::<f32>() {
                    Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
                    _ => Err(format!("expected a number from 0 to 1, got {raw:?}")),
                }
            })?,
            sentry_timeout: parse_var(
                env,
                "SENTRY_TIMEOUT_SECONDS",
                std::time::Duration::from_secs(5),
                parse_seconds,
            )?,
            rollout_guard_window: parse_var(
                env,
                "ROLLOUT_GUARD_WINDOW",
                std::time::Duration::from_secs(3600),
                parse_window,
            )?,
            metrics_addr: parse_var(env, "METRICS_ADDR", None, |raw| {
                raw.parse()
                    .map(Some)
                    .map_err(|_| format!("expected an address like 0.0.0.0:9100, got {raw:?}"))
            })?,
            edge: edge::EdgeSettings::from_environment(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let settings = Settings::from_environment(&HashMap::new()).unwrap();
        assert_eq!(settings.database_url.expose(), "sqlite://fleet-risk.db");
        assert_eq!(settings.host.to_string(), "127.0.0.1");
        assert_eq!(settings.port, 8080);
        assert_eq!(settings.log_format, LogFormat::Pretty);
        assert!(settings.demo_data);
        assert_eq!(settings.sqlite_busy_timeout.as_millis(), 5_000);
        assert_eq!(settings.db_startup_wait.as_secs(), 60);
        assert!(settings.model_path.is_none());
        assert!(settings.sentry_dsn.is_none());
        assert_eq!(settings.sentry_environment, "production");
        assert_eq!(settings.sentry_traces_sample_rate, 0.1);
        assert!(settings.metrics_addr.is_none());
    }

    #[test]
    fn observability_variables_are_read() {
        let env = HashMap::from([
            ("SENTRY_DSN", "http://public@127.0.0.1:9/1"),
            ("SENTRY_ENVIRONMENT", "staging"),
            ("SENTRY_TRACES_SAMPLE_RATE", "0.25"),
            ("METRICS_ADDR", "0.0.0.0:9100"),
        ]);
        let settings = Settings::from_environment(&env).unwrap();
        assert_eq!(
            settings.sentry_dsn.as_deref(),
            Some("http://public@127.0.0.1:9/1")
        );
        assert_eq!(settings.sentry_environment, "staging");
        assert_eq!(settings.sentry_traces_sample_rate, 0.25);
        assert_eq!(settings.metrics_addr.unwrap().port(), 9100);
    }

    #[test]
    fn each_bad_variable_is_named() {
        for (variable, value) in [
            ("PORT", "80a"),
            ("PORT", "70000"),
            ("HOST", "localhost:80"),
            ("DATABASE_URL", "mysql://x"),
            ("LOG_FORMAT", "xml"),
            ("DEMO_DATA", "maybe"),
            ("POLICY_ID_PATTERN", "(["),
            ("COMPUTE_THREADS", "0"),
            ("RISK_RECALC_CRON", "0 */6 * * *"),
            ("RISK_RUN_TIMEOUT", "-1"),
            ("CRON_SECRET", "short"),
            ("SENTRY_DSN", "not a dsn"),
            ("SENTRY_TRACES_SAMPLE_RATE", "1.5"),
            ("SENTRY_TRACES_SAMPLE_RATE", "often"),
            ("METRICS_ADDR", "9100"),
            ("SQLITE_BUSY_TIMEOUT_MS", "5s"),
            ("DB_STARTUP_WAIT_SECONDS", "-1"),
        ] {
            let env = HashMap::from([(variable, value)]);
            let error = Settings::from_environment(&env).unwrap_err();
            assert_eq!(error.variable, variable, "{value}");
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("invalid configuration: {variable}: "))
            );
        }
    }

    #[test]
    fn the_default_schedule_is_every_six_hours() {
        let settings = Settings::from_environment(&HashMap::new()).unwrap();
        assert_eq!(settings.recalc_cron.expression(), "0 0 */6 * * *");
        let noon = chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            settings.recalc_cron.period_after(noon),
            Some(chrono::Duration::hours(6))
        );
        assert_eq!(settings.run_timeout, std::time::Duration::from_secs(300));
    }

    #[test]
    fn debug_output_hides_the_cron_secret() {
        let env = HashMap::from([("CRON_SECRET", "a-long-cron-secret-value")]);
        let settings = Settings::from_environment(&env).unwrap();
        assert!(!format!("{settings:?}").contains("a-long-cron-secret-value"));
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let env = HashMap::from([("DATABASE_URL", "postgres://risk:hunter2@db/risk")]);
        let settings = Settings::from_environment(&env).unwrap();
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2"));
        assert!(debug.contains("postgres://risk:***@db/risk"));
    }
}
