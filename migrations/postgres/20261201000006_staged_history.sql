-- A book-wide run stages its history rows before its publication commits
-- (Database::publish_run). A run that fails after staging, or whose process
-- dies, has them deleted by run id; this index finds them. Run ids are
-- time-ordered (UUIDv7), so a run's rows append at the index's right edge.
CREATE INDEX vessel_scores_run_idx ON vessel_scores (run_id);
