//! The dashboard's read model: every fleet with its current and previous
//! score, the book's level counts, the riskiest vessels, and the last
//! book-wide run, in a fixed handful of queries whatever the number of fleets.
//! (How fresh the data is comes from the one freshness function the metrics
//! use too, `http::metrics::freshness`.)
//! Levels are cut with the thresholds in force now, from the domain's bounds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::levels::{overridden, push_fleet_group, threshold_groups};
use super::scores::push_score_range;
use super::stored::stored_imo;
use super::{Database, FleetRecord, RunRecord, StorageError, on_pool};
use crate::domain::{FleetId, Imo, RiskLevel, RiskThresholds};
use crate::risk::LevelCounts;

/// One fleet on the dashboard.
#[derive(Debug, Clone)]
pub struct DashboardFleet {
    pub fleet: FleetRecord,
    /// The current published score, its level and when it was published.
    pub current: Option<(f64, RiskLevel, DateTime<Utc>)>,
    /// The score of the latest book-wide run published before the current one.
    pub previous_score: Option<f64>,
}

/// One of the riskiest vessels.
#[derive(Debug, Clone)]
pub struct DashboardRisk {
    pub imo: Imo,
    pub name: String,
    pub fleet_id: FleetId,
    pub fleet_name: String,
    pub score: f64,
    pub level: RiskLevel,
}

/// The dashboard's first screen as stored.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// By fleet name.
    pub fleets: Vec<DashboardFleet>,
    /// The currently scored vessels of every fleet, by level.
    pub level_counts: LevelCounts,
    pub unscored_vessels: i64,
    /// Highest score first.
    pub top_risks: Vec<DashboardRisk>,
    /// The last published book-wide run.
    pub last_run: Option<RunRecord>,
}

/// Per-level counts in [`RiskLevel::ALL`] order.
type LevelCountRow = (i64, i64, i64, i64);

/// A fleet's current score: `(fleet, score, published at, previous book-wide score)`.
type FleetScoreRow = (Uuid, f64, DateTime<Utc>, Option<f64>);

/// A [`FleetScoreRow`] as read: the score and time are NULL for a pointer
/// without its row.
type PointerRow = (Uuid, Option<f64>, Option<DateTime<Utc>>, Option<f64>);

impl Database {
    /// The dashboard, with levels cut by `default` or a fleet's override,
    /// and the `top` highest current scores.
    pub async fn dashboard(
        &self,
        default: &RiskThresholds,
        overrides: &HashMap<FleetId, RiskThresholds>,
        top: i64,
    ) -> Result<Dashboard, StorageError> {
        let thresholds = |fleet: FleetId| overrides.get(&fleet).unwrap_or(default);
        // Independent reads, sent at once: on PostgreSQL each waits on its
        // own connection, so the render takes the longest, not the sum.
        // (They never read one snapshot: nor did they one after another.)
        let (fleets, scores, level_counts, top_scores, last_run) = tokio::try_join!(
            self.all_fleets(),
            self.current_fleet_scores(),
            self.level_counts(default, overrides),
            self.top_scores(top),
            self.latest_published_book_run(),
        )?;
        let mut scores: HashMap<Uuid, FleetScoreRow> =
            scores.into_iter().map(|row| (row.0, row)).collect();
        let scored =
            level_counts.low + level_counts.medium + level_counts.high + level_counts.critical;
        let total: i64 = fleets.iter().map(|f| f.vessel_count).sum();
        let names: HashMap<FleetId, &str> =
            fleets.iter().map(|f| (f.id, f.name.as_str())).collect();
        let top_risks = top_scores
            .into_iter()
            .map(|(imo, name, fleet_id, score)| DashboardRisk {
                imo,
                name,
                fleet_id,
                fleet_name: names
                    .get(&fleet_id)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                score,
                level: thresholds(fleet_id).level_of(score),
            })
            .collect();
        let fleets = fleets
            .into_iter()
            .map(|fleet| {
                let row = scores.remove(&fleet.id.as_uuid());
                DashboardFleet {
                    current: row
                        .map(|(_, score, at, _)| (score, thresholds(fleet.id).level_of(score), at)),
                    previous_score: row.and_then(|(_, _, _, previous)| previous),
                    fleet,
                }
            })
            .collect();
        Ok(Dashboard {
            fleets,
            level_counts,
            unscored_vessels: (total - scored as i64).max(0),
            top_risks,
            last_run,
        })
    }

