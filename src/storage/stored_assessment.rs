//! The form an assessment is stored in, `vessel_scores.assessment`.
//!
//! A score row's own columns already hold the IMO, as-of date, model version,
//! score, scorecard, level, SRP profile and expected loss. The document holds
//! only the rest, as JSON arrays:
//!
//! ```text
//! [floors, [[weight, value, reason] x 11 in the spec's factor order], [points, inspectionDue, window]]
//! ```
//!
//! Contributions are `weight x value`, exactly as the engine computes them,
//! and the factors are ranked again on the way out, so a stored assessment
//! reads back equal to the one computed. A run over a big book writes a
//! third of the bytes the full section 10 JSON would. Rows written before
//! this form (a full JSON object) still read.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::StorageError;
use super::columns::{select_list, table_row};
use super::stored::corrupt;
use crate::domain::{Imo, RiskLevel};
use crate::risk::{
    Assessment, FactorKey, FactorScore, FloorHit, InspectionWindow, ModelVersion, Reason,
    ShipRiskProfile, SrpProfile, rank_factors,
};

table_row! {
    /// The `vessel_scores` columns of a score's figures, which every read
    /// of a stored score takes (an assessment, the score history).
    #[derive(Debug, Clone, sqlx::FromRow)]
    pub struct ScoreFigures {
        as_of: NaiveDate,
        model_version: String,
        score: f64,
        scorecard: f64,
        level: String,
        srp_profile: String,
        expected_claims: f64,
        expected_annual_loss_usd: f64,
    }
}

/// The `vessel_scores` columns an assessment is read back from: its
/// figures, its vessel and the document.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct ScoreColumns {
    pub vessel_imo: String,
    #[sqlx(flatten)]
    pub figures: ScoreFigures,
    pub assessment: String,
}

/// The columns of [`ScoreColumns`] from `vessel_scores s`.
pub(super) fn score_columns() -> String {
    format!(
        "s.vessel_imo, {}, s.assessment",
        select_list(ScoreFigures::COLUMNS, Some("s"))
    )
}

type SrpRest = (u32, bool, Option<InspectionWindow>);

