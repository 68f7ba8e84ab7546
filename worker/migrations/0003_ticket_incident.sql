-- The status notice a ticket was written under, so support sees which tickets an incident caused.
ALTER TABLE tickets ADD COLUMN incident_id TEXT;
CREATE INDEX tickets_by_incident ON tickets (incident_id) WHERE incident_id IS NOT NULL;
