-- Relais store, schema version 3: insights select conversations by their start
-- (`created_at`, the time of their first event) in a window [from, to), in that order.

CREATE INDEX conversations_created ON conversations (created_at, id);
