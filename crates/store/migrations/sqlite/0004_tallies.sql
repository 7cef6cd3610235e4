-- Relais store, schema version 4: each conversation's tally for insights (JSON of
-- relais_store::Tally), kept by the transaction that appends its events, and who
-- started it (`user:<verified id>` or `browser:<browser id>`) for repeat contacts. A
-- NULL tally is folded from the events when the store opens (conversations written
-- before this version).

ALTER TABLE conversations ADD COLUMN tally TEXT;
ALTER TABLE conversations ADD COLUMN visitor TEXT;
CREATE INDEX conversations_visitor ON conversations (created_at, visitor) WHERE visitor IS NOT NULL;

-- The encoder's embedding of each visitor message, for grouping knowledge gaps into
-- topics: the unit vector's components times 127, rounded, one signed byte each.
CREATE TABLE message_vectors (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq BIGINT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
