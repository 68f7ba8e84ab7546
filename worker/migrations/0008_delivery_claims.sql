-- Exactly once from the outbox: a consumer claims a row before sending it (a compare-and-set that must
-- change exactly one row), so the sweep, an operator's replay and a queued retry can never send the
-- same ticket at once. `claim` is the claiming attempt's random token, `claimed_until` (Unix seconds)
-- when an attempt that never reported back stops holding the row. `retrying_since` is when the current
-- round of attempts began (the ticket's arrival, or the operator's replay): retrying ends after the
-- worker's DELIVERY_MAX_AGE_HOURS from it. `claims` counts every attempt ever started, replays included
-- (`attempts` restarts at a replay): after the first, the worker asks the helpdesk whether it already has
-- the ticket before creating it, since an attempt may have created it and never heard back.
ALTER TABLE outbox ADD COLUMN claim TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN retrying_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET retrying_since = CAST(strftime('%s', updated_at) AS INTEGER), claims = attempts;
