//! A ticket's conversation in D1: the customer's replies with their delivery, the agents' replies with
//! whether the customer has seen them. Which replies may go and in what order is decided in SQL here,
//! in one compare-and-set: a reply goes only once its ticket and every earlier reply reached the helpdesk.

use edgedesk_protocol::api::{ApiError, AttachmentView, Author, DeliveryState, ThreadMessage, TicketStatus};
use edgedesk_protocol::time::format_time;
use edgedesk_tickets::accept::Attachment;
use edgedesk_tickets::helpdesk::Outcome;
use edgedesk_tickets::inbound::AgentReply;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use super::{all, attachments, changes, execute, first, nullable, run, statement};
use crate::http::internal;

/// A customer's reply, ready to store.
pub struct NewReply<'a> {
    pub number: &'a str,
    pub body: &'a str,
    pub attachments: &'a [Attachment],
    pub at: i64,
    /// The client's idempotency key (scoped to it), else a fresh random one.
    pub source_key: &'a str,
    /// When the sweep may send it if the queue has not.
    pub next_attempt_at: i64,
    /// The ticket's status before and after the reply, when the reply changes it (reopens it).
    pub reopens: Option<(TicketStatus, TicketStatus)>,
}

/// Stores a customer's reply, its attachments' claim and any reopening as one transaction; a reply with
/// a key already used finds the first. Returns the stored reply.
pub async fn insert_reply(database: &D1Database, reply: &NewReply<'_>) -> Result<ThreadMessage, ApiError> {
    let attachments_json = serde_json::to_string(reply.attachments).map_err(internal)?;
    let mut statements = vec![statement(
        database,
        "INSERT INTO messages (number, author, body, attachments, at, source_key, delivery, next_attempt_at, \
         retrying_since, reopens) VALUES (?1, 'customer', ?2, ?3, ?4, ?5, ?6, ?7, ?4, ?8) \
         ON CONFLICT (number, source_key) DO NOTHING",
        &[
            reply.number.into(),
            reply.body.into(),
            attachments_json.into(),
            (reply.at as f64).into(),
            reply.source_key.into(),
            DeliveryState::Pending.as_str().into(),
            (reply.next_attempt_at as f64).into(),
            (reply.reopens.is_some() as u8 as f64).into(),
        ],
    )?];
    // The batch runs as one transaction, statement after statement: `changes()` is what the one before
    // changed. A retry of the same reply, even one racing the first, stores nothing, so it reopens
    // nothing and adds no second "Reopened" event.
    if let Some((before, after)) = reply.reopens {
        statements.push(statement(
            database,
            "UPDATE tickets SET status = ?2 WHERE number = ?1 AND status = ?3 AND changes() = 1",
            &[reply.number.into(), after.as_str().into(), before.as_str().into()],
        )?);
        statements.push(statement(
            database,
            "INSERT INTO ticket_events (number, status, message) SELECT ?1, ?2, 'Reopened by your reply' \
             WHERE changes() = 1",
            &[reply.number.into(), after.as_str().into()],
        )?);
    }
    for attachment in reply.attachments {
        statements.push(attachments::claim(database, &attachment.id, reply.number)?);
    }
    database.batch(statements).await.map_err(internal)?;
    let row: Option<Row> = first(
        database,
        &format!("SELECT {COLUMNS} FROM messages WHERE number = ?1 AND source_key = ?2"),
        &[reply.number.into(), reply.source_key.into()],
    )
    .await?;
    row.map(Row::into_message).ok_or_else(|| internal("a reply stored and not found"))
}

const COLUMNS: &str = "id, author, author_name, body, attachments, at, read_at, delivery";

#[derive(Deserialize)]
struct Row {
    id: f64,
    author: String,
    author_name: Option<String>,
    body: String,
    attachments: String,
    at: f64,
    read_at: Option<f64>,
    delivery: Option<String>,
}

impl Row {
    fn into_message(self) -> ThreadMessage {
        let attachments: Vec<Attachment> = serde_json::from_str(&self.attachments).unwrap_or_default();
        let author = Author::parse(&self.author).unwrap_or(Author::Agent);
        ThreadMessage {
            id: self.id as i64,
            author,
            name: self.author_name,
            body: self.body,
            at: format_time(self.at as i64),
            attachments: attachments
                .into_iter()
                .map(|attachment| AttachmentView {
                    id: attachment.id,
                    name: attachment.name,
                    bytes: attachment.bytes,
                    url: String::new(),
                })
                .collect(),
            delivered: self.delivery.is_none_or(|state| state == DeliveryState::Delivered.as_str()),
            unread: author == Author::Agent && self.read_at.is_none(),
        }
    }
}

