//! The publication of a data change (a vessel write, an import): its
//! scores go out as a `data_change` run inside the write's own transaction,
//! so a reader sees the new data and its scores together or neither.

use chrono::NaiveDate;
use uuid::Uuid;

use super::JobContext;
use crate::storage::{Publication, StorageError, WriteTx};

/// Records a `data_change` run scored `as_of`, publishes `publication`
/// under it in `tx`, and counts the calculations (the engine's work, done
/// whether or not the write then commits); returns the run id.
pub(super) async fn publish_data_change(
    ctx: &JobContext,
    tx: &mut WriteTx,
    as_of: NaiveDate,
    publication: &Publication,
) -> Result<Uuid, StorageError> {
    let run_id = tx
        .insert_data_change_run(
            as_of,
            ctx.model.version().as_str(),
            publication.vessels.len() as i64,
        )
        .await?;
    tx.publish_scores(run_id, publication).await?;
    super::recalculation::record_calculations(ctx, publication);
    Ok(run_id)
}
