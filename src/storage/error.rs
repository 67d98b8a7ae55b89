//! The storage error: what a storage operation reports, how a sqlx error
//! is classed (a lost or busy database is [`StorageError::Unavailable`]:
//! 503, retry), and what the Sentry event of one says (its database code
//! and the [`Operation`] it arose in).

use super::Operation;

/// A storage failure. The two that come from sqlx carry the [`Operation`]
/// they arose in (the `?` that converted them), for the Sentry event.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database unavailable: {source}")]
    Unavailable {
        source: sqlx::Error,
        operation: Operation,
    },
    #[error("{source}")]
    Database {
        source: sqlx::Error,
        operation: Operation,
    },
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored row is not valid: {0}")]
    CorruptRow(String),
    #[error("a vessel with this IMO number already exists")]
    DuplicateImo,
    #[error("a fleet with this name already exists")]
    DuplicateFleetName,
    #[error("the fleet still has vessels")]
    FleetNotEmpty,
    #[error("no fleet with this id")]
    UnknownFleet,
    #[error("the cursor belongs to another sort order")]
    CursorMismatch,
    #[error("timed out waiting for the other writes to the book")]
    WriteQueueTimedOut,
    /// The database was found unavailable a moment ago: writes are refused
    /// at once for a moment rather than queued behind it (`write_outage`).
    #[error("writes are paused: the database was unavailable a moment ago")]
    WritesPaused,
    /// `serve` (or a CLI command) waited `DB_STARTUP_WAIT_SECONDS` for a
    /// database that never answered.
    #[error(
        "the database at {endpoint} did not answer within {waited_seconds} s (DB_STARTUP_WAIT_SECONDS): {source}"
    )]
    NotReachable {
        endpoint: String,
        waited_seconds: u64,
        source: Box<StorageError>,
    },
}

impl From<sqlx::Error> for StorageError {
    /// `#[track_caller]`: the `?` that converts records its place (see [`Operation`]).
    #[track_caller]
    fn from(source: sqlx::Error) -> Self {
        let operation = Operation::caller();
        match source {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => Self::Unavailable { source, operation },
            ref e if is_sqlite_busy(e) || is_postgres_going_away(e) => {
                Self::Unavailable { source, operation }
            }
            source => Self::Database { source, operation },
        }
    }
}

impl StorageError {
    /// The database could not be reached (down, restarting, the pool
    /// unable to connect), as opposed to there but busy with another
    /// process's lock (SQLite), which ends with that lock.
    pub(super) fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unavailable { source, .. } if !is_sqlite_busy(source))
    }

    /// The storage operation a database error arose in.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Self::Unavailable { operation, .. } | Self::Database { operation, .. } => {
                Some(*operation)
            }
            _ => None,
        }
    }

    /// The database's own error code: PostgreSQL's SQLSTATE (`42P01`), or
    /// SQLite's extended result code (`1811`).
    pub fn database_code(&self) -> Option<String> {
        match self {
            Self::Unavailable {
                source: sqlx::Error::Database(error),
                ..
            }
            | Self::Database {
                source: sqlx::Error::Database(error),
                ..
            } => error.code().map(std::borrow::Cow::into_owned),
            _ => None,
        }
    }
}

/// PostgreSQL ending or refusing the session: SQLSTATE class 08 (connection
/// exception) and 57P01-57P03 (`admin_shutdown`, as in "terminating
/// connection due to administrator command", `crash_shutdown`,
/// `cannot_connect_now` while it starts or stops). The connection is lost,
/// like any other lost connection: 503, retry.
fn is_postgres_going_away(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(e) = error else {
        return false;
    };
    e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some_and(|pg| is_going_away_code(pg.code()))
}

fn is_going_away_code(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
}

/// SQLite's "database is locked" (`SQLITE_BUSY`, `SQLITE_LOCKED` and their
/// extended codes): another process held the write lock past the busy
/// timeout. The database is there but busy, so it is answered like an
/// unreachable one (503, retry), never as a fault of the service.
fn is_sqlite_busy(error: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i64 = 5;
    const SQLITE_LOCKED: i64 = 6;
    let sqlx::Error::Database(e) = error else {
        return false;
    };
    e.try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .and_then(sqlx::error::DatabaseError::code)
        .and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
}

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

    use super::*;

    /// Another process holding SQLite's write lock past the busy timeout
    /// gives "database is locked": the database is busy, not broken (503).
    #[tokio::test]
    async fn sqlite_database_is_locked_is_unavailable() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("locked.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::ZERO);
        let mut holder = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        let mut other = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut holder)
            .await
            .unwrap();
        let locked = sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert!(
            locked.to_string().contains("database is locked"),
            "{locked}"
        );
        let unavailable = StorageError::from(locked);
        assert!(matches!(unavailable, StorageError::Unavailable { .. }));
        // SQLITE_BUSY is 5 (sqlite.org/rescode.html); the error names where it arose.
        assert_eq!(unavailable.database_code().as_deref(), Some("5"));
        assert_eq!(
            unavailable.operation().and_then(|op| op.name()),
            Some("error::sqlite_database_is_locked_is_unavailable")
        );
        // Other database errors stay what they are.
        let syntax = sqlx::raw_sql("SELEC 1")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert!(matches!(
            StorageError::from(syntax),
            StorageError::Database { .. }
        ));
    }

    #[test]
    fn postgres_ending_the_session_is_a_lost_connection() {
        for code in ["57P01", "57P02", "57P03", "08006", "08003"] {
            assert!(is_going_away_code(code), "{code}");
        }
        // A unique violation, a missing table, a query cancelled by a statement timeout.
        for code in ["23505", "42P01", "57014"] {
            assert!(!is_going_away_code(code), "{code}");
        }
    }
}
