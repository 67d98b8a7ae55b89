-- The insured book: fleets, vessels and their inspection and incident histories.
-- Names sort by code point (COLLATE "C") so lists page in the same order as on SQLite.

CREATE TABLE fleets (
    id          UUID PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT fleets_name_key UNIQUE (name)
);

CREATE TABLE vessels (
    imo                      TEXT PRIMARY KEY CHECK (imo ~ '^[0-9]{7}$'),
    fleet_id                 UUID NOT NULL REFERENCES fleets (id) ON DELETE RESTRICT,
    name                     TEXT COLLATE "C" NOT NULL,
    ship_type                TEXT NOT NULL,
    year_built               BIGINT NOT NULL,
    gross_tonnage            BIGINT NOT NULL,
    flag                     TEXT NOT NULL,
    class_society            TEXT,
    company_performance      TEXT NOT NULL,
    insured_value_usd        DOUBLE PRECISION NOT NULL CHECK (insured_value_usd >= 0),
    insurance_policy_id      TEXT,
    sanctioned               BOOLEAN NOT NULL,
    banned_listed            BOOLEAN NOT NULL,
    days_in_listed_areas_12m BIGINT NOT NULL,
    ais_gaps_12m             BIGINT NOT NULL,
    flag_changes_36m         BIGINT NOT NULL,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL
);
CREATE INDEX vessels_fleet_name_idx ON vessels (fleet_id, name, imo);

CREATE TABLE inspections (
    id           UUID PRIMARY KEY,
    vessel_imo   TEXT NOT NULL REFERENCES vessels (imo) ON DELETE CASCADE,
    date         DATE NOT NULL,
    regime       TEXT NOT NULL,
    deficiencies BIGINT NOT NULL CHECK (deficiencies >= 0),
    detained     BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX inspections_vessel_idx ON inspections (vessel_imo, date);

CREATE TABLE incidents (
    id             UUID PRIMARY KEY,
    vessel_imo     TEXT NOT NULL REFERENCES vessels (imo) ON DELETE CASCADE,
    date           DATE NOT NULL,
    severity       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    gross_loss_usd DOUBLE PRECISION NOT NULL CHECK (gross_loss_usd >= 0),
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX incidents_vessel_idx ON incidents (vessel_imo, date);
