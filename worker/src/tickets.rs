//! Tickets from customers. A ticket, its outbox row and its idempotency key are written to D1 in one
//! batch (one transaction) before anything is acknowledged; only then is it handed to the delivery queue.
//! If that hand-off fails, the outbox row is still there and the scheduled sweep sends it later.

use std::collections::BTreeMap;

use edgedesk_insights::Event;
use edgedesk_protocol::api;
use edgedesk_protocol::api::SignedIdentity;
use edgedesk_protocol::api::{
    ApiError, Deflection, MyTicket, MyTickets, MyTicketsRequest, TicketAccepted, TicketEvent, TicketEventView,
    TicketRating, TicketStatus, TicketView,
};
use edgedesk_protocol::ticket::{self, MAX_BODY_BYTES};
use edgedesk_tickets::accept::{self, Attachment};
use edgedesk_tickets::attachment::{self, ATTACHMENT_LINK_SECONDS};
use edgedesk_tickets::signing;
use edgedesk_tickets::{lifecycle, turnstile};
use serde::Deserialize;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::{D1Database, D1PreparedStatement, Env, Request, Response};

use crate::d1::{self, nullable};
use crate::http::{
    ADMIN_TOKEN, ApiResult, header, internal, json, json_body, no_content, post, query_param, set_header,
    too_many_requests, unix_now,
};
use crate::{knowledge, outbox, status};

/// The rate limiter for ticket submissions, keyed per client IP and per verified customer.
const TICKET_LIMITER: &str = "TICKET_LIMITER";
/// The limiter's period: a refused client may try again after it.
pub const RATE_LIMIT_PERIOD_SECONDS: u32 = 60;
const IDENTITY_SECRET: &str = "IDENTITY_SECRET";
/// With this secret set, every ticket needs a Turnstile token; `TURNSTILE_SITE_KEY` is what the widget shows.
const TURNSTILE_SECRET: &str = "TURNSTILE_SECRET";
const TURNSTILE_SITE_KEY: &str = "TURNSTILE_SITE_KEY";
/// Where tokens are checked; a variable so tests can stand in for Cloudflare's service.
const TURNSTILE_VERIFY_URL: &str = "TURNSTILE_VERIFY_URL";
const DEFAULT_TURNSTILE_VERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/// Signs the helpdesk's progress reports (`POST /api/tickets/{number}/events`) and our webhooks.
pub const WEBHOOK_SECRET: &str = "WEBHOOK_SECRET";
/// A new number is drawn when one is already taken; three draws from 2^40 colliding means a broken
/// random source, not bad luck.
const TICKET_NUMBER_ATTEMPTS: usize = 3;

#[wasm_bindgen]
extern "C" {
    /// Web Crypto's CSPRNG, present in every Workers isolate.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    pub fn fill_random(bytes: &mut [u8]);
}

