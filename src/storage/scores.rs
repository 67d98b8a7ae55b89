//! Published scores as readers see them: a vessel's current assessment and
//! its history, a fleet's aggregate, its members' scores and exposures, the
//! riskiest vessels. (Writing them is [`super::publication`].)

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, QueryBuilder};
use uuid::Uuid;

use super::columns::select_list;
use super::stored::{corrupt_in, parse_json};
use super::stored_assessment::{self, ScoreColumns, ScoreFigures, score_columns};
use super::{Database, Page, PageRequest, StorageError, WriteTx, on_pool, on_tx};
use crate::domain::{FleetId, Imo, ShipType};
use crate::risk::{Assessment, FleetAggregate};

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
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoreHistoryEntry {
    pub run_id: Uuid,
    pub calculated_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub figures: ScoreFigures,
}

/// A vessel that a book-wide run could not score, with its score in force
/// (kept from an earlier run or write) and the fleet it is in.
#[derive(Debug, Clone)]
pub struct KeptMember {
    pub fleet_id: FleetId,
    pub score: MemberScore,
}

/// The kept scores of the vessels a run could not score.
#[derive(Debug, Default)]
pub struct KeptScores {
    pub members: Vec<KeptMember>,
    /// `(IMO as stored, why)`: a score in force that no longer reads back
    /// (say, the vessel's type is corrupt too). Left out, not fatal to the run.
    pub unreadable: Vec<(String, StorageError)>,
}

/// A fleet member's stored score with what aggregation reads of the vessel.
#[derive(sqlx::FromRow)]
struct MemberRow {
    member_fleet: Uuid,
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

/// The stored-assessment columns of `vessel_scores s`.
static SCORE_COLUMNS: LazyLock<String> = LazyLock::new(score_columns);

/// Vessels `v` with their scores in force, as [`MemberRow`]s: the one
/// statement every aggregation over published scores reads (a write's fleet
/// re-aggregation, a run's kept scores). The insured value is the score's
/// own, the one its expected loss was computed from.
static MEMBER_SELECT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT v.fleet_id AS member_fleet, s.insured_value_usd AS member_value, \
         v.ship_type AS member_type, {} \
         FROM vessels v \
         JOIN current_vessel_scores c ON c.vessel_imo = v.imo \
         JOIN vessel_scores s ON s.vessel_imo = c.vessel_imo AND s.run_id = c.run_id ",
        *SCORE_COLUMNS
    )
});

/// The members of one fleet.
static FLEET_MEMBERS: LazyLock<String> =
    LazyLock::new(|| format!("{}WHERE v.fleet_id = $1 ORDER BY v.imo", *MEMBER_SELECT));

impl MemberRow {
    fn decode(self) -> Result<KeptMember, StorageError> {
        let assessment = stored_assessment::decode(&self.score)?;
        Ok(KeptMember {
            fleet_id: FleetId::from_uuid(self.member_fleet),
            score: MemberScore {
                imo: assessment.vessel_imo,
                insured_value_usd: self.member_value,
                ship_type: ShipType::parse(&self.member_type).map_err(corrupt_in("ship_type"))?,
                assessment,
            },
        })
    }
}

impl WriteTx {
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
            sqlx::query_as(AssertSqlSafe(FLEET_MEMBERS.as_str()))
                .bind(fleet.as_uuid())
                .fetch_all(conn)
                .await?
        });
        let members = rows
            .into_iter()
            .map(|row| row.decode().map(|member| member.score))
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok((version.unwrap_or_default(), members))
    }
}

impl Database {
    /// The scores in force of `imos`, the vessels a book-wide run could not
    /// score, each in the fleet the vessel is in: the run aggregates their
    /// fleets over them, as a write's re-aggregation does
    /// ([`WriteTx::fleet_members`]). A vessel with no score in force is absent.
    pub async fn kept_members(&self, imos: &[Imo]) -> Result<KeptScores, StorageError> {
        let mut kept = KeptScores::default();
        for chunk in imos.chunks(self.rows_per_statement(1, 0)) {
            let rows: Vec<MemberRow> = on_pool!(self, pool => {
                let mut query = QueryBuilder::new(format!("{}WHERE v.imo IN (", *MEMBER_SELECT));
                let mut list = query.separated(", ");
                for imo in chunk {
                    list.push_bind(imo.to_string());
                }
                query.push(") ORDER BY v.imo");
                query.build_query_as().persistent(false).fetch_all(pool).await?
            });
            for row in rows {
                let imo = row.score.vessel_imo.clone();
                match row.decode() {
                    Ok(member) => kept.members.push(member),
                    Err(error) => kept.unreadable.push((imo, error)),
                }
            }
        }
        Ok(kept)
    }

    pub async fn current_vessel_assessment(
        &self,
        imo: Imo,
    ) -> Result<Option<PublishedAssessment>, StorageError> {
        let row: Option<PublishedRow> = on_pool!(self, pool => {
            sqlx::query_as(
                AssertSqlSafe(format!(
                    "SELECT s.run_id, s.fleet_id, s.calculated_at, {} \
                     FROM current_vessel_scores c \
                     JOIN vessel_scores s ON s.vessel_imo = c.vessel_imo AND s.run_id = c.run_id \
                     WHERE c.vessel_imo = $1",
                    *SCORE_COLUMNS
                )),
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
    ) -> Result<Page<ScoreHistoryEntry, (DateTime<Utc>, Uuid)>, StorageError> {
        let (after_at, after_run) = page.after.unzip();
        let entries: Vec<ScoreHistoryEntry> = on_pool!(self, pool => {
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT s.run_id, s.calculated_at, {} \
                 FROM vessel_scores s JOIN risk_runs r ON r.id = s.run_id \
                 WHERE s.vessel_imo = $1 AND r.status = 'published' \
                 AND ($2 IS NULL OR s.calculated_at < $2 OR (s.calculated_at = $2 AND s.run_id < $3)) \
                 ORDER BY s.calculated_at DESC, s.run_id DESC LIMIT $4",
                select_list(ScoreFigures::COLUMNS, Some("s"))
            )))
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
                aggregate: parse_json("aggregate", &json)?,
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

/// `column` within `[from, to)` as SQL, the cut-offs bound; an infinite
/// side is left out (every score is finite).
pub(super) fn push_score_range<DB: sqlx::Database>(
    query: &mut QueryBuilder<DB>,
    column: &str,
    (from, to): (f64, f64),
) where
    for<'t> f64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    query.push(format!("{column} IS NOT NULL"));
    if from.is_finite() {
        query.push(format!(" AND {column} >= ")).push_bind(from);
    }
    if to.is_finite() {
        query.push(format!(" AND {column} < ")).push_bind(to);
    }
}
