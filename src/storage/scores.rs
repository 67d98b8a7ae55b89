//! Published scores: writing a run's rows and reading what readers see.
//!
//! Every run appends one row per vessel (`vessel_scores`) and per fleet
//! (`fleet_scores`). What readers see is `current_vessel_scores` /
//! `current_fleet_scores`: a pointer per vessel and fleet, moved only to a
//! score computed from data at least as new as the one it replaces.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::copy_binary::BinaryRows;
use super::stored_assessment::{self, ScoreColumns, score_columns};
use super::{Database, Page, PageRequest, StorageError, WriteTx, on_pool, on_tx, own_connection};
use crate::domain::{FleetId, Imo, RiskThresholds, ShipType};
use crate::risk::{Assessment, FleetAggregate};

/// Per-level counts as SQL `SUM`s (NULL over no rows).
type LevelSums = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// Binds per row of SQLite's `vessel_scores` VALUES, and the two (run id,
/// calculation time) the statement binds once.
const VESSEL_SCORE_BINDS: (usize, usize) = (13, 2);
/// Binds per row of the `fleet_scores` VALUES (its pointer move binds fewer).
const FLEET_SCORE_BINDS: usize = 7;
/// Binds per row of the `risk_run_errors` VALUES.
const RUN_ERROR_BINDS: usize = 3;

/// One vessel's published assessment in a run.
#[derive(Debug, Clone)]
pub struct VesselScore {
    pub fleet_id: FleetId,
    pub data_version: i64,
    pub insured_value_usd: f64,
    pub assessment: Assessment,
    /// The assessment's stored document, encoded where it was computed (on
    /// the compute pool).
    json: String,
}

impl VesselScore {
    pub fn new(
        fleet_id: FleetId,
        data_version: i64,
        insured_value_usd: f64,
        assessment: Assessment,
    ) -> Self {
        let json = stored_assessment::encode(&assessment);
        Self {
            fleet_id,
            data_version,
            insured_value_usd,
            assessment,
            json,
        }
    }
}

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
    /// `(imo as stored, message)` of vessels that could not be scored.
    pub errors: Vec<(String, String)>,
}

/// A vessel's current published assessment.
#[derive(Debug, Clone)]
pub struct PublishedAssessment {
    pub run_id: Uuid,
    pub fleet_id: FleetId,
    pub calculated_at: DateTime<Utc>,
    pub assessment: Assessment,
}

/// A fleet's current published aggregate.
#[derive(Debug, Clone)]
pub struct PublishedAggregate {
    pub run_id: Uuid,
    pub calculated_at: DateTime<Utc>,
    pub aggregate: FleetAggregate,
}

/// What aggregation needs of a fleet member's current score.
#[derive(Debug, Clone)]
pub struct MemberScore {
    pub imo: Imo,
    pub insured_value_usd: f64,
    pub ship_type: ShipType,
    pub assessment: Assessment,
}

/// One run's score of a vessel (score history).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ScoreHistoryEntry {
    pub run_id: Uuid,
    pub calculated_at: DateTime<Utc>,
    pub as_of: NaiveDate,
    pub model_version: String,
    pub score: f64,
    pub scorecard: f64,
    pub level: String,
    pub srp_profile: String,
    pub expected_claims: f64,
    pub expected_annual_loss_usd: f64,
}

/// A fleet member's stored score with what aggregation reads of the vessel.
#[derive(sqlx::FromRow)]
struct MemberRow {
    member_value: f64,
    member_type: String,
    #[sqlx(flatten)]
    score: ScoreColumns,
}

/// A current score with the run that published it.
#[derive(sqlx::FromRow)]
struct PublishedRow {
    run_id: Uuid,
    fleet_id: Uuid,
    calculated_at: DateTime<Utc>,
    #[sqlx(flatten)]
    score: ScoreColumns,
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, StorageError> {
    serde_json::from_str(json).map_err(|e| StorageError::CorruptRow(format!("{what}: {e}")))
}

fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("scores serialize")
}

