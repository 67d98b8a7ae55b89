-- What the dashboard reads on every render, by index rather than over the
-- whole book (each write re-renders it, so a render's cost is paid twice a
-- second under a steady stream of edits):
-- - the highest current scores (the top list) and the count of current
--   scores in each level's range: a walk down the score index, in the top
--   list's order (score, highest first, then IMO), with the fleet in the
--   index so the counts per threshold group read no table rows;
-- - when a vessel last changed (the freshness of the vessel data).
-- A book-wide run that leaves a vessel's score as it was changes no column
-- of this index, so PostgreSQL still moves that pointer in place (HOT).
CREATE INDEX current_vessel_scores_score_idx
    ON current_vessel_scores (score DESC, vessel_imo, fleet_id);
CREATE INDEX vessels_updated_at_idx ON vessels (updated_at);
