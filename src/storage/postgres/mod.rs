//! What only PostgreSQL does: COPY in and out ([`copy_in`], [`copy_text`];
//! the binary rows are written by [`columns`](super::columns)), the book load on one exported snapshot ([`book`]), the
//! staged publication ([`publication`]), and the advisory single-writer lock.
//! The jobs reach these only through [`Database`](super::Database) and
//! [`WriteTx`](super::WriteTx), which pick the backend.

pub(super) mod book;
mod copy_in;
mod copy_text;
pub(super) mod publication;

use sqlx::PgPool;

use super::{StorageError, WriteConn};
pub(super) use copy_in::copy_in;
pub(super) use copy_text::{each_row, parse_rows};

/// Fewer rows than this go in by INSERT (multi-row, or from arrays), more
/// by `COPY`. A COPY ends with two messages sent back to back (the last
/// rows, then CopyDone) on a socket without `TCP_NODELAY` (sqlx sets none),
/// so Nagle holds the second until PostgreSQL's delayed ACK: about 40 ms
/// per COPY whatever its size. A one-vessel write paid that for its score
/// history, and a vessel create for its row, its inspections and its
/// incidents (a create took about 140 ms against a patch's 10 ms).
pub(super) const COPY_FROM_ROWS: usize = 1_000;

/// The PostgreSQL advisory-lock key of the single-writer lock ("fleetrsk").
const WRITE_LOCK_KEY: i64 = 0x666c_6565_7472_736b;

/// A write transaction holding the book's single-writer lock: a
/// transaction-scoped advisory lock (it works through transaction poolers,
/// and is released by commit, rollback or a dropped connection).
pub(super) async fn begin_write(pool: &PgPool) -> Result<WriteConn, StorageError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WRITE_LOCK_KEY)
        .execute(&mut *tx)
        .await?;
    Ok(WriteConn::Postgres(tx))
}

/// A connection of its own, outside the pool and its limit, for bulk
/// transfers that run beside pooled work. Its user closes it; a run
/// cancelled mid-COPY drops it, which ends the COPY and rolls back its
/// transaction, where a pooled connection would be handed on still
/// streaming.
async fn own_connection(pool: &PgPool) -> Result<sqlx::PgConnection, StorageError> {
    use sqlx::ConnectOptions;
    Ok(pool.connect_options().connect().await?)
}
