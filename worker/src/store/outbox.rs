//! The delivery outbox in D1: one row per ticket, the source of truth for what the helpdesk has
//! confirmed. Which state a row moves to is decided by `edgedesk_tickets::lifecycle`; this module only
//! writes it down.

use edgedesk_protocol::api::{AdminTicket, ApiError, DeliveryState};
use edgedesk_tickets::accept::StoredTicket;
use edgedesk_tickets::helpdesk::Outcome;
use edgedesk_tickets::lifecycle::{self, DeliveryEvent};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{all, changes, execute, first, nullable, run, statement, tickets};
use crate::http::internal;

/// SQLite's clock, for the row's `updated_at`.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// The row of a ticket just accepted at `received_at`: pending, and due for the sweep at
/// `next_attempt_at` unless the queue delivers it first.
pub fn insert(
    database: &D1Database,
    number: &str,
    received_at: i64,
    next_attempt_at: i64,
) -> Result<D1PreparedStatement, ApiError> {
    statement(
        database,
        "INSERT INTO outbox (number, state, next_attempt_at, retrying_since) VALUES (?1, ?2, ?3, ?4)",
        &[
            number.into(),
            DeliveryState::Pending.as_str().into(),
            (next_attempt_at as f64).into(),
            (received_at as f64).into(),
        ],
    )
}

/// A ticket claimed for sending, with how many attempts it has had and since when it is being retried.
#[derive(Debug)]
pub struct Claimed {
    pub ticket: StoredTicket,
    pub attempts: u32,
    pub retrying_since: i64,
    /// Whether an earlier attempt was ever started (before a replay too): it may have created the
    /// ticket at the helpdesk without hearing back.
    pub tried_before: bool,
}

