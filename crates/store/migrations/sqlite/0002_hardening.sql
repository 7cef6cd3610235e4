-- Relais store, schema version 2: agents can be disabled (their sessions are deleted and
-- they can no longer log in), and callback requests are counted per conversation.

ALTER TABLE agents ADD COLUMN disabled_at BIGINT;
CREATE INDEX callback_requests_conversation ON callback_requests (conversation_id);
