//! One vessel's score as a publication writes it: the `vessel_scores` row
//! a run appends, in the column order both backends' bulk writes send.

use chrono::NaiveDate;

use super::stored_assessment;
use crate::domain::{FleetId, Imo, RiskLevel, ShipType};
use crate::risk::{Assessment, FleetMember, MemberFigures, ModelVersion};

/// The columns of `vessel_scores`, in the order a publication writes them
/// (COPY's field order, SQLite's VALUES columns).
pub(super) const VESSEL_SCORE_COLUMNS: [&str; 15] = [
    "vessel_imo",
    "run_id",
    "fleet_id",
    "data_version",
    "model_version",
    "as_of",
    "score",
    "scorecard",
    "level",
    "srp_profile",
    "expected_claims",
    "expected_annual_loss_usd",
    "insured_value_usd",
    "assessment",
    "calculated_at",
];

/// One vessel's published assessment in a run: the figures its row's
/// columns hold, what its fleet's aggregation reads, and its stored
/// document. The assessment itself is not kept: a book-wide run holds one
/// of these per vessel until it publishes, and the document already holds
/// the factors and their reasons.
#[derive(Debug, Clone)]
pub struct VesselScore {
    pub fleet_id: FleetId,
    pub data_version: i64,
    pub insured_value_usd: f64,
    /// The vessel's type, for its fleet's tanker exposure.
    pub ship_type: ShipType,
    pub vessel_imo: Imo,
    pub as_of: NaiveDate,
    pub model_version: ModelVersion,
    pub scorecard: f64,
    pub level: RiskLevel,
    /// The score, SRP profile, expected loss and factor contributions.
    pub member: MemberFigures,
    /// The assessment's stored document, encoded where it was computed (on
    /// the compute pool).
    pub(super) json: String,
}

impl VesselScore {
    pub fn new(
        fleet_id: FleetId,
        data_version: i64,
        insured_value_usd: f64,
        ship_type: ShipType,
        assessment: Assessment,
    ) -> Self {
        let mut json = stored_assessment::encode(&assessment);
        // The encoder grows its buffer by doubling (a 600-byte document
        // sits in 1 KiB); a run holds one per vessel until it publishes.
        json.shrink_to_fit();
        Self {
            fleet_id,
            data_version,
            insured_value_usd,
            ship_type,
            vessel_imo: assessment.vessel_imo,
            as_of: assessment.as_of,
            model_version: assessment.model_version,
            scorecard: assessment.scorecard,
            level: assessment.level,
            member: MemberFigures::of(&assessment),
            json,
        }
    }

    pub fn score(&self) -> f64 {
        self.member.score
    }

    /// This score as its fleet's aggregation reads it.
    pub fn fleet_member(&self) -> FleetMember {
        FleetMember {
            insured_value_usd: self.insured_value_usd,
            ship_type: self.ship_type,
            figures: self.member,
        }
    }
}

/// A published vessel with its IMO as stored.
pub(super) type ImoRow<'a> = (&'a VesselScore, String);

/// Where a publication's history rows (`vessel_scores`) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HistoryRows {
    /// In the publishing transaction.
    InTransaction,
    /// Before it (PostgreSQL: `postgres::publication::stage_vessel_scores`).
    Staged,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::ScoreFigures;

    #[test]
    fn every_column_a_score_read_takes_is_written() {
        let read = ScoreFigures::COLUMNS.iter().chain(&[
            "vessel_imo",
            "assessment",
            "run_id",
            "calculated_at",
        ]);
        for column in read {
            assert!(
                VESSEL_SCORE_COLUMNS.contains(column),
                "{column} is never written"
            );
        }
    }
}
