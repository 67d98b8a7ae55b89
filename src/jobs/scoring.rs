//! Turning loaded vessels into a publication: pure, run on the compute pool.
//!
//! In two steps, because a vessel that cannot be scored keeps its score in
//! force, and its fleet is aggregated over that kept score: [`score_book`]
//! scores the book and names the vessels that failed; the run then loads
//! their kept scores (`Database::kept_members`), and [`aggregate_book`]
//! aggregates every fleet over exactly the vessels a reader sees with scores.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::NaiveDate;
use rayon::prelude::*;

use super::ThresholdBook;
use crate::domain::{FleetId, Imo};
use crate::risk::{FleetMember, MemberFigures, RiskModel, aggregate_members, assess_within};
use crate::storage::{Book, FleetScore, KeptMember, Publication, RunVesselError, VesselScore};

/// A book scored, its fleets not aggregated yet.
pub struct ScoredBook {
    /// Each new score, in the book's order; it is the publication's.
    scored: Vec<VesselScore>,
    /// Every fleet with its data version, empty fleets included.
    fleets: Vec<(FleetId, i64)>,
    errors: Vec<RunVesselError>,
    /// The vessels that failed, where their stored IMO reads (one that
    /// does not cannot have a score in force).
    failed: Vec<Imo>,
}

impl ScoredBook {
    /// The vessels whose kept scores their fleets are aggregated over.
    pub fn failed(&self) -> &[Imo] {
        &self.failed
    }
}

/// Scores every vessel (in parallel) with its fleet's thresholds. A vessel
/// the engine cannot score (a panic) or that did not load becomes an error
/// of the run; the rest is still scored.
///
/// Each score is held once: the parallel pass writes them in place, and the
/// few the engine could not compute are dropped from that same buffer (a
/// score is most of what a run holds per vessel, so a copy of them all
/// would double a run's memory).
pub fn score_book(
    model: &RiskModel,
    book: Book,
    as_of: NaiveDate,
    thresholds: &ThresholdBook,
) -> ScoredBook {
    let windows = model.windows(as_of);
    // Scoring and encoding the stored JSON both run in parallel here, not in
    // the publish transaction. `None`: the engine panicked on the vessel.
    let outcomes: Vec<Option<VesselScore>> = book
        .vessels
        .par_iter()
        .map(|vessel| {
            let fleet_thresholds = thresholds.for_fleet(vessel.fleet_id);
            catch_unwind(AssertUnwindSafe(|| {
                assess_within(model, &vessel.profile, &windows, fleet_thresholds)
            }))
            .ok()
            .map(|assessment| {
                VesselScore::new(
                    vessel.fleet_id,
                    vessel.data_version,
                    vessel.profile.insured_value_usd.value(),
                    vessel.profile.ship_type,
                    assessment,
                )
            })
        })
        .collect();

    let mut scored_book = ScoredBook {
        scored: Vec::new(),
        fleets: book.fleets,
        errors: Vec::new(),
        failed: Vec::new(),
    };
    for unloadable in book.unloadable {
        scored_book.failed.extend(Imo::parse(&unloadable.imo).ok());
        scored_book.errors.push(RunVesselError {
            vessel_imo: unloadable.imo,
            message: format!("stored data is not valid: {}", unloadable.error),
            operation: Some("storage::load_book"),
        });
    }
    for (vessel, _) in book
        .vessels
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.is_none())
    {
        scored_book.failed.push(vessel.profile.imo);
        scored_book.errors.push(RunVesselError {
            vessel_imo: vessel.profile.imo.to_string(),
            message: "the engine could not score this vessel".to_string(),
            operation: Some("risk::assess_within"),
        });
    }
    scored_book.scored = scored_in_place(outcomes);
    scored_book
}

/// The outcomes that are scores, in the outcomes' own buffer: an
/// `Option<T>` the size of `T` and a `filter_map` collect let std reuse it
/// (`flatten`, which clippy suggests, collects into a new one).
#[allow(clippy::filter_map_identity)]
fn scored_in_place<T>(outcomes: Vec<Option<T>>) -> Vec<T> {
    outcomes.into_iter().filter_map(|outcome| outcome).collect()
}

/// Aggregates every fleet of the book over its members' new scores and the
/// `kept` scores of its members that failed, and makes the publication.
pub fn aggregate_book(
    book: ScoredBook,
    kept: &[KeptMember],
    thresholds: &ThresholdBook,
) -> Publication {
    let mut members: HashMap<FleetId, Vec<FleetMember>> = HashMap::new();
    for score in &book.scored {
        members
            .entry(score.fleet_id)
            .or_default()
            .push(score.fleet_member());
    }
    for member in kept {
        members
            .entry(member.fleet_id)
            .or_default()
            .push(FleetMember {
                insured_value_usd: member.score.insured_value_usd,
                ship_type: member.score.ship_type,
                figures: MemberFigures::of(&member.score.assessment),
            });
    }
    let fleets = book
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
    Publication {
        vessels: book.scored,
        fleets,
        errors: book.errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What lets [`score_book`] hold each score once: its outcomes become
    /// the scores in their own buffer only when the two are one size.
    #[test]
    fn an_outcome_is_a_score_in_size() {
        assert_eq!(
            std::mem::size_of::<Option<VesselScore>>(),
            std::mem::size_of::<VesselScore>()
        );
    }

    #[test]
    fn the_scores_stay_in_the_outcomes_buffer() {
        // A large value with a niche, as a score is (it holds a String).
        let outcomes: Vec<Option<(String, [f64; 100])>> = (0..1_000)
            .map(|i| (i % 7 != 0).then(|| (i.to_string(), [f64::from(i); 100])))
            .collect();
        let buffer = outcomes.as_ptr() as usize;
        let scored = scored_in_place(outcomes);
        assert_eq!(scored.as_ptr() as usize, buffer);
        assert_eq!(scored.len(), 1_000 - 143);
        assert_eq!(scored[0].0, "1");
    }
}
