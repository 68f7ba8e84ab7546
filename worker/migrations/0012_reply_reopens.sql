-- A customer's reply that reopened a solved ticket: its delivery reopens the helpdesk's ticket too, where
-- a comment alone does not (Freshdesk, JSM). 0 for every reply before this column.
ALTER TABLE messages ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
