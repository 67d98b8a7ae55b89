-- A book-wide run writes one history row per vessel and moves one pointer per
-- vessel; this keeps both writes to what readers need.
--
-- vessel_scores keeps no foreign keys: publication writes it under the
-- single-writer lock after dropping deleted vessels (WriteTx::retain_live),
-- and deleting a vessel deletes its history rows itself. A foreign-key check
-- per row cost more than the insert. The run_id index served only the
-- cascade from risk_runs, whose rows are never deleted.
ALTER TABLE vessel_scores
    DROP CONSTRAINT vessel_scores_vessel_imo_fkey,
    DROP CONSTRAINT vessel_scores_run_id_fkey;
DROP INDEX vessel_scores_run_idx;

-- Pointer moves change no indexed column and leave room on the page, so
-- PostgreSQL updates them in place (HOT). Lists sort a fleet's few current
-- scores in memory instead of keeping an index on the score.
DROP INDEX current_vessel_scores_fleet_idx;
CREATE INDEX current_vessel_scores_fleet_idx ON current_vessel_scores (fleet_id);
ALTER TABLE current_vessel_scores SET (fillfactor = 50);
-- Rewrites the table so existing pages get that room too.
CLUSTER current_vessel_scores USING current_vessel_scores_pkey;