#[derive(Serialize)]
struct Written<'a>(&'a [FloorHit], [(f64, f64, &'a Reason); 11], SrpRest);

#[derive(Deserialize)]
struct Read(Vec<FloorHit>, [(f64, f64, Reason); 11], SrpRest);

/// The document of `assessment` (its other fields go in the row's columns).
pub(super) fn encode(assessment: &Assessment) -> String {
    let mut factors = [(0.0, 0.0, &assessment.factors[0].reason); 11];
    for factor in &assessment.factors {
        factors[factor.key as usize] = (factor.weight, factor.value, &factor.reason);
    }
    let srp = &assessment.srp;
    serde_json::to_string(&Written(
        &assessment.floors,
        factors,
        (srp.points, srp.inspection_due, srp.next_inspection_window),
    ))
    .expect("an assessment serializes")
}

/// The assessment a score row stores.
pub(super) fn decode(row: &ScoreColumns) -> Result<Assessment, StorageError> {
    if row.assessment.starts_with('{') {
        // Written before the compact form: the whole section 10 object.
        return serde_json::from_str(&row.assessment).map_err(|e| corrupt("assessment", e));
    }
    let Read(floors, stored, (points, inspection_due, next_inspection_window)) =
        serde_json::from_str(&row.assessment).map_err(|e| corrupt("assessment", e))?;
    let mut factors: [FactorScore; 11] = {
        let mut stored = stored.into_iter();
        std::array::from_fn(|i| {
            let (weight, value, reason) = stored.next().expect("eleven stored factors");
            FactorScore {
                key: FactorKey::ALL[i],
                weight,
                value,
                contribution: weight * value,
                reason,
            }
        })
    };
    rank_factors(&mut factors);
    let srp_profile = match row.figures.srp_profile.as_str() {
        "HRS" => SrpProfile::High,
        "SRS" => SrpProfile::Standard,
        "LRS" => SrpProfile::Low,
        other => return Err(corrupt("srp_profile", other)),
    };
    Ok(Assessment {
        vessel_imo: Imo::parse(&row.vessel_imo).map_err(|e| corrupt("vessel_imo", e))?,
        as_of: row.figures.as_of,
        model_version: ModelVersion::parse(&row.figures.model_version)
            .map_err(|e| corrupt("model_version", e))?,
        score: row.figures.score,
        scorecard: row.figures.scorecard,
        level: RiskLevel::parse(&row.figures.level).map_err(|e| corrupt("level", e))?,
        floors,
        factors,
        srp: ShipRiskProfile {
            profile: srp_profile,
            points,
            inspection_due,
            next_inspection_window,
        },
        expected_claims: row.figures.expected_claims,
        expected_annual_loss_usd: row.figures.expected_annual_loss_usd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PolicyIdPattern, RiskThresholds, parse_vessel_list};
    use crate::model_file::builtin_model;
    use crate::risk::assess;

    fn columns_of(assessment: &Assessment, document: String) -> ScoreColumns {
        ScoreColumns {
            vessel_imo: assessment.vessel_imo.to_string(),
            figures: ScoreFigures {
                as_of: assessment.as_of,
                model_version: assessment.model_version.as_str().to_string(),
                score: assessment.score,
                scorecard: assessment.scorecard,
                level: assessment.level.as_str().to_string(),
                srp_profile: assessment.srp.profile.as_str().to_string(),
                expected_claims: assessment.expected_claims,
                expected_annual_loss_usd: assessment.expected_annual_loss_usd,
            },
            assessment: document,
        }
    }

    /// The demo book's 67 assessments: every flag colour, floors, SRP
    /// profiles with and without an inspection window.
    fn demo_assessments() -> Vec<Assessment> {
        let model = builtin_model();
        let book: serde_json::Value =
            serde_json::from_str(include_str!("../../fixtures/demo/book.json")).unwrap();
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let raw: Vec<serde_json::Value> = book["fleets"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|fleet| fleet["vessels"].as_array().unwrap().clone())
            .collect();
        parse_vessel_list(raw, as_of, &PolicyIdPattern::default(), "vessels")
            .unwrap()
            .iter()
            .map(|vessel| assess(&model, vessel, as_of, &RiskThresholds::default()))
            .collect()
    }

    #[test]
    fn every_demo_assessment_reads_back_equal_and_serializes_the_same() {
        let assessments = demo_assessments();
        assert!(assessments.iter().any(|a| !a.floors.is_empty()));
        for assessment in assessments {
            let read = decode(&columns_of(&assessment, encode(&assessment))).unwrap();
            assert_eq!(
                serde_json::to_string(&read).unwrap(),
                serde_json::to_string(&assessment).unwrap()
            );
            assert_eq!(read, assessment);
        }
    }

    #[test]
    fn the_stored_form_is_under_half_the_full_document() {
        let assessments = demo_assessments();
        let full: usize = assessments
            .iter()
            .map(|a| serde_json::to_string(a).unwrap().len())
            .sum();
        let stored: usize = assessments.iter().map(|a| encode(a).len()).sum();
        assert!(stored * 2 < full, "stored {stored} bytes, full {full}");
    }

    #[test]
    fn rows_written_as_the_full_document_still_read() {
        let assessment = demo_assessments().remove(0);
        let full = serde_json::to_string(&assessment).unwrap();
        assert_eq!(decode(&columns_of(&assessment, full)).unwrap(), assessment);
    }

    #[test]
    fn a_damaged_document_is_a_corrupt_row() {
        let assessment = demo_assessments().remove(0);
        let error = decode(&columns_of(&assessment, "[[], [[1, 0.5, \"x\"]]]".into()));
        assert!(matches!(error, Err(StorageError::CorruptRow(m)) if m.starts_with("assessment")));
    }
}
