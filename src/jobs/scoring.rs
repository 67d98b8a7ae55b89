//! Turning loaded vessels into a publication: pure, run on the compute pool.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::NaiveDate;
use rayon::prelude::*;

use super::ThresholdBook;
use crate::domain::FleetId;
use crate::risk::{FleetMember, RiskModel, aggregate_members, assess_within};
use crate::storage::{Book, FleetScore, Publication, RunVesselError, ScoringVessel, VesselScore};

/// The engine panicked on a vessel (caught: the rest of the book is scored).
struct EnginePanicked;

/// Scores every vessel (in parallel) with its fleet's thresholds and
/// aggregates every fleet. A vessel the engine cannot score (a panic) or that
/// did not load becomes an error of the run; the rest is still published.
pub fn score_book(
    model: &RiskModel,
    book: Book,
    as_of: NaiveDate,
    thresholds: &ThresholdBook,
) -> Publication {
    let windows = model.windows(as_of);
    // Scoring and encoding the stored JSON both run in parallel here, not in
    // the publish transaction.
    let outcomes: Vec<Result<VesselScore, EnginePanicked>> = book
        .vessels
        .par_iter()
        .map(|vessel| {
            let fleet_thresholds = thresholds.for_fleet(vessel.fleet_id);
            catch_unwind(AssertUnwindSafe(|| {
                assess_within(model, &vessel.profile, &windows, fleet_thresholds)
            }))
            .map(|assessment| {
                VesselScore::new(
                    vessel.fleet_id,
                    vessel.data_version,
                    vessel.profile.insured_value_usd.value(),
                    assessment,
                )
            })
            .map_err(|_| EnginePanicked)
        })
        .collect();

    let mut publication = Publication::default();
    for unloadable in book.unloadable {
        publication.errors.push(RunVesselError {
            vessel_imo: unloadable.imo,
            message: format!("stored data is not valid: {}", unloadable.error),
            operation: Some("storage::load_book"),
        });
    }
    let mut scored: Vec<(&ScoringVessel, VesselScore)> = Vec::with_capacity(outcomes.len());
    for (vessel, outcome) in book.vessels.iter().zip(outcomes) {
        match outcome {
            Ok(score) => scored.push((vessel, score)),
            Err(EnginePanicked) => publication.errors.push(RunVesselError {
                vessel_imo: vessel.profile.imo.to_string(),
                message: "the engine could not score this vessel".to_string(),
                operation: Some("risk::assess_within"),
            }),
        }
    }

    let mut members: HashMap<FleetId, Vec<FleetMember<'_>>> = HashMap::new();
    for (vessel, score) in &scored {
        members
            .entry(vessel.fleet_id)
            .or_default()
            .push(FleetMember {
                insured_value_usd: score.insured_value_usd,
                ship_type: vessel.profile.ship_type,
                assessment: &score.assessment,
            });
    }
    publication.fleets = book
        .fleets
        .iter()
        .map(|(fleet, data_version)| FleetScore {
            fleet_id: *fleet,
            data_version: *data_version,
            aggregate: aggregate_members(
                members.get(fleet).map_or(&[][..], Vec::as_slice),
                thresholds.for_fleet(*fleet),
            ),
        })
        .collect();
    publication.vessels = scored.into_iter().map(|(_, score)| score).collect();
    publication
}
