-- Conversations: the customer's replies and the agents' public replies to a ticket, after its first message.
-- A customer's reply is stored before it is acknowledged and carries its own delivery state, claimed with a
-- compare-and-set like the outbox's; it goes to the helpdesk only after the ticket itself and every earlier
-- reply did, so the helpdesk sees the conversation in order. `source_key` makes a second report of the same
-- agent reply, or a retried customer reply (its idempotency key), find the first instead of adding one.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL REFERENCES tickets (number),
    author TEXT NOT NULL CHECK (author IN ('customer', 'agent')),
    author_name TEXT,
    body TEXT NOT NULL,
    -- The attachments as delivered (edgedesk_tickets::accept::Attachment list as JSON).
    attachments TEXT NOT NULL DEFAULT '[]',
    -- Unix seconds.
    at INTEGER NOT NULL,
    source_key TEXT NOT NULL,
    -- An agent's reply: when the customer first opened the conversation after it came.
    read_at INTEGER,
    -- A customer's reply on its way: NULL for an agent's.
    delivery TEXT CHECK (delivery IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    claims INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    retrying_since INTEGER NOT NULL DEFAULT 0,
    claim TEXT,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (number, source_key)
);
CREATE INDEX messages_by_ticket ON messages (number, id);
CREATE INDEX messages_due ON messages (delivery, next_attempt_at) WHERE delivery IS NOT NULL;
CREATE INDEX messages_unread ON messages (number) WHERE author = 'agent' AND read_at IS NULL;

-- When the ticket was last solved (replies reopen it for REOPEN_DAYS after), when an agent first answered
-- and when it was first solved (Unix seconds), for insights; and what the customer added to a rating.
ALTER TABLE tickets ADD COLUMN solved_at INTEGER;
ALTER TABLE tickets ADD COLUMN first_response_at INTEGER;
ALTER TABLE tickets ADD COLUMN resolved_at INTEGER;
ALTER TABLE tickets ADD COLUMN rating_comment TEXT;
-- Finding the ticket a helpdesk's report is about by the helpdesk's own id.
CREATE INDEX outbox_by_backend_id ON outbox (backend_id) WHERE backend_id IS NOT NULL;
