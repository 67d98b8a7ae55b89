//! SQLite's book load: each table in chunks of rows as JSON arrays, built
//! by SQLite and parsed by serde, all in one read transaction.

use uuid::Uuid;

use crate::storage::StorageError;
use crate::storage::book_transfer::{StoredBook, StoredIncident, StoredInspection};
use crate::storage::columns::json_row;
use crate::storage::fleets::fleet_versions;
use crate::storage::stored::parse_json;
use crate::storage::vessels::VesselColumns;

/// Rows per chunk: a few MB of JSON at a time.
const CHUNK: i64 = 50_000;

/// The three tables and every fleet's `(id, data_version)`, one snapshot.
pub(in crate::storage) async fn load(
    pool: &sqlx::SqlitePool,
) -> Result<(StoredBook, Vec<(Uuid, i64)>), StorageError> {
    // A read transaction: every chunk reads the same snapshot.
    let mut tx = pool.begin().await?;
    let conn = &mut *tx;
    let vessels = chunks(
        &mut *conn,
        "vessels",
        &json_row(VesselColumns::COLUMNS, VesselColumns::KINDS),
    )
    .await?;
    let inspections = chunks(
        &mut *conn,
        "inspections",
        &json_row(StoredInspection::COLUMNS, StoredInspection::KINDS),
    )
    .await?;
    let incidents = chunks(
        &mut *conn,
        "incidents",
        &json_row(StoredIncident::COLUMNS, StoredIncident::KINDS),
    )
    .await?;
    let fleets = fleet_versions!(&mut *conn);
    tx.commit().await?;
    let stored = StoredBook {
        vessels,
        inspections,
        incidents,
    };
    Ok((stored, fleets))
}

/// Every row of `table` as `row` (a `json_array(...)` of its columns), read
/// in rowid chunks of [`CHUNK`] (a sequential read) and parsed as `T`.
async fn chunks<T: serde::de::DeserializeOwned>(
    conn: &mut sqlx::SqliteConnection,
    table: &'static str,
    row: &str,
) -> Result<Vec<T>, StorageError> {
    let sql = format!(
        "SELECT json_group_array({row}), MAX(rowid), COUNT(*) \
         FROM (SELECT rowid, * FROM {table} WHERE rowid > $1 ORDER BY rowid LIMIT $2)"
    );
    let mut rows = Vec::new();
    let mut after = 0_i64;
    loop {
        let (json, last, count): (String, Option<i64>, i64) =
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(after)
                .bind(CHUNK)
                .fetch_one(&mut *conn)
                .await?;
        rows.extend(parse_json::<Vec<T>>(table, &json)?);
        match last {
            Some(last) if count == CHUNK => after = last,
            _ => return Ok(rows),
        }
    }
}
