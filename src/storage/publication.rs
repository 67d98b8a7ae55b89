//! Publishing scores: a run's rows and the pointer moves, visible at one
//! commit.
//!
//! Every run appends one row per vessel (`vessel_scores`) and per fleet
//! (`fleet_scores`). What readers see is `current_vessel_scores` /
//! `current_fleet_scores`: a pointer per vessel and fleet, moved only to a
//! score computed from data at least as new as the one it replaces. The
//! vessel rows go each backend's fastest way ([`super::postgres::publication`]:
//! binary COPY, staged beside the pointer moves; [`super::sqlite::publication`]:
//! multi-row VALUES upserts); the fleet rows and errors are shared SQL.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::vessel_score::{HistoryRows, ImoRow, VesselScore};
use super::{
    BackendPool, Database, RunVesselError, StorageError, WriteConn, WriteTx, on_tx, postgres,
    sqlite,
};
use crate::domain::FleetId;
use crate::risk::FleetAggregate;

/// One fleet's published aggregate in a run.
#[derive(Debug, Clone)]
pub struct FleetScore {
    pub fleet_id: FleetId,
    pub data_version: i64,
    pub aggregate: FleetAggregate,
}

/// Everything one run publishes.
#[derive(Debug, Clone, Default)]
pub struct Publication {
    pub vessels: Vec<VesselScore>,
    pub fleets: Vec<FleetScore>,
    /// The vessels that could not be scored.
    pub errors: Vec<RunVesselError>,
}

/// Binds per row of the `fleet_scores` VALUES (its pointer move binds fewer).
const FLEET_SCORE_BINDS: usize = 7;
/// Binds per row of the `risk_run_errors` VALUES.
const RUN_ERROR_BINDS: usize = 3;

/// The published vessels with their IMOs as stored.
fn imo_rows(publication: &Publication) -> Vec<ImoRow<'_>> {
    publication
        .vessels
        .iter()
        .map(|v| (v, v.vessel_imo.to_string()))
        .collect()
}

impl WriteTx {
    /// Writes a run's rows and moves the current pointers where the data is
    /// not older. Every vessel and fleet in `publication` must exist (see
    /// [`WriteTx::retain_live`]).
    pub async fn publish_scores(
        &mut self,
        run_id: Uuid,
        publication: &Publication,
    ) -> Result<(), StorageError> {
        let vessels = imo_rows(publication);
        self.write_scores(
            run_id,
            publication,
            &vessels,
            Utc::now(),
            HistoryRows::InTransaction,
        )
        .await
    }

