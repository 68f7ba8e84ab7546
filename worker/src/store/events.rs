//! Insights events in D1: one row per search, article view, vote and deflection, kept for the retention
//! period. A report is a handful of grouping queries in one batch whose rows edgedesk-insights turns into
//! figures.

use std::collections::BTreeMap;

use edgedesk_insights::{
    AnsweredVisits, Event, EventGroup, EventKind, Filter, RatingRow, Rows, TicketRow, VisitCounts,
};
use edgedesk_protocol::api::{ApiError, GapCount, TicketStatus};
use edgedesk_search::learning::Vote;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use worker::{D1Database, D1PreparedStatement, D1Result};

use super::{all, execute, nullable, statement};
use crate::http::internal;

/// Tickets accepted in `[?1, ?2)`, of product ?3 if given, with their delivery (confirmed when a ?4 event
/// was recorded) and rating.
const TICKETS: &str = "SELECT CAST(strftime('%s', t.created_at) AS INTEGER) AS at, t.topic, t.urgency, t.product, \
     t.incident_id, o.state, o.attempts, \
     (SELECT ROUND((julianday(MIN(e.at)) - julianday(t.created_at)) * 86400, 3) FROM ticket_events e \
      WHERE e.number = t.number AND e.status = ?4) AS delivery_seconds, \
     t.first_response_at, t.resolved_at, CAST(strftime('%s', t.expected_reply_at) AS INTEGER) AS reply_due_at \
     FROM tickets t LEFT JOIN outbox o ON o.number = t.number \
     WHERE CAST(strftime('%s', t.created_at) AS INTEGER) >= ?1 AND CAST(strftime('%s', t.created_at) AS INTEGER) < ?2 \
     AND (?3 IS NULL OR t.product = ?3)";
/// Ratings given in `[?1, ?2)`; one given before `rated_at` was recorded counts when its ticket was filed.
const RATINGS: &str = "SELECT at, topic, rating FROM (SELECT COALESCE(rated_at, CAST(strftime('%s', created_at) AS INTEGER)) \
     AS at, topic, rating, product FROM tickets WHERE rating IS NOT NULL) WHERE at >= ?1 AND at < ?2 \
     AND (?3 IS NULL OR product = ?3)";
const EVENTS: &str = "SELECT kind, locale, subject, COUNT(*) AS count, SUM(value > 0) AS positive FROM events \
     WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR product = ?3) GROUP BY kind, locale, subject";
/// Visits that searched or read (with events of kind ?4 only, when given), and how many of them filed a
/// ticket in the period.
const VISITS: &str = "SELECT COUNT(*) AS visits, COALESCE(SUM(visit IN (SELECT visit FROM tickets \
     WHERE visit IS NOT NULL AND CAST(strftime('%s', created_at) AS INTEGER) >= ?1 \
     AND CAST(strftime('%s', created_at) AS INTEGER) < ?2 AND (?3 IS NULL OR product = ?3))), 0) AS with_ticket \
     FROM (SELECT DISTINCT visit FROM events WHERE visit IS NOT NULL AND at >= ?1 AND at < ?2 \
     AND (?3 IS NULL OR product = ?3) AND (?4 IS NULL OR kind = ?4))";
/// Visits shown a written answer in the period, per locale and first source, and how many of them filed a
/// ticket (each visit once overall: [`VISITS`] of kind `answer_shown`).
const ANSWERED: &str = "SELECT locale, subject, COUNT(DISTINCT visit) AS visits, COUNT(DISTINCT CASE WHEN visit IN \
     (SELECT visit FROM tickets WHERE visit IS NOT NULL AND CAST(strftime('%s', created_at) AS INTEGER) >= ?1 \
     AND CAST(strftime('%s', created_at) AS INTEGER) < ?2 AND (?3 IS NULL OR product = ?3)) THEN visit END) AS with_ticket \
     FROM events WHERE kind = ?4 AND visit IS NOT NULL AND at >= ?1 AND at < ?2 AND (?3 IS NULL OR product = ?3) \
     GROUP BY locale, subject";
/// The products to filter by: the 50 most used, so names nobody uses cannot crowd out the real ones.
const PRODUCTS: &str = "SELECT product FROM (SELECT product, COUNT(*) AS uses FROM (SELECT product FROM tickets \
     WHERE product IS NOT NULL UNION ALL SELECT product FROM events WHERE product IS NOT NULL) \
     GROUP BY product ORDER BY uses DESC LIMIT 50) ORDER BY product";

/// The statement that stores one event; run it, or hand it to `waitUntil` to run after the response.
/// `address` is the keyed hash of the client's address, for events learning reads.
pub fn insert(database: &D1Database, event: &Event, address: Option<&str>) -> Result<D1PreparedStatement, ApiError> {
    statement(
        database,
        "INSERT INTO events (at, kind, visit, product, locale, subject, value, address) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            (event.at as f64).into(),
            event.kind.name().into(),
            nullable(event.visit.as_deref()),
            nullable(event.product.as_deref()),
            nullable(event.locale.as_deref()),
            event.subject.as_str().into(),
            event.value.into(),
            nullable(address),
        ],
    )
}

