//! PostgreSQL's publication: a run's vessel rows with binary COPY (or, for a
//! few, one INSERT from arrays), staged
//! on a connection of their own beside the pointer moves (see
//! [`Database::publish_run`](crate::storage::Database::publish_run)), the
//! pointers moved as column arrays, and the sweep of rows a failed run
//! staged.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::COPY_FROM_ROWS;
use super::copy_in::copy_in;
use super::own_connection;
use crate::storage::StorageError;
use crate::storage::vessel_score::{HistoryRows, ImoRow, VESSEL_SCORE_COLUMNS};

/// Rows per `UNNEST` statement (arrays, not binds, so no bind limit).
const UNNEST_BATCH: usize = 10_000;

/// The vessel rows (unless staged) and the pointer moves of a publication,
/// in the publishing transaction.
pub(in crate::storage) async fn write_vessel_scores(
    tx: &mut sqlx::PgConnection,
    run_id: Uuid,
    rows: &[ImoRow<'_>],
    calculated_at: DateTime<Utc>,
    history: HistoryRows,
) -> Result<(), StorageError> {
    if history == HistoryRows::InTransaction {
        match rows.len() < COPY_FROM_ROWS {
            true => unnest_vessel_scores(tx, run_id, rows, calculated_at).await?,
            false => copy_vessel_scores(tx, run_id, rows, calculated_at).await?,
        }
    }
    for chunk in rows.chunks(UNNEST_BATCH) {
        unnest_vessel_pointers(tx, run_id, chunk).await?;
    }
    Ok(())
}

/// A run's history rows, committed in a transaction of their own on a
/// connection of its own ([`own_connection`]).
pub(in crate::storage) async fn stage_vessel_scores(
    pool: &sqlx::PgPool,
    run_id: Uuid,
    rows: &[ImoRow<'_>],
    calculated_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    let mut conn = own_connection(pool).await?;
    let mut tx = sqlx::Connection::begin(&mut conn).await?;
    copy_vessel_scores(&mut tx, run_id, rows, calculated_at).await?;
    tx.commit().await?;
    sqlx::Connection::close(conn).await?;
    Ok(())
}

/// Deletes the history rows a failed run staged before it could publish: of
/// run `id`, or of every failed run (a sweep for runs whose process died).
/// Only failed runs lose rows: a publication whose commit was reported lost
/// may still have landed.
pub(in crate::storage) async fn discard_unpublished_rows(
    pool: &sqlx::PgPool,
    id: Option<Uuid>,
) -> Result<(), StorageError> {
    // `= ANY(ARRAY(...))` probes the run index once per failed run,
    // whatever the statistics say.
    sqlx::query(
        "DELETE FROM vessel_scores WHERE run_id = ANY(ARRAY( \
         SELECT id FROM risk_runs WHERE status = 'failed' AND ($1::uuid IS NULL OR id = $1)))",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// A run's vessel rows with binary `COPY ... FROM STDIN` ([`copy_in`]).
async fn copy_vessel_scores(
    conn: &mut sqlx::PgConnection,
    run_id: Uuid,
    rows: &[ImoRow<'_>],
    calculated_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    copy_in(
        conn,
        "vessel_scores",
        &VESSEL_SCORE_COLUMNS,
        rows,
        |buffer, (v, imo)| {
            let m = &v.member;
            // In the order of VESSEL_SCORE_COLUMNS.
            buffer
                .text(imo)
                .uuid(run_id)
                .uuid(v.fleet_id.as_uuid())
                .int8(v.data_version)
                .text(v.model_version.as_str())
                .date(v.as_of)
                .float8(m.score)
                .float8(v.scorecard)
                .text(v.level.as_str())
                .text(m.srp_profile.as_str())
                .float8(m.expected_claims)
                .float8(m.expected_annual_loss_usd)
                .float8(v.insured_value_usd)
                .text(&v.json)
                .timestamptz(calculated_at);
        },
    )
    .await
}

/// [`unnest_vessel_scores`]' statement: the run and time bound once, every
/// other column an array, in the order of [`VESSEL_SCORE_COLUMNS`].
static UNNEST_VESSEL_SCORES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO vessel_scores ({}) \
         SELECT imo, $1, fleet, version, model, as_of, score, scorecard, level, profile, claims, \
         loss, value, doc, $2 \
         FROM UNNEST($3::text[], $4::uuid[], $5::int8[], $6::text[], $7::date[], \
         $8::float8[], $9::float8[], $10::text[], $11::text[], $12::float8[], $13::float8[], \
         $14::float8[], $15::text[]) \
         AS t(imo, fleet, version, model, as_of, score, scorecard, level, profile, claims, \
         loss, value, doc)",
        VESSEL_SCORE_COLUMNS.join(", ")
    )
});

/// A few history rows as one INSERT from column arrays, the fields
/// [`copy_vessel_scores`] sends, in its order.
async fn unnest_vessel_scores(
    conn: &mut sqlx::PgConnection,
    run_id: Uuid,
    rows: &[ImoRow<'_>],
    calculated_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    fn each<'a, T>(rows: &'a [ImoRow<'_>], field: impl Fn(&'a ImoRow<'_>) -> T) -> Vec<T> {
        rows.iter().map(field).collect()
    }
    sqlx::query(sqlx::AssertSqlSafe(UNNEST_VESSEL_SCORES.as_str()))
        .bind(run_id)
        .bind(calculated_at)
        .bind(each(rows, |(_, imo)| imo.as_str()))
        .bind(each(rows, |(v, _)| v.fleet_id.as_uuid()))
        .bind(each(rows, |(v, _)| v.data_version))
        .bind(each(rows, |(v, _)| v.model_version.as_str()))
        .bind(each(rows, |(v, _)| v.as_of))
        .bind(each(rows, |(v, _)| v.score()))
        .bind(each(rows, |(v, _)| v.scorecard))
        .bind(each(rows, |(v, _)| v.level.as_str()))
        .bind(each(rows, |(v, _)| v.member.srp_profile.as_str()))
        .bind(each(rows, |(v, _)| v.member.expected_claims))
        .bind(each(rows, |(v, _)| v.member.expected_annual_loss_usd))
        .bind(each(rows, |(v, _)| v.insured_value_usd))
        .bind(each(rows, |(v, _)| v.json.as_str()))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A run's pointer moves as column arrays, which plan once per statement
/// instead of once per row.
async fn unnest_vessel_pointers(
    conn: &mut sqlx::PgConnection,
    run_id: Uuid,
    rows: &[ImoRow<'_>],
) -> Result<(), StorageError> {
    let imos: Vec<&str> = rows.iter().map(|(_, imo)| imo.as_str()).collect();
    let fleets: Vec<Uuid> = rows.iter().map(|(v, _)| v.fleet_id.as_uuid()).collect();
    let versions: Vec<i64> = rows.iter().map(|(v, _)| v.data_version).collect();
    let scores: Vec<f64> = rows.iter().map(|(v, _)| v.score()).collect();
    let values: Vec<f64> = rows.iter().map(|(v, _)| v.insured_value_usd).collect();
    // Pointers move in place (no indexed column changes: HOT updates). When
    // the update did not reach every vessel, some are scored for the first
    // time (or already point at newer data): the insert adds the missing
    // ones and leaves every existing pointer alone, which a book-wide run
    // after the first seldom needs. Both statements join on the arrays,
    // which keeps their plans sound however stale the statistics.
    let on_arrays = |sql: &'static str| {
        sqlx::query(sql)
            .bind(run_id)
            .bind(&imos)
            .bind(&fleets)
            .bind(&versions)
            .bind(&scores)
            .bind(&values)
    };
    let moved = on_arrays(
        "UPDATE current_vessel_scores c SET run_id = $1, fleet_id = t.fleet, \
         data_version = t.version, score = t.score, insured_value_usd = t.value \
         FROM UNNEST($2::text[], $3::uuid[], $4::int8[], $5::float8[], $6::float8[]) \
         AS t(imo, fleet, version, score, value) \
         WHERE c.vessel_imo = t.imo AND c.data_version <= t.version",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if moved == rows.len() as u64 {
        return Ok(());
    }
    on_arrays(
        "INSERT INTO current_vessel_scores (vessel_imo, run_id, fleet_id, data_version, score, \
         insured_value_usd) \
         SELECT imo, $1, fleet, version, score, value \
         FROM UNNEST($2::text[], $3::uuid[], $4::int8[], $5::float8[], $6::float8[]) \
         AS t(imo, fleet, version, score, value) \
         ON CONFLICT (vessel_imo) DO NOTHING",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
