//! Tickets from customers. A ticket, its outbox row and its idempotency key are written to D1 in one
//! batch (one transaction) before anything is acknowledged; only then is it handed to the delivery queue.
//! If that hand-off fails, the outbox row is still there and the scheduled sweep sends it later.

use std::collections::BTreeMap;

use edgedesk_protocol::api::{
    ApiError, MyTickets, MyTicketsRequest, SignedIdentity, TicketAccepted, TicketLookup, TicketRating, TicketRead,
    TicketStatus, TicketView,
};
use edgedesk_protocol::ticket::{self, MAX_BODY_BYTES, optional};
use edgedesk_protocol::time::format_time;
use edgedesk_tickets::accept::{
    self, Attachment, Intake, MAX_UNVERIFIED_TICKETS_PER_RECIPIENT_HOUR, customer_key, view_token_hash,
};
use edgedesk_tickets::attachment::{ATTACHMENT_LINK_SECONDS, THREAD_LINK_SECONDS, attachment_link};
use edgedesk_tickets::conversation::{self, ReplyWindow};
use edgedesk_tickets::lifecycle::MAX_RATING_COMMENT_CHARS;
use edgedesk_tickets::{lifecycle, signing, turnstile};
use worker::{D1Database, Env, Request, Response};

use crate::delivery::{self, LEASE_SECONDS};
use crate::edge::{self, IDENTITY_SECRET, Limit, Moment, TURNSTILE_SECRET, TURNSTILE_SITE_KEY, TURNSTILE_VERIFY_URL};
use crate::http::{
    ApiResult, header, internal, json, json_body, no_content, own_origin, post, query_param, read_json, set_header,
};
use crate::store::keys::{self, WorkerKey};
use crate::store::tickets::{CustomerTicket, Earlier, Insert, ScopedKey};
use crate::store::{self, assets, attachments, messages, tickets};

const DEFAULT_TURNSTILE_VERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/// A new number is drawn when one is already taken; three draws from 2^40 colliding means a broken
/// random source, not bad luck.
const TICKET_NUMBER_ATTEMPTS: usize = 3;

/// `POST /api/tickets`.
pub async fn create(mut request: Request, env: &Env) -> ApiResult {
    let idempotency_key = ticket::check_idempotency_key(header(&request, "Idempotency-Key")?.as_deref())?;
    let database = store::database(env)?;
    let body = json_body(&mut request, MAX_BODY_BYTES).await?;
    let client_address = edge::client_address(&request)?;
    let client = edgedesk_access::addresses::client_key(&client_address);
    // Keys are the client's own: another client presenting it finds nothing of this one's.
    let idempotency_key = idempotency_key.map(|key| ScopedKey {
        key: format!("{client} {key}"),
        fingerprint: signing::hmac_hex(b"edgedesk idempotency fingerprint", &body),
    });
    // A retried submission gets the first one's answer, without counting against any limit.
    if let Some(scoped) = &idempotency_key {
        match tickets::answer_for_key(&database, scoped).await? {
            Some(Earlier::Same(answer)) => return replayed(&answer),
            Some(Earlier::OtherBody) => return Err(key_reused()),
            None => {}
        }
    }
    let support = assets::support(env).await?;
    let new_ticket = ticket::parse(&body, &support.topic_ids())?;
    let moment = Moment::of(&request, env)?;
    let customer = verified_customer(env, new_ticket.identity.as_ref(), edge::unix_now())?;

    let mut limit_keys = vec![client];
    if let Some(key) = customer_key(&customer) {
        limit_keys.push(format!("customer:{key}"));
    }
    let refused =
        "You have sent several tickets in a short time. Your message is kept; please send it again in a minute.";
    edge::limit(env, Limit::Tickets, &limit_keys, refused).await?;
    if !customer.contains_key("email") {
        limit_acknowledgements(&database, &new_ticket.email, moment.at).await?;
    }

    if let Some(secret) = edge::secret(env, TURNSTILE_SECRET) {
        let token = turnstile::require_turnstile(new_ticket.turnstile.as_deref())?;
        verify_turnstile(env, &secret, token, &client_address).await?;
    }

    let attachments =
        uploaded_attachments(&database, env, &new_ticket.attachments, &own_origin(&request)?, edge::unix_now()).await?;
    let user_agent = header(&request, "User-Agent")?;

    for _ in 0..TICKET_NUMBER_ATTEMPTS {
        let intake = Intake {
            number: ticket::ticket_number(edge::random_bytes()),
            received_at: moment.at,
            customer: customer.clone(),
            user_agent: user_agent.clone(),
            attachments: attachments.clone(),
            view_token: ticket::view_token(edge::random_bytes()),
        };
        let accepted = accept::accept(new_ticket.clone(), intake, &support);
        let lease_until = moment.at + LEASE_SECONDS;
        match tickets::insert(&database, &accepted, idempotency_key.as_ref(), moment.at, lease_until).await? {
            Insert::Stored => {
                delivery::enqueue(env, &accepted.stored.number, moment).await;
                return json(202, &accepted.answer);
            }
            Insert::NumberTaken => continue,
            Insert::Failed(error) => {
                // Two submissions with one key raced: the other one won and its answer is the answer.
                if let Some(scoped) = &idempotency_key {
                    match tickets::answer_for_key(&database, scoped).await? {
                        Some(Earlier::Same(answer)) => return replayed(&answer),
                        Some(Earlier::OtherBody) => return Err(key_reused()),
                        None => {}
                    }
                }
                return Err(internal(error));
            }
        }
    }
    Err(internal("no free ticket number after several attempts"))
}

