//! A ticket's conversation: the customer's replies (stored, acknowledged, then delivered through the
//! queue like tickets), the agents' replies and status changes each helpdesk's automation reports, and
//! how many replies a customer has not seen, which the loader asks without the widget.

use edgedesk_protocol::api::{
    ApiError, ReplyAccepted, TicketEvent, TicketReply, Unread, UnreadRequest, UnreadTicket, parse_body,
};
use edgedesk_protocol::ticket::{self, normalize_view_token};
use edgedesk_tickets::accept::{customer_key, view_token_hash};
use edgedesk_tickets::conversation::{self, ReplyWindow};
use edgedesk_tickets::inbound::{
    self, AgentEvent, MAX_EVENT_BYTES, SECRET_HEADER, TicketRef, ZENDESK_SIGNATURE_HEADER, ZENDESK_TIMESTAMP_HEADER,
};
use edgedesk_tickets::signing;
use worker::{D1Database, Env, Request};

use crate::delivery::{self, LEASE_SECONDS};
use crate::edge::{self, HELPDESK_EVENTS_SECRET, Moment};
use crate::http::{ApiResult, header, internal, json, json_body, no_content, own_origin, read_json, tagged};
use crate::store::{self, messages, tickets};
use crate::tickets::{limit_lookups, signed_customer, ticket_for, uploaded_attachments};

/// Zendesk's webhook signing secret, as Zendesk shows it for the webhook.
const ZENDESK_WEBHOOK_SECRET: &str = "ZENDESK_WEBHOOK_SECRET";
/// The shared secrets Freshdesk's and JSM's automations send in `X-Edgedesk-Secret`.
const FRESHDESK_WEBHOOK_SECRET: &str = "FRESHDESK_WEBHOOK_SECRET";
const JIRA_WEBHOOK_SECRET: &str = "JIRA_WEBHOOK_SECRET";
/// `POST /api/tickets/{number}/replies`: the customer answers. Stored (with its attachments and any
/// reopening) before the 202, then queued; a retry with the same `Idempotency-Key` finds the first.
pub async fn reply(mut request: Request, env: &Env, number: &str) -> ApiResult {
    let idempotency_key = ticket::check_idempotency_key(header(&request, "Idempotency-Key")?.as_deref())?;
    limit_lookups(&request, env).await?;
    let asked: TicketReply = read_json(&mut request, &TicketReply::FIELDS, TicketReply::MAX_BYTES, "reply").await?;
    let checked = conversation::check_reply(&asked)?;
    let database = store::database(env)?;
    let ticket = ticket_for(&database, env, number, &asked.lookup()).await?;
    let moment = Moment::of(&request, env)?;
    // A key is scoped to the ticket (the table's unique pair), which only its token or identity reaches; a
    // retry from another network (a phone between cells) still finds the first.
    let source_key = match idempotency_key {
        Some(key) => format!("customer {key}"),
        None => format!("customer {}", edge::random_hex::<16>()),
    };
    // A retry of a reply already stored is answered with it, before anything is checked or claimed again:
    // its attachments are the reply's now, and the ticket may have moved on since.
    if let Some(earlier) = messages::by_source_key(&database, &ticket.number, &source_key).await? {
        if earlier.body != checked.body {
            return Err(key_reused());
        }
        return json(202, &ReplyAccepted { number: ticket.number, message: earlier, status: ticket.status });
    }
    let solved_at = ticket.solved_at.map(|at| at as i64);
    let window = conversation::reply_window(ticket.status, solved_at, moment.at, edge::reopen_days(env)?);
    if window == ReplyWindow::Ended {
        return Err(conversation::ended(&ticket.number));
    }
    let attachments =
        uploaded_attachments(&database, env, &checked.attachments, &own_origin(&request)?, edge::unix_now()).await?;
    let after = conversation::after_reply(ticket.status);
    let new_reply = messages::NewReply {
        number: &ticket.number,
        body: &checked.body,
        attachments: &attachments,
        at: moment.at,
        source_key: &source_key,
        next_attempt_at: moment.at + LEASE_SECONDS,
        reopens: (after != ticket.status).then_some((ticket.status, after)),
    };
    let message = messages::insert_reply(&database, &new_reply).await?;
    if message.body != checked.body {
        return Err(key_reused());
    }
    delivery::enqueue_reply(env, &ticket.number, message.id, moment).await;
    json(202, &ReplyAccepted { number: ticket.number, message, status: after })
}

