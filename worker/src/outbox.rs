//! Delivery to the helpdesk, at least once from here and exactly once there: every request carries the
//! ticket number as its idempotency key, so a retry after a lost answer never makes a second ticket.
//!
//! - Accepting a ticket writes its outbox row, then enqueues its number.
//! - The queue consumer sends it and records the answer: delivered, retry later (honouring
//!   `Retry-After`), or refused (parked for an operator).
//! - Messages that exhaust the queue's retries land on the dead-letter queue, whose consumer reschedules
//!   the row an hour later instead of dropping it.
//! - The scheduled sweep enqueues every row whose time has come and that nobody confirmed: tickets whose
//!   enqueue failed, parked ones, and held ones once a backend is configured.

use edgedesk_protocol::api::{AdminTicket, AdminTickets, ApiError, DeliveryState, parse_limit};
use edgedesk_tickets::accept::StoredTicket;
use edgedesk_tickets::helpdesk::{self, Backend, Outcome};
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder, Request};

use crate::d1::{self, nullable};
use crate::http::{ApiResult, authorize_admin, internal, json, post, query_param, unix_now};

const QUEUE: &str = "TICKETS_QUEUE";
/// How long a row may stay unconfirmed before the sweep sends it again: longer than any one attempt.
pub const LEASE_SECONDS: i64 = 15 * 60;
/// A ticket that came off the dead-letter queue is tried again this much later, until it is delivered.
const PARK_SECONDS: i64 = 3600;
/// The sweep sends at most this many tickets per run; the next run takes the rest.
const SWEEP_BATCH: u32 = 200;
/// Idempotency keys are kept this long: far beyond any retry of a submission.
const IDEMPOTENCY_KEY_SECONDS: i64 = 7 * 86_400;

/// What travels on the queue: only the number; the ticket itself is read from D1.
#[derive(Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub number: String,
}

/// Hands a stored ticket to the queue. A failure is only logged: the ticket is safe in D1 and the sweep
/// sends it once its lease runs out.
pub async fn enqueue(env: &Env, number: &str) {
    let sent = match env.queue(QUEUE) {
        Ok(queue) => queue.send(Delivery { number: number.to_owned() }).await,
        Err(error) => Err(error),
    };
    if let Err(error) = sent {
        worker::console_error!("ticket {number} is stored but not queued ({error}); the sweep will send it");
    }
}

/// A setting from the worker's variables or secrets.
fn setting(env: &Env, name: &str) -> Option<String> {
    env.var(name).map(|var| var.to_string()).or_else(|_| env.secret(name).map(|secret| secret.to_string())).ok()
}

fn backend(env: &Env) -> Result<Option<Backend>, String> {
    Backend::from_settings(|name| setting(env, name))
}

/// The queue consumer, for the delivery queue and its dead-letter queue.
pub async fn consume(batch: MessageBatch<Delivery>, env: Env) -> worker::Result<()> {
    let database = env.d1(d1::DATABASE)?;
    let from_dead_letters = batch.queue().ends_with("-dead");
    let backend = backend(&env);
    for message in batch.messages()? {
        let number = message.body().number.clone();
        let result = if from_dead_letters {
            park(&database, &number).await.map(|()| None)
        } else {
            deliver(&database, &backend, &number).await
        };
        settle(&message, &number, result);
    }
    Ok(())
}

/// Acknowledges a message, or asks the queue to bring it back after the given delay.
fn settle(message: &Message<Delivery>, number: &str, result: Result<Option<u32>, ApiError>) {
    match result {
        Ok(None) => message.ack(),
        Ok(Some(delay_seconds)) => {
            message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay_seconds).build());
        }
        Err(error) => {
            worker::console_error!("delivering {number} failed here, not at the helpdesk: {}", error.message);
            message.retry();
        }
    }
}

#[derive(Deserialize)]
struct Pending {
    state: String,
    attempts: f64,
    payload: Option<String>,
}