/// The same key with another body: a client bug, or someone trying keys.
fn key_reused() -> ApiError {
    ApiError::for_field(
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
        "This Idempotency-Key was already used for another ticket; use a new key for a new ticket.",
    )
}

/// The answer to a submission already accepted, marked as a replay.
fn replayed(answer: &TicketAccepted) -> ApiResult {
    let mut response = json(202, answer)?;
    set_header(&mut response, "Idempotency-Replayed", "true")?;
    Ok(response)
}

/// `POST /api/tickets/mine`: the tickets of a customer the product vouches for, on any device.
pub async fn mine(mut request: Request, env: &Env) -> ApiResult {
    limit_lookups(&request, env).await?;
    let max = MyTicketsRequest::MAX_BYTES;
    let asked: MyTicketsRequest = read_json(&mut request, &MyTicketsRequest::FIELDS, max, "request").await?;
    let identity = asked
        .identity
        .ok_or_else(|| ApiError::for_field(400, "required", "identity", "Send the identity your product signed."))?;
    let customer = signed_customer(env, &identity)?;
    let key = customer_key(&customer)
        .ok_or_else(|| ApiError::for_field(400, "invalid_identity", "identity", "The identity has no id or email."))?;
    let tickets = tickets::of_customer(&store::database(env)?, key).await?;
    let mut response = json(200, &MyTickets { tickets })?;
    set_header(&mut response, "Cache-Control", "no-store")?;
    Ok(response)
}

/// The attributes of a signed identity presented to see tickets; refused when forged, expired, or when the
/// site accepts no identities.
pub(crate) fn signed_customer(env: &Env, identity: &SignedIdentity) -> Result<BTreeMap<String, String>, ApiError> {
    let secret = identity_secret(env)?.ok_or_else(|| {
        ApiError::for_field(401, "invalid_identity", "identity", "This site does not accept signed identities.")
    })?;
    signing::verify_identity(secret.as_bytes(), identity, edge::unix_now())
}

/// The secret identities are signed with, if the site accepts them.
fn identity_secret(env: &Env) -> Result<Option<String>, ApiError> {
    edge::strong_secret(env, IDENTITY_SECRET, "identity_disabled", "Signed identities")
}

/// The attributes of a customer the product's backend vouched for. A forged identity is refused; one
/// that expired (a page left open overnight) files the ticket as from an anonymous customer.
fn verified_customer(
    env: &Env,
    identity: Option<&SignedIdentity>,
    now: i64,
) -> Result<BTreeMap<String, String>, ApiError> {
    let Some(identity) = identity else { return Ok(BTreeMap::new()) };
    let Some(secret) = identity_secret(env)? else {
        worker::console_warn!("an identity came with a ticket, but IDENTITY_SECRET is not set; it is ignored");
        return Ok(BTreeMap::new());
    };
    match signing::verify_identity(secret.as_bytes(), identity, now) {
        Ok(attributes) => Ok(attributes),
        Err(error) if error.code == "identity_expired" => Ok(BTreeMap::new()),
        Err(error) => Err(error),
    }
}

