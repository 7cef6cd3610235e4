-- Relais store, schema version 10: the nodes sharing the store, each with its count of
-- available agents and the time of its last heartbeat. A node whose heartbeat is older
-- than [server] presence_timeout_seconds is gone, and so are its agents.
CREATE TABLE node_presence (
    node TEXT PRIMARY KEY,
    available BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);

-- When a node last saw a socket of the visitor of a queued conversation (heartbeats
-- write it): a node sweeps from the queue the visitors no node has seen for
-- queue_abandon_after_seconds, wherever their socket was.
ALTER TABLE conversations ADD COLUMN visitor_seen_at BIGINT;
