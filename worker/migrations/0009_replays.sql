-- Replays refused: of signed progress reports, and of idempotency keys presented by another client.

-- Signed progress reports from the helpdesk, remembered for as long as their signature could still be
-- accepted (five minutes either way), so that a captured report cannot be sent a second time.
CREATE TABLE seen_signatures (
    signature TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
);

-- Idempotency keys are scoped to the client that made them (its address, or its IPv6 /64, before the
-- key in `key`) and remember a fingerprint of the body they were first sent with: another client's key
-- finds nothing, and the same key with another body is refused instead of answered.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT;