/// Asks Turnstile whether the token proves a person. An unreachable service is a retryable 503, so the
/// widget keeps the draft and tries again.
pub async fn verify_turnstile(env: &Env, secret: &str, token: &str, client_address: &str) -> Result<(), ApiError> {
    let url = edge::var(env, TURNSTILE_VERIFY_URL).unwrap_or_else(|| DEFAULT_TURNSTILE_VERIFY_URL.to_owned());
    let body = serde_json::json!({ "secret": secret, "response": token, "remoteip": client_address }).to_string();
    let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
    let mut response = post(&url, &headers, &body).await.map_err(internal)?;
    let answer: serde_json::Value = response.json().await.map_err(internal)?;
    turnstile::check_turnstile(&answer)
}

/// The ticket's attachments as uploaded, each with a link support can open, signed at `now` by the wall
/// clock (the download checks it against the same).
pub(crate) async fn uploaded_attachments(
    database: &D1Database,
    env: &Env,
    ids: &[String],
    origin: &str,
    now: i64,
) -> Result<Vec<Attachment>, ApiError> {
    let secret = keys::worker_key(env, WorkerKey::AttachmentLinks).await?;
    let mut found = Vec::new();
    for id in ids {
        let upload = attachments::unclaimed(database, id).await?.ok_or_else(|| {
            ApiError::for_field(
                400,
                "unknown_attachment",
                "attachments",
                format!(
                    "The attachment {id} was not uploaded here, or belongs to another ticket; attach the file again."
                ),
            )
        })?;
        let url = attachment_link(origin, &upload.id, &secret, now + ATTACHMENT_LINK_SECONDS);
        found.push(Attachment {
            id: upload.id,
            name: upload.name,
            media_type: upload.media_type,
            bytes: upload.bytes as u64,
            url,
        });
    }
    Ok(found)
}

/// Refuses a ticket whose requester, an address no identity vouches for, was already written to
/// [`MAX_UNVERIFIED_TICKETS_PER_RECIPIENT_HOUR`] times in the hour before `now`: the helpdesk acknowledges
/// every ticket by email, and the form must not become a way to send mail to someone else's inbox.
async fn limit_acknowledgements(database: &D1Database, email: &str, now: i64) -> Result<(), ApiError> {
    const HOUR: i64 = 3600;
    let recent = tickets::requested_by_since(database, email, &format_time(now - HOUR)).await?;
    if recent < MAX_UNVERIFIED_TICKETS_PER_RECIPIENT_HOUR {
        return Ok(());
    }
    let refused = ApiError::for_field(
        429,
        "recipient_limited",
        "email",
        "This email address was sent several tickets in the last hour. Your message is kept; please send it \
         again later, or sign in to the product first.",
    );
    Err(refused.retry_after(HOUR as u32))
}

/// The allowance of ticket lookups (views, ratings, "my tickets") per address: enough for a person,
/// too few to try view tokens.
pub(crate) async fn limit_lookups(request: &Request, env: &Env) -> Result<(), ApiError> {
    let keys = [edge::client_key(request)?];
    edge::limit(env, Limit::Lookups, &keys, "Too many ticket lookups from this address; try again in a minute.").await
}

/// A ticket by its number, for whoever may see it: the holder of its view token, or the verified
/// customer who filed it. Anything else gets the same 404 as a number that does not exist.
pub(crate) async fn ticket_for(
    database: &D1Database,
    env: &Env,
    number: &str,
    lookup: &TicketLookup,
) -> Result<CustomerTicket, ApiError> {
    let not_found = || ApiError::new(404, "ticket_not_found", "There is no ticket with this number and view token.");
    let allowed: Box<dyn Fn(&CustomerTicket) -> bool> = match (&lookup.token, &lookup.identity) {
        (Some(token), _) => {
            let token = ticket::normalize_view_token(token).ok_or_else(|| {
                ApiError::for_field(
                    400,
                    "invalid_token",
                    "token",
                    "A view token is 16 letters and digits, as XXXX-XXXX-XXXX-XXXX; copy it from the ticket's \
                     confirmation.",
                )
            })?;
            let hash = view_token_hash(&token);
            Box::new(move |ticket| ticket.view_token_hash.as_deref() == Some(hash.as_str()))
        }
        (None, Some(identity)) => {
            let customer = signed_customer(env, identity)?;
            let key = customer_key(&customer).map(str::to_owned);
            Box::new(move |ticket| key.is_some() && ticket.customer_id == key)
        }
        (None, None) => {
            return Err(ApiError::for_field(
                400,
                "required",
                "token",
                "Send the ticket's view token, or the identity your product signed.",
            ));
        }
    };
    tickets::by_number(database, number).await?.filter(|ticket| allowed(ticket)).ok_or_else(not_found)
}