/// The same key with another reply: a client bug, or someone trying keys.
fn key_reused() -> ApiError {
    ApiError::for_field(
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
        "This Idempotency-Key was already used for another reply; use a new key for a new reply.",
    )
}

/// `POST /api/tickets/unread`: agent replies not yet seen, for the tickets this browser follows by view
/// token and those of the signed-in customer. Tagged with an ETag; asked again with `If-None-Match`, an
/// unchanged answer is a bodiless 304.
pub async fn unread(mut request: Request, env: &Env) -> ApiResult {
    limit_lookups(&request, env).await?;
    let asked: UnreadRequest =
        read_json(&mut request, &UnreadRequest::FIELDS, UnreadRequest::MAX_BYTES, "request").await?;
    if asked.tickets.len() > UnreadRequest::MAX_TICKETS {
        return Err(ApiError::for_field(
            400,
            "too_many_tickets",
            "tickets",
            format!("Ask about at most {} tickets, not {}.", UnreadRequest::MAX_TICKETS, asked.tickets.len()),
        ));
    }
    let database = store::database(env)?;
    let mut numbers = Vec::new();
    for followed in &asked.tickets {
        let number = followed.number.trim().to_ascii_uppercase();
        // A number whose token does not match, or cannot be one, counts nothing, as one that does not exist.
        let Some(token) = normalize_view_token(&followed.token) else { continue };
        if let Some(ticket) = tickets::by_number(&database, &number).await?
            && ticket.view_token_hash.as_deref() == Some(view_token_hash(&token).as_str())
        {
            numbers.push(ticket.number);
        }
    }
    if let Some(identity) = &asked.identity {
        let customer = signed_customer(env, identity)?;
        if let Some(key) = customer_key(&customer) {
            numbers.extend(tickets::of_customer(&database, key).await?.into_iter().map(|ticket| ticket.number));
        }
    }
    numbers.sort();
    numbers.dedup();
    let counts = messages::unread(&database, &numbers).await?;
    let answer = Unread {
        count: counts.iter().map(|(_, unread)| unread).sum(),
        tickets: counts.into_iter().map(|(number, unread)| UnreadTicket { number, unread }).collect(),
    };
    let body = serde_json::to_string(&answer).map_err(internal)?;
    let etag = format!("\"{}\"", &signing::hmac_hex(b"edgedesk unread", body.as_bytes())[..16]);
    tagged(&request, &etag, "no-store", || json(200, &answer))
}

/// `POST /api/hooks/zendesk`: a Zendesk trigger's webhook, signed by Zendesk.
pub async fn zendesk(mut request: Request, env: &Env) -> ApiResult {
    let body = json_body(&mut request, MAX_EVENT_BYTES).await?;
    let secret = hook_secret(env, ZENDESK_WEBHOOK_SECRET, "Zendesk")?;
    let signature = header(&request, ZENDESK_SIGNATURE_HEADER)?;
    let timestamp = header(&request, ZENDESK_TIMESTAMP_HEADER)?;
    let now = edge::unix_now();
    inbound::verify_zendesk(secret.as_bytes(), signature.as_deref(), timestamp.as_deref(), &body, now)?;
    let database = store::database(env)?;
    // Signed with a timestamp, so a captured report can be refused for good once taken. It is marked taken
    // only after it is recorded: Zendesk retries a report that failed with the same signature.
    let signature = signature.unwrap_or_default();
    if tickets::seen_signature(&database, &signature).await? {
        return Err(ApiError::new(401, "invalid_signature", "This Zendesk report was already received."));
    }
    let answer = apply(env, &database, "zendesk", inbound::zendesk(&body)?, Moment::of(&request, env)?).await?;
    tickets::first_sight(&database, &signature, now).await?;
    Ok(answer)
}