/// One delivery attempt. `Some(seconds)` asks for another attempt after that long.
async fn deliver(
    database: &D1Database,
    backend: &Result<Option<Backend>, String>,
    number: &str,
) -> Result<Option<u32>, ApiError> {
    let pending: Option<Pending> = d1::first(
        database,
        "SELECT outbox.state, outbox.attempts, tickets.payload FROM outbox JOIN tickets USING (number) \
             WHERE number = ?1",
        &[number.into()],
    )
    .await?;
    // Already delivered (a duplicate message) or refused: nothing to send.
    let Some(pending) = pending.filter(|pending| pending.state == "pending" || pending.state == "held") else {
        return Ok(None);
    };
    let now = unix_now();
    let backend = match backend {
        Ok(Some(backend)) => backend,
        Ok(None) => {
            // No helpdesk configured: the ticket stays in D1, listed by `edgedesk tickets list`.
            d1::run(
                database,
                "UPDATE outbox SET state = 'held', next_attempt_at = 0 WHERE number = ?1",
                &[number.into()],
            )
            .await?;
            return Ok(None);
        }
        Err(misconfigured) => {
            worker::console_error!("tickets cannot be delivered: {misconfigured}");
            d1::run(
                database,
                "UPDATE outbox SET last_error = ?2, next_attempt_at = ?3 WHERE number = ?1",
                &[number.into(), misconfigured.as_str().into(), ((now + PARK_SECONDS) as f64).into()],
            )
            .await?;
            return Ok(None);
        }
    };
    let ticket: StoredTicket =
        serde_json::from_str(pending.payload.as_deref().unwrap_or_default()).map_err(internal)?;
    let attempt = pending.attempts as u32 + 1;
    let outcome = send(backend, &ticket, now, attempt).await;
    match outcome {
        Outcome::Delivered { backend_id } => {
            database
                .batch(vec![
                    d1::statement(
                        database,
                        "UPDATE outbox SET state = 'delivered', attempts = ?2, backend = ?3, backend_id = ?4, \
                         last_error = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE number = ?1",
                        &[number.into(), attempt.into(), backend.name().into(), nullable(backend_id.as_deref())],
                    )?,
                    d1::statement(
                        database,
                        "UPDATE tickets SET status = 'delivered' WHERE number = ?1 AND status = 'received'",
                        &[number.into()],
                    )?,
                    d1::statement(
                        database,
                        "INSERT INTO ticket_events (number, status) VALUES (?1, 'delivered')",
                        &[number.into()],
                    )?,
                ])
                .await
                .map_err(internal)?;
            Ok(None)
        }
        Outcome::Retry { after_seconds, reason } => {
            d1::run(
                database,
                "UPDATE outbox SET attempts = ?2, last_error = ?3, next_attempt_at = ?4, \
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE number = ?1",
                &[
                    number.into(),
                    attempt.into(),
                    reason.as_str().into(),
                    ((now + i64::from(after_seconds) + LEASE_SECONDS) as f64).into(),
                ],
            )
            .await?;
            Ok(Some(after_seconds))
        }
        Outcome::Refused { reason } => {
            worker::console_error!("the helpdesk refused ticket {number}: {reason}");
            d1::run(
                database,
                "UPDATE outbox SET state = 'failed', attempts = ?2, last_error = ?3, \
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE number = ?1",
                &[number.into(), attempt.into(), reason.as_str().into()],
            )
            .await?;
            Ok(None)
        }
    }
}

/// Sends the ticket and reads the answer; an unreachable helpdesk is a reason to retry.
async fn send(backend: &Backend, ticket: &StoredTicket, now: i64, attempt: u32) -> Outcome {
    let outgoing = backend.request(ticket, now);
    let unreachable = |error: worker::Error| Outcome::Retry {
        after_seconds: helpdesk::backoff(attempt),
        reason: format!("the helpdesk could not be reached: {error}"),
    };
    match post(&outgoing.url, &outgoing.headers, &outgoing.body).await {
        Ok(mut response) => {
            let retry_after = response.headers().get("Retry-After").ok().flatten();
            let body = response.text().await.unwrap_or_default();
            helpdesk::classify(response.status_code(), retry_after.as_deref(), &body, attempt)
        }
        Err(error) => unreachable(error),
    }
}

