-- Relais store, schema version 8: the help centre's "Was this article helpful?" answers,
-- one row per answer, anonymous (no visitor, no address), with the optional comment.
CREATE TABLE help_feedback (
    id INTEGER PRIMARY KEY,
    lang TEXT NOT NULL,
    article_id TEXT NOT NULL,
    helpful BOOLEAN NOT NULL,
    comment TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX help_feedback_at ON help_feedback (at);
