-- The first answer of each request sent with an Idempotency-Key (the bulk
-- import), so a retry gets that answer back instead of importing twice,
-- whichever replica it reaches. `fingerprint` is a SHA-256 of what the
-- request asked for: the same key with another request is refused. Rows
-- older than the retention (24 h) are ignored and deleted by later writes.
CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
