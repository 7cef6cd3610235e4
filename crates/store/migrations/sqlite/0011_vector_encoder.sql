-- Relais store, schema version 11: which encoder embedded each message vector (the first
-- 16 hex digits of its fingerprint, relais-encoder's `Encoder::short_fingerprint`), so
-- that knowledge gaps compare only vectors of the encoder in use. NULL: stored before
-- this version, by an encoder nobody recorded.
ALTER TABLE message_vectors ADD COLUMN encoder TEXT;
