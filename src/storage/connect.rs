//! Opening the database: the pool of the configured backend (a SQLite file
//! created if missing, in WAL mode; PostgreSQL waited for with backoff when
//! it does not answer yet), with the settings the service reads.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{BackendPool, Database, StorageError};
use crate::config::DatabaseUrl;

#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// SQLite's busy timeout: how long a statement waits for another
    /// process's lock before it fails as busy (503).
    pub sqlite_busy_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

impl Database {
    /// Opens a pool; a SQLite file is created if missing, in WAL mode with a
    /// busy timeout and foreign keys on.
    ///
    /// A connection keeps its send and receive buffers at the largest
    /// message it has handled (a dashboard's rows, a publication's COPY), so
    /// each pooled connection grows to its own high-water mark and keeps it.
    /// Every release shrinks them back to sqlx's 8 KiB default: nothing for
    /// a connection that stayed within it, one reallocation after a large
    /// message.
    pub async fn connect(url: &DatabaseUrl, settings: PoolSettings) -> Result<Self, StorageError> {
        if url.is_sqlite() {
            let options = SqliteConnectOptions::from_str(url.expose())?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(settings.sqlite_busy_timeout)
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(settings.acquire_timeout)
                .after_release(shrink_buffers::<sqlx::Sqlite>)
                .connect_with(options)
                .await?;
            Ok(Self {
                sqlite_busy_timeout: settings.sqlite_busy_timeout,
                ..Self::new(BackendPool::Sqlite(pool))
            })
        } else {
            let options = PgConnectOptions::from_str(url.expose())?.application_name("fleet-risk");
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(settings.acquire_timeout)
                .after_release(shrink_buffers::<sqlx::Postgres>)
                .connect_with(options)
                .await?;
            Ok(Self::new(BackendPool::Postgres(pool)))
        }
    }

    /// True when `url` names an embedded (SQLite) database that does not
    /// exist yet, so [`Database::connect`] will create it (an in-memory one
    /// is always new); false for PostgreSQL and for a URL sqlx cannot read.
    pub fn is_new_embedded(url: &DatabaseUrl) -> bool {
        url.is_sqlite()
            && SqliteConnectOptions::from_str(url.expose())
                .is_ok_and(|options| !options.get_filename().exists())
    }

    /// [`Database::connect`] once the database answers: a PostgreSQL server
    /// that refuses or drops a single probe connection is retried with
    /// backoff (0.5 s doubling to 5 s) for at most `wait`, each retry
    /// logging the host and port waited for; past `wait` the error names
    /// them ([`StorageError::NotReachable`]). Other errors end it at once.
    /// SQLite, a file, is opened directly.
    pub async fn connect_waiting(
        url: &DatabaseUrl,
        settings: PoolSettings,
        wait: Duration,
    ) -> Result<Self, StorageError> {
        if !url.is_sqlite() {
            wait_for_postgres(url, settings.acquire_timeout, wait).await?;
        }
        Self::connect(url, settings).await
    }
}

/// The pools' `after_release`: a released connection's buffers back to
/// sqlx's default size (see [`Database::connect`]).
fn shrink_buffers<DB: sqlx::Database>(
    conn: &mut DB::Connection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_util::future::BoxFuture<'_, Result<bool, sqlx::Error>> {
    sqlx::Connection::shrink_buffers(conn);
    Box::pin(async { Ok(true) })
}

/// Opens and closes one connection to the PostgreSQL server of `url` until
/// it answers (see [`Database::connect_waiting`]).
async fn wait_for_postgres(
    url: &DatabaseUrl,
    attempt_timeout: Duration,
    wait: Duration,
) -> Result<(), StorageError> {
    use sqlx::Connection;
    let options = PgConnectOptions::from_str(url.expose())?;
    let endpoint = endpoint(url);
    let started = tokio::time::Instant::now();
    let mut delay = Duration::from_millis(500);
    loop {
        let remaining = wait.saturating_sub(started.elapsed());
        let attempt = tokio::time::timeout(
            attempt_timeout.min(remaining.max(Duration::from_millis(100))),
            sqlx::PgConnection::connect_with(&options),
        )
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut))
        .map_err(StorageError::from);
        let error = match attempt {
            Ok(connection) => {
                let _ = connection.close().await;
                return Ok(());
            }
            Err(error @ StorageError::Unavailable { .. }) => error,
            Err(other) => return Err(other),
        };
        let waited = started.elapsed();
        if waited + delay > wait {
            return Err(StorageError::NotReachable {
                endpoint,
                waited_seconds: waited.as_secs(),
                source: Box::new(error),
            });
        }
        tracing::warn!(
            %endpoint,
            %error,
            retry_in_ms = delay.as_millis() as u64,
            "waiting for the database"
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// `host:port` of a PostgreSQL URL (the socket directory and port when it
/// names no host), or the file of a SQLite one, for the logs of a wait.
fn endpoint(url: &DatabaseUrl) -> String {
    if url.is_sqlite() {
        return url.expose().to_string();
    }
    match PgConnectOptions::from_str(url.expose()) {
        Ok(options) => format!("{}:{}", options.get_host(), options.get_port()),
        Err(_) => "the configured PostgreSQL server".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_waited_for_is_host_and_port() {
        let url = DatabaseUrl::parse("postgres://risk:secret@db.internal:6543/risk").unwrap();
        assert_eq!(endpoint(&url), "db.internal:6543");
        let url = DatabaseUrl::parse("postgres://risk@db.internal/risk").unwrap();
        assert_eq!(endpoint(&url), "db.internal:5432");
    }
}
