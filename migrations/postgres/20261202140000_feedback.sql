-- In-app feedback (issue 13, item 8). The message is stored as sent.
-- received_at is the server's clock, in whole seconds (as on SQLite);
-- sent_at is the client's context timestamp.
CREATE TABLE feedback (
    id UUID PRIMARY KEY,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    category TEXT NOT NULL,
    message TEXT NOT NULL,
    -- VADER's compound score of the message, scored once at submission.
    compound DOUBLE PRECISION NOT NULL,
    feature TEXT NOT NULL,
    app_version TEXT NOT NULL,
    session_id TEXT NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    submitted_by TEXT NOT NULL
);
CREATE INDEX feedback_received_idx ON feedback (received_at);
CREATE INDEX feedback_feature_received_idx ON feedback (feature, received_at);
