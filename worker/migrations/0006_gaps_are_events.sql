-- A search that found nothing is an insights event (kind 'search', value 0) like every other search, and
-- the editors' gaps report reads those; the table below counted the same searches a second time. What
-- only it knew is carried over before it goes: for each query, the searches it counted beyond the
-- zero-result events already recorded, at the time it last saw the query.
WITH RECURSIVE missing (locale, query, remaining, at) AS (
    SELECT g.locale, g.query,
           g.searches - (SELECT COUNT(*) FROM events e
                         WHERE e.kind = 'search' AND e.value = 0 AND e.locale = g.locale AND e.subject = g.query),
           CAST(strftime('%s', g.last_seen) AS INTEGER)
    FROM search_gaps g
    UNION ALL
    SELECT locale, query, remaining - 1, at FROM missing WHERE remaining > 1
)
INSERT INTO events (at, kind, locale, subject, value)
SELECT at, 'search', locale, query, 0 FROM missing WHERE remaining > 0;

DROP TABLE search_gaps;