/// Learning's votes since ?1: each article read (in the article's locale) with the last search that
/// found something before it in the same visit, at most half an hour earlier, in visits that filed no
/// ticket. Bounded, so that a flood of events cannot make the sweep run out of memory.
const VOTES: &str = "SELECT v.locale AS locale, s.subject AS query, v.subject AS article, v.visit AS visit, \
     v.address AS address, v.at AS at FROM events v JOIN events s ON s.visit = v.visit AND s.kind = ?2 \
     AND s.value > 0 AND s.at <= v.at AND s.at >= v.at - 1800 \
     WHERE v.kind = ?3 AND v.at >= ?1 AND v.visit IS NOT NULL AND v.address IS NOT NULL AND v.locale IS NOT NULL \
     AND NOT EXISTS (SELECT 1 FROM events later WHERE later.visit = v.visit AND later.kind = ?2 \
         AND later.value > 0 AND later.at > s.at AND later.at <= v.at) \
     AND v.visit NOT IN (SELECT visit FROM tickets WHERE visit IS NOT NULL) \
     ORDER BY v.at DESC LIMIT ?4";
const MAX_VOTES: u32 = 50_000;

pub async fn votes(database: &D1Database, since: i64) -> Result<Vec<Vote>, ApiError> {
    all(
        database,
        VOTES,
        &[
            (since as f64).into(),
            EventKind::Search.name().into(),
            EventKind::ArticleView.name().into(),
            MAX_VOTES.into(),
        ],
    )
    .await
}

/// Forgets the address hashes of events from before `cutoff`: learning no longer reads them.
pub async fn forget_addresses_before(database: &D1Database, cutoff: i64) -> Result<(), ApiError> {
    execute(
        database,
        "UPDATE events SET address = NULL WHERE at < ?1 AND address IS NOT NULL",
        &[(cutoff as f64).into()],
    )
    .await
}

/// The most frequent searches that found nothing (search events with no results), and on a site that
/// writes answers the questions no article covered well enough to answer, in `locale` or all of them,
/// over the events still kept.
pub async fn gaps(database: &D1Database, locale: Option<&str>, limit: usize) -> Result<Vec<GapCount>, ApiError> {
    all(
        database,
        "SELECT locale, subject AS query, COUNT(*) AS searches, \
             strftime('%Y-%m-%dT%H:%M:%SZ', MAX(at), 'unixepoch') AS last_seen FROM events \
             WHERE ((kind = ?1 AND value = 0) OR kind = ?4) AND locale IS NOT NULL AND (?2 IS NULL OR locale = ?2) \
             GROUP BY locale, subject ORDER BY searches DESC, MAX(at) DESC LIMIT ?3",
        &[
            EventKind::Search.name().into(),
            nullable(locale),
            (limit as u32).into(),
            EventKind::AnswerUnsure.name().into(),
        ],
    )
    .await
}

/// Everything a report over `[start, end)` needs, in one batch; the incident titles come from the notices.
pub async fn report_rows(
    database: &D1Database,
    (start, end): (i64, i64),
    filter: &Filter,
    incident_titles: BTreeMap<String, String>,
    topics: BTreeMap<String, (String, String)>,
) -> Result<Rows, ApiError> {
    let range = [(start as f64).into(), (end as f64).into(), nullable(filter.product.as_deref())];
    let answered_range = [range.as_slice(), &[EventKind::AnswerShown.name().into()]].concat();
    let results = database
        .batch(vec![
            statement(database, TICKETS, &[range.as_slice(), &[TicketStatus::Delivered.as_str().into()]].concat())?,
            statement(database, RATINGS, &range)?,
            statement(database, EVENTS, &range)?,
            statement(database, VISITS, &[range.as_slice(), &[nullable(None)]].concat())?,
            statement(database, PRODUCTS, &[])?,
            statement(database, ANSWERED, &answered_range)?,
            statement(database, VISITS, &answered_range)?,
        ])
        .await
        .map_err(internal)?;
    let [tickets, ratings, events, visits, products, answered, answered_visits] = results.as_slice() else {
        return Err(internal(format!("the report batch answered {} results", results.len())));
    };
    #[derive(Deserialize)]
    struct Product {
        product: String,
    }
    Ok(Rows {
        tickets: rows::<TicketRow>(tickets)?,
        ratings: rows::<RatingRow>(ratings)?,
        events: rows::<EventGroup>(events)?,
        visits: rows::<VisitCounts>(visits)?.into_iter().next().unwrap_or_default(),
        products: rows::<Product>(products)?.into_iter().map(|row| row.product).collect(),
        incident_titles,
        answered: rows::<AnsweredVisits>(answered)?,
        answered_visits: rows::<VisitCounts>(answered_visits)?.into_iter().next().unwrap_or_default(),
        topics,
    })
}

fn rows<T: DeserializeOwned>(result: &D1Result) -> Result<Vec<T>, ApiError> {
    result.results().map_err(internal)
}

/// Forgets events from before `cutoff` (Unix seconds).
pub async fn forget_before(database: &D1Database, cutoff: i64) -> Result<(), ApiError> {
    execute(database, "DELETE FROM events WHERE at < ?1", &[(cutoff as f64).into()]).await
}
