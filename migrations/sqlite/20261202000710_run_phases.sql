-- How long each phase of a book-wide run took (load, score, publish), in
-- milliseconds; NULL for a phase the run did not complete and for
-- data-change runs. duration_ms covers the whole run, publication included.
ALTER TABLE risk_runs ADD COLUMN load_ms INTEGER;
ALTER TABLE risk_runs ADD COLUMN score_ms INTEGER;
ALTER TABLE risk_runs ADD COLUMN publish_ms INTEGER;
