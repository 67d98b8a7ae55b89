//! How many rows one multi-row statement may carry: each backend caps the
//! bind parameters of a statement, so every batch size is derived from that
//! cap and the statement's binds per row, never written down by hand.

use super::{BackendPool, Database, WriteConn, WriteTx};

/// SQLite's `SQLITE_MAX_VARIABLE_NUMBER` (its default since 3.32).
const SQLITE_BIND_LIMIT: usize = 32_766;

/// PostgreSQL's: the protocol counts a statement's parameters in 16 bits.
const POSTGRES_BIND_LIMIT: usize = 65_535;

/// Rows per statement under `bind_limit` when each row binds `per_row`
/// parameters and the statement binds `shared` more once.
const fn rows_within(bind_limit: usize, per_row: usize, shared: usize) -> usize {
    let rows = (bind_limit - shared) / per_row;
    if rows == 0 { 1 } else { rows }
}

/// Rows one multi-row statement of SQLite may carry (see [`WriteTx::rows_per_statement`]).
pub(super) fn sqlite_rows_per_statement(per_row: usize, shared: usize) -> usize {
    rows_within(SQLITE_BIND_LIMIT, per_row, shared)
}

impl WriteTx {
    /// Rows one multi-row statement of this backend may carry, with
    /// `per_row` binds a row and `shared` binds of the whole statement.
    pub(super) fn rows_per_statement(&self, per_row: usize, shared: usize) -> usize {
        let limit = match self.conn {
            WriteConn::Sqlite(_) => SQLITE_BIND_LIMIT,
            WriteConn::Postgres(_) => POSTGRES_BIND_LIMIT,
        };
        rows_within(limit, per_row, shared)
    }
}

impl Database {
    /// [`WriteTx::rows_per_statement`], for a read on the pool.
    pub(super) fn rows_per_statement(&self, per_row: usize, shared: usize) -> usize {
        let limit = match self.pool() {
            BackendPool::Sqlite(_) => SQLITE_BIND_LIMIT,
            BackendPool::Postgres(_) => POSTGRES_BIND_LIMIT,
        };
        rows_within(limit, per_row, shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_never_binds_more_than_the_backend_takes() {
        // History rows bind 7 each: 4,680 rows on SQLite (32,760 binds), not 5,000.
        assert_eq!(rows_within(SQLITE_BIND_LIMIT, 7, 0), 4_680);
        assert_eq!(rows_within(POSTGRES_BIND_LIMIT, 7, 0), 9_362);
        for (per_row, shared) in [(18, 0), (13, 2), (7, 0), (3, 0), (1, 5)] {
            for limit in [SQLITE_BIND_LIMIT, POSTGRES_BIND_LIMIT] {
                let rows = rows_within(limit, per_row, shared);
                assert!(rows * per_row + shared <= limit);
                assert!((rows + 1) * per_row + shared > limit);
            }
        }
    }
}
