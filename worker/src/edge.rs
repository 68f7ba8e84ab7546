//! What every handler shares at the edge, in one place: the clock, random bytes, the rate limits, the
//! worker's settings and secrets, and the operators' token.

use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::time::parse_time;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::{Env, Request};

use crate::http::{header, internal};

/// Operators' bearer token for the admin API (`wrangler secret put ADMIN_TOKEN`); attachment links have
/// a key of their own (`store::keys`).
pub const ADMIN_TOKEN: &str = "ADMIN_TOKEN";
/// Signs identities from the product's backend (`identify()` in the widget).
pub const IDENTITY_SECRET: &str = "IDENTITY_SECRET";
/// What the helpdesk signs its progress reports with (`POST /api/tickets/{number}/events`, inbound): a
/// secret of its own, so that whoever can verify our webhooks cannot forge reports to us.
pub const HELPDESK_EVENTS_SECRET: &str = "HELPDESK_EVENTS_SECRET";
/// With this secret set, every ticket needs a Turnstile token; `TURNSTILE_SITE_KEY` is what the widget shows.
pub const TURNSTILE_SECRET: &str = "TURNSTILE_SECRET";
pub const TURNSTILE_SITE_KEY: &str = "TURNSTILE_SITE_KEY";
/// Where Turnstile tokens are checked; a variable so tests can stand in for Cloudflare's service.
pub const TURNSTILE_VERIFY_URL: &str = "TURNSTILE_VERIFY_URL";
/// Who may call the API from a browser, and who may embed the frame.
pub const ALLOWED_ORIGINS: &str = "ALLOWED_ORIGINS";

/// The provider's chat-completions endpoint, e.g. Workers AI's
/// `https://api.cloudflare.com/client/v4/accounts/<account>/ai/v1/chat/completions`; unset, no answers.
pub const ANSWERS_URL: &str = "ANSWERS_URL";
/// Sent as `Authorization: Bearer …` when set (a Workers AI API token, an OpenAI key).
pub const ANSWERS_KEY: &str = "ANSWERS_KEY";

/// Days insights events are kept.
pub const INSIGHTS_RETENTION_DAYS: &str = "INSIGHTS_RETENTION_DAYS";
/// Only where this variable is `true` (tests, local demos) may a request set the time it is handled at.
const ALLOW_CLOCK_OVERRIDE: &str = "ALLOW_CLOCK_OVERRIDE";
/// The header that sets it: an RFC 3339 time.
const CLOCK_HEADER: &str = "X-Edgedesk-Now";

/// A variable from `wrangler.toml` (`[vars]`), when set and not empty.
pub fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|var| var.to_string()).filter(|value| !value.trim().is_empty())
}

/// A secret (`wrangler secret put`), when set and not empty: an empty secret would sign with no key.
pub fn secret(env: &Env, name: &str) -> Option<String> {
    env.secret(name).ok().map(|secret| secret.to_string()).filter(|value| !value.is_empty())
}

/// A secret that guards a feature: `None` when it is unset (the feature is off); when it is set but too
/// short to protect anything, the operator reads why in the log and the client gets `503 <off_code>`
/// saying `what` is off.
pub fn strong_secret(env: &Env, name: &str, off_code: &str, what: &str) -> Result<Option<String>, ApiError> {
    let secret = secret(env, name);
    match edgedesk_access::secrets::checked(name, secret.as_deref()) {
        Ok(secret) => Ok(secret.map(str::to_owned)),
        Err(too_short) => {
            worker::console_error!("{what} are refused: {too_short}");
            Err(ApiError::new(503, off_code, format!("{what} are off until the site's secret is fixed.")))
        }
    }
}

/// How many days a solved ticket takes replies (`REOPEN_DAYS`, a variable).
pub fn reopen_days(env: &Env) -> Result<u32, ApiError> {
    edgedesk_tickets::conversation::reopen_days(var(env, "REOPEN_DAYS")).map_err(internal)
}

/// A setting that may be given either way: the delivery backend's addresses and credentials.
pub fn setting(env: &Env, name: &str) -> Option<String> {
    var(env, name).or_else(|| secret(env, name))
}

/// Lets only the operator (`Authorization: Bearer <ADMIN_TOKEN>`) through.
pub fn authorize_admin(request: &Request, env: &Env) -> Result<(), ApiError> {
    let token = secret(env, ADMIN_TOKEN);
    edgedesk_access::admin::authorize(token.as_deref(), header(request, "Authorization")?.as_deref())
}

