-- Tickets that are never lost and never duplicated: the full record as delivered, the outbox that drives
-- delivery, the idempotency keys that make retried submissions answer with the first ticket, the uploaded
-- attachments, and what the helpdesk reported back.
ALTER TABLE tickets ADD COLUMN topic TEXT;
ALTER TABLE tickets ADD COLUMN urgency TEXT;
ALTER TABLE tickets ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN steps_tried TEXT;
ALTER TABLE tickets ADD COLUMN expected_reply_at TEXT;
-- received → delivered → open / pending / solved / closed, as the helpdesk reports it.
ALTER TABLE tickets ADD COLUMN status TEXT NOT NULL DEFAULT 'received';
-- The ticket exactly as it is delivered (edgedesk_tickets::accept::StoredTicket as JSON).
ALTER TABLE tickets ADD COLUMN payload TEXT;
ALTER TABLE tickets ADD COLUMN rating TEXT CHECK (rating IN ('good', 'bad'));
ALTER TABLE tickets ADD COLUMN customer_id TEXT;

-- One row per ticket until the helpdesk confirms it. `next_attempt_at` (Unix seconds) is when the sweep
-- may enqueue it again if no consumer has confirmed or rescheduled it by then.
CREATE TABLE outbox (
    number TEXT PRIMARY KEY REFERENCES tickets (number),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'held')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    backend TEXT,
    backend_id TEXT,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    ticket_number TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL REFERENCES tickets (number),
    status TEXT NOT NULL,
    message TEXT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (number, id);

-- Suggested articles opened while writing a ticket that was then not sent.
CREATE TABLE deflections (
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (locale, slug)
);
