-- Feature flags (issue 13), their audit, the version replicas cache them
-- against, and the recalculation timeouts the rollout guard counts.
-- Times are milliseconds since the Unix epoch (UTC), compared as numbers.

CREATE TABLE feature_flags (
    key                TEXT PRIMARY KEY NOT NULL,
    enabled            BOOLEAN NOT NULL,
    rollout_percentage BIGINT NOT NULL CHECK (rollout_percentage BETWEEN 0 AND 100),
    -- JSON arrays: group names, region names, {at, percentage} steps.
    enabled_for_users  TEXT NOT NULL,
    regions            TEXT NOT NULL,
    schedule           TEXT NOT NULL,
    updated_at_ms      BIGINT NOT NULL,
    updated_by         TEXT NOT NULL
);

-- Every change: who, when, the flag before (NULL when created) and after
-- (JSON of its rules), and why; written in the change's own transaction.
CREATE TABLE feature_flag_changes (
    id            UUID PRIMARY KEY NOT NULL,
    flag_key      TEXT NOT NULL REFERENCES feature_flags (key),
    changed_at_ms BIGINT NOT NULL,
    changed_by    TEXT NOT NULL,
    before_rules  TEXT,
    after_rules   TEXT NOT NULL,
    reason        TEXT NOT NULL
);
CREATE INDEX feature_flag_changes_flag_idx ON feature_flag_changes (flag_key, changed_at_ms);

-- Bumped in the same transaction as every flag change: each replica's flag
-- cache re-reads the flags only when this moved (PUBLICATION_POLL_MS).
CREATE TABLE feature_flag_state (
    id      INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO feature_flag_state (id, version) VALUES (1, 1);

-- Book-wide runs that exceeded RISK_RUN_TIMEOUT, on any replica.
CREATE TABLE calculation_timeouts (
    run_id          UUID PRIMARY KEY NOT NULL,
    timed_out_at_ms BIGINT NOT NULL
);
CREATE INDEX calculation_timeouts_at_idx ON calculation_timeouts (timed_out_at_ms);

-- The deployment plan's dashboard rollout, as the issue summarises it: the
-- beta testers and the internal team first, then 5 %, 25 %, 50 % and 100 %
-- a week apart from Monday 2026-12-07 (our reading of dates the plan's
-- summary does not give); all regions.
INSERT INTO feature_flags (key, enabled, rollout_percentage, enabled_for_users, regions, schedule, updated_at_ms, updated_by)
VALUES ('fleetRiskDashboard', TRUE, 0, '["beta-testers","internal-team"]', '[]',
        '[{"at":"2026-12-07T00:00:00Z","percentage":5},{"at":"2026-12-14T00:00:00Z","percentage":25},{"at":"2026-12-21T00:00:00Z","percentage":50},{"at":"2026-12-28T00:00:00Z","percentage":100}]',
        1796216400000, 'migration 20261202130000');
