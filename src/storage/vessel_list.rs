//! A fleet's vessel list: sorted, filtered to levels, paged.

use std::sync::LazyLock;

use sqlx::QueryBuilder;

use super::levels::push_levels;
use super::list_order::{ListCursor, ListOrder, SortColumns};
use super::vessels::{VesselRow, vessel_select};
use super::{Database, Page, PageRequest, StorageError, VesselRecord, on_pool};
use crate::domain::{FleetId, RiskLevel, RiskThresholds};

/// Where a page of a fleet's vessel list ends: the key is the IMO number.
pub type VesselCursor = ListCursor<String>;

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

const VESSEL_SORT: SortColumns = SortColumns {
    name: "v.name",
    score: "c.score",
    key: "v.imo",
};

impl Database {
    /// The vessels of one fleet with their current scores, sorted, and
    /// filtered to `levels` under the fleet's `thresholds` when any are
    /// given (an unscored vessel is at no level).
    pub async fn list_fleet_vessels(
        &self,
        fleet_id: FleetId,
        order: ListOrder,
        levels: &[RiskLevel],
        thresholds: &RiskThresholds,
        page: &PageRequest<VesselCursor>,
    ) -> Result<Page<(VesselRecord, Option<f64>), VesselCursor>, StorageError> {
        let rows: Vec<ScoredVesselRow> = on_pool!(self, pool => {
            let mut query = QueryBuilder::new(format!("{}WHERE v.fleet_id = ", *LISTED_VESSEL));
            query.push_bind(fleet_id.as_uuid());
            if !levels.is_empty() {
                query.push(" AND ");
                push_levels(&mut query, VESSEL_SORT.score, levels, thresholds);
            }
            VESSEL_SORT.push_after(&mut query, order, page.after.as_ref())?;
            VESSEL_SORT.push_order_by(&mut query, order);
            query.push(" LIMIT ").push_bind(page.fetch_limit());
            query.build_query_as().fetch_all(pool).await?
        });
        let scores: Vec<Option<f64>> = rows.iter().map(|r| r.current_score).collect();
        let records = self
            .attach_histories(rows.into_iter().map(|r| r.vessel).collect())
            .await?;
        let items: Vec<(VesselRecord, Option<f64>)> = records.into_iter().zip(scores).collect();
        Ok(Page::from_rows(items, page.limit, |(v, score)| {
            ListCursor::after(
                order,
                v.profile.name.as_str(),
                *score,
                v.profile.imo.to_string(),
            )
        }))
    }
}
