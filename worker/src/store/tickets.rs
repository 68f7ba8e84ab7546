//! Tickets in D1: the ticket with its outbox row and idempotency key written as one transaction, what the
//! customer sees of it, what the helpdesk reports, and the rating.

use edgedesk_protocol::api::{
    ApiError, AttachmentView, Author, DeliveryState, MyTicket, ThreadMessage, TicketAccepted, TicketEventView,
    TicketStatus,
};
use edgedesk_tickets::accept::{Accepted, StoredTicket, customer_key, view_token_hash};
use edgedesk_tickets::lifecycle;
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{all, attachments, changes, execute, first, nullable, outbox, run, statement};
use crate::http::internal;

/// A submission's idempotency key as it is stored: scoped to the client that sent it, with a fingerprint
/// of the body it came with.
#[derive(Debug, Clone)]
pub struct ScopedKey {
    pub key: String,
    pub fingerprint: String,
}

/// What an idempotency key already used answers.
pub enum Earlier {
    /// The same submission again: its first answer.
    Same(TicketAccepted),
    /// The key came with another body.
    OtherBody,
}

/// The answer given to an idempotency key this client already used, if any.
pub async fn answer_for_key(database: &D1Database, scoped: &ScopedKey) -> Result<Option<Earlier>, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        response: String,
        fingerprint: Option<String>,
    }
    let row: Option<Row> = first(
        database,
        "SELECT response, fingerprint FROM idempotency_keys WHERE key = ?1",
        &[scoped.key.as_str().into()],
    )
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.fingerprint.is_some_and(|fingerprint| fingerprint != scoped.fingerprint) {
        return Ok(Some(Earlier::OtherBody));
    }
    serde_json::from_str(&row.response).map(|answer| Some(Earlier::Same(answer))).map_err(internal)
}

/// How storing an accepted ticket went.
#[derive(Debug)]
pub enum Insert {
    Stored,
    /// Another ticket has this number: draw another.
    NumberTaken,
    /// Anything else, such as a concurrent submission with the same idempotency key.
    Failed(String),
}

/// Stores an accepted ticket, its outbox row (due for the sweep at `lease_until` unless the queue
/// delivers it first), its idempotency key and its attachments' claim, as one transaction. The key goes
/// first, so that a concurrent duplicate fails before it writes anything.
pub async fn insert(
    database: &D1Database,
    accepted: &Accepted,
    idempotency_key: Option<&ScopedKey>,
    now: i64,
    lease_until: i64,
) -> Result<Insert, ApiError> {
    let stored = &accepted.stored;
    let mut statements: Vec<D1PreparedStatement> = Vec::new();
    if let Some(scoped) = idempotency_key {
        let response = serde_json::to_string(&accepted.replay).map_err(internal)?;
        statements.push(statement(
            database,
            "INSERT INTO idempotency_keys (key, number, response, created_at, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                scoped.key.as_str().into(),
                stored.number.as_str().into(),
                response.into(),
                (now as f64).into(),
                scoped.fingerprint.as_str().into(),
            ],
        )?);
    }
    let payload = serde_json::to_string(stored).map_err(internal)?;
    let context = &stored.context;
    statements.push(statement(
        database,
        "INSERT INTO tickets (number, name, email, subject, message, page_url, locale, user_agent, incident_id, \
         topic, urgency, priority, steps_tried, expected_reply_at, payload, customer_id, created_at, product, visit, \
         status, view_token_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
         ?18, ?19, ?20, ?21)",
        &[
            stored.number.as_str().into(),
            stored.name.as_str().into(),
            stored.email.as_str().into(),
            stored.subject.as_str().into(),
            stored.message.as_str().into(),
            nullable(context.page_url.as_deref()),
            nullable(context.locale.as_deref()),
            nullable(context.user_agent.as_deref()),
            nullable(context.incident_id.as_deref()),
            stored.topic.as_str().into(),
            stored.urgency.name().into(),
            i32::from(stored.priority).into(),
            nullable(stored.steps_tried.as_deref()),
            stored.expected_reply_at.as_str().into(),
            payload.into(),
            nullable(customer_key(&stored.customer)),
            stored.created_at.as_str().into(),
            nullable(context.product.as_deref()),
            nullable(accepted.visit.as_deref()),
            accepted.answer.status.as_str().into(),
            view_token_hash(&accepted.answer.view_token).into(),
        ],
    )?);
    statements.push(outbox::insert(database, &stored.number, now, lease_until)?);
    for attachment in &stored.attachments {
        statements.push(attachments::claim(database, &attachment.id, &stored.number)?);
    }
    match database.batch(statements).await {
        Ok(_) => Ok(Insert::Stored),
        Err(error) if error.to_string().contains("tickets.number") => Ok(Insert::NumberTaken),
        Err(error) => Ok(Insert::Failed(error.to_string())),
    }
}