/// The reply to ticket `number` stored under `source_key`, if there is one.
pub async fn by_source_key(
    database: &D1Database,
    number: &str,
    source_key: &str,
) -> Result<Option<ThreadMessage>, ApiError> {
    let row: Option<Row> = first(
        database,
        &format!("SELECT {COLUMNS} FROM messages WHERE number = ?1 AND source_key = ?2"),
        &[number.into(), source_key.into()],
    )
    .await?;
    Ok(row.map(Row::into_message))
}

/// Every reply to ticket `number`, oldest first.
pub async fn thread(database: &D1Database, number: &str) -> Result<Vec<ThreadMessage>, ApiError> {
    let rows: Vec<Row> =
        all(database, &format!("SELECT {COLUMNS} FROM messages WHERE number = ?1 ORDER BY id"), &[number.into()])
            .await?;
    Ok(rows.into_iter().map(Row::into_message).collect())
}

/// The customer opened the conversation at `now`: the agent replies it showed, through message `through`
/// (all so far without it), are read.
pub async fn mark_read(database: &D1Database, number: &str, through: Option<i64>, now: i64) -> Result<(), ApiError> {
    let through = through.map_or(JsValue::NULL, |id| (id as f64).into());
    execute(
        database,
        "UPDATE messages SET read_at = ?2 WHERE number = ?1 AND author = 'agent' AND read_at IS NULL \
         AND (?3 IS NULL OR id <= ?3)",
        &[number.into(), (now as f64).into(), through],
    )
    .await
}

/// How many agent replies the customer has not seen, per ticket of `numbers` that has any.
pub async fn unread(database: &D1Database, numbers: &[String]) -> Result<Vec<(String, u32)>, ApiError> {
    #[derive(Deserialize)]
    struct Count {
        number: String,
        unread: f64,
    }
    let numbers = serde_json::to_string(numbers).map_err(internal)?;
    let counts: Vec<Count> = all(
        database,
        "SELECT number, COUNT(*) AS unread FROM messages WHERE author = 'agent' AND read_at IS NULL \
         AND number IN (SELECT value FROM json_each(?1)) GROUP BY number ORDER BY number",
        &[numbers.into()],
    )
    .await?;
    Ok(counts.into_iter().map(|count| (count.number, count.unread as u32)).collect())
}

/// Stores an agent's reply at `at` unless the same one was stored before; its id, `None` when it was.
pub async fn insert_agent_reply(
    database: &D1Database,
    number: &str,
    reply: &AgentReply,
    at: i64,
) -> Result<Option<i64>, ApiError> {
    let results = database
        .batch(vec![
            statement(
                database,
                "INSERT INTO messages (number, author, author_name, body, at, source_key) VALUES (?1, 'agent', ?2, ?3, \
                 ?4, ?5) ON CONFLICT (number, source_key) DO NOTHING",
                &[
                    number.into(),
                    nullable(reply.author.as_deref()),
                    reply.body.as_str().into(),
                    (at as f64).into(),
                    reply.key.as_str().into(),
                ],
            )?,
            statement(
                database,
                "UPDATE tickets SET first_response_at = coalesce(first_response_at, ?2) WHERE number = ?1",
                &[number.into(), (at as f64).into()],
            )?,
        ])
        .await
        .map_err(internal)?;
    if results.first().and_then(changes) != Some(1) {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Inserted {
        id: f64,
    }
    let inserted: Option<Inserted> = first(
        database,
        "SELECT id FROM messages WHERE number = ?1 AND source_key = ?2",
        &[number.into(), reply.key.as_str().into()],
    )
    .await?;
    Ok(inserted.map(|row| row.id as i64))
}

/// An agent's reply whose files are still to be taken from the helpdesk.
pub struct AgentReplyFiles {
    pub number: String,
    pub body: String,
    /// The helpdesk's id for the ticket.
    pub backend_id: Option<String>,
}

/// Agent reply `id`, if it has no files yet.
pub async fn agent_reply_without_files(database: &D1Database, id: i64) -> Result<Option<AgentReplyFiles>, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        number: String,
        body: String,
        backend_id: Option<String>,
    }
    let row: Option<Row> = first(
        database,
        "SELECT messages.number, body, outbox.backend_id FROM messages LEFT JOIN outbox USING (number) \
         WHERE id = ?1 AND author = 'agent' AND attachments = '[]'",
        &[(id as f64).into()],
    )
    .await?;
    Ok(row.map(|row| AgentReplyFiles { number: row.number, body: row.body, backend_id: row.backend_id }))
}

