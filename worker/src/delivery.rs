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

use edgedesk_protocol::api::{AdminTickets, ApiError, DeliveryState, parse_limit};
use edgedesk_tickets::accept::StoredTicket;
use edgedesk_tickets::conversation::{ListAnswer, OutgoingReply, ReplyLookup};
use edgedesk_tickets::helpdesk::{self, Backend, Lookup, Outcome, OutgoingRequest};
use edgedesk_tickets::lifecycle::RetryPolicy;
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder, RawMessage, Request};

use crate::edge::{self, Moment, authorize_admin};
use crate::http::{Answered, ApiResult, exchange, json, query_param};
use crate::store::{self, messages, outbox, tickets};

const QUEUE: &str = "TICKETS_QUEUE";
/// How long a row may stay unconfirmed before the sweep sends it again: longer than any one attempt.
pub const LEASE_SECONDS: i64 = 15 * 60;
/// A ticket that came off the dead-letter queue is tried again this much later, until it is delivered.
const PARK_SECONDS: i64 = 3600;
/// The sweep sends at most this many tickets per run; the next run takes the rest.
const SWEEP_BATCH: u32 = 200;
/// Uploads no ticket claimed are deleted this long after they were made: a day covers any draft.
const UNCLAIMED_UPLOAD_SECONDS: i64 = 86_400;
/// Idempotency keys are kept this long: far beyond any retry of a submission.
const IDEMPOTENCY_KEY_SECONDS: i64 = 7 * 86_400;

/// What travels on the queue: only the number (the ticket itself is read from D1), and how far the
/// clock of the request that sent it was moved (0 outside tests).
#[derive(Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub number: String,
    #[serde(default)]
    pub clock_shift: i64,
    /// A customer's reply to the ticket, by its id, rather than the ticket itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<i64>,
    /// An agent's reply, by its id, whose files are to be taken from the helpdesk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_files: Option<i64>,
}

/// Hands a stored ticket to the queue. A failure is only logged: the ticket is safe in D1 and the sweep
/// sends it once its lease runs out.
pub async fn enqueue(env: &Env, number: &str, moment: Moment) {
    send_to_queue(
        env,
        Delivery { number: number.to_owned(), clock_shift: moment.shift, reply: None, agent_files: None },
    )
    .await;
}

/// Hands a stored reply to the queue; as with tickets, a failure leaves it to the sweep.
pub async fn enqueue_reply(env: &Env, number: &str, id: i64, moment: Moment) {
    send_to_queue(
        env,
        Delivery { number: number.to_owned(), clock_shift: moment.shift, reply: Some(id), agent_files: None },
    )
    .await;
}

/// Hands an agent's reply to the queue, for its files. A failure leaves the reply without them (logged).
pub async fn enqueue_agent_files(env: &Env, number: &str, id: i64, moment: Moment) {
    let job = Delivery { number: number.to_owned(), clock_shift: moment.shift, reply: None, agent_files: Some(id) };
    send_to_queue(env, job).await;
}

async fn send_to_queue(env: &Env, delivery: Delivery) {
    let number = delivery.number.clone();
    let sent = match env.queue(QUEUE) {
        Ok(queue) => queue.send(delivery).await,
        Err(error) => Err(error),
    };
    if let Err(error) = sent {
        worker::console_error!("{number} is stored but not queued ({error}); the sweep will send it");
    }
}

/// The helpdesk the worker's settings choose (`DELIVERY_BACKEND` and what that backend needs).
fn backend(env: &Env) -> Result<Option<Backend>, String> {
    Backend::from_settings(|name| edge::setting(env, name))
}

