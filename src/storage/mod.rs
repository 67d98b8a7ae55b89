//! All SQL of the service, on SQLite and PostgreSQL with one behaviour.
//!
//! The backend is chosen once, from the `DATABASE_URL` scheme. Each query is
//! written once where the text serves both backends (`$1` placeholders work on
//! both) and dispatched to the right pool by [`on_pool!`]/[`on_tx!`]; each
//! aggregate has its module (vessels, histories, fleets, runs, publication,
//! scores, thresholds, api keys), and each table's columns are declared once
//! ([`columns`]). What only one backend does (COPY, the exported snapshot,
//! the staged publication; chunked JSON loads, VALUES upserts, `BEGIN
//! IMMEDIATE`) sits in `postgres/` and `sqlite/`, behind [`Database`] and
//! [`WriteTx`]: the jobs never name a backend. Rows are parsed back into
//! domain types here, so a corrupt row is a storage error, never a bad value
//! further in.
//!
//! A statement whose text grows with its rows or values (multi-row inserts,
//! `IN` lists) runs unprepared (`persistent(false)`). sqlx keeps up to 100
//! prepared statements per connection, and SQLite holds each one's compiled
//! program: a connection that once carried a publication's insert of
//! thousands of rows kept megabytes of it, and each differently sized batch
//! or list added one more. In the soak SQLite's own memory grew by about
//! 10 MB a minute that way (`tools/memory/watch.sh`).

mod api_keys;
mod batch;
mod book;
mod book_transfer;
mod columns;
mod connect;
mod dashboard;
mod error;
mod export_rows;
mod feature_flags;
mod feedback;
mod fleets;
mod histories;
mod import;
mod levels;
mod list_order;
mod operation;
mod page;
mod postgres;
mod publication;
mod runs;
mod scores;
mod seed;
mod sqlite;
mod stored;
mod stored_assessment;
mod thresholds;
mod vessel_inserts;
mod vessel_list;
mod vessel_score;
mod vessels;
mod write_outage;