/// PostgreSQL: a run's vessel rows with `COPY ... FROM STDIN` in the binary
/// format, the cheapest bulk insert it has (no field is parsed as text).
async fn copy_vessel_scores(
    conn: &mut sqlx::PgConnection,
    run_id: Uuid,
    rows: &[(&VesselScore, String)],
    calculated_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    /// Bytes per COPY message.
    const SEND_AT: usize = 1 << 20;
    let mut copy = conn
        .copy_in_raw(
            "COPY vessel_scores (vessel_imo, run_id, fleet_id, data_version, model_version, \
             as_of, score, scorecard, level, srp_profile, expected_claims, \
             expected_annual_loss_usd, insured_value_usd, assessment, calculated_at) \
             FROM STDIN (FORMAT binary)",
        )
        .await?;
    let mut buffer = BinaryRows::with_capacity(SEND_AT + 4096);
    for (v, imo) in rows {
        let a = &v.assessment;
        buffer
            .row(15)
            .text(imo)
            .uuid(run_id)
            .uuid(v.fleet_id.as_uuid())
            .int8(v.data_version)
            .text(a.model_version.as_str())
            .date(a.as_of)
            .float8(a.score)
            .float8(a.scorecard)
            .text(a.level.as_str())
            .text(a.srp.profile.as_str())
            .float8(a.expected_claims)
            .float8(a.expected_annual_loss_usd)
            .float8(v.insured_value_usd)
            .text(&v.json)
            .timestamptz(calculated_at);
        if buffer.len() >= SEND_AT {
            copy.send(buffer.take()).await?;
        }
    }
    copy.send(buffer.finish()).await?;
    copy.finish().await?;
    Ok(())
}

/// Rows per `UNNEST` statement on PostgreSQL (arrays, not binds, so no bind limit).
const UNNEST_BATCH: usize = 10_000;

