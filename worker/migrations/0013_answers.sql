-- Issue 18: answers written by the team's model. A written answer is kept by its key (a hash of the
-- folded, masked question, the build, the locale and the product) so that the same question costs one
-- call per build; the counts bound how many are written per visit, per address and per site each day.
CREATE TABLE answer_cache (
  key TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE answer_counts (
  scope TEXT NOT NULL,
  day INTEGER NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (scope, day)
);

-- Written answers are insights events too: shown (complete), questions no article covered (which the gaps
-- report lists), "Did this answer your question?" and "Contact support" from an answer. SQLite cannot
-- change a CHECK constraint, so the table is rebuilt with every row, id and index it had.
CREATE TABLE events_with_answers (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('search', 'article_view', 'feedback', 'deflection',
        'answer_shown', 'answer_unsure', 'answer_feedback', 'answer_contact')),
    visit TEXT,
    product TEXT,
    locale TEXT,
    subject TEXT NOT NULL,
    value INTEGER NOT NULL DEFAULT 1,
    address TEXT
);
INSERT INTO events_with_answers (id, at, kind, visit, product, locale, subject, value, address)
    SELECT id, at, kind, visit, product, locale, subject, value, address FROM events;
DROP TABLE events;
ALTER TABLE events_with_answers RENAME TO events;
CREATE INDEX events_by_time ON events (at);
CREATE INDEX events_by_visit ON events (visit, at) WHERE visit IS NOT NULL;
