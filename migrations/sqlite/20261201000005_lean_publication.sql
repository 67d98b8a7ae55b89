-- A book-wide run writes one history row per vessel and moves one pointer per
-- vessel; this keeps both writes to what readers need.
--
-- vessel_scores keeps no foreign keys: publication writes it under the
-- single-writer lock after dropping deleted vessels (WriteTx::retain_live),
-- and deleting a vessel deletes its history rows itself. The run_id index
-- served only the cascade from risk_runs, whose rows are never deleted.
CREATE TABLE vessel_scores_lean (
    vessel_imo               TEXT NOT NULL,
    run_id                   BLOB NOT NULL,
    fleet_id                 BLOB NOT NULL,
    data_version             INTEGER NOT NULL,
    model_version            TEXT NOT NULL,
    as_of                    TEXT NOT NULL,
    score                    REAL NOT NULL,
    scorecard                REAL NOT NULL,
    level                    TEXT NOT NULL,
    srp_profile              TEXT NOT NULL,
    expected_claims          REAL NOT NULL,
    expected_annual_loss_usd REAL NOT NULL,
    insured_value_usd        REAL NOT NULL,
    assessment               TEXT NOT NULL,
    calculated_at            TEXT NOT NULL,
    PRIMARY KEY (vessel_imo, run_id)
);
INSERT INTO vessel_scores_lean SELECT vessel_imo, run_id, fleet_id, data_version, model_version,
    as_of, score, scorecard, level, srp_profile, expected_claims, expected_annual_loss_usd,
    insured_value_usd, assessment, calculated_at FROM vessel_scores;
DROP TABLE vessel_scores;
ALTER TABLE vessel_scores_lean RENAME TO vessel_scores;

-- Lists sort a fleet's few current scores in memory; an index on the score
-- would be rewritten for every vessel at every run.
DROP INDEX current_vessel_scores_fleet_idx;
CREATE INDEX current_vessel_scores_fleet_idx ON current_vessel_scores (fleet_id);
