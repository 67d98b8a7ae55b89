//! SQLite's publication: a run's vessel rows and pointer moves as
//! multi-row VALUES upserts in the publishing transaction.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::storage::StorageError;
use crate::storage::vessel_score::{ImoRow, VESSEL_SCORE_COLUMNS};

/// What every row of a run shares, bound once per statement.
const SHARED: [&str; 2] = ["run_id", "calculated_at"];

/// Rows per statement: SQLite's bind limit over the columns bound per row.
fn rows_per_statement() -> usize {
    crate::storage::batch::sqlite_rows_per_statement(
        VESSEL_SCORE_COLUMNS.len() - SHARED.len(),
        SHARED.len(),
    )
}

/// `INSERT INTO vessel_scores (<columns>) SELECT column1, <run id>, column2,
/// ...`: the shared columns bound once, the others read from the VALUES rows.
fn vessel_score_insert(run_id: Uuid, calculated_at: DateTime<Utc>) -> QueryBuilder<sqlx::Sqlite> {
    let mut insert = QueryBuilder::new(format!(
        "INSERT INTO vessel_scores ({}) SELECT ",
        VESSEL_SCORE_COLUMNS.join(", ")
    ));
    let mut values_column = 0;
    for (i, column) in VESSEL_SCORE_COLUMNS.iter().enumerate() {
        if i > 0 {
            insert.push(", ");
        }
        match *column {
            "run_id" => insert.push_bind(run_id),
            "calculated_at" => insert.push_bind(calculated_at),
            _ => {
                values_column += 1;
                insert.push(format!("column{values_column}"))
            }
        };
    }
    insert.push(" FROM (");
    insert
}

pub(in crate::storage) async fn write_vessel_scores(
    conn: &mut sqlx::SqliteConnection,
    run_id: Uuid,
    rows: &[ImoRow<'_>],
    calculated_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    for chunk in rows.chunks(rows_per_statement()) {
        // The date goes as its stored text: no per-row date formatting.
        let mut insert = vessel_score_insert(run_id, calculated_at);
        insert.push_values(chunk, |mut row, (v, imo)| {
            let m = &v.member;
            // In the order of VESSEL_SCORE_COLUMNS, less the shared ones.
            row.push_bind(imo.as_str())
                .push_bind(v.fleet_id.as_uuid())
                .push_bind(v.data_version)
                .push_bind(v.model_version.as_str())
                .push_bind(v.as_of.to_string())
                .push_bind(m.score)
                .push_bind(v.scorecard)
                .push_bind(v.level.as_str())
                .push_bind(m.srp_profile.as_str())
                .push_bind(m.expected_claims)
                .push_bind(m.expected_annual_loss_usd)
                .push_bind(v.insured_value_usd)
                .push_bind(v.json.as_str());
        });
        insert.push(")");
        insert.build().persistent(false).execute(&mut *conn).await?;

        let mut current = QueryBuilder::new(
            "INSERT INTO current_vessel_scores (vessel_imo, run_id, fleet_id, data_version, \
             score, insured_value_usd) ",
        );
        current.push_values(chunk, |mut row, (v, imo)| {
            row.push_bind(imo.as_str())
                .push_bind(run_id)
                .push_bind(v.fleet_id.as_uuid())
                .push_bind(v.data_version)
                .push_bind(v.score())
                .push_bind(v.insured_value_usd);
        });
        current.push(
            " ON CONFLICT (vessel_imo) DO UPDATE SET run_id = excluded.run_id, \
             fleet_id = excluded.fleet_id, data_version = excluded.data_version, \
             score = excluded.score, insured_value_usd = excluded.insured_value_usd \
             WHERE current_vessel_scores.data_version <= excluded.data_version",
        );
        current
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