/// `POST /api/tickets`.
pub async fn create(mut request: Request, env: &Env) -> ApiResult {
    let idempotency_key = ticket::check_idempotency_key(header(&request, "Idempotency-Key")?.as_deref())?;
    let database = d1::database(env)?;
    // A retried submission gets the first one's answer, without counting against any limit.
    if let Some(key) = &idempotency_key
        && let Some(replayed) = replay(&database, key).await?
    {
        return Ok(replayed);
    }
    let body = json_body(&mut request, MAX_BODY_BYTES).await?;
    let support = knowledge::support(env).await?;
    let new_ticket = ticket::parse(&body, &support.topic_ids())?;
    let now = status::now(&request, env)?.0;
    let customer = verified_customer(env, new_ticket.identity.as_ref(), now)?;

    let client_ip = header(&request, "CF-Connecting-IP")?.unwrap_or_else(|| "unknown".into());
    let mut limit_keys = vec![format!("ip:{client_ip}")];
    if let Some(id) = customer.get("id").or_else(|| customer.get("email")) {
        limit_keys.push(format!("customer:{id}"));
    }
    if !within_limits(env, TICKET_LIMITER, limit_keys).await? {
        return too_many_requests(
            RATE_LIMIT_PERIOD_SECONDS,
            "You have sent several tickets in a short time. Your message is kept; please send it again in a minute.",
        );
    }

    if let Ok(secret) = env.secret(TURNSTILE_SECRET) {
        let token = turnstile::require_turnstile(new_ticket.turnstile.as_deref())?;
        verify_turnstile(env, &secret.to_string(), token, &client_ip).await?;
    }

    let origin = request.url().map_err(internal)?.origin().ascii_serialization();
    let attachments = uploaded_attachments(&database, env, &new_ticket.attachments, &origin, now).await?;
    let user_agent = header(&request, "User-Agent")?;
    let complaint = support.topic(&new_ticket.topic).is_some_and(|topic| topic.complaint);

    for _ in 0..TICKET_NUMBER_ATTEMPTS {
        let mut random = [0u8; 5];
        fill_random(&mut random);
        let number = ticket::ticket_number(random);
        let stored = accept::stored_ticket(
            new_ticket.clone(),
            number.clone(),
            now,
            &support,
            customer.clone(),
            user_agent.clone(),
            attachments.clone(),
        );
        let due = support.expected_reply_at(stored.urgency, now);
        let accepted = TicketAccepted {
            number: number.clone(),
            status: TicketStatus::Received,
            expected_reply_at: stored.expected_reply_at.clone(),
            message: accept::acknowledgement(&stored, &support, complaint, due),
        };
        let statements = store_statements(
            &database,
            &stored,
            new_ticket.visit.as_deref(),
            &accepted,
            idempotency_key.as_deref(),
            now,
        )?;
        match database.batch(statements).await {
            Ok(_) => {
                outbox::enqueue(env, &number).await;
                return json(202, &accepted);
            }
            Err(error) => {
                // Two submissions with one key raced: the other one won and its answer is the answer.
                if let Some(key) = &idempotency_key
                    && let Some(replayed) = replay(&database, key).await?
                {
                    return Ok(replayed);
                }
                if !error.to_string().contains("tickets.number") {
                    return Err(internal(error));
                }
            }
        }
    }
    Err(internal("no free ticket number after several attempts"))
}

/// The statements that accept a ticket, run as one transaction: the idempotency key first, so a
/// concurrent duplicate fails before it writes anything.
fn store_statements(
    database: &D1Database,
    stored: &accept::StoredTicket,
    visit: Option<&str>,
    accepted: &TicketAccepted,
    idempotency_key: Option<&str>,
    now: i64,
) -> Result<Vec<D1PreparedStatement>, ApiError> {
    let payload = serde_json::to_string(stored).map_err(internal)?;
    let mut statements = Vec::new();
    if let Some(key) = idempotency_key {
        let response = serde_json::to_string(accepted).map_err(internal)?;
        statements.push(d1::statement(
            database,
            "INSERT INTO idempotency_keys (key, number, response, created_at) VALUES (?1, ?2, ?3, ?4)",
            &[key.into(), stored.number.as_str().into(), response.into(), (now as f64).into()],
        )?);
    }
    let context = &stored.context;
    statements.push(d1::statement(
        database,
        "INSERT INTO tickets (number, name, email, subject, message, page_url, locale, user_agent, incident_id, \
         topic, urgency, priority, steps_tried, expected_reply_at, payload, customer_id, created_at, product, visit) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
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
            nullable(visit),
        ],
    )?);
    statements.push(d1::statement(
        database,
        "INSERT INTO outbox (number, next_attempt_at) VALUES (?1, ?2)",
        &[stored.number.as_str().into(), ((now + outbox::LEASE_SECONDS) as f64).into()],
    )?);
    for attachment in &stored.attachments {
        statements.push(d1::statement(
            database,
            "UPDATE attachments SET ticket_number = ?1 WHERE id = ?2",
            &[stored.number.as_str().into(), attachment.id.as_str().into()],
        )?);
    }
    Ok(statements)
}

