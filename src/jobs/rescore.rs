//! Data changes and their re-score, in one transaction.
//!
//! Creating or editing a vessel, appending to its histories, moving or
//! deleting it: the write, the vessel's new assessment and its fleets' new
//! aggregates are committed together as one `data_change` run, so no score
//! is ever older than its data and a failed re-score leaves the write undone.

use chrono::Utc;

use super::data_change::publish_data_change;
use super::{JobContext, ThresholdBook};
use crate::compute::ComputeError;
use crate::domain::{FleetId, Imo, Incident, Inspection, VesselProfile};
use crate::risk::{FleetMember, MemberFigures, aggregate_members, assess};
use crate::storage::{
    FleetScore, IncidentRecord, InspectionRecord, Publication, StorageError, VesselRecord,
    VesselScore, WriteTx,
};

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Compute(#[from] ComputeError),
}

pub async fn create_vessel(
    ctx: &JobContext,
    fleet: FleetId,
    vessel: &VesselProfile,
) -> Result<VesselRecord, ChangeError> {
    let mut tx = ctx.db.begin_write().await?;
    tx.insert_vessel(fleet, vessel).await?;
    rescore(ctx, &mut tx, Some(vessel.imo), &[]).await?;
    let created = answer(&mut tx, vessel.imo).await?;
    tx.commit().await?;
    Ok(created)
}

/// `None` when there is no such vessel.
pub async fn update_vessel(
    ctx: &JobContext,
    fleet: FleetId,
    vessel: &VesselProfile,
) -> Result<Option<VesselRecord>, ChangeError> {
    let mut tx = ctx.db.begin_write().await?;
    let Some(previous) = tx.update_vessel(fleet, vessel).await? else {
        return Ok(None);
    };
    rescore(ctx, &mut tx, Some(vessel.imo), &[previous]).await?;
    let updated = answer(&mut tx, vessel.imo).await?;
    tx.commit().await?;
    Ok(Some(updated))
}

/// `false` when there is no such vessel.
pub async fn delete_vessel(ctx: &JobContext, imo: Imo) -> Result<bool, ChangeError> {
    let mut tx = ctx.db.begin_write().await?;
    let Some(fleet) = tx.delete_vessel(imo).await? else {
        return Ok(false);
    };
    rescore(ctx, &mut tx, None, &[fleet]).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn append_inspection(
    ctx: &JobContext,
    imo: Imo,
    inspection: &Inspection,
) -> Result<Option<InspectionRecord>, ChangeError> {
    let mut tx = ctx.db.begin_write().await?;
    let Some(record) = tx.append_inspection(imo, inspection).await? else {
        return Ok(None);
    };
    rescore(ctx, &mut tx, Some(imo), &[]).await?;
    tx.commit().await?;
    Ok(Some(record))
}

pub async fn append_incident(
    ctx: &JobContext,
    imo: Imo,
    incident: &Incident,
) -> Result<Option<IncidentRecord>, ChangeError> {
    let mut tx = ctx.db.begin_write().await?;
    let Some(record) = tx.append_incident(imo, incident).await? else {
        return Ok(None);
    };
    rescore(ctx, &mut tx, Some(imo), &[]).await?;
    tx.commit().await?;
    Ok(Some(record))
}

/// The vessel as this write leaves it (histories by date, as later reads
/// give them), read inside its transaction: read after the commit, a DELETE
/// committing in between left nothing to answer with (a 500, found by
/// Schemathesis).
async fn answer(tx: &mut WriteTx, imo: Imo) -> Result<VesselRecord, ChangeError> {
    tx.get_vessel(imo).await?.ok_or_else(|| {
        StorageError::CorruptRow(format!("vessel {imo} is missing from its own write")).into()
    })
}

/// Scores `vessel` (if given) as of today and re-aggregates the fleet it is
/// in now plus `other_fleets` (the one it left, say) from their members'
/// current scores, publishing both as a `data_change` run inside `tx`.
async fn rescore(
    ctx: &JobContext,
    tx: &mut WriteTx,
    vessel: Option<Imo>,
    other_fleets: &[FleetId],
) -> Result<(), ChangeError> {
    let as_of = Utc::now().date_naive();
    // Through the write's own transaction: see `Database::begin_write`.
    let thresholds = ThresholdBook::load_in(tx, &ctx.model).await?;
    let mut publication = Publication::default();
    let mut fleets: Vec<FleetId> = Vec::new();
    if let Some(imo) = vessel
        && let Some(scoring) = tx.vessel_for_scoring(imo).await?
    {
        let model = ctx.model.clone();
        let fleet_thresholds = *thresholds.for_fleet(scoring.fleet_id);
        let profile = scoring.profile.clone();
        let assessment = ctx
            .compute
            .run(move || assess(&model, &profile, as_of, &fleet_thresholds))
            .await?;
        fleets.push(scoring.fleet_id);
        publication.vessels.push(VesselScore::new(
            scoring.fleet_id,
            scoring.data_version,
            scoring.profile.insured_value_usd.value(),
            scoring.profile.ship_type,
            assessment,
        ));
    }
    for fleet in other_fleets {
        if !fleets.contains(fleet) {
            fleets.push(*fleet);
        }
    }

    for fleet in &fleets {
        let (data_version, mut members) = tx.fleet_members(*fleet).await?;
        // The re-scored vessel counts with its new assessment, in the fleet it is in now.
        members.retain(|member| Some(member.imo) != vessel);
        // The re-scored vessel, if any, is the publication's only one.
        let fresh_member = publication
            .vessels
            .first()
            .filter(|score| score.fleet_id == *fleet)
            .map(VesselScore::fleet_member);
        let fleet_thresholds = *thresholds.for_fleet(*fleet);
        // O(fleet size): on the compute pool, like every CPU job, not on an
        // async worker (a data change comes in on an HTTP worker).
        let aggregate = ctx
            .compute
            .run(move || {
                let mut aggregated: Vec<FleetMember> = members
                    .iter()
                    .map(|m| FleetMember {
                        insured_value_usd: m.insured_value_usd,
                        ship_type: m.ship_type,
                        figures: MemberFigures::of(&m.assessment),
                    })
                    .collect();
                aggregated.extend(fresh_member);
                aggregate_members(&aggregated, &fleet_thresholds)
            })
            .await?;
        publication.fleets.push(FleetScore {
            fleet_id: *fleet,
            data_version,
            aggregate,
        });
    }

    publish_data_change(ctx, tx, as_of, &publication).await?;
    Ok(())
}
