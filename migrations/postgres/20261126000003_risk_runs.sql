-- Recalculation runs, published scores, and risk thresholds.

-- Bumped on every change to a vessel (or its histories) and to a fleet's
-- membership; a score records the version it was computed from, so a slow
-- book-wide run can never replace a fresher re-score.
ALTER TABLE vessels ADD COLUMN data_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE fleets ADD COLUMN data_version BIGINT NOT NULL DEFAULT 1;

CREATE TABLE risk_runs (
    id             UUID PRIMARY KEY,
    trigger        TEXT NOT NULL CHECK (trigger IN ('cron', 'manual', 'startup', 'cli', 'data_change')),
    status         TEXT NOT NULL CHECK (status IN ('running', 'published', 'failed')),
    as_of          DATE NOT NULL,
    model_version  TEXT NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    heartbeat_at   TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    vessels_scored BIGINT NOT NULL DEFAULT 0,
    vessels_failed BIGINT NOT NULL DEFAULT 0,
    duration_ms    BIGINT,
    error          TEXT
);
-- The single-runner slot: at most one book-wide run in progress, whichever
-- replica started it (works through transaction poolers, unlike session locks).
CREATE UNIQUE INDEX risk_runs_one_running ON risk_runs (status)
    WHERE status = 'running' AND trigger <> 'data_change';
CREATE INDEX risk_runs_started_idx ON risk_runs (started_at, id);

CREATE TABLE risk_run_errors (
    run_id     UUID NOT NULL REFERENCES risk_runs (id) ON DELETE CASCADE,
    vessel_imo TEXT NOT NULL,
    message    TEXT NOT NULL,
    PRIMARY KEY (run_id, vessel_imo)
);

-- One row per vessel per run: the published assessment (append-only history).
CREATE TABLE vessel_scores (
    vessel_imo               TEXT NOT NULL REFERENCES vessels (imo) ON DELETE CASCADE,
    run_id                   UUID NOT NULL REFERENCES risk_runs (id) ON DELETE CASCADE,
    fleet_id                 UUID NOT NULL,
    data_version             BIGINT NOT NULL,
    model_version            TEXT NOT NULL,
    as_of                    DATE NOT NULL,
    score                    DOUBLE PRECISION NOT NULL,
    scorecard                DOUBLE PRECISION NOT NULL,
    level                    TEXT NOT NULL,
    srp_profile              TEXT NOT NULL,
    expected_claims          DOUBLE PRECISION NOT NULL,
    expected_annual_loss_usd DOUBLE PRECISION NOT NULL,
    insured_value_usd        DOUBLE PRECISION NOT NULL,
    assessment               TEXT NOT NULL,
    calculated_at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (vessel_imo, run_id)
);
CREATE INDEX vessel_scores_run_idx ON vessel_scores (run_id);

-- The score readers see: per vessel, the published score of its newest data.
CREATE TABLE current_vessel_scores (
    vessel_imo        TEXT PRIMARY KEY REFERENCES vessels (imo) ON DELETE CASCADE,
    run_id            UUID NOT NULL,
    fleet_id          UUID NOT NULL,
    data_version      BIGINT NOT NULL,
    score             DOUBLE PRECISION NOT NULL,
    insured_value_usd DOUBLE PRECISION NOT NULL
);
CREATE INDEX current_vessel_scores_fleet_idx ON current_vessel_scores (fleet_id, score, vessel_imo);

-- One row per fleet per run: the published section 8 aggregate.
CREATE TABLE fleet_scores (
    fleet_id      UUID NOT NULL REFERENCES fleets (id) ON DELETE CASCADE,
    run_id        UUID NOT NULL REFERENCES risk_runs (id) ON DELETE CASCADE,
    data_version  BIGINT NOT NULL,
    score         DOUBLE PRECISION NOT NULL,
    vessel_count  BIGINT NOT NULL,
    aggregate     TEXT NOT NULL,
    calculated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (fleet_id, run_id)
);

CREATE TABLE current_fleet_scores (
    fleet_id     UUID PRIMARY KEY REFERENCES fleets (id) ON DELETE CASCADE,
    run_id       UUID NOT NULL,
    data_version BIGINT NOT NULL
);

-- Thresholds in force: scope 'default', or a fleet id for its override.
CREATE TABLE risk_thresholds (
    scope      TEXT PRIMARY KEY,
    medium     DOUBLE PRECISION NOT NULL,
    high       DOUBLE PRECISION NOT NULL,
    critical   DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);

-- Every threshold change: who, when, old and new ({medium, high, critical} JSON or NULL).
CREATE TABLE risk_threshold_changes (
    id         UUID PRIMARY KEY,
    scope      TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT
);
