-- Relais store, schema version 9: channels beyond the widget.
-- A conversation's channel and the contact's address on it (from its `started` event),
-- and its contact: the key that joins one person's conversations across channels
-- ("user:{verified user id}" or "phone:{E.164 number}"), set once verified.
ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT 'widget';
ALTER TABLE conversations ADD COLUMN address TEXT;
ALTER TABLE conversations ADD COLUMN contact TEXT;
CREATE INDEX conversations_address ON conversations (channel, address, state);
CREATE INDEX conversations_contact ON conversations (contact, created_at);

-- The outbox: one row per event a channel conversation sends out, written in the
-- transaction that appends the event, so nothing produced is lost before it is sent.
-- `pending` rows are tried at `next_at`; `sent` once the provider took it (its id in
-- `provider_id`), `delivered` when the provider says so, `failed` with `error`.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq BIGINT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    provider_id TEXT,
    error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE INDEX deliveries_due ON deliveries (state, next_at);
CREATE INDEX deliveries_provider ON deliveries (channel, provider_id);

-- Inbound messages by the provider's id (Twilio MessageSid, WhatsApp wamid, the REST
-- caller's client id): a replay is stored once.
CREATE TABLE channel_inbound (
    channel TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq BIGINT,
    at BIGINT NOT NULL,
    PRIMARY KEY (channel, provider_id)
);
CREATE INDEX channel_inbound_conversation ON channel_inbound (conversation_id);

-- Addresses that replied STOP: nothing is sent to them until they reply START.
CREATE TABLE channel_optouts (
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (channel, address)
);

-- API keys of the REST channel, stored as their SHA-256 (the key is shown once).
CREATE TABLE channel_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
