-- Relais store, schema version 5: `conversations.tally` holds relais_store::Tally in
-- postcard's binary form, its TALLY_VERSION first, a third the size of the JSON of
-- version 4 and decoded many times faster, for the figures of a large window. The JSON
-- tallies are dropped here; the store folds them again from the log when it opens.

UPDATE conversations SET tally = NULL;