/// The queue consumer, for the delivery queue and its dead-letter queue. Each message is read on its own:
/// one that cannot be read is acknowledged and logged, and never holds back the rest of its batch.
pub async fn consume(batch: MessageBatch<serde_json::Value>, env: Env) -> worker::Result<()> {
    let database = env.d1(store::DATABASE)?;
    let from_dead_letters = batch.queue().ends_with("-dead");
    let backend = backend(&env);
    let policy = RetryPolicy::from_settings(|name| edge::setting(&env, name));
    for message in batch.raw_iter() {
        let Some(Delivery { number, clock_shift, reply, agent_files }) = read(&message.body()) else {
            worker::console_error!("dropped a queue message that is not a delivery: {:?}", message.body());
            message.ack();
            continue;
        };
        let moment = Moment::shifted(&env, clock_shift);
        if let Some(id) = agent_files {
            let result = match (&backend, from_dead_letters) {
                (Ok(Some(backend)), false) => crate::agent_files::fetch(&env, &database, backend, id).await,
                (_, true) => {
                    worker::console_error!("{number}: the files of agent reply {id} were not taken from the helpdesk");
                    Ok(None)
                }
                _ => Ok(None),
            };
            settle(&message, &number, result);
            continue;
        }
        let result = match (from_dead_letters, reply) {
            (true, None) => outbox::park(&database, &number, moment.at + PARK_SECONDS).await.map(|()| None),
            // The sweep sends a reply again once its lease runs out.
            (true, Some(_)) => Ok(None),
            (false, None) => deliver(&env, &database, &backend, &policy, &number, moment).await,
            (false, Some(id)) => deliver_reply(&env, &database, &backend, &policy, id, moment).await,
        };
        settle(&message, &number, result);
    }
    Ok(())
}

/// A queue message as a delivery, if it is one.
fn read(body: &wasm_bindgen::JsValue) -> Option<Delivery> {
    let delivery: Delivery = serde_wasm_bindgen::from_value(body.clone()).ok()?;
    edgedesk_protocol::ticket::is_ticket_number(&delivery.number).then_some(delivery)
}