/// `POST /api/tickets/{number}/view`: the ticket and its conversation, with the agents' replies the
/// customer has not read marked as new.
pub async fn view(mut request: Request, env: &Env, number: &str) -> ApiResult {
    limit_lookups(&request, env).await?;
    let lookup: TicketLookup =
        read_json(&mut request, &TicketLookup::FIELDS, TicketLookup::MAX_BYTES, "lookup").await?;
    let database = store::database(env)?;
    let ticket = ticket_for(&database, env, number, &lookup).await?;
    let events = tickets::events(&database, &ticket.number).await?;
    let moment = Moment::of(&request, env)?;
    let first_message = tickets::first_message(&database, &ticket.number).await?;
    let mut messages = vec![first_message];
    messages.extend(messages::thread(&database, &ticket.number).await?);
    // Each file opens through a link of its own, short-lived: the view is asked for each time it opens.
    let secret = keys::worker_key(env, WorkerKey::AttachmentLinks).await?;
    let origin = own_origin(&request)?;
    let links_expire_at = edge::unix_now() + THREAD_LINK_SECONDS;
    for attachment in messages.iter_mut().flat_map(|message| message.attachments.iter_mut()) {
        attachment.url = attachment_link(&origin, &attachment.id, &secret, links_expire_at);
    }
    let can_rate = lifecycle::can_rate(ticket.status, ticket.rating.as_deref());
    let reopen_days = edge::reopen_days(env)?;
    let solved_at = ticket.solved_at.map(|at| at as i64);
    let can_reply = conversation::reply_window(ticket.status, solved_at, moment.at, reopen_days) != ReplyWindow::Ended;
    let reply_until = match (ticket.status, solved_at) {
        (TicketStatus::Solved, Some(solved_at)) => Some(format_time(conversation::reply_until(solved_at, reopen_days))),
        _ => None,
    };
    let view = TicketView {
        number: ticket.number,
        subject: ticket.subject,
        status: ticket.status,
        created_at: ticket.created_at,
        expected_reply_at: ticket.expected_reply_at.unwrap_or_default(),
        events,
        rating: ticket.rating,
        can_rate,
        messages,
        can_reply,
        reply_until,
    };
    let mut response = json(200, &view)?;
    set_header(&mut response, "Cache-Control", "no-store")?;
    Ok(response)
}

/// `POST /api/tickets/{number}/read`: the customer opened the conversation; every agent reply so far is
/// read, and the unread count drops.
pub async fn read(mut request: Request, env: &Env, number: &str) -> ApiResult {
    limit_lookups(&request, env).await?;
    let read: TicketRead = read_json(&mut request, &TicketRead::FIELDS, TicketRead::MAX_BYTES, "read").await?;
    let database = store::database(env)?;
    let ticket = ticket_for(&database, env, number, &read.lookup()).await?;
    messages::mark_read(&database, &ticket.number, read.through, Moment::of(&request, env)?.at).await?;
    no_content()
}

/// `POST /api/tickets/{number}/rating`: good or bad, once the ticket is solved.
pub async fn rate(mut request: Request, env: &Env, number: &str) -> ApiResult {
    limit_lookups(&request, env).await?;
    let rating: TicketRating =
        read_json(&mut request, &TicketRating::FIELDS, TicketRating::MAX_BYTES, "rating").await?;
    let rating_value = lifecycle::check_rating(&rating.rating)?;
    let database = store::database(env)?;
    let ticket = ticket_for(&database, env, number, &rating.lookup()).await?;
    if !lifecycle::can_rate(ticket.status, ticket.rating.as_deref()) {
        return Err(ApiError::new(409, "cannot_rate", "Only a solved ticket can be rated, and only once."));
    }
    let comment = optional("comment", rating.comment, MAX_RATING_COMMENT_CHARS)?;
    tickets::rate(&database, &ticket.number, rating_value, comment.as_deref(), Moment::of(&request, env)?.at).await?;
    no_content()
}

/// `GET /api/form?locale=`: the contact form's topics, optional fields and labels.
pub async fn form(request: &Request, env: &Env) -> ApiResult {
    let support = assets::support(env).await?;
    let manifest = assets::manifest(env).await?;
    let locale = manifest.choose_locale(query_param(request, "locale")?.as_deref()).to_owned();
    let mut form = support.form(&locale);
    form.turnstile_site_key = edge::var(env, TURNSTILE_SITE_KEY);
    let mut response: Response = json(200, &form)?;
    set_header(&mut response, "Cache-Control", "public, max-age=300")?;
    Ok(response)
}