/// PostgreSQL: a run's pointer moves as column arrays, which plan once per
/// statement instead of once per row.
async fn unnest_vessel_pointers(
    conn: &mut sqlx::PgConnection,
    run_id: Uuid,
    rows: &[(&VesselScore, String)],
) -> Result<(), StorageError> {
    let imos: Vec<&str> = rows.iter().map(|(_, imo)| imo.as_str()).collect();
    let fleets: Vec<Uuid> = rows.iter().map(|(v, _)| v.fleet_id.as_uuid()).collect();
    let versions: Vec<i64> = rows.iter().map(|(v, _)| v.data_version).collect();
    let scores: Vec<f64> = rows.iter().map(|(v, _)| v.assessment.score).collect();
    let values: Vec<f64> = rows.iter().map(|(v, _)| v.insured_value_usd).collect();
    // Pointers move in place (no indexed column changes: HOT updates). When
    // the update did not reach every vessel, some are scored for the first
    // time (or already point at newer data): the insert adds the missing
    // ones and leaves every existing pointer alone, which a book-wide run
    // after the first seldom needs. Both statements join on the arrays,
    // which keeps their plans sound however stale the statistics.
    let moved = sqlx::query(
        "UPDATE current_vessel_scores c SET run_id = $1, fleet_id = t.fleet, \
         data_version = t.version, score = t.score, insured_value_usd = t.value \
         FROM UNNEST($2::text[], $3::uuid[], $4::int8[], $5::float8[], $6::float8[]) \
         AS t(imo, fleet, version, score, value) \
         WHERE c.vessel_imo = t.imo AND c.data_version <= t.version",
    )
    .bind(run_id)
    .bind(&imos)
    .bind(&fleets)
    .bind(&versions)
    .bind(&scores)
    .bind(&values)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if moved == rows.len() as u64 {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO current_vessel_scores (vessel_imo, run_id, fleet_id, data_version, score, \
         insured_value_usd) \
         SELECT imo, $1, fleet, version, score, value \
         FROM UNNEST($2::text[], $3::uuid[], $4::int8[], $5::float8[], $6::float8[]) \
         AS t(imo, fleet, version, score, value) \
         ON CONFLICT (vessel_imo) DO NOTHING",
    )
    .bind(run_id)
    .bind(&imos)
    .bind(&fleets)
    .bind(&versions)
    .bind(&scores)
    .bind(&values)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// SQLite: a run's vessel rows and pointer moves as multi-row VALUES.
async fn values_vessel_scores(
    conn: &mut sqlx::SqliteConnection,
    run_id: Uuid,
    chunk: &[(&VesselScore, String)],
    calculated_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    // What every row of the run shares is bound once per statement, and the
    // date goes as its stored text: no per-row date formatting.
    let mut insert = QueryBuilder::new(
        "INSERT INTO vessel_scores (vessel_imo, run_id, fleet_id, data_version, \
         model_version, as_of, score, scorecard, level, srp_profile, expected_claims, \
         expected_annual_loss_usd, insured_value_usd, assessment, calculated_at) \
         SELECT column1, ",
    );
    insert
        .push_bind(run_id)
        .push(
            ", column2, column3, column4, column5, column6, column7, column8, column9, \
             column10, column11, column12, column13, ",
        )
        .push_bind(calculated_at)
        .push(" FROM (");
    insert.push_values(chunk, |mut row, (v, imo)| {
        let a = &v.assessment;
        row.push_bind(imo.as_str())
            .push_bind(v.fleet_id.as_uuid())
            .push_bind(v.data_version)
            .push_bind(a.model_version.as_str())
            .push_bind(a.as_of.to_string())
            .push_bind(a.score)
            .push_bind(a.scorecard)
            .push_bind(a.level.as_str())
            .push_bind(a.srp.profile.as_str())
            .push_bind(a.expected_claims)
            .push_bind(a.expected_annual_loss_usd)
            .push_bind(v.insured_value_usd)
            .push_bind(v.json.as_str());
    });
    insert.push(")");
    insert.build().execute(&mut *conn).await?;

    let mut current = QueryBuilder::new(
        "INSERT INTO current_vessel_scores (vessel_imo, run_id, fleet_id, data_version, \
         score, insured_value_usd) ",
    );
    current.push_values(chunk, |mut row, (v, imo)| {
        row.push_bind(imo.as_str())
            .push_bind(run_id)
            .push_bind(v.fleet_id.as_uuid())
            .push_bind(v.data_version)
            .push_bind(v.assessment.score)
            .push_bind(v.insured_value_usd);
    });
    current.push(
        " ON CONFLICT (vessel_imo) DO UPDATE SET run_id = excluded.run_id, \
         fleet_id = excluded.fleet_id, data_version = excluded.data_version, \
         score = excluded.score, insured_value_usd = excluded.insured_value_usd \
         WHERE current_vessel_scores.data_version <= excluded.data_version",
    );
    current.build().execute(&mut *conn).await?;
    Ok(())
}

/// Where a publication's history rows (`vessel_scores`) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HistoryRows {
    /// In the publishing transaction.
    InTransaction,
    /// Before it, by [`stage_vessel_scores`].
    Staged,
}

/// The published vessels with their IMOs as stored.
fn imo_rows(publication: &Publication) -> Vec<(&VesselScore, String)> {
    publication
        .vessels
        .iter()
        .map(|v| (v, v.assessment.vessel_imo.to_string()))
        .collect()
}