/// The stored answer to an idempotency key already used, marked as a replay.
async fn replay(database: &D1Database, key: &str) -> Result<Option<Response>, ApiError> {
    let response: Option<String> = database
        .prepare("SELECT response FROM idempotency_keys WHERE key = ?1")
        .bind(&[key.into()])
        .map_err(internal)?
        .first(Some("response"))
        .await
        .map_err(internal)?;
    let Some(response) = response else { return Ok(None) };
    let accepted: TicketAccepted = serde_json::from_str(&response).map_err(internal)?;
    let mut response = json(202, &accepted)?;
    set_header(&mut response, "Idempotency-Replayed", "true")?;
    Ok(Some(response))
}

/// What identifies a verified customer's tickets across devices: their id, else their email.
fn customer_key(customer: &BTreeMap<String, String>) -> Option<&str> {
    customer.get("id").or_else(|| customer.get("email")).map(String::as_str)
}

/// `POST /api/tickets/mine`: the tickets of a customer the product vouches for, on any device.
pub async fn mine(mut request: Request, env: &Env) -> ApiResult {
    let body = json_body(&mut request, 16 * 1024).await?;
    let asked: MyTicketsRequest = api::parse_body(&body, &MyTicketsRequest::FIELDS, 16 * 1024, "request")?;
    let identity = asked
        .identity
        .ok_or_else(|| ApiError::for_field(400, "required", "identity", "Send the identity your product signed."))?;
    let secret = env.secret(IDENTITY_SECRET).map_err(|_| {
        ApiError::for_field(401, "invalid_identity", "identity", "This site does not accept signed identities.")
    })?;
    let customer = signing::verify_identity(secret.to_string().as_bytes(), &identity, unix_now())?;
    let key = customer_key(&customer)
        .ok_or_else(|| ApiError::for_field(400, "invalid_identity", "identity", "The identity has no id or email."))?;
    let tickets = d1::all::<MyTicket>(
        &d1::database(env)?,
        "SELECT number, email, subject, created_at FROM tickets WHERE customer_id = ?1 ORDER BY id DESC LIMIT 20",
        &[key.into()],
    )
    .await?;
    let mut response = json(200, &MyTickets { tickets })?;
    set_header(&mut response, "Cache-Control", "no-store")?;
    Ok(response)
}

/// The attributes of a customer the product's backend vouched for. A forged identity is refused; one
/// that expired (a page left open overnight) files the ticket as from an anonymous customer.
fn verified_customer(
    env: &Env,
    identity: Option<&SignedIdentity>,
    now: i64,
) -> Result<BTreeMap<String, String>, ApiError> {
    let Some(identity) = identity else { return Ok(BTreeMap::new()) };
    let Ok(secret) = env.secret(IDENTITY_SECRET) else {
        worker::console_warn!("an identity came with a ticket, but IDENTITY_SECRET is not set; it is ignored");
        return Ok(BTreeMap::new());
    };
    match signing::verify_identity(secret.to_string().as_bytes(), identity, now) {
        Ok(attributes) => Ok(attributes),
        Err(error) if error.code == "identity_expired" => Ok(BTreeMap::new()),
        Err(error) => Err(error),
    }
}

/// Asks Turnstile whether the token proves a person. An unreachable service is a retryable 503, so the
/// widget keeps the draft and tries again.
async fn verify_turnstile(env: &Env, secret: &str, token: &str, client_ip: &str) -> Result<(), ApiError> {
    let url =
        env.var(TURNSTILE_VERIFY_URL).map_or_else(|_| DEFAULT_TURNSTILE_VERIFY_URL.to_owned(), |var| var.to_string());
    let body = serde_json::json!({ "secret": secret, "response": token, "remoteip": client_ip }).to_string();
    let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
    let mut response = post(&url, &headers, &body).await.map_err(internal)?;
    let answer: serde_json::Value = response.json().await.map_err(internal)?;
    turnstile::check_turnstile(&answer)
}