/// A message the queue gave up on: the row stays pending and is tried again later by the sweep.
async fn park(database: &D1Database, number: &str) -> Result<(), ApiError> {
    d1::run(
        database,
        "UPDATE outbox SET next_attempt_at = ?2, \
         last_error = coalesce(last_error, 'not confirmed') || ' (the queue gave up; the sweep retries hourly)' \
         WHERE number = ?1 AND state = 'pending'",
        &[number.into(), ((unix_now() + PARK_SECONDS) as f64).into()],
    )
    .await?;
    Ok(())
}

/// The scheduled sweep at `now` (the event's scheduled time): sends every unconfirmed ticket whose time
/// has come, and forgets idempotency keys nobody will retry any more.
pub async fn sweep(env: &Env, now: i64) -> Result<usize, ApiError> {
    let database = d1::database(env)?;
    let deliverable = matches!(backend(env), Ok(Some(_)));
    #[derive(Deserialize)]
    struct Due {
        number: String,
    }
    let due = d1::all::<Due>(
        &database,
        "SELECT number FROM outbox WHERE (state = 'pending' OR (?3 AND state = 'held')) AND next_attempt_at <= ?1 \
             ORDER BY next_attempt_at LIMIT ?2",
        &[(now as f64).into(), SWEEP_BATCH.into(), deliverable.into()],
    )
    .await?;
    for Due { number } in &due {
        d1::run(
            &database,
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?2 WHERE number = ?1",
            &[number.as_str().into(), ((now + LEASE_SECONDS) as f64).into()],
        )
        .await?;
        enqueue(env, number).await;
    }
    d1::run(
        &database,
        "DELETE FROM idempotency_keys WHERE created_at < ?1",
        &[((now - IDEMPOTENCY_KEY_SECONDS) as f64).into()],
    )
    .await?;
    crate::insights::forget_old(env, &database, now).await?;
    Ok(due.len())
}

/// `POST /api/admin/sweep`: the cron's sweep, run now by an operator (`edgedesk tickets sweep`), e.g.
/// right after a helpdesk outage ends instead of within the hour.
pub async fn sweep_now(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    let now = crate::status::now(request, env)?.0;
    let sent = sweep(env, now).await?;
    json(200, &serde_json::json!({ "sent": sent }))
}

/// `GET /api/admin/tickets?state=&limit=`: newest first, with where each delivery stands.
pub async fn list(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    let limit = parse_limit(query_param(request, "limit")?.as_deref())?;
    let state = query_param(request, "state")?.filter(|state| !state.is_empty());
    if let Some(state) = &state
        && DeliveryState::parse(state).is_none()
    {
        return Err(ApiError::for_field(
            400,
            "invalid_value",
            "state",
            format!(
                "`state` must be one of {}, not {state:?}.",
                DeliveryState::ALL.map(DeliveryState::as_str).join(", ")
            ),
        ));
    }
    let tickets = d1::all::<AdminTicket>(
        &d1::database(env)?,
        "SELECT tickets.number, tickets.created_at, email, subject, topic, urgency, priority, status, \
             outbox.state AS delivery, outbox.attempts, outbox.last_error, outbox.backend_id \
             FROM tickets LEFT JOIN outbox USING (number) WHERE ?1 IS NULL OR outbox.state = ?1 \
             ORDER BY tickets.id DESC LIMIT ?2",
        &[nullable(state.as_deref()), (limit as u32).into()],
    )
    .await?;
    json(200, &AdminTickets { tickets })
}

/// `POST /api/admin/tickets/{number}/replay`: sends a failed (or any undelivered) ticket again.
pub async fn replay(request: &Request, env: &Env, number: &str) -> ApiResult {
    authorize_admin(request, env)?;
    let number = number.to_ascii_uppercase();
    let database = d1::database(env)?;
    let result = d1::run(
        &database,
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2, \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE number = ?1 AND state != 'delivered'",
        &[number.as_str().into(), ((unix_now() + LEASE_SECONDS) as f64).into()],
    )
    .await?;
    if result.meta().map_err(internal)?.and_then(|meta| meta.changes) != Some(1) {
        return Err(ApiError::new(
            409,
            "not_replayable",
            format!("{number} does not exist or was already delivered; only undelivered tickets can be replayed."),
        ));
    }
    enqueue(env, &number).await;
    json(202, &serde_json::json!({ "number": number, "delivery": "pending" }))
}