use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::{PgPool, SqlitePool};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use api_keys::{ApiKeyRecord, NewApiKey};
pub use book::{Book, UnloadableVessel};
pub use connect::PoolSettings;
pub use dashboard::{Dashboard, DashboardFleet, DashboardRisk};
pub use error::StorageError;
pub(crate) use error::is_unique_violation;
pub use export_rows::ExportedVessel;
pub use feature_flags::{FlagChangeRecord, GuardAction, ROLLOUT_GUARD_ACTOR};
pub use feedback::{FeedbackFilter, FeedbackStored, NewFeedback};
pub use fleets::{FleetChanges, FleetCursor, FleetRecord, NewFleet, ScoredFleet};
pub use histories::{IncidentRecord, InspectionRecord};
pub use import::RememberedAnswer;
pub use list_order::{ListCursor, ListOrder};
pub use operation::Operation;
pub use page::{Page, PageRequest};
pub use publication::{FleetScore, Publication};
pub use runs::{ClaimError, RunEnd, RunPhases, RunRecord, RunVesselError};
pub use scores::{
    KeptMember, KeptScores, MemberScore, PublishedAggregate, PublishedAssessment, ScoreHistoryEntry,
};
pub use seed::{DemoBook, DemoFleet, ParsedFleet, SeedError, SeedReport};
pub use stored_assessment::ScoreFigures;
pub use thresholds::{StoredThresholds, ThresholdChange, ThresholdScope};
pub use vessel_list::VesselCursor;
pub use vessel_score::VesselScore;
pub use vessels::{ScoringVessel, VesselRecord};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Runs `$body` with `$pool` bound to whichever pool backs `$db`.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match ($db).pool() {
            $crate::storage::BackendPool::Sqlite($pool) => $body,
            $crate::storage::BackendPool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs `$body` with `$conn` bound to the connection of a [`WriteTx`].
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut ($tx).conn {
            $crate::storage::WriteConn::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::storage::WriteConn::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// A write transaction holding the book's single-writer lock, and this
/// process's turn in the writers' queue (see [`Database::begin_write`]).
pub struct WriteTx {
    // Declared first, so it is dropped (rolled back) before the turn passes on.
    pub(crate) conn: WriteConn,
    _turn: OwnedSemaphorePermit,
}

/// The connection of a [`WriteTx`], on its backend.
pub(crate) enum WriteConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl WriteTx {
    /// Marks what readers see as changed; commits with the transaction.
    pub(crate) async fn bump_publication(&mut self) -> Result<(), StorageError> {
        on_tx!(self, conn => {
            sqlx::query("UPDATE publication_state SET version = version + 1 WHERE id = 1")
                .execute(conn)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StorageError> {
        match self.conn {
            WriteConn::Sqlite(tx) => tx.commit().await?,
            WriteConn::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// The connection pool of the configured backend.
#[derive(Clone, Debug)]
pub enum BackendPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database: its pool, and the queue its writers take turns in.
///
/// At most one writer of this process holds a pooled connection at a time:
/// the others wait for their turn in the queue without one, so a write
/// never holds the pool's connections while it waits for the database's
/// write lock, and readers keep the rest of the pool. Across processes
/// (replicas, the CLI) the database's own lock still serialises writers.
#[derive(Clone, Debug)]
pub struct Database {
    pool: BackendPool,
    writers: Arc<Semaphore>,
    /// Writes refused at once while the database is known to be down.
    outage: Arc<write_outage::WriteOutage>,
    sqlite_busy_timeout: Duration,
}

/// How long a writer waits for its turn before the write answers 503 (the
/// queue drains one write at a time; a write takes milliseconds, so this
/// is reached only when the database stalls).
const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

impl Database {
    /// A database on `pool`, with a writers' queue of its own.
    pub fn new(pool: BackendPool) -> Self {
        Self {
            pool,
            writers: Arc::new(Semaphore::new(1)),
            outage: Arc::default(),
            sqlite_busy_timeout: PoolSettings::default().sqlite_busy_timeout,
        }
    }

    /// The pool, for what only one backend does.
    pub fn pool(&self) -> &BackendPool {
        &self.pool
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            BackendPool::Sqlite(_) => "sqlite",
            BackendPool::Postgres(_) => "postgres",
        }
    }

    pub async fn migrate(&self) -> Result<(), StorageError> {
        match &self.pool {
            BackendPool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            BackendPool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// True when every migration this build knows is applied (readiness).
    pub async fn migrations_applied(&self) -> Result<bool, StorageError> {
        let latest = SQLITE_MIGRATIONS
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or_default();
        let applied: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(pool)
                .await?
        });
        Ok(applied == Some(latest))
    }

    pub async fn ping(&self) -> Result<(), StorageError> {
        on_pool!(self, pool => { sqlx::query("SELECT 1").execute(pool).await?.rows_affected() });
        Ok(())
    }

    /// The publication version readers cache against (see `publication_state`).
    pub async fn publication_version(&self) -> Result<i64, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT version FROM publication_state WHERE id = 1")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Starts a write transaction holding the book's single-writer lock:
    /// SQLite's own write lock (`BEGIN IMMEDIATE`), and on PostgreSQL a
    /// transaction-scoped advisory lock (it works through transaction
    /// poolers, and is released by commit, rollback or a dropped connection).
    ///
    /// Writes to the book are rare and short; serialising them lets a
    /// publication drop deleted vessels once, up front (`retain_live`), and
    /// write its rows without a foreign-key check each.
    ///
    /// The writer first waits for its turn in this process's queue, holding
    /// no connection, and only then takes one from the pool (see
    /// [`Database`]). Whatever the write reads, it reads through the
    /// returned transaction: a second pooled connection while this one holds
    /// the lock could wait on writers that wait on this one.
    pub async fn begin_write(&self) -> Result<WriteTx, StorageError> {
        let asked = std::time::Instant::now();
        self.outage.check(asked, asked)?;
        let turn = tokio::time::timeout(WRITE_QUEUE_TIMEOUT, self.writers.clone().acquire_owned())
            .await
            .map_err(|_| StorageError::WriteQueueTimedOut)?
            .expect("the writers' queue is never closed");
        // The database may have been found down while this writer waited.
        self.outage.check(asked, std::time::Instant::now())?;
        let conn = match &self.pool {
            BackendPool::Sqlite(pool) => sqlite::begin_write(pool).await,
            BackendPool::Postgres(pool) => postgres::begin_write(pool).await,
        };
        self.outage.record(&conn, std::time::Instant::now());
        Ok(WriteTx {
            conn: conn?,
            _turn: turn,
        })
    }

    /// False when another process holds SQLite's write lock now, so that no
    /// write of this process can go through (readiness reports writes as
    /// locked). Probed without waiting: `BEGIN IMMEDIATE` with a zero busy
    /// timeout on one pooled connection, rolled back at once, the busy
    /// timeout restored. A writer of this process holding its turn means
    /// writes go through. Always true on PostgreSQL (its writers wait on row
    /// and advisory locks, which `ping` cannot see and no other process holds
    /// for long).
    pub async fn sqlite_writes_possible(&self) -> Result<bool, StorageError> {
        let BackendPool::Sqlite(pool) = &self.pool else {
            return Ok(true);
        };
        let Ok(_turn) = self.writers.try_acquire() else {
            return Ok(true);
        };
        let mut conn = pool.acquire().await?;
        sqlx::raw_sql("PRAGMA busy_timeout = 0")
            .execute(&mut *conn)
            .await?;
        let began = sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await;
        if began.is_ok() {
            sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await?;
        }
        let restore = format!(
            "PRAGMA busy_timeout = {}",
            self.sqlite_busy_timeout.as_millis()
        );
        if let Err(error) = sqlx::raw_sql(sqlx::AssertSqlSafe(restore))
            .execute(&mut *conn)
            .await
        {
            // A connection left without its busy timeout must not go back to the pool.
            conn.detach();
            return Err(error.into());
        }
        match began.map_err(StorageError::from) {
            Ok(_) => Ok(true),
            Err(StorageError::Unavailable { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// `(size, idle)` of the connection pool.
    pub fn pool_usage(&self) -> (u32, usize) {
        on_pool!(self, pool => (pool.size(), pool.num_idle()))
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migration_versions() {
        let sqlite: Vec<i64> = SQLITE_MIGRATIONS.iter().map(|m| m.version).collect();
        let postgres: Vec<i64> = POSTGRES_MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(sqlite, postgres);
    }
}
