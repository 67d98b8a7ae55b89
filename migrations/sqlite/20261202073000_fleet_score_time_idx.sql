-- A fleet's published scores by time: the dashboard looks up each fleet's
-- score from the book-wide run before its current one (the change since
-- then). Without this index that reads every score the fleet ever had,
-- once per fleet per dashboard render, and grows with every run; with it,
-- the newest few entries before the current score.
CREATE INDEX fleet_scores_fleet_time_idx ON fleet_scores (fleet_id, calculated_at);