/// The moment something happens at. In tests (`ALLOW_CLOCK_OVERRIDE`) a request may move it with
/// `X-Edgedesk-Now`; the shift travels with the deliveries that request hands to the queue, so every
/// step of a ticket's way sees the same clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// Unix seconds.
    pub at: i64,
    /// How far the clock was moved; 0 in production.
    pub shift: i64,
}

impl Moment {
    /// The clock as it is.
    pub fn now() -> Moment {
        Moment { at: unix_now(), shift: 0 }
    }

    /// The moment a request is handled at: now, or the moment `X-Edgedesk-Now` names where allowed.
    pub fn of(request: &Request, env: &Env) -> Result<Moment, ApiError> {
        if !clock_can_move(env) {
            return Ok(Moment::now());
        }
        let Some(given) = header(request, CLOCK_HEADER)? else { return Ok(Moment::now()) };
        let at = parse_time(&given).ok_or_else(|| {
            ApiError::new(400, "invalid_time", format!("{CLOCK_HEADER} must be an RFC 3339 time, not {given:?}."))
        })?;
        Ok(Moment { at, shift: at - unix_now() })
    }

    /// The moment for work a request handed on (a queued delivery), moved as that request's clock was.
    pub fn shifted(env: &Env, shift: i64) -> Moment {
        let shift = if clock_can_move(env) { shift } else { 0 };
        Moment { at: unix_now() + shift, shift }
    }

    /// Whether the clock was moved: answers for another moment are not for caches.
    pub fn is_moved(&self) -> bool {
        self.shift != 0
    }
}

fn clock_can_move(env: &Env) -> bool {
    var(env, ALLOW_CLOCK_OVERRIDE).as_deref() == Some("true")
}

/// The wall clock, never moved: signatures carry it and are checked against it, because the other side
/// (a helpdesk, the product's backend) checks them against its own.
pub fn unix_now() -> i64 {
    (worker::Date::now().as_millis() / 1000) as i64
}

#[wasm_bindgen]
extern "C" {
    /// Web Crypto's CSPRNG, present in every Workers isolate.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn fill_random(bytes: &mut [u8]);
}

/// `N` bytes from the platform's cryptographic random source: ticket numbers, notice and attachment ids.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    fill_random(&mut bytes);
    bytes
}

/// `N` random bytes as lower-case hex: claim tokens, the worker's own keys.
pub fn random_hex<const N: usize>() -> String {
    random_bytes::<N>().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The rate limits (`[[ratelimits]]` in `wrangler.toml`), each counted per key a minute (a client address,
/// or for tickets also a verified customer); a refused
/// client is told to retry after [`crate::http::RATE_LIMIT_PERIOD_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Tickets, per address and per verified customer.
    Tickets,
    /// Attachment uploads.
    Uploads,
    /// Searches, article views, votes and deflections: far above what people send, low enough that a
    /// script can neither fill D1 nor skew the figures.
    Events,
    /// Looking tickets up (views, ratings, "my tickets"): view tokens are not to be guessed.
    Lookups,
}

impl Limit {
    fn binding(self) -> &'static str {
        match self {
            Limit::Tickets => "TICKET_LIMITER",
            Limit::Uploads => "UPLOAD_LIMITER",
            Limit::Events => "EVENT_LIMITER",
            Limit::Lookups => "LOOKUP_LIMITER",
        }
    }
}

/// The address a request came from, as Cloudflare reports it.
pub fn client_address(request: &Request) -> Result<String, ApiError> {
    Ok(header(request, "CF-Connecting-IP")?.unwrap_or_else(|| "unknown".into()))
}

/// Who the request counts as for limits and learning: its IPv4 address, or its IPv6 /64.
pub fn client_key(request: &Request) -> Result<String, ApiError> {
    Ok(edgedesk_access::addresses::client_key(&client_address(request)?))
}

/// Counts one request against each key; a `429 rate_limited` with `message` when any is over its
/// allowance (the response says when to retry).
pub async fn limit(env: &Env, limit: Limit, keys: &[String], message: &str) -> Result<(), ApiError> {
    let limiter = env.rate_limiter(limit.binding()).map_err(internal)?;
    let mut within = true;
    for key in keys {
        within &= limiter.limit(key.clone()).await.map_err(internal)?.success;
    }
    if within { Ok(()) } else { Err(ApiError::new(429, "rate_limited", message)) }
}

/// The shared allowance of events (searches, reading, votes, deflections) per address.
pub async fn limit_events(request: &Request, env: &Env) -> Result<(), ApiError> {
    let keys = [client_key(request)?];
    limit(env, Limit::Events, &keys, "Too many events from this address; try again in a minute.").await
}
