//! The delivery outbox in D1: one row per ticket, the source of truth for what the helpdesk has
//! confirmed. Which state a row moves to is decided by `edgedesk_tickets::lifecycle`; this module only
//! writes it down.

use edgedesk_protocol::api::{AdminTicket, ApiError, DeliveryState};
use edgedesk_tickets::accept::StoredTicket;
use edgedesk_tickets::helpdesk::Outcome;
use edgedesk_tickets::lifecycle;
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{all, changes, execute, first, nullable, run, statement, tickets};
use crate::http::internal;

/// SQLite's clock, for the row's `updated_at`.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// The row of a ticket just accepted: pending, and due for the sweep at `next_attempt_at` unless the
/// queue delivers it first.
pub fn insert(database: &D1Database, number: &str, next_attempt_at: i64) -> Result<D1PreparedStatement, ApiError> {
    statement(
        database,
        "INSERT INTO outbox (number, state, next_attempt_at) VALUES (?1, ?2, ?3)",
        &[number.into(), DeliveryState::Pending.as_str().into(), (next_attempt_at as f64).into()],
    )
}

/// A ticket to send, with how many attempts it has had.
#[derive(Debug)]
pub struct Unsent {
    pub ticket: StoredTicket,
    pub attempts: u32,
}

/// The ticket behind row `number`, if it still awaits delivery.
pub async fn unsent(database: &D1Database, number: &str) -> Result<Option<Unsent>, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        state: DeliveryState,
        attempts: f64,
        payload: Option<String>,
    }
    let row: Option<Row> = first(
        database,
        "SELECT outbox.state, outbox.attempts, tickets.payload FROM outbox JOIN tickets USING (number) \
             WHERE number = ?1",
        &[number.into()],
    )
    .await?;
    // Already delivered (a duplicate message) or refused: nothing to send.
    let Some(row) = row.filter(|row| lifecycle::awaits_delivery(row.state)) else { return Ok(None) };
    let ticket = serde_json::from_str(row.payload.as_deref().unwrap_or_default()).map_err(internal)?;
    Ok(Some(Unsent { ticket, attempts: row.attempts as u32 }))
}

/// No helpdesk is configured: the ticket stays in D1 (`edgedesk tickets list`) until one is.
pub async fn hold(database: &D1Database, number: &str) -> Result<(), ApiError> {
    execute(
        database,
        "UPDATE outbox SET state = ?2, next_attempt_at = 0 WHERE number = ?1",
        &[number.into(), DeliveryState::Held.as_str().into()],
    )
    .await
}

/// The helpdesk cannot be used (its settings are incomplete): the reason is kept, and the sweep tries
/// again at `next_attempt_at`.
pub async fn postpone(database: &D1Database, number: &str, reason: &str, next_attempt_at: i64) -> Result<(), ApiError> {
    execute(
        database,
        "UPDATE outbox SET last_error = ?2, next_attempt_at = ?3 WHERE number = ?1",
        &[number.into(), reason.into(), (next_attempt_at as f64).into()],
    )
    .await
}

/// Records attempt number `attempt` to `backend` and its outcome. A retry is due for the sweep at
/// `retry_at` should the queue's own retry never come. Only a confirmation may change a row that no
/// longer awaits delivery ([`lifecycle::records_outcome`]): two consumers can hold the same ticket, and a
/// late retry or refusal must not undo the other's confirmation.
pub async fn record(
    database: &D1Database,
    number: &str,
    attempt: u32,
    backend: &str,
    outcome: &Outcome,
    retry_at: i64,
) -> Result<(), ApiError> {
    let state = lifecycle::after_attempt(outcome).as_str();
    let open_states = lifecycle::states_where(|current| lifecycle::records_outcome(current, outcome));
    match outcome {
        Outcome::Delivered { backend_id } => {
            let mut statements = vec![statement(
                database,
                &format!(
                    "UPDATE outbox SET state = ?2, attempts = ?3, backend = ?4, backend_id = ?5, last_error = NULL, \
                     updated_at = {NOW} WHERE number = ?1"
                ),
                &[number.into(), state.into(), attempt.into(), backend.into(), nullable(backend_id.as_deref())],
            )?];
            statements.extend(tickets::confirmation(database, number)?);
            database.batch(statements).await.map_err(internal)?;
        }
        Outcome::Retry { reason, .. } => {
            run(
                database,
                &format!(
                    "UPDATE outbox SET state = ?2, attempts = ?3, last_error = ?4, next_attempt_at = ?5, \
                     updated_at = {NOW} WHERE number = ?1 AND state IN (SELECT value FROM json_each(?6))"
                ),
                &[
                    number.into(),
                    state.into(),
                    attempt.into(),
                    reason.as_str().into(),
                    (retry_at as f64).into(),
                    open_states.into(),
                ],
            )
            .await?;
        }
        Outcome::Refused { reason } => {
            run(
                database,
                &format!(
                    "UPDATE outbox SET state = ?2, attempts = ?3, last_error = ?4, updated_at = {NOW} \
                     WHERE number = ?1 AND state IN (SELECT value FROM json_each(?5))"
                ),
                &[number.into(), state.into(), attempt.into(), reason.as_str().into(), open_states.into()],
            )
            .await?;
        }
    }
    Ok(())
}

