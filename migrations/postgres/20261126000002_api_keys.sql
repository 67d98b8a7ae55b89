-- API keys: only a SHA-256 of the key is stored; the key itself is shown once.

CREATE TABLE api_keys (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'underwriter', 'admin')),
    key_hash     TEXT NOT NULL,
    key_prefix   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    CONSTRAINT api_keys_hash_key UNIQUE (key_hash)
);
