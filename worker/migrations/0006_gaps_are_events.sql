-- A search that found nothing is an insights event (kind 'search', value 0) like every other search, and
-- the editors' gaps report reads those; the table below counted the same searches a second time (once per
-- visit, where events count every settled search). Queries the events already saw are theirs. Queries
-- only the table knew (searched before events were recorded) are carried over before it goes: as many
-- searches as it counted, on the day it last saw them, the only time it kept.
WITH RECURSIVE missing (locale, query, remaining, at) AS (
    SELECT g.locale, g.query, g.searches, CAST(strftime('%s', g.last_seen) AS INTEGER)
    FROM search_gaps g
    WHERE NOT EXISTS (SELECT 1 FROM events e
                      WHERE e.kind = 'search' AND e.value = 0 AND e.locale = g.locale AND e.subject = g.query)
    UNION ALL
    SELECT locale, query, remaining - 1, at FROM missing WHERE remaining > 1
)
INSERT INTO events (at, kind, locale, subject, value)
SELECT at, 'search', locale, query, 0 FROM missing WHERE remaining > 0;

DROP TABLE search_gaps;