/// Whether every key is still within the limiter's allowance; each call counts against all of them.
pub async fn within_limits(env: &Env, limiter: &str, keys: Vec<String>) -> Result<bool, ApiError> {
    let limiter = env.rate_limiter(limiter).map_err(internal)?;
    let mut within = true;
    for key in keys {
        within &= limiter.limit(key).await.map_err(internal)?.success;
    }
    Ok(within)
}

#[derive(Deserialize)]
struct AttachmentRow {
    id: String,
    name: String,
    media_type: String,
    bytes: f64,
}

/// The ticket's attachments as uploaded, each with a signed link support can open.
async fn uploaded_attachments(
    database: &D1Database,
    env: &Env,
    ids: &[String],
    origin: &str,
    now: i64,
) -> Result<Vec<Attachment>, ApiError> {
    let secret = env.secret(ADMIN_TOKEN).map(|secret| secret.to_string()).unwrap_or_default();
    let mut attachments = Vec::new();
    for id in ids {
        let row: Option<AttachmentRow> = d1::first(
            database,
            "SELECT id, name, media_type, bytes FROM attachments WHERE id = ?1 AND ticket_number IS NULL",
            &[id.as_str().into()],
        )
        .await?;
        let row = row.ok_or_else(|| {
            ApiError::for_field(
                400,
                "unknown_attachment",
                "attachments",
                format!(
                    "The attachment {id} was not uploaded here, or belongs to another ticket; attach the file again."
                ),
            )
        })?;
        let url = attachment::attachment_link(origin, &row.id, secret.as_bytes(), now + ATTACHMENT_LINK_SECONDS);
        attachments.push(Attachment {
            id: row.id,
            name: row.name,
            media_type: row.media_type,
            bytes: row.bytes as u64,
            url,
        });
    }
    Ok(attachments)
}

#[derive(Deserialize)]
struct TicketRow {
    number: String,
    email: String,
    subject: String,
    status: TicketStatus,
    created_at: String,
    expected_reply_at: Option<String>,
    rating: Option<String>,
}

/// A ticket by its number, only for whoever also knows its email address.
async fn ticket_for_customer(database: &D1Database, number: &str, email: &str) -> Result<TicketRow, ApiError> {
    let row: Option<TicketRow> = d1::first(
        database,
        "SELECT number, email, subject, status, created_at, expected_reply_at, rating FROM tickets \
             WHERE number = ?1",
        &[number.to_ascii_uppercase().into()],
    )
    .await?;
    // The same answer for a wrong number and a wrong email: a number alone reveals nothing.
    row.filter(|row| row.email.eq_ignore_ascii_case(email.trim()))
        .ok_or_else(|| ApiError::new(404, "ticket_not_found", "There is no ticket with this number and email address."))
}

/// `GET /api/tickets/{number}?email=`: "My tickets".
pub async fn view(request: &Request, env: &Env, number: &str) -> ApiResult {
    let email = query_param(request, "email")?.unwrap_or_default();
    let database = d1::database(env)?;
    let row = ticket_for_customer(&database, number, &email).await?;
    let events = d1::all::<TicketEventView>(
        &database,
        "SELECT status, message, at FROM ticket_events WHERE number = ?1 ORDER BY id",
        &[row.number.as_str().into()],
    )
    .await?;
    let can_rate = lifecycle::can_rate(row.status, row.rating.as_deref());
    let mut response = json(
        200,
        &TicketView {
            number: row.number,
            subject: row.subject,
            status: row.status,
            created_at: row.created_at,
            expected_reply_at: row.expected_reply_at.unwrap_or_default(),
            events,
            rating: row.rating,
            can_rate,
        },
    )?;
    set_header(&mut response, "Cache-Control", "no-store")?;
    Ok(response)
}