/// PostgreSQL: a run's history rows, committed in a transaction of their
/// own on a connection of its own ([`own_connection`]).
async fn stage_vessel_scores(
    pool: &sqlx::PgPool,
    run_id: Uuid,
    rows: &[(&VesselScore, String)],
    calculated_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    let mut conn = own_connection(pool).await?;
    let mut tx = sqlx::Connection::begin(&mut conn).await?;
    copy_vessel_scores(&mut tx, run_id, rows, calculated_at).await?;
    tx.commit().await?;
    sqlx::Connection::close(conn).await?;
    Ok(())
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
        vessels: &[(&VesselScore, String)],
        calculated_at: DateTime<Utc>,
        history: HistoryRows,
    ) -> Result<(), StorageError> {
        let (per_row, shared) = VESSEL_SCORE_BINDS;
        let sqlite_rows = self.rows_per_statement(per_row, shared);
        match self {
            WriteTx::Postgres(tx) => {
                if history == HistoryRows::InTransaction {
                    copy_vessel_scores(tx, run_id, vessels, calculated_at).await?;
                }
                for chunk in vessels.chunks(UNNEST_BATCH) {
                    unnest_vessel_pointers(tx, run_id, chunk).await?;
                }
            }
            WriteTx::Sqlite(tx) => {
                debug_assert_eq!(history, HistoryRows::InTransaction, "SQLite stages nothing");
                for chunk in vessels.chunks(sqlite_rows) {
                    values_vessel_scores(tx, run_id, chunk, calculated_at).await?;
                }
            }
        }

        let fleets: Vec<(&FleetScore, String)> = publication
            .fleets
            .iter()
            .map(|f| (f, encode(&f.aggregate)))
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
                insert.build().execute(&mut *conn).await?;

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
                current.build().execute(&mut *conn).await?.rows_affected()
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
                insert.push_values(chunk, |mut row, (imo, message)| {
                    row.push_bind(run_id).push_bind(imo.as_str()).push_bind(message.as_str());
                });
                insert.build().execute(&mut *conn).await?.rows_affected()
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
            .retain(|v| live_vessels.contains(&v.assessment.vessel_imo.to_string()));
        publication
            .fleets
            .retain(|f| live_fleets.contains(&f.fleet_id.as_uuid()));
        Ok(())
    }

    /// Marks a running run published; `false` when it is no longer running
    /// (another process declared it abandoned), and then nothing may commit.
    pub async fn finish_run(
        &mut self,
        run_id: Uuid,
        vessels_scored: i64,
        vessels_failed: i64,
        duration_ms: i64,
    ) -> Result<bool, StorageError> {
        let updated = on_tx!(self, conn => {
            sqlx::query(
                "UPDATE risk_runs SET status = 'published', finished_at = $2, heartbeat_at = $2, \
                 vessels_scored = $3, vessels_failed = $4, duration_ms = $5 \
                 WHERE id = $1 AND status = 'running'",
            )
            .bind(run_id)
            .bind(Utc::now())
            .bind(vessels_scored)
            .bind(vessels_failed)
            .bind(duration_ms)
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(updated == 1)
    }

    /// Records a data-change run, published in this transaction.
    pub async fn insert_data_change_run(
        &mut self,
        as_of: NaiveDate,
        model_version: &str,
        vessels_scored: i64,
    ) -> Result<Uuid, StorageError> {
        let id = Uuid::now_v7();
        let now = Utc::now();
        on_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO risk_runs (id, trigger, status, as_of, model_version, started_at, \
                 heartbeat_at, finished_at, vessels_scored, vessels_failed, duration_ms) \
                 VALUES ($1, 'data_change', 'published', $2, $3, $4, $4, $4, $5, 0, 0)",
            )
            .bind(id)
            .bind(as_of)
            .bind(model_version)
            .bind(now)
            .bind(vessels_scored)
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(id)
    }

    /// The fleet's data version and the current scores of its members.
    pub async fn fleet_members(
        &mut self,
        fleet: FleetId,
    ) -> Result<(i64, Vec<MemberScore>), StorageError> {
        let version: Option<i64> = on_tx!(self, conn => {
            sqlx::query_scalar("SELECT data_version FROM fleets WHERE id = $1")
                .bind(fleet.as_uuid())
                .fetch_optional(conn)
                .await?
        });
        let rows: Vec<MemberRow> = on_tx!(self, conn => {
            sqlx::query_as(
                concat!(
                    "SELECT v.insured_value_usd AS member_value, v.ship_type AS member_type, ",
                    score_columns!(),
                    " FROM vessels v \
                 JOIN current_vessel_scores c ON c.vessel_imo = v.imo \
                 JOIN vessel_scores s ON s.vessel_imo = c.vessel_imo AND s.run_id = c.run_id \
                 WHERE v.fleet_id = $1 ORDER BY v.imo"
                ),
            )
            .bind(fleet.as_uuid())
            .fetch_all(conn)
            .await?
        });
        let members = rows
            .into_iter()
            .map(|row| {
                let assessment = stored_assessment::decode(&row.score)?;
                Ok(MemberScore {
                    imo: assessment.vessel_imo,
                    insured_value_usd: row.member_value,
                    ship_type: ShipType::parse(&row.member_type)
                        .map_err(StorageError::CorruptRow)?,
                    assessment,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok((version.unwrap_or_default(), members))
    }
}

impl Database {
    /// Publishes a book-wide run in one transaction; `false` when the run
    /// was no longer running (nothing was published).
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
        let finished = match self {
            Database::Postgres(pool) => {
                let (staged, finished) = tokio::join!(
                    stage_vessel_scores(pool, run_id, &vessels, calculated_at),
                    finish(&mut tx, HistoryRows::Staged),
                );
                staged?;
                finished?
            }
            Database::Sqlite(_) => finish(&mut tx, HistoryRows::InTransaction).await?,
        };
        if finished {
            tx.commit().await?;
        }
        Ok(finished)
    }

    pub async fn current_vessel_assessment(
        &self,
        imo: Imo,
    ) -> Result<Option<PublishedAssessment>, StorageError> {
        let row: Option<PublishedRow> = on_pool!(self, pool => {
            sqlx::query_as(
                concat!(
                    "SELECT s.run_id, s.fleet_id, s.calculated_at, ",
                    score_columns!(),
                    " FROM current_vessel_scores c \
                     JOIN vessel_scores s ON s.vessel_imo = c.vessel_imo AND s.run_id = c.run_id \
                     WHERE c.vessel_imo = $1"
                ),
            )
            .bind(imo.to_string())
            .fetch_optional(pool)
            .await?
        });
        row.map(|row| {
            Ok(PublishedAssessment {
                run_id: row.run_id,
                fleet_id: FleetId::from_uuid(row.fleet_id),
                calculated_at: row.calculated_at,
                assessment: stored_assessment::decode(&row.score)?,
            })
        })
        .transpose()
    }

    /// A vessel's published scores, newest first.
    pub async fn vessel_score_history(
        &self,
        imo: Imo,
        page: &PageRequest<(DateTime<Utc>, Uuid)>,
    ) -> Result<Page<ScoreHistoryEntry>, StorageError> {
        let (after_at, after_run) = page.after.unzip();
        let entries: Vec<ScoreHistoryEntry> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT s.run_id, s.calculated_at, s.as_of, s.model_version, s.score, s.scorecard, \
                 s.level, s.srp_profile, s.expected_claims, s.expected_annual_loss_usd \
                 FROM vessel_scores s JOIN risk_runs r ON r.id = s.run_id \
                 WHERE s.vessel_imo = $1 AND r.status = 'published' \
                 AND ($2 IS NULL OR s.calculated_at < $2 OR (s.calculated_at = $2 AND s.run_id < $3)) \
                 ORDER BY s.calculated_at DESC, s.run_id DESC LIMIT $4",
            )
            .bind(imo.to_string())
            .bind(after_at)
            .bind(after_run)
            .bind(page.fetch_limit())
            .fetch_all(pool)
            .await?
        });
        Ok(Page::from_rows(entries, page.limit, |e| {
            (e.calculated_at, e.run_id)
        }))
    }

    pub async fn current_fleet_aggregate(
        &self,
        fleet: FleetId,
    ) -> Result<Option<PublishedAggregate>, StorageError> {
        let row: Option<(Uuid, DateTime<Utc>, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT f.run_id, f.calculated_at, f.aggregate FROM current_fleet_scores c \
                 JOIN fleet_scores f ON f.fleet_id = c.fleet_id AND f.run_id = c.run_id \
                 WHERE c.fleet_id = $1",
            )
            .bind(fleet.as_uuid())
            .fetch_optional(pool)
            .await?
        });
        row.map(|(run_id, calculated_at, json)| {
            Ok(PublishedAggregate {
                run_id,
                calculated_at,
                aggregate: decode("aggregate", &json)?,
            })
        })
        .transpose()
    }

    /// `(final score, insured value)` of the fleet's currently scored vessels.
    pub async fn fleet_member_scores(
        &self,
        fleet: FleetId,
    ) -> Result<Vec<(f64, f64)>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.score, c.insured_value_usd FROM current_vessel_scores c \
                 JOIN vessels v ON v.imo = c.vessel_imo WHERE v.fleet_id = $1",
            )
            .bind(fleet.as_uuid())
            .fetch_all(pool)
            .await?
        }))
    }

    /// The score a fleet had in the latest book-wide run published before `before`.
    pub async fn previous_fleet_score(
        &self,
        fleet: FleetId,
        before: DateTime<Utc>,
    ) -> Result<Option<f64>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT f.score FROM fleet_scores f JOIN risk_runs r ON r.id = f.run_id \
                 WHERE f.fleet_id = $1 AND r.status = 'published' AND r.trigger <> 'data_change' \
                 AND f.calculated_at < $2 ORDER BY f.calculated_at DESC LIMIT 1",
            )
            .bind(fleet.as_uuid())
            .bind(before)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The fleet's current published score and when it was published.
    pub async fn current_fleet_score(
        &self,
        fleet: FleetId,
    ) -> Result<Option<(f64, DateTime<Utc>)>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT f.score, f.calculated_at FROM current_fleet_scores c \
                 JOIN fleet_scores f ON f.fleet_id = c.fleet_id AND f.run_id = c.run_id \
                 WHERE c.fleet_id = $1",
            )
            .bind(fleet.as_uuid())
            .fetch_optional(pool)
            .await?
        }))
    }

    /// How many of the fleet's currently scored vessels fall in each level
    /// under `thresholds`, counted by the database.
    pub async fn fleet_level_counts(
        &self,
        fleet: FleetId,
        thresholds: &RiskThresholds,
    ) -> Result<crate::risk::LevelCounts, StorageError> {
        let (low, medium, high, critical): LevelSums = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT SUM(CASE WHEN score < $2 THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN score >= $2 AND score < $3 THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN score >= $3 AND score < $4 THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN score >= $4 THEN 1 ELSE 0 END) \
                 FROM current_vessel_scores WHERE fleet_id = $1",
            )
            .bind(fleet.as_uuid())
            .bind(thresholds.medium())
            .bind(thresholds.high())
            .bind(thresholds.critical())
            .fetch_one(pool)
            .await?
        });
        let count = |n: Option<i64>| n.unwrap_or(0).max(0) as u64;
        Ok(crate::risk::LevelCounts {
            low: count(low),
            medium: count(medium),
            high: count(high),
            critical: count(critical),
        })
    }

    /// The `limit` highest current scores: `(imo, name, fleet, score)`.
    pub async fn top_scores(
        &self,
        limit: i64,
    ) -> Result<Vec<(Imo, String, FleetId, f64)>, StorageError> {
        let rows: Vec<(String, String, Uuid, f64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT v.imo, v.name, v.fleet_id, c.score FROM current_vessel_scores c \
                 JOIN vessels v ON v.imo = c.vessel_imo ORDER BY c.score DESC, v.imo LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(imo, name, fleet, score)| {
                Ok((
                    Imo::parse(&imo).map_err(|e| StorageError::CorruptRow(format!("imo: {e}")))?,
                    name,
                    FleetId::from_uuid(fleet),
                    score,
                ))
            })
            .collect()
    }

    /// `(lambda, insured value)` of the fleet's currently scored vessels.
    pub async fn fleet_exposures(&self, fleet: FleetId) -> Result<Vec<(f64, f64)>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT s.expected_claims, s.insured_value_usd FROM current_vessel_scores c \
                 JOIN vessel_scores s ON s.vessel_imo = c.vessel_imo AND s.run_id = c.run_id \
                 JOIN vessels v ON v.imo = c.vessel_imo WHERE v.fleet_id = $1 ORDER BY v.imo",
            )
            .bind(fleet.as_uuid())
            .fetch_all(pool)
            .await?
        }))
    }
}

/// Score bounds `[from, to)` of a level under some thresholds.
pub fn level_bounds(level: crate::domain::RiskLevel, t: &RiskThresholds) -> (f64, f64) {
    use crate::domain::RiskLevel;
    match level {
        RiskLevel::Low => (f64::NEG_INFINITY, t.medium()),
        RiskLevel::Medium => (t.medium(), t.high()),
        RiskLevel::High => (t.high(), t.critical()),
        RiskLevel::Critical => (t.critical(), f64::INFINITY),
    }
}
