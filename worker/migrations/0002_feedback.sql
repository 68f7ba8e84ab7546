-- Whether an article helped: one row per vote.
CREATE TABLE article_feedback (
    id INTEGER PRIMARY KEY,
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX article_feedback_by_article ON article_feedback (locale, slug);

-- What customers searched for and did not find, counted per folded query.
CREATE TABLE search_gaps (
    locale TEXT NOT NULL,
    query TEXT NOT NULL,
    searches INTEGER NOT NULL DEFAULT 1,
    first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (locale, query)
);