/// A message the queue gave up on: a pending row stays pending, for the sweep at `next_attempt_at`.
pub async fn park(database: &D1Database, number: &str, next_attempt_at: i64) -> Result<(), ApiError> {
    execute(
        database,
        "UPDATE outbox SET next_attempt_at = ?2, \
         last_error = coalesce(last_error, 'not confirmed') || ' (the queue gave up; the sweep retries hourly)' \
         WHERE number = ?1 AND state = ?3",
        &[number.into(), (next_attempt_at as f64).into(), DeliveryState::Pending.as_str().into()],
    )
    .await
}

/// Rows whose time has come at `now` and that the sweep sends ([`lifecycle::is_due`]), oldest first.
pub async fn due(
    database: &D1Database,
    now: i64,
    helpdesk_configured: bool,
    limit: u32,
) -> Result<Vec<String>, ApiError> {
    #[derive(Deserialize)]
    struct Due {
        number: String,
    }
    let states = lifecycle::states_where(|state| lifecycle::is_due(state, helpdesk_configured));
    let due: Vec<Due> = all(
        database,
        "SELECT number FROM outbox WHERE state IN (SELECT value FROM json_each(?1)) AND next_attempt_at <= ?2 \
             ORDER BY next_attempt_at LIMIT ?3",
        &[states.into(), (now as f64).into(), limit.into()],
    )
    .await?;
    Ok(due.into_iter().map(|due| due.number).collect())
}

/// Hands row `number` to the queue again: pending, and due for the sweep at `next_attempt_at` unless the
/// queue confirms it first.
pub async fn lease(database: &D1Database, number: &str, next_attempt_at: i64) -> Result<(), ApiError> {
    execute(
        database,
        "UPDATE outbox SET state = ?2, next_attempt_at = ?3 WHERE number = ?1",
        &[number.into(), DeliveryState::Pending.as_str().into(), (next_attempt_at as f64).into()],
    )
    .await
}

/// An operator sends a ticket again ([`lifecycle::can_replay`]), counting attempts from zero; `false`
/// when there is no such ticket or the helpdesk already has it.
pub async fn replay(database: &D1Database, number: &str, next_attempt_at: i64) -> Result<bool, ApiError> {
    let result = run(
        database,
        &format!(
            "UPDATE outbox SET state = ?2, attempts = 0, next_attempt_at = ?3, updated_at = {NOW} \
             WHERE number = ?1 AND state IN (SELECT value FROM json_each(?4))"
        ),
        &[
            number.into(),
            DeliveryState::Pending.as_str().into(),
            (next_attempt_at as f64).into(),
            lifecycle::states_where(lifecycle::can_replay).into(),
        ],
    )
    .await?;
    Ok(changes(&result) == Some(1))
}

/// The newest tickets with where their delivery stands, in `state` or any.
pub async fn list(
    database: &D1Database,
    state: Option<DeliveryState>,
    limit: usize,
) -> Result<Vec<AdminTicket>, ApiError> {
    all(
        database,
        "SELECT tickets.number, tickets.created_at, email, subject, topic, urgency, priority, status, \
             outbox.state AS delivery, outbox.attempts, outbox.last_error, outbox.backend_id \
             FROM tickets LEFT JOIN outbox USING (number) WHERE ?1 IS NULL OR outbox.state = ?1 \
             ORDER BY tickets.id DESC LIMIT ?2",
        &[nullable(state.map(DeliveryState::as_str)), (limit as u32).into()],
    )
    .await
}