/// `POST /api/tickets/{number}/rating`: good or bad, once the ticket is solved.
pub async fn rate(mut request: Request, env: &Env, number: &str) -> ApiResult {
    let body = json_body(&mut request, 4096).await?;
    let rating: TicketRating = api::parse_body(&body, &TicketRating::FIELDS, 4096, "rating")?;
    let rating_value = lifecycle::check_rating(&rating.rating)?;
    let database = d1::database(env)?;
    let row = ticket_for_customer(&database, number, &rating.email).await?;
    if !lifecycle::can_rate(row.status, row.rating.as_deref()) {
        return Err(ApiError::new(409, "cannot_rate", "Only a solved ticket can be rated, and only once."));
    }
    d1::run(
        &database,
        "UPDATE tickets SET rating = ?1, rated_at = ?3 WHERE number = ?2 AND rating IS NULL",
        &[rating_value.into(), row.number.as_str().into(), (status::now(&request, env)?.0 as f64).into()],
    )
    .await?;
    no_content()
}

/// `POST /api/tickets/{number}/events`: the helpdesk side reports progress, signed with `WEBHOOK_SECRET`.
pub async fn event(mut request: Request, env: &Env, number: &str) -> ApiResult {
    let body = json_body(&mut request, 16 * 1024).await?;
    let secret = env.secret(WEBHOOK_SECRET).map_err(|_| {
        ApiError::new(401, "invalid_signature", "Progress reports are not accepted: WEBHOOK_SECRET is not set.")
    })?;
    let now = unix_now();
    let signature = header(&request, signing::SIGNATURE_HEADER)?;
    signing::verify_request(secret.to_string().as_bytes(), signature.as_deref(), &body, now)?;
    let event: TicketEvent = api::parse_body(&body, &TicketEvent::FIELDS, 16 * 1024, "event")?;
    let event = lifecycle::check_event(event)?;
    let database = d1::database(env)?;
    let number = number.to_ascii_uppercase();
    let results = database
        .batch(vec![
            d1::statement(
                &database,
                "UPDATE tickets SET status = ?1 WHERE number = ?2",
                &[event.status.as_str().into(), number.as_str().into()],
            )?,
            d1::statement(
                &database,
                "INSERT INTO ticket_events (number, status, message) SELECT ?1, ?2, ?3 WHERE EXISTS \
                 (SELECT 1 FROM tickets WHERE number = ?1)",
                &[number.as_str().into(), event.status.as_str().into(), nullable(event.message.as_deref())],
            )?,
        ])
        .await
        .map_err(internal)?;
    let changed = results.first().and_then(|result| result.meta().ok().flatten()).and_then(|meta| meta.changes);
    if changed != Some(1) {
        return Err(ApiError::not_found(&format!("The ticket {number}")));
    }
    no_content()
}

/// `POST /api/deflections`: a suggested article answered the question before a ticket was sent.
pub async fn deflection(mut request: Request, env: &Env) -> ApiResult {
    let body = json_body(&mut request, 4096).await?;
    let deflection: Deflection = api::parse_body(&body, &Deflection::FIELDS, 4096, "deflection")?;
    if let Some(limited) = crate::insights::over_limit(&request, env).await? {
        return Ok(limited);
    }
    let Some(locale) = knowledge::article_locale(env, Some(&deflection.locale), &deflection.slug).await? else {
        return Err(ApiError::for_field(
            404,
            "not_found",
            "slug",
            format!("The article `{}` does not exist.", deflection.slug),
        ));
    };
    let event = Event::deflection(status::now(&request, env)?.0, locale, deflection);
    crate::insights::insert(&d1::database(env)?, &event)?.run().await.map_err(internal)?;
    no_content()
}

/// `GET /api/form?locale=`: the contact form's topics, optional fields and labels.
pub async fn form(request: &Request, env: &Env) -> ApiResult {
    let support = knowledge::support(env).await?;
    let manifest = knowledge::manifest(env).await?;
    let locale = manifest.choose_locale(query_param(request, "locale")?.as_deref()).to_owned();
    let mut form = support.form(&locale);
    form.turnstile_site_key = env.var(TURNSTILE_SITE_KEY).ok().map(|key| key.to_string()).filter(|key| !key.is_empty());
    let mut response = json(200, &form)?;
    set_header(&mut response, "Cache-Control", "public, max-age=300")?;
    Ok(response)
}
