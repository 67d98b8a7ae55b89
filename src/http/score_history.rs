//! A vessel's score history as the API sends it (`GET
//! /vessels/{imo}/risk/history`): one item per published run.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::storage::ScoreHistoryEntry;

/// One run's score of a vessel.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreHistoryItem {
    run_id: Uuid,
    calculated_at: DateTime<Utc>,
    as_of: NaiveDate,
    model_version: String,
    score: f64,
    scorecard: f64,
    level: String,
    srp_profile: String,
    expected_claims: f64,
    expected_annual_loss_usd: f64,
}

impl From<ScoreHistoryEntry> for ScoreHistoryItem {
    fn from(entry: ScoreHistoryEntry) -> Self {
        let figures = entry.figures;
        Self {
            run_id: entry.run_id,
            calculated_at: entry.calculated_at,
            as_of: figures.as_of,
            model_version: figures.model_version,
            score: figures.score,
            scorecard: figures.scorecard,
            level: figures.level,
            srp_profile: figures.srp_profile,
            expected_claims: figures.expected_claims,
            expected_annual_loss_usd: figures.expected_annual_loss_usd,
        }
    }
}
