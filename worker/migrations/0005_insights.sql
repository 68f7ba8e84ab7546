-- Support insights: what customers did in the widget, one row per event, kept for
-- INSIGHTS_RETENTION_DAYS. `subject` is the folded query or the article's slug; `value` is how many
-- articles a search found, or 1 / 0 for a helpful / unhelpful vote. `visit` is the widget's random id
-- for one browser tab, which ties reading to a ticket filed in the same visit and to nothing else.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('search', 'article_view', 'feedback', 'deflection')),
    visit TEXT,
    product TEXT,
    locale TEXT,
    subject TEXT NOT NULL,
    value INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX events_by_time ON events (at);

ALTER TABLE tickets ADD COLUMN product TEXT;
ALTER TABLE tickets ADD COLUMN visit TEXT;
-- Unix seconds: ratings are charted by when they were given.
ALTER TABLE tickets ADD COLUMN rated_at INTEGER;
CREATE INDEX tickets_by_visit ON tickets (visit) WHERE visit IS NOT NULL;

-- Votes and deflections are events from now on; what was recorded before keeps counting.
INSERT INTO events (at, kind, locale, subject, value)
    SELECT CAST(strftime('%s', created_at) AS INTEGER), 'feedback', locale, slug, helpful FROM article_feedback;
DROP TABLE article_feedback;
INSERT INTO events (at, kind, locale, subject, value)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < (SELECT MAX(count) FROM deflections))
    SELECT CAST(strftime('%s', 'now') AS INTEGER), 'deflection', locale, slug, 1 FROM deflections JOIN n ON n.i <= deflections.count;
DROP TABLE deflections;
