-- Following a ticket takes its view token (or a signed identity), no longer its email.

-- The hash of the random view token the 202 answered with. Tickets filed before this migration have
-- none: their customers follow them with a signed identity, or through the helpdesk's own replies.
ALTER TABLE tickets ADD COLUMN view_token_hash TEXT;

-- How many tickets one email address was the requester of in the last hour, for the limit on the
-- acknowledgements a helpdesk sends to an address nobody verified.
CREATE INDEX tickets_by_email ON tickets (email COLLATE NOCASE, created_at);