/// Acknowledges a message, or asks the queue to bring it back after the given delay.
fn settle(message: &RawMessage, number: &str, result: Result<Option<u32>, ApiError>) {
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

/// One delivery attempt at `moment`. `Some(seconds)` asks for another attempt after that long.
///
/// The attempt first claims the row (a compare-and-set in D1): a ticket that another consumer, the
/// sweep or a replay is already sending is left to that attempt. Every attempt but the first asks the
/// helpdesk whether it already has the ticket before creating it.
async fn deliver(
    env: &Env,
    database: &D1Database,
    backend: &Result<Option<Backend>, String>,
    policy: &Result<RetryPolicy, String>,
    number: &str,
    moment: Moment,
) -> Result<Option<u32>, ApiError> {
    let token = edge::random_hex::<16>();
    let Some(claimed) = outbox::claim(database, number, &token, moment.at, moment.at + LEASE_SECONDS).await? else {
        return Ok(None);
    };
    let (backend, policy) = match (backend, policy) {
        (Ok(Some(backend)), Ok(policy)) => (backend, policy),
        (Ok(None), _) => {
            outbox::hold(database, number, &token).await?;
            return Ok(None);
        }
        (Err(misconfigured), _) | (_, Err(misconfigured)) => {
            worker::console_error!("tickets cannot be delivered: {misconfigured}");
            outbox::postpone(database, number, &token, misconfigured, moment.at + PARK_SECONDS).await?;
            return Ok(None);
        }
    };
    let attempt = claimed.attempts + 1;
    let outcome = attempt_delivery(backend, &claimed.ticket, attempt, claimed.tried_before).await;
    let outcome = policy.judge(outcome, attempt, moment.at - claimed.retrying_since);
    let (retry_after, retry_at) = schedule(&outcome, &format!("ticket {number}"), moment.at);
    outbox::record(database, number, &token, attempt, backend.name(), &outcome, retry_at).await?;
    if matches!(outcome, Outcome::Delivered { .. }) {
        send_next_reply(env, database, number, moment).await?;
    }
    Ok(retry_after)
}

/// When a judged attempt made at `now` comes back: the queue's delay (`Some(seconds)` for a retry), and
/// when the sweep sends it should the queue's retry never come. A refusal is logged, naming `what`.
fn schedule(outcome: &Outcome, what: &str, now: i64) -> (Option<u32>, i64) {
    let retry_after = match outcome {
        Outcome::Retry { after_seconds, .. } => Some(*after_seconds),
        Outcome::Delivered { .. } => None,
        Outcome::Refused { reason } => {
            worker::console_error!("{what} failed: {reason}");
            None
        }
    };
    (retry_after, now + i64::from(retry_after.unwrap_or(0)) + LEASE_SECONDS)
}

/// Sends the first reply of ticket `number` still to go, once the ticket or the reply before it is there.
async fn send_next_reply(env: &Env, database: &D1Database, number: &str, moment: Moment) -> Result<(), ApiError> {
    if let Some(id) = messages::next_pending(database, number).await? {
        enqueue_reply(env, number, id, moment).await;
    }
    Ok(())
}

/// One attempt at the customer's reply `id`, as [`deliver`] makes for tickets: claimed first (only once
/// its ticket and every earlier reply are at the helpdesk; otherwise whichever of those arrives last
/// sends it), looked up where an earlier attempt may have sent it, then sent as a comment.
async fn deliver_reply(
    env: &Env,
    database: &D1Database,
    backend: &Result<Option<Backend>, String>,
    policy: &Result<RetryPolicy, String>,
    id: i64,
    moment: Moment,
) -> Result<Option<u32>, ApiError> {
    let (Ok(Some(backend)), Ok(policy)) = (backend, policy) else {
        // Without a working helpdesk the ticket itself is held or postponed, and its replies wait for it.
        return Ok(None);
    };
    let token = edge::random_hex::<16>();
    let Some(claimed) = messages::claim(database, id, &token, moment.at, moment.at + LEASE_SECONDS).await? else {
        return Ok(None);
    };
    let attempt = claimed.attempts + 1;
    let at = edgedesk_protocol::time::format_time(claimed.at);
    let reply = OutgoingReply {
        number: &claimed.number,
        id,
        body: &claimed.body,
        attachments: &claimed.attachments,
        at: &at,
        reopens: claimed.reopens,
    };
    let backend_id = claimed.backend_id.as_deref().unwrap_or_default();
    let outcome = attempt_reply(backend, backend_id, &reply, attempt, claimed.tried_before).await;
    let outcome = policy.judge(outcome, attempt, moment.at - claimed.retrying_since);
    let (retry_after, retry_at) = schedule(&outcome, &format!("reply {id} to {}", claimed.number), moment.at);
    messages::record(database, id, &token, attempt, &outcome, retry_at).await?;
    if matches!(outcome, Outcome::Delivered { .. }) {
        send_next_reply(env, database, &claimed.number, moment).await?;
    }
    Ok(retry_after)
}

/// Attempt number `attempt` at a reply: the comment list first where the backend needs it, then the
/// comment, then, for a reply that reopened the ticket, what reopens it at the helpdesk. A failed reopen
/// is retried like the comment: the next attempt finds the comment and reopens again (it changes
/// nothing twice).
async fn attempt_reply(
    backend: &Backend,
    backend_id: &str,
    reply: &OutgoingReply<'_>,
    attempt: u32,
    tried_before: bool,
) -> Outcome {
    let commented = attempt_comment(backend, backend_id, reply, attempt, tried_before).await;
    if !reply.reopens || !matches!(commented, Outcome::Delivered { .. }) {
        return commented;
    }
    // Only an outage is retried: a helpdesk that refuses to reopen (a workflow that does not allow it,
    // an agent who reopened it first) has the comment all the same, and the reply is delivered.
    let transitions = match backend.reopen_lookup(backend_id) {
        None => None,
        Some(lookup) => match exchange(&lookup).await {
            Err(reason) => return not_reached(attempt, reason),
            Ok(listed) => match helpdesk::classify(listed.status, listed.retry_after.as_deref(), &listed.body, attempt)
            {
                Outcome::Delivered { .. } => Some(listed.body),
                retry @ Outcome::Retry { .. } => return retry,
                _ => None,
            },
        },
    };
    let Some(reopen) = backend.reopen_request(backend_id, transitions.as_deref()) else { return commented };
    match answered(&reopen, attempt).await {
        retry @ Outcome::Retry { .. } => retry,
        Outcome::Refused { reason } => {
            worker::console_warn!("{}: the helpdesk did not reopen its ticket: {reason}", reply.number);
            commented
        }
        _ => commented,
    }
}

/// The comment part of [`attempt_reply`].
async fn attempt_comment(
    backend: &Backend,
    backend_id: &str,
    reply: &OutgoingReply<'_>,
    attempt: u32,
    tried_before: bool,
) -> Outcome {
    let mut requester = None;
    let mut page = 0;
    // Page after page of the thread (`reply_found` bounds how many), until the reply or the end.
    while let Some(lookup) = backend.reply_lookup(backend_id, tried_before, page) {
        let answer = match exchange(&lookup).await {
            Err(reason) => return not_reached(attempt, reason),
            Ok(answer) => answer,
        };
        let listed = ListAnswer {
            status: answer.status,
            retry_after: answer.retry_after.as_deref(),
            link: answer.link.as_deref(),
            body: &answer.body,
        };
        match backend.reply_found(&listed, reply, attempt, page, requester.take()) {
            ReplyLookup::Sent => return Outcome::Delivered { backend_id: None },
            ReplyLookup::Failed(outcome) => return outcome,
            ReplyLookup::Absent { requester: found } => {
                requester = found;
                break;
            }
            ReplyLookup::More { requester: found, next } => (requester, page) = (found, next),
        }
    }
    answered(&backend.reply_request(backend_id, reply, requester.as_deref(), edge::unix_now()), attempt).await
}

/// Attempt number `attempt`: a lookup first when any attempt was made before, then the create request.
async fn attempt_delivery(backend: &Backend, ticket: &StoredTicket, attempt: u32, tried_before: bool) -> Outcome {
    if tried_before && let Some(lookup) = backend.lookup(ticket) {
        match exchange(&lookup).await {
            Err(reason) => return not_reached(attempt, reason),
            Ok(Answered { status, retry_after, body, .. }) => {
                match backend.found(status, retry_after.as_deref(), &body, attempt) {
                    Lookup::Found(id) => return Outcome::Delivered { backend_id: Some(id) },
                    Lookup::Failed(outcome) => return outcome,
                    Lookup::Absent => {}
                }
            }
        }
    }
    // Signed with the wall clock, which the helpdesk checks against its own.
    answered(&backend.request(ticket, edge::unix_now()), attempt).await
}

/// Attempt number `attempt`'s request, sent, and what its answer means.
async fn answered(outgoing: &OutgoingRequest, attempt: u32) -> Outcome {
    match exchange(outgoing).await {
        Ok(Answered { status, retry_after, body, .. }) => {
            helpdesk::classify(status, retry_after.as_deref(), &body, attempt)
        }
        Err(reason) => not_reached(attempt, reason),
    }
}

/// A helpdesk that could not be reached, or did not answer in time, on attempt `attempt`: tried again
/// after the backoff.
fn not_reached(attempt: u32, reason: String) -> Outcome {
    Outcome::Retry { after_seconds: helpdesk::backoff(attempt), reason }
}

/// Sends a request and reads the answer's status, `Retry-After` and body; an unreachable helpdesk is the
/// reason given.
/// The scheduled sweep at `moment`: sends every unconfirmed ticket whose time has come, and forgets
/// idempotency keys nobody will retry any more, uploads no ticket claimed within a day, events past
/// their retention, and answers and answer counts past theirs.
pub async fn sweep(env: &Env, moment: Moment) -> Result<usize, ApiError> {
    let database = store::database(env)?;
    let helpdesk_configured = matches!(backend(env), Ok(Some(_)));
    let due = outbox::due(&database, moment.at, helpdesk_configured, SWEEP_BATCH).await?;
    let mut sent = 0;
    for number in &due {
        // A row delivered or claimed since it was read is not sent again.
        if outbox::lease(&database, number, moment.at, moment.at + LEASE_SECONDS).await? {
            enqueue(env, number, moment).await;
            sent += 1;
        }
    }
    for (id, number) in messages::due(&database, moment.at, SWEEP_BATCH).await? {
        if messages::lease(&database, id, moment.at, moment.at + LEASE_SECONDS).await? {
            enqueue_reply(env, &number, id, moment).await;
            sent += 1;
        }
    }
    tickets::forget_idempotency_keys(&database, moment.at - IDEMPOTENCY_KEY_SECONDS).await?;
    let tolerance = edgedesk_tickets::signing::TOLERANCE_SECONDS;
    tickets::forget_signatures_before(&database, edge::unix_now() - 2 * tolerance).await?;
    let cutoff = edgedesk_protocol::time::format_time(moment.at - UNCLAIMED_UPLOAD_SECONDS);
    store::attachments::forget_unclaimed_before(env, &database, &cutoff, SWEEP_BATCH).await?;
    crate::insights::forget_old(env, moment.at).await?;
    store::answers::forget_old(env, moment.at, edgedesk_answers::quota::day_of(moment.at)).await?;
    // Tickets come first: a failure to learn is logged, and the sweep still reports what it sent.
    if let Err(error) = crate::learning::relearn(env, moment.at).await {
        worker::console_error!("learning from customers failed: {}", error.message);
    }
    Ok(sent)
}

/// `POST /api/admin/sweep`: the cron's sweep, run now by an operator (`edgedesk tickets sweep`), e.g.
/// right after a helpdesk outage ends instead of within the hour.
pub async fn sweep_now(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    let sent = sweep(env, Moment::of(request, env)?).await?;
    json(200, &serde_json::json!({ "sent": sent }))
}

/// `GET /api/admin/tickets?state=&limit=`: newest first, with where each delivery stands.
pub async fn list(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    let limit = parse_limit(query_param(request, "limit")?.as_deref())?;
    let state = match query_param(request, "state")?.filter(|state| !state.is_empty()) {
        None => None,
        Some(state) => Some(DeliveryState::parse(&state).ok_or_else(|| {
            let names = DeliveryState::ALL.map(DeliveryState::as_str).join(", ");
            ApiError::for_field(
                400,
                "invalid_value",
                "state",
                format!("`state` must be one of {names}, not {state:?}."),
            )
        })?),
    };
    let tickets = outbox::list(&store::database(env)?, state, limit).await?;
    json(200, &AdminTickets { tickets })
}

/// `POST /api/admin/tickets/{number}/replay`: sends a failed (or any undelivered) ticket again, and the
/// customer's replies to it that failed, in order after it.
pub async fn replay(request: &Request, env: &Env, number: &str) -> ApiResult {
    authorize_admin(request, env)?;
    let number = number.to_ascii_uppercase();
    let moment = Moment::of(request, env)?;
    let database = store::database(env)?;
    let lease_until = moment.at + LEASE_SECONDS;
    let ticket_replayed = outbox::replay(&database, &number, moment.at, lease_until).await?;
    let replies = messages::replay_failed(&database, &number, moment.at, lease_until).await?;
    if !ticket_replayed && replies == 0 {
        return Err(ApiError::new(
            409,
            "not_replayable",
            format!(
                "{number} does not exist, was already delivered with every reply, or is being sent right now; only \
                 undelivered tickets and failed replies no attempt holds can be replayed."
            ),
        ));
    }
    if ticket_replayed {
        // Its replies follow it once it is there.
        enqueue(env, &number, moment).await;
    } else {
        send_next_reply(env, &database, &number, moment).await?;
    }
    json(202, &serde_json::json!({ "number": number, "delivery": DeliveryState::Pending, "replies": replies }))
}
