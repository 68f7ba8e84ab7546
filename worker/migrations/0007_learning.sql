-- Ranking that learns from customers: a search followed, in the same visit, by reading an article is a
-- vote, and only votes from enough distinct addresses count. `address` is a keyed hash of the client's
-- address (the key lives in KV and never leaves the worker); the sweep forgets it after the learning
-- window, long before the event itself goes.
ALTER TABLE events ADD COLUMN address TEXT;
CREATE INDEX events_by_visit ON events (visit, at) WHERE visit IS NOT NULL;