/// Gives agent reply `id` the files taken from the helpdesk, unless another job already did.
pub async fn set_agent_files(database: &D1Database, id: i64, files: &[Attachment]) -> Result<(), ApiError> {
    let files = serde_json::to_string(files).map_err(internal)?;
    execute(
        database,
        "UPDATE messages SET attachments = ?2 WHERE id = ?1 AND author = 'agent' AND attachments = '[]'",
        &[(id as f64).into(), files.into()],
    )
    .await
}

/// Whether a pending reply may go now: its ticket is at the helpdesk and no earlier reply of it is still
/// to go (a failed one holds the rest back until an operator replays it).
const SENDABLE: &str = "EXISTS (SELECT 1 FROM outbox WHERE outbox.number = messages.number AND outbox.state = 'delivered') \
     AND NOT EXISTS (SELECT 1 FROM messages AS earlier WHERE earlier.number = messages.number \
     AND earlier.id < messages.id AND earlier.delivery IN ('pending', 'failed'))";

/// A customer's reply claimed for sending.
pub struct ClaimedReply {
    pub number: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub at: i64,
    pub attempts: u32,
    pub retrying_since: i64,
    /// Whether an attempt was made before: it may have reached the helpdesk without an answer.
    pub tried_before: bool,
    /// The helpdesk's id for the ticket.
    pub backend_id: Option<String>,
    /// The reply reopened the solved ticket.
    pub reopens: bool,
}

/// Claims reply `id` for one attempt at `now`, until `until`: only a pending reply nobody holds, whose
/// ticket the helpdesk has, and with no earlier reply of the same ticket still to go.
pub async fn claim(
    database: &D1Database,
    id: i64,
    token: &str,
    now: i64,
    until: i64,
) -> Result<Option<ClaimedReply>, ApiError> {
    let claimed = run(
        database,
        &format!(
            "UPDATE messages SET claim = ?2, claimed_until = ?4, next_attempt_at = max(next_attempt_at, ?4), \
         claims = claims + 1 \
         WHERE id = ?1 AND delivery = 'pending' AND claimed_until <= ?3 AND {SENDABLE}"
        ),
        &[(id as f64).into(), token.into(), (now as f64).into(), (until as f64).into()],
    )
    .await?;
    if changes(&claimed) != Some(1) {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Claimed {
        number: String,
        body: String,
        attachments: String,
        at: f64,
        attempts: f64,
        retrying_since: f64,
        claims: f64,
        backend_id: Option<String>,
        reopens: f64,
    }
    let row: Option<Claimed> = first(
        database,
        "SELECT messages.number, body, attachments, at, messages.attempts, messages.retrying_since, messages.claims, \
         outbox.backend_id, messages.reopens FROM messages JOIN outbox USING (number) WHERE id = ?1 AND messages.claim = ?2",
        &[(id as f64).into(), token.into()],
    )
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(ClaimedReply {
        number: row.number,
        body: row.body,
        attachments: serde_json::from_str(&row.attachments).map_err(internal)?,
        at: row.at as i64,
        attempts: row.attempts as u32,
        retrying_since: row.retrying_since as i64,
        tried_before: row.claims > 1.0,
        backend_id: row.backend_id,
        reopens: row.reopens != 0.0,
    }))
}

/// Records attempt `attempt` at reply `id` under claim `token` and lets the claim go: delivered, due
/// again at `retry_at`, or failed. A confirmation is always recorded.
pub async fn record(
    database: &D1Database,
    id: i64,
    token: &str,
    attempt: u32,
    outcome: &Outcome,
    retry_at: i64,
) -> Result<(), ApiError> {
    let (state, error, next_attempt_at, claim_needed) = match outcome {
        Outcome::Delivered { .. } => (DeliveryState::Delivered, None, 0, false),
        Outcome::Retry { reason, .. } => (DeliveryState::Pending, Some(reason.as_str()), retry_at, true),
        Outcome::Refused { reason } => (DeliveryState::Failed, Some(reason.as_str()), 0, true),
    };
    execute(
        database,
        "UPDATE messages SET delivery = ?2, attempts = max(attempts, ?3), last_error = ?4, next_attempt_at = ?5, \
         claim = NULL, claimed_until = 0 \
         WHERE id = ?1 AND ((?7 = 0 AND delivery IN ('pending', 'failed')) OR (claim = ?6 AND delivery = 'pending'))",
        &[
            (id as f64).into(),
            state.as_str().into(),
            attempt.into(),
            nullable(error),
            (next_attempt_at as f64).into(),
            token.into(),
            i32::from(claim_needed).into(),
        ],
    )
    .await
}