/// `POST /api/hooks/freshdesk`: a Freshdesk automation's webhook, with the shared secret.
pub async fn freshdesk(mut request: Request, env: &Env) -> ApiResult {
    let body = json_body(&mut request, MAX_EVENT_BYTES).await?;
    let secret = hook_secret(env, FRESHDESK_WEBHOOK_SECRET, "Freshdesk")?;
    inbound::verify_shared_secret(&secret, header(&request, SECRET_HEADER)?.as_deref())?;
    apply(env, &store::database(env)?, "freshdesk", inbound::freshdesk(&body)?, Moment::of(&request, env)?).await
}

/// `POST /api/hooks/jira`: a JSM automation's web request, with the shared secret.
pub async fn jira(mut request: Request, env: &Env) -> ApiResult {
    let body = json_body(&mut request, MAX_EVENT_BYTES).await?;
    let secret = hook_secret(env, JIRA_WEBHOOK_SECRET, "JSM")?;
    inbound::verify_shared_secret(&secret, header(&request, SECRET_HEADER)?.as_deref())?;
    apply(env, &store::database(env)?, "jira", inbound::jira(&body)?, Moment::of(&request, env)?).await
}

/// `POST /api/tickets/{number}/events`: the webhook backend's report, signed with
/// `HELPDESK_EVENTS_SECRET` over the method, this path and the body; each signature is taken once.
pub async fn webhook(mut request: Request, env: &Env, number: &str) -> ApiResult {
    let body = json_body(&mut request, MAX_EVENT_BYTES).await?;
    let secret = hook_secret(env, HELPDESK_EVENTS_SECRET, "Progress report")?;
    let signature = header(&request, signing::SIGNATURE_HEADER)?;
    let path = request.path();
    let signed = signing::SignedRequest { method: "POST", path: &path, body: &body };
    let now = edge::unix_now();
    let matched = signing::verify_request(secret.as_bytes(), signature.as_deref(), signed, now)?;
    let database = store::database(env)?;
    if !tickets::first_sight(&database, &matched, now).await? {
        return Err(ApiError::new(
            401,
            "invalid_signature",
            "This signed report was already received; sign each report afresh.",
        ));
    }
    let report: TicketEvent = parse_body(&body, &TicketEvent::FIELDS, MAX_EVENT_BYTES, "event")?;
    apply(env, &database, "webhook", inbound::webhook(number, report)?, Moment::of(&request, env)?).await
}

/// The secret a helpdesk's reports are checked with; without one, its reports are refused.
fn hook_secret(env: &Env, name: &str, what: &str) -> Result<String, ApiError> {
    edge::strong_secret(env, name, "events_disabled", &format!("{what} reports"))?.ok_or_else(|| {
        ApiError::new(401, "invalid_signature", format!("{what} reports are not accepted here: {name} is not set."))
    })
}

/// Records a report from `backend` at `at`: the agent's reply (once), and the status with what the
/// timeline should say. 404 when no ticket matches; a helpdesk's id finds only what was delivered to it.
async fn apply(env: &Env, database: &D1Database, backend: &str, event: AgentEvent, moment: Moment) -> ApiResult {
    let at = moment.at;
    let number = match &event.ticket {
        TicketRef::Number(number) => tickets::by_number(database, number).await?.map(|ticket| ticket.number),
        TicketRef::Helpdesk(id) => tickets::by_helpdesk_id(database, backend, id).await?,
    };
    let Some(number) = number else {
        let named = match &event.ticket {
            TicketRef::Number(number) => format!("The ticket {number}"),
            TicketRef::Helpdesk(id) => format!("A ticket the helpdesk calls {id}"),
        };
        return Err(ApiError::new(404, "ticket_not_found", format!("{named} does not exist here.")));
    };
    // The reply before the status: a reply that comes with "solved" is read as the answer that solved it.
    if let Some(reply) = &event.reply
        && let Some(id) = messages::insert_agent_reply(database, &number, reply, at).await?
        && backend != "webhook"
    {
        // The reply's files are the helpdesk's to give, on a request of the worker's own.
        delivery::enqueue_agent_files(env, &number, id, moment).await;
    }
    if let Some(status) = event.status {
        let statements = messages::status_change(database, &number, status, event.message.as_deref(), at)?;
        database.batch(statements).await.map_err(internal)?;
    }
    no_content()
}
