//! What only SQLite does: the book load in chunks of JSON rows ([`book`]),
//! the publication as multi-row VALUES upserts ([`publication`]), and
//! `BEGIN IMMEDIATE` as the single-writer lock. The jobs reach these only
//! through [`Database`](super::Database) and [`WriteTx`](super::WriteTx),
//! which pick the backend.

pub(super) mod book;
pub(super) mod publication;

use sqlx::SqlitePool;

use super::{StorageError, WriteConn};

/// A write transaction that takes SQLite's write lock up front, so it waits
/// out the busy timeout instead of failing when a deferred transaction
/// tries to upgrade.
pub(super) async fn begin_write(pool: &SqlitePool) -> Result<WriteConn, StorageError> {
    Ok(WriteConn::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?))
}