/// The newest tickets of a verified customer (their id, else their email), at most 20.
pub async fn of_customer(database: &D1Database, customer_key: &str) -> Result<Vec<MyTicket>, ApiError> {
    all(
        database,
        "SELECT number, subject, created_at FROM tickets WHERE customer_id = ?1 ORDER BY id DESC LIMIT 20",
        &[customer_key.into()],
    )
    .await
}

/// A ticket as its customer sees it.
#[derive(Debug, Deserialize)]
pub struct CustomerTicket {
    pub number: String,
    /// The verified customer who filed it (their id, else their email), if any.
    pub customer_id: Option<String>,
    pub view_token_hash: Option<String>,
    pub subject: String,
    pub status: TicketStatus,
    pub created_at: String,
    pub expected_reply_at: Option<String>,
    pub rating: Option<String>,
    /// When it was last solved (Unix seconds), if it was.
    pub solved_at: Option<f64>,
}

/// A ticket by its number (in any case).
pub async fn by_number(database: &D1Database, number: &str) -> Result<Option<CustomerTicket>, ApiError> {
    first(
        database,
        "SELECT number, customer_id, view_token_hash, subject, status, created_at, expected_reply_at, rating, \
         solved_at FROM tickets WHERE number = ?1",
        &[number.to_ascii_uppercase().into()],
    )
    .await
}

/// The ticket's own message, first in its conversation: the customer's words and attachments as filed,
/// delivered once the helpdesk confirmed the ticket.
pub async fn first_message(database: &D1Database, number: &str) -> Result<ThreadMessage, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        message: String,
        created_at: String,
        payload: Option<String>,
        delivery: Option<String>,
    }
    let row: Row = first(
        database,
        "SELECT message, tickets.created_at, payload, outbox.state AS delivery FROM tickets LEFT JOIN outbox \
         USING (number) WHERE number = ?1",
        &[number.into()],
    )
    .await?
    .ok_or_else(|| internal("a ticket that was just found is gone"))?;
    let stored: Option<StoredTicket> = row.payload.as_deref().and_then(|payload| serde_json::from_str(payload).ok());
    Ok(ThreadMessage {
        id: 0,
        author: Author::Customer,
        name: None,
        body: row.message,
        at: row.created_at,
        attachments: stored
            .map(|stored| stored.attachments)
            .unwrap_or_default()
            .into_iter()
            .map(|attachment| AttachmentView {
                id: attachment.id,
                name: attachment.name,
                bytes: attachment.bytes,
                url: String::new(),
            })
            .collect(),
        delivered: row.delivery.as_deref() == Some(DeliveryState::Delivered.as_str()),
        unread: false,
    })
}

/// The number of the ticket helpdesk `backend` knows by `id`, as the worker recorded it on delivery.
pub async fn by_helpdesk_id(database: &D1Database, backend: &str, id: &str) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        number: String,
    }
    let row: Option<Row> = first(
        database,
        "SELECT number FROM outbox WHERE backend = ?1 AND backend_id = ?2 LIMIT 1",
        &[backend.into(), id.into()],
    )
    .await?;
    Ok(row.map(|row| row.number))
}