    /// Every fleet's current score, with the score of the latest book-wide
    /// run published before it.
    async fn current_fleet_scores(&self) -> Result<Vec<FleetScoreRow>, StorageError> {
        // A LEFT JOIN so that SQLite walks the pointers and looks each score
        // up: with an inner join it scans the whole score history instead.
        // A pointer always has its row; one that had not would be left out,
        // as an inner join leaves it.
        let rows: Vec<PointerRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.fleet_id, f.score, f.calculated_at, \
                 (SELECT p.score FROM fleet_scores p JOIN risk_runs r ON r.id = p.run_id \
                  WHERE p.fleet_id = c.fleet_id AND r.status = 'published' \
                  AND r.trigger <> 'data_change' AND p.calculated_at < f.calculated_at \
                  ORDER BY p.calculated_at DESC LIMIT 1) \
                 FROM current_fleet_scores c \
                 LEFT JOIN fleet_scores f ON f.fleet_id = c.fleet_id AND f.run_id = c.run_id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(fleet, score, at, previous)| Some((fleet, score?, at?, previous)))
            .collect())
    }

    /// The currently scored vessels of every fleet by level, counted by the
    /// database: one query for the fleets under the default thresholds and
    /// one per fleet with its own, each a count per level's score range
    /// (a range of the score index, not a pass over the book).
    async fn level_counts(
        &self,
        default: &RiskThresholds,
        overrides: &HashMap<FleetId, RiskThresholds>,
    ) -> Result<LevelCounts, StorageError> {
        let mut total = LevelCounts::default();
        let overridden = overridden(overrides);
        for (thresholds, group) in threshold_groups(default, overrides, &overridden) {
            let counts: LevelCountRow = on_pool!(self, pool => {
                let mut query = QueryBuilder::new("SELECT ");
                for (i, level) in RiskLevel::ALL.into_iter().enumerate() {
                    if i > 0 {
                        query.push(", ");
                    }
                    query.push("(SELECT COUNT(*) FROM current_vessel_scores c WHERE ");
                    push_score_range(&mut query, "c.score", thresholds.bounds(level));
                    query.push(" AND ");
                    push_fleet_group(&mut query, "c.fleet_id", group);
                    query.push(")");
                }
                query.build_query_as().fetch_one(pool).await?
            });
            let count = |n: i64| n.max(0) as u64;
            total.low += count(counts.0);
            total.medium += count(counts.1);
            total.high += count(counts.2);
            total.critical += count(counts.3);
        }
        Ok(total)
    }

    /// The `limit` highest current scores: `(imo, name, fleet, score)`.
    async fn top_scores(
        &self,
        limit: i64,
    ) -> Result<Vec<(Imo, String, FleetId, f64)>, StorageError> {
        let rows: Vec<(String, String, Uuid, f64)> = on_pool!(self, pool => {
            sqlx::query_as(
                // The top of the score index first, then those few vessels'
                // names: joined first, the whole book would be sorted.
                "SELECT v.imo, v.name, v.fleet_id, t.score FROM \
                 (SELECT vessel_imo, score FROM current_vessel_scores \
                  ORDER BY score DESC, vessel_imo LIMIT $1) t \
                 JOIN vessels v ON v.imo = t.vessel_imo ORDER BY t.score DESC, v.imo",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(imo, name, fleet, score)| {
                Ok((stored_imo(&imo)?, name, FleetId::from_uuid(fleet), score))
            })
            .collect()
    }
}
