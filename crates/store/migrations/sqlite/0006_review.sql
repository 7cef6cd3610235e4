-- Relais store, schema version 6: the bot's turns to review and their labels (the
-- improvement loop). A review turn is a visitor's typed message the bot handled, with
-- what the classifier predicted (its three best intents) and what the bot did; its
-- columns are what the review inbox filters on, `detail` the rest (JSON of
-- relais_store::ReviewTurn). Rows are kept by the transaction that appends the events and
-- folded from the log when the store opens (with the tallies). Labels are append-only:
-- the latest row of a turn is its label, the older ones its history.

CREATE TABLE review_turns (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    confidence REAL NOT NULL,
    oos BOOLEAN NOT NULL,
    ambiguous BOOLEAN NOT NULL,
    answered BOOLEAN NOT NULL,
    escalation_reason TEXT,
    rated_unhelpful BOOLEAN NOT NULL,
    detail TEXT NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE INDEX review_turns_at ON review_turns (at, id);

CREATE TABLE review_labels (
    id INTEGER PRIMARY KEY,
    turn_id BIGINT NOT NULL REFERENCES review_turns (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    label TEXT NOT NULL,
    agent_id BIGINT NOT NULL REFERENCES agents (id),
    at BIGINT NOT NULL
);
CREATE INDEX review_labels_turn ON review_labels (turn_id, id);

-- The review turns are folded from the log with the tallies: dropping them here makes
-- the store fold every conversation again when it opens.
UPDATE conversations SET tally = NULL;