/// How many tickets named `email` as their requester since `since` (RFC 3339).
pub async fn requested_by_since(database: &D1Database, email: &str, since: &str) -> Result<usize, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        count: usize,
    }
    let row: Option<Row> = first(
        database,
        "SELECT COUNT(*) AS count FROM tickets WHERE email = ?1 COLLATE NOCASE AND created_at >= ?2",
        &[email.trim().into(), since.into()],
    )
    .await?;
    Ok(row.map_or(0, |row| row.count))
}

/// What happened to a ticket, oldest first.
pub async fn events(database: &D1Database, number: &str) -> Result<Vec<TicketEventView>, ApiError> {
    all(database, "SELECT status, message, at FROM ticket_events WHERE number = ?1 ORDER BY id", &[number.into()]).await
}

/// Records the customer's rating at `at`, unless one was recorded already.
pub async fn rate(
    database: &D1Database,
    number: &str,
    rating: &str,
    comment: Option<&str>,
    at: i64,
) -> Result<(), ApiError> {
    execute(
        database,
        "UPDATE tickets SET rating = ?1, rated_at = ?3, rating_comment = ?4 WHERE number = ?2 AND rating IS NULL",
        &[rating.into(), number.into(), (at as f64).into(), nullable(comment)],
    )
    .await
}

/// What confirming a delivery changes for the customer: a `received` ticket is now `delivered`, and the
/// moment is on its timeline.
pub fn confirmation(database: &D1Database, number: &str) -> Result<Vec<D1PreparedStatement>, ApiError> {
    let received = TicketStatus::Received;
    Ok(vec![
        statement(
            database,
            "UPDATE tickets SET status = ?2 WHERE number = ?1 AND status = ?3",
            &[number.into(), lifecycle::confirmed(received).as_str().into(), received.as_str().into()],
        )?,
        statement(
            database,
            // Once: two attempts may both hear the helpdesk confirm the same ticket.
            "INSERT INTO ticket_events (number, status) SELECT ?1, ?2 \
             WHERE NOT EXISTS (SELECT 1 FROM ticket_events WHERE number = ?1 AND status = ?2)",
            &[number.into(), TicketStatus::Delivered.as_str().into()],
        )?,
    ])
}

/// Records a signature the first time it is seen at `now`; `false` when it was seen before (a replay).
pub async fn first_sight(database: &D1Database, signature: &str, now: i64) -> Result<bool, ApiError> {
    let result = run(
        database,
        "INSERT INTO seen_signatures (signature, seen_at) VALUES (?1, ?2) ON CONFLICT (signature) DO NOTHING",
        &[signature.into(), (now as f64).into()],
    )
    .await?;
    Ok(changes(&result) == Some(1))
}

/// Whether a signature was seen before.
pub async fn seen_signature(database: &D1Database, signature: &str) -> Result<bool, ApiError> {
    #[derive(Deserialize)]
    struct Row {}
    let row: Option<Row> =
        first(database, "SELECT 1 AS seen FROM seen_signatures WHERE signature = ?1", &[signature.into()]).await?;
    Ok(row.is_some())
}

/// Forgets signatures seen before `cutoff`: past the signatures' own tolerance nobody can replay them.
pub async fn forget_signatures_before(database: &D1Database, cutoff: i64) -> Result<(), ApiError> {
    execute(database, "DELETE FROM seen_signatures WHERE seen_at < ?1", &[(cutoff as f64).into()]).await
}

/// Forgets idempotency keys made before `cutoff`: nobody retries a submission that late.
pub async fn forget_idempotency_keys(database: &D1Database, cutoff: i64) -> Result<(), ApiError> {
    execute(database, "DELETE FROM idempotency_keys WHERE created_at < ?1", &[(cutoff as f64).into()]).await
}