    /// [`WriteTx::publish_scores`], where the history rows may already be
    /// staged (PostgreSQL only; see [`Database::publish_run`]).
    async fn write_scores(
        &mut self,
        run_id: Uuid,
        publication: &Publication,
        vessels: &[ImoRow<'_>],
        calculated_at: DateTime<Utc>,
        history: HistoryRows,
    ) -> Result<(), StorageError> {
        match &mut self.conn {
            WriteConn::Postgres(tx) => {
                postgres::publication::write_vessel_scores(
                    tx,
                    run_id,
                    vessels,
                    calculated_at,
                    history,
                )
                .await?
            }
            WriteConn::Sqlite(tx) => {
                debug_assert_eq!(history, HistoryRows::InTransaction, "SQLite stages nothing");
                sqlite::publication::write_vessel_scores(tx, run_id, vessels, calculated_at).await?
            }
        }

        let fleets: Vec<(&FleetScore, String)> = publication
            .fleets
            .iter()
            .map(|f| {
                (
                    f,
                    serde_json::to_string(&f.aggregate).expect("aggregates serialize"),
                )
            })
            .collect();
        for chunk in fleets.chunks(self.rows_per_statement(FLEET_SCORE_BINDS, 0)) {
            on_tx!(self, conn => {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO fleet_scores (fleet_id, run_id, data_version, score, vessel_count, \
                     aggregate, calculated_at) ",
                );
                insert.push_values(chunk, |mut row, (f, json)| {
                    row.push_bind(f.fleet_id.as_uuid())
                        .push_bind(run_id)
                        .push_bind(f.data_version)
                        .push_bind(f.aggregate.score)
                        .push_bind(f.aggregate.vessel_count as i64)
                        .push_bind(json.as_str())
                        .push_bind(calculated_at);
                });
                insert.build().persistent(false).execute(&mut *conn).await?;

                let mut current = QueryBuilder::new(
                    "INSERT INTO current_fleet_scores (fleet_id, run_id, data_version) ",
                );
                current.push_values(chunk, |mut row, (f, _)| {
                    row.push_bind(f.fleet_id.as_uuid())
                        .push_bind(run_id)
                        .push_bind(f.data_version);
                });
                current.push(
                    " ON CONFLICT (fleet_id) DO UPDATE SET run_id = excluded.run_id, \
                     data_version = excluded.data_version \
                     WHERE current_fleet_scores.data_version <= excluded.data_version",
                );
                current.build().persistent(false).execute(&mut *conn).await?.rows_affected()
            });
        }

        self.bump_publication().await?;
        for chunk in publication
            .errors
            .chunks(self.rows_per_statement(RUN_ERROR_BINDS, 0))
        {
            on_tx!(self, conn => {
                let mut insert =
                    QueryBuilder::new("INSERT INTO risk_run_errors (run_id, vessel_imo, message) ");
                insert.push_values(chunk, |mut row, error| {
                    row.push_bind(run_id)
                        .push_bind(error.vessel_imo.as_str())
                        .push_bind(error.message.as_str());
                });
                insert.build().persistent(false).execute(&mut *conn).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// Leaves out the vessels and fleets deleted since a book-wide run loaded
    /// them. (A data change publishes in its write's own transaction, where
    /// nothing can vanish, and does not need this.)
    pub async fn retain_live(&mut self, publication: &mut Publication) -> Result<(), StorageError> {
        let live_vessels: HashSet<String> = on_tx!(self, conn => {
            sqlx::query_scalar::<_, String>("SELECT imo FROM vessels")
                .fetch_all(conn)
                .await?
                .into_iter()
                .collect()
        });
        let live_fleets: HashSet<Uuid> = on_tx!(self, conn => {
            sqlx::query_scalar::<_, Uuid>("SELECT id FROM fleets")
                .fetch_all(conn)
                .await?
                .into_iter()
                .collect()
        });
        publication
            .vessels
            .retain(|v| live_vessels.contains(&v.vessel_imo.to_string()));
        publication
            .fleets
            .retain(|f| live_fleets.contains(&f.fleet_id.as_uuid()));
        Ok(())
    }
}

impl Database {
    /// Publishes a book-wide run: its rows, the pointers, the run marked
    /// `published`, all visible at one commit. `false` when the run was
    /// declared abandoned meanwhile; then nothing is published.
    ///
    /// On PostgreSQL the history rows are staged on a connection of their
    /// own while the publishing transaction moves the pointers, so the
    /// server writes both at once. Staged rows stay invisible until the
    /// commit: readers reach them only through pointers and published runs.
    /// The staging commits before the publication does; a run that fails
    /// after it has its staged rows discarded ([`Database::fail_run`], or the
    /// next claim's sweep when its process died). The publication holds the
    /// single-writer lock throughout, so no vessel it stages can be deleted
    /// before it commits.
    pub async fn publish_run(
        &self,
        run_id: Uuid,
        publication: &mut Publication,
        duration_ms: i64,
    ) -> Result<bool, StorageError> {
        let calculated_at = Utc::now();
        let mut tx = self.begin_write().await?;
        tx.retain_live(publication).await?;
        let publication = &*publication;
        let vessels = imo_rows(publication);
        let finish = async |tx: &mut WriteTx, history| {
            tx.write_scores(run_id, publication, &vessels, calculated_at, history)
                .await?;
            tx.finish_run(
                run_id,
                publication.vessels.len() as i64,
                publication.errors.len() as i64,
                duration_ms,
            )
            .await
        };
        let finished = match self.pool() {
            BackendPool::Postgres(pool) => {
                let (staged, finished) = tokio::join!(
                    postgres::publication::stage_vessel_scores(
                        pool,
                        run_id,
                        &vessels,
                        calculated_at
                    ),
                    finish(&mut tx, HistoryRows::Staged),
                );
                staged?;
                finished?
            }
            BackendPool::Sqlite(_) => finish(&mut tx, HistoryRows::InTransaction).await?,
        };
        if finished {
            tx.commit().await?;
        }
        Ok(finished)
    }
}
