-- Relais store, schema version 7: the improvement loop's reviewers, agents' flags and
-- 👍 kept apart. An agent given the reviewer role works the review inbox as admins do
-- (docs/review.md). A flag is an agent saying, from a conversation they hold, that the bot
-- got a turn wrong: like labels, flags are the store's rows, never events of the
-- conversation; an agent flags a turn once (again: the time is updated), several agents
-- may flag the same turn.

ALTER TABLE agents ADD COLUMN reviewer BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE review_flags (
    id INTEGER PRIMARY KEY,
    turn_id BIGINT NOT NULL REFERENCES review_turns (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    agent_id BIGINT NOT NULL REFERENCES agents (id),
    at BIGINT NOT NULL,
    UNIQUE (turn_id, agent_id)
);
CREATE INDEX review_flags_turn ON review_flags (turn_id, id);

-- A review turn now keeps whether its answer's latest rating was 👍 (rated_helpful in
-- its detail): the store folds every conversation again when it opens.
UPDATE conversations SET tally = NULL;
