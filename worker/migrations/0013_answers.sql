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
