-- The insured book: fleets, vessels and their inspection and incident histories.
-- UUIDs are 16-byte BLOBs, timestamps and dates TEXT (sqlx's SQLite encodings).

CREATE TABLE fleets (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CONSTRAINT fleets_name_key UNIQUE (name)
);

CREATE TABLE vessels (
    imo                      TEXT PRIMARY KEY NOT NULL CHECK (length(imo) = 7 AND imo NOT GLOB '*[^0-9]*'),
    fleet_id                 BLOB NOT NULL REFERENCES fleets (id) ON DELETE RESTRICT,
    name                     TEXT NOT NULL,
    ship_type                TEXT NOT NULL,
    year_built               INTEGER NOT NULL,
    gross_tonnage            INTEGER NOT NULL,
    flag                     TEXT NOT NULL,
    class_society            TEXT,
    company_performance      TEXT NOT NULL,
    insured_value_usd        REAL NOT NULL CHECK (insured_value_usd >= 0),
    insurance_policy_id      TEXT,
    sanctioned               BOOLEAN NOT NULL,
    banned_listed            BOOLEAN NOT NULL,
    days_in_listed_areas_12m INTEGER NOT NULL,
    ais_gaps_12m             INTEGER NOT NULL,
    flag_changes_36m         INTEGER NOT NULL,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL
);
CREATE INDEX vessels_fleet_name_idx ON vessels (fleet_id, name, imo);

CREATE TABLE inspections (
    id           BLOB PRIMARY KEY NOT NULL,
    vessel_imo   TEXT NOT NULL REFERENCES vessels (imo) ON DELETE CASCADE,
    date         TEXT NOT NULL,
    regime       TEXT NOT NULL,
    deficiencies INTEGER NOT NULL CHECK (deficiencies >= 0),
    detained     BOOLEAN NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX inspections_vessel_idx ON inspections (vessel_imo, date);

CREATE TABLE incidents (
    id             BLOB PRIMARY KEY NOT NULL,
    vessel_imo     TEXT NOT NULL REFERENCES vessels (imo) ON DELETE CASCADE,
    date           TEXT NOT NULL,
    severity       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    gross_loss_usd REAL NOT NULL CHECK (gross_loss_usd >= 0),
    created_at     TEXT NOT NULL
);
CREATE INDEX incidents_vessel_idx ON incidents (vessel_imo, date);
