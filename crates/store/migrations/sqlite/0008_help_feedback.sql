-- Relais store, schema version 8: the help centre's "Was this article helpful?" answers
-- (one row per answer, anonymous: no visitor, no address; with the optional comment) and
-- the contact form's deflection.
CREATE TABLE help_feedback (
    id INTEGER PRIMARY KEY,
    lang TEXT NOT NULL,
    article_id TEXT NOT NULL,
    helpful BOOLEAN NOT NULL,
    comment TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX help_feedback_at ON help_feedback (at);

-- The contact form's deflection: per visit of the contact page (a random id the page's
-- script keeps for the browser tab), the first suggested article opened and when the
-- form was sent. A visit that opened a suggestion and sent no form was deflected.
CREATE TABLE help_visits (
    visit_id TEXT PRIMARY KEY,
    lang TEXT NOT NULL,
    article_id TEXT,
    opened_at BIGINT,
    form_sent_at BIGINT
);
CREATE INDEX help_visits_opened ON help_visits (opened_at);
CREATE INDEX help_visits_sent ON help_visits (form_sent_at);