/// Claims row `number` for one attempt at `now`, holding it until `until`: a compare-and-set that
/// changes the row only if it awaits delivery and nobody else holds it. `None` when it is not ours to
/// send (delivered, refused, or held by another attempt, which then answers for it). The sweep will not
/// send a held row before the claim lapses.
pub async fn claim(
    database: &D1Database,
    number: &str,
    token: &str,
    now: i64,
    until: i64,
) -> Result<Option<Claimed>, ApiError> {
    let claimed = run(
        database,
        "UPDATE outbox SET claim = ?2, claimed_until = ?4, next_attempt_at = max(next_attempt_at, ?4), \
         claims = claims + 1 \
         WHERE number = ?1 AND state IN (SELECT value FROM json_each(?5)) AND claimed_until <= ?3",
        &[
            number.into(),
            token.into(),
            (now as f64).into(),
            (until as f64).into(),
            lifecycle::states_where(lifecycle::awaits_delivery).into(),
        ],
    )
    .await?;
    if changes(&claimed) != Some(1) {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Row {
        attempts: f64,
        retrying_since: f64,
        claims: f64,
        payload: Option<String>,
    }
    let row: Option<Row> = first(
        database,
        "SELECT outbox.attempts, outbox.retrying_since, outbox.claims, tickets.payload \
             FROM outbox JOIN tickets USING (number) WHERE number = ?1 AND claim = ?2",
        &[number.into(), token.into()],
    )
    .await?;
    let Some(row) = row else { return Ok(None) };
    let ticket = serde_json::from_str(row.payload.as_deref().unwrap_or_default()).map_err(internal)?;
    Ok(Some(Claimed {
        ticket,
        attempts: row.attempts as u32,
        retrying_since: row.retrying_since as i64,
        tried_before: row.claims > 1.0,
    }))
}

/// No helpdesk is configured: the ticket stays in D1 (`edgedesk tickets list`) until one is.
pub async fn hold(database: &D1Database, number: &str, token: &str) -> Result<(), ApiError> {
    let event = DeliveryEvent::NoHelpdesk;
    execute(
        database,
        "UPDATE outbox SET state = ?2, next_attempt_at = 0, claim = NULL, claimed_until = 0 \
         WHERE number = ?1 AND claim = ?3 AND state IN (SELECT value FROM json_each(?4))",
        &[number.into(), DeliveryState::Held.as_str().into(), token.into(), lifecycle::applies_in(&event).into()],
    )
    .await
}

/// The helpdesk cannot be used (its settings are incomplete): the reason is kept, the claim let go, and
/// the sweep tries again at `next_attempt_at`.
pub async fn postpone(
    database: &D1Database,
    number: &str,
    token: &str,
    reason: &str,
    next_attempt_at: i64,
) -> Result<(), ApiError> {
    execute(
        database,
        "UPDATE outbox SET last_error = ?3, next_attempt_at = ?4, claim = NULL, claimed_until = 0 \
         WHERE number = ?1 AND claim = ?2",
        &[number.into(), token.into(), reason.into(), (next_attempt_at as f64).into()],
    )
    .await
}

/// Records attempt number `attempt` to `backend`, made under claim `token`, and its outcome, letting the
/// claim go. A retry is due for the sweep at `retry_at` should the queue's own retry never come. A
/// confirmation is always recorded; a retry or refusal only by the attempt that holds the claim, on a row
/// that still awaits delivery ([`lifecycle::next`]).
pub async fn record(
    database: &D1Database,
    number: &str,
    token: &str,
    attempt: u32,
    backend: &str,
    outcome: &Outcome,
    retry_at: i64,
) -> Result<(), ApiError> {
    let event = DeliveryEvent::Answered(outcome);
    let state = lifecycle::after_attempt(outcome).as_str();
    let applies_in = lifecycle::applies_in(&event);
    match outcome {
        Outcome::Delivered { backend_id } => {
            let mut statements = vec![statement(
                database,
                &format!(
                    "UPDATE outbox SET state = ?2, attempts = max(attempts, ?3), backend = ?4, \
                     backend_id = coalesce(?5, backend_id), last_error = NULL, claim = NULL, claimed_until = 0, \
                     updated_at = {NOW} WHERE number = ?1 AND state IN (SELECT value FROM json_each(?6))"
                ),
                &[
                    number.into(),
                    state.into(),
                    attempt.into(),
                    backend.into(),
                    nullable(backend_id.as_deref()),
                    applies_in.into(),
                ],
            )?];
            statements.extend(tickets::confirmation(database, number)?);
            database.batch(statements).await.map_err(internal)?;
        }
        Outcome::Retry { reason, .. } | Outcome::Refused { reason } => {
            let next_attempt_at = if matches!(outcome, Outcome::Retry { .. }) { retry_at } else { 0 };
            run(
                database,
                &format!(
                    "UPDATE outbox SET state = ?2, attempts = ?3, last_error = ?4, next_attempt_at = ?5, \
                     claim = NULL, claimed_until = 0, updated_at = {NOW} \
                     WHERE number = ?1 AND claim = ?6 AND state IN (SELECT value FROM json_each(?7))"
                ),
                &[
                    number.into(),
                    state.into(),
                    attempt.into(),
                    reason.as_str().into(),
                    (next_attempt_at as f64).into(),
                    token.into(),
                    applies_in.into(),
                ],
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
        "UPDATE outbox SET next_attempt_at = max(next_attempt_at, ?2), \
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
             AND claimed_until <= ?2 ORDER BY next_attempt_at LIMIT ?3",
        &[states.into(), (now as f64).into(), limit.into()],
    )
    .await?;
    Ok(due.into_iter().map(|due| due.number).collect())
}

/// The sweep hands row `number` to the queue again at `now`: pending, and due for the next sweep at
/// `next_attempt_at` unless the queue confirms it first. `false` when the row changed since the sweep
/// read it (delivered, or claimed by an attempt): then it is not sent.
pub async fn lease(database: &D1Database, number: &str, now: i64, next_attempt_at: i64) -> Result<bool, ApiError> {
    let result = run(
        database,
        "UPDATE outbox SET state = ?2, next_attempt_at = ?3 WHERE number = ?1 \
         AND state IN (SELECT value FROM json_each(?4)) AND next_attempt_at <= ?5 AND claimed_until <= ?5",
        &[
            number.into(),
            DeliveryState::Pending.as_str().into(),
            (next_attempt_at as f64).into(),
            lifecycle::applies_in(&DeliveryEvent::Leased).into(),
            (now as f64).into(),
        ],
    )
    .await?;
    Ok(changes(&result) == Some(1))
}

/// An operator sends a ticket again at `now` ([`lifecycle::can_replay`]), counting attempts and their age
/// afresh; `false` when there is no such ticket, the helpdesk already has it, or an attempt is under way.
pub async fn replay(database: &D1Database, number: &str, now: i64, next_attempt_at: i64) -> Result<bool, ApiError> {
    let result = run(
        database,
        &format!(
            "UPDATE outbox SET state = ?2, attempts = 0, retrying_since = ?5, next_attempt_at = ?3, \
             updated_at = {NOW} WHERE number = ?1 AND state IN (SELECT value FROM json_each(?4)) \
             AND claimed_until <= ?5"
        ),
        &[
            number.into(),
            DeliveryState::Pending.as_str().into(),
            (next_attempt_at as f64).into(),
            lifecycle::applies_in(&DeliveryEvent::Replayed).into(),
            (now as f64).into(),
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
