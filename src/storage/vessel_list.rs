//! A fleet's vessel list: sorted, filtered to score ranges, paged.

use std::sync::LazyLock;

use sqlx::QueryBuilder;

use super::scores::push_score_range;
use super::vessels::{VesselRow, vessel_select};
use super::{Database, Page, PageRequest, StorageError, VesselRecord, on_pool};
use crate::domain::FleetId;

/// Sort orders of a fleet's vessel list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VesselOrder {
    Name,
    ScoreAscending,
    ScoreDescending,
}

/// Where a page of a fleet's vessel list ends, for the order it was listed in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum VesselCursor {
    Name(String, String),
    Score(f64, String),
}

#[derive(sqlx::FromRow)]
struct ScoredVesselRow {
    #[sqlx(flatten)]
    vessel: VesselRow,
    current_score: Option<f64>,
}

/// A vessel with its current score.
static LISTED_VESSEL: LazyLock<String> = LazyLock::new(|| {
    vessel_select(
        ", c.score AS current_score",
        "LEFT JOIN current_vessel_scores c ON c.vessel_imo = v.imo ",
    )
});

/// The sort key of a score order: unscored vessels sort as -1.
const SCORE_KEY: &str = "COALESCE(c.score, -1)";

impl Database {
    /// The vessels of one fleet with their current scores, sorted and
    /// filtered to score ranges `[from, to)` (a level under the fleet's
    /// thresholds); unscored vessels sort as -1 and match no range.
    pub async fn list_fleet_vessels(
        &self,
        fleet_id: FleetId,
        order: VesselOrder,
        score_ranges: &[(Option<f64>, Option<f64>)],
        page: &PageRequest<VesselCursor>,
    ) -> Result<Page<(VesselRecord, Option<f64>), VesselCursor>, StorageError> {
        let rows: Vec<ScoredVesselRow> = on_pool!(self, pool => {
            let mut query = QueryBuilder::new(format!("{}WHERE v.fleet_id = ", *LISTED_VESSEL));
            query.push_bind(fleet_id.as_uuid());
            if !score_ranges.is_empty() {
                query.push(" AND (");
                for (i, (from, to)) in score_ranges.iter().enumerate() {
                    if i > 0 {
                        query.push(" OR ");
                    }
                    query.push("(");
                    let bounds = (
                        from.unwrap_or(f64::NEG_INFINITY),
                        to.unwrap_or(f64::INFINITY),
                    );
                    push_score_range(&mut query, "c.score", bounds);
                    query.push(")");
                }
                query.push(")");
            }
            match (&page.after, order) {
                (None, _) => {}
                (Some(VesselCursor::Name(name, imo)), VesselOrder::Name) => {
                    query.push(" AND (v.name > ").push_bind(name.clone());
                    query.push(" OR (v.name = ").push_bind(name.clone());
                    query.push(" AND v.imo > ").push_bind(imo.clone()).push("))");
                }
                (Some(VesselCursor::Score(score, imo)), VesselOrder::ScoreAscending) => {
                    query.push(format!(" AND ({SCORE_KEY} > ")).push_bind(*score);
                    query.push(format!(" OR ({SCORE_KEY} = ")).push_bind(*score);
                    query.push(" AND v.imo > ").push_bind(imo.clone()).push("))");
                }
                (Some(VesselCursor::Score(score, imo)), VesselOrder::ScoreDescending) => {
                    query.push(format!(" AND ({SCORE_KEY} < ")).push_bind(*score);
                    query.push(format!(" OR ({SCORE_KEY} = ")).push_bind(*score);
                    query.push(" AND v.imo > ").push_bind(imo.clone()).push("))");
                }
                (Some(_), _) => return Err(StorageError::CursorMismatch),
            }
            query.push(match order {
                VesselOrder::Name => " ORDER BY v.name, v.imo".to_string(),
                VesselOrder::ScoreAscending => format!(" ORDER BY {SCORE_KEY}, v.imo"),
                VesselOrder::ScoreDescending => format!(" ORDER BY {SCORE_KEY} DESC, v.imo"),
            });
            query.push(" LIMIT ").push_bind(page.fetch_limit());
            query.build_query_as().fetch_all(pool).await?
        });
        let scores: Vec<Option<f64>> = rows.iter().map(|r| r.current_score).collect();
        let records = self
            .attach_histories(rows.into_iter().map(|r| r.vessel).collect())
            .await?;
        let items: Vec<(VesselRecord, Option<f64>)> = records.into_iter().zip(scores).collect();
        Ok(Page::from_rows(
            items,
            page.limit,
            |(v, score)| match order {
                VesselOrder::Name => VesselCursor::Name(
                    v.profile.name.as_str().to_string(),
                    v.profile.imo.to_string(),
                ),
                _ => VesselCursor::Score(score.unwrap_or(-1.0), v.profile.imo.to_string()),
            },
        ))
    }
}
