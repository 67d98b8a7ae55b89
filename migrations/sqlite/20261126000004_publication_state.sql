-- One counter, bumped in the same transaction as every publication, threshold
-- change and fleet change: readers cache rendered risk responses per version,
-- so a read costs one single-row query and is never stale, on any replica.
CREATE TABLE publication_state (
    id      INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO publication_state (id, version) VALUES (1, 0);
