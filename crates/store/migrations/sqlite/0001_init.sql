-- Relais store, schema version 1.
-- The event log (`events`) is the source of truth; the other tables are projections
-- kept in the same transaction as the events that change them, or plain records
-- (agents, sessions, callback requests).

CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_agent ON sessions (agent_id);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'queued', 'agent', 'closed')),
    language TEXT,
    holder_agent_id BIGINT REFERENCES agents (id),
    escalation_reason TEXT,
    queued_at BIGINT,
    closed_at BIGINT,
    last_seq BIGINT NOT NULL
);
CREATE INDEX conversations_state ON conversations (state, updated_at);

CREATE TABLE events (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    client_id TEXT,
    PRIMARY KEY (conversation_id, seq)
);
-- Several NULL client ids are allowed (bot events); a visitor's client id is stored once.
CREATE UNIQUE INDEX events_client_id ON events (conversation_id, client_id);

CREATE TABLE feedback (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq BIGINT NOT NULL,
    helpful BOOLEAN NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

CREATE TABLE callback_requests (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    name TEXT,
    email TEXT,
    phone TEXT,
    preferred_time TEXT,
    note TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX callback_requests_created ON callback_requests (created_at);
