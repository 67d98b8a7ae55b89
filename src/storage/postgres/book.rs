//! PostgreSQL's book load: the three tables streamed with `COPY ... TO
//! STDOUT` at once, on three connections that share one snapshot
//! (`pg_export_snapshot`), so the server reads them in parallel and they are
//! as consistent as one transaction's reads. Parsing is left to the caller
//! ([`super::parse_rows`]).

use uuid::Uuid;

use super::copy_text::copy_out;
use super::own_connection;
use crate::storage::StorageError;
use crate::storage::fleets::fleet_versions;
use crate::storage::stored::corrupt;

/// The columns the book load reads of each table, in their declared order.
pub(in crate::storage) struct BookColumns {
    pub(in crate::storage) vessels: &'static [&'static str],
    pub(in crate::storage) inspections: &'static [&'static str],
    pub(in crate::storage) incidents: &'static [&'static str],
}

fn copy_statement(columns: &[&str], table: &str) -> String {
    format!(
        "COPY (SELECT {} FROM {table}) TO STDOUT",
        columns.join(", ")
    )
}

/// A connection of its own ([`own_connection`]) in a read-only
/// repeatable-read transaction.
async fn snapshot_connection(pool: &sqlx::PgPool) -> Result<sqlx::PgConnection, StorageError> {
    let mut conn = own_connection(pool).await?;
    sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut conn)
        .await?;
    Ok(conn)
}

/// The COPY text output of the three tables, one snapshot, in the column
/// order of their row declarations.
pub(in crate::storage) struct CopiedBook {
    pub(in crate::storage) vessels: Vec<u8>,
    pub(in crate::storage) inspections: Vec<u8>,
    pub(in crate::storage) incidents: Vec<u8>,
}

/// The three tables, each with the columns its row declaration lists, and
/// every fleet's `(id, data_version)`, one snapshot.
pub(in crate::storage) async fn copy(
    pool: &sqlx::PgPool,
    columns: BookColumns,
) -> Result<(CopiedBook, Vec<(Uuid, i64)>), StorageError> {
    let mut lead = snapshot_connection(pool).await?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut lead)
        .await?;
    // The id is the server's own (`0000000A-0000001B-1`); SET TRANSACTION
    // SNAPSHOT takes no bind parameter.
    if !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(corrupt("exported snapshot id", &snapshot));
    }
    let mut helpers = Vec::with_capacity(2);
    for _ in 0..2 {
        let mut conn = snapshot_connection(pool).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "SET TRANSACTION SNAPSHOT '{snapshot}'"
        )))
        .execute(&mut conn)
        .await?;
        helpers.push(conn);
    }
    let [mut first, mut second]: [sqlx::PgConnection; 2] =
        helpers.try_into().expect("two helper connections");
    let vessels = copy_statement(columns.vessels, "vessels");
    let inspections = copy_statement(columns.inspections, "inspections");
    let incidents = copy_statement(columns.incidents, "incidents");
    let (vessels, inspections, incidents) = tokio::try_join!(
        copy_out(&mut lead, &vessels),
        copy_out(&mut first, &inspections),
        copy_out(&mut second, &incidents),
    )?;
    let fleets = fleet_versions!(&mut lead);
    // The exporting transaction stays open until every helper has read.
    for conn in [lead, first, second] {
        sqlx::Connection::close(conn).await?;
    }
    Ok((
        CopiedBook {
            vessels,
            inspections,
            incidents,
        },
        fleets,
    ))
}