/// The first reply of ticket `number` still to go, if any: what to send once the ticket or the reply
/// before it reached the helpdesk.
pub async fn next_pending(database: &D1Database, number: &str) -> Result<Option<i64>, ApiError> {
    #[derive(Deserialize)]
    struct Id {
        id: f64,
    }
    let next: Option<Id> = first(
        database,
        "SELECT id FROM messages WHERE number = ?1 AND delivery = 'pending' ORDER BY id LIMIT 1",
        &[number.into()],
    )
    .await?;
    Ok(next.map(|next| next.id as i64))
}

/// Replies due for the sweep at `now`, oldest first, with their ticket: pending, their time come,
/// nobody holding them.
pub async fn due(database: &D1Database, now: i64, limit: u32) -> Result<Vec<(i64, String)>, ApiError> {
    #[derive(Deserialize)]
    struct Due {
        id: f64,
        number: String,
    }
    let due: Vec<Due> = all(
        database,
        &format!(
            "SELECT id, number FROM messages WHERE delivery = 'pending' AND next_attempt_at <= ?1 \
             AND claimed_until <= ?1 AND {SENDABLE} ORDER BY id LIMIT ?2"
        ),
        &[(now as f64).into(), limit.into()],
    )
    .await?;
    Ok(due.into_iter().map(|due| (due.id as i64, due.number)).collect())
}

/// An operator sends ticket `number`'s failed replies again at `now`, counting their attempts afresh; how
/// many there were.
pub async fn replay_failed(
    database: &D1Database,
    number: &str,
    now: i64,
    next_attempt_at: i64,
) -> Result<usize, ApiError> {
    let result = run(
        database,
        "UPDATE messages SET delivery = 'pending', attempts = 0, retrying_since = ?2, next_attempt_at = ?3 \
         WHERE number = ?1 AND delivery = 'failed' AND claimed_until <= ?2",
        &[number.into(), (now as f64).into(), (next_attempt_at as f64).into()],
    )
    .await?;
    Ok(changes(&result).unwrap_or(0))
}

/// The sweep hands reply `id` to the queue again at `now`; `false` when someone holds or sent it since.
pub async fn lease(database: &D1Database, id: i64, now: i64, next_attempt_at: i64) -> Result<bool, ApiError> {
    let result = run(
        database,
        "UPDATE messages SET next_attempt_at = ?2 WHERE id = ?1 AND delivery = 'pending' AND next_attempt_at <= ?3 \
         AND claimed_until <= ?3",
        &[(id as f64).into(), (next_attempt_at as f64).into(), (now as f64).into()],
    )
    .await?;
    Ok(changes(&result) == Some(1))
}

/// The statements that record a helpdesk's report of `status` at `at`, in this order: the timeline
/// entry (when the status changes or comes with a message), then the status with when it was solved.
pub fn status_change(
    database: &D1Database,
    number: &str,
    status: TicketStatus,
    message: Option<&str>,
    at: i64,
) -> Result<Vec<D1PreparedStatement>, ApiError> {
    let solved = TicketStatus::Solved.as_str();
    Ok(vec![
        statement(
            database,
            "INSERT INTO ticket_events (number, status, message) SELECT ?1, ?2, ?3 WHERE EXISTS \
             (SELECT 1 FROM tickets WHERE number = ?1 AND (status != ?2 OR ?3 IS NOT NULL))",
            &[number.into(), status.as_str().into(), nullable(message)],
        )?,
        statement(
            database,
            "UPDATE tickets SET status = ?2, \
             solved_at = CASE WHEN ?2 = ?4 AND status != ?4 THEN ?3 ELSE solved_at END, \
             resolved_at = CASE WHEN ?2 IN (?4, ?5) THEN coalesce(resolved_at, ?3) ELSE resolved_at END \
             WHERE number = ?1",
            &[
                number.into(),
                status.as_str().into(),
                (at as f64).into(),
                solved.into(),
                TicketStatus::Closed.as_str().into(),
            ],
        )?,
    ])
}
