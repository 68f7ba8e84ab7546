//! The edge worker: HTTP in, edgedesk-core in the middle, D1 and static assets behind.
//!
//! Static files (demo page, `/embed.js`, widget, compiled knowledge base) are served by Workers Static
//! Assets before this code runs; only `/api/*` and unknown paths reach it.

use std::cell::RefCell;
use std::rc::Rc;

use edgedesk_core::api::{ApiError, Health, SearchResponse, TicketAccepted};
use edgedesk_core::search::{Query, SearchIndex};
use edgedesk_core::{cors, ticket};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::{Env, Headers, Method, Request, Response, event};

/// Binding and variable names, as declared in `wrangler.toml`.
const DATABASE: &str = "DB";
const ASSETS: &str = "ASSETS";
const ALLOWED_ORIGINS: &str = "ALLOWED_ORIGINS";

/// Where `edgedesk build` puts the search index inside the static assets.
const SEARCH_INDEX_ASSET: &str = "https://assets.invalid/kb/index.json";
/// A new number is drawn when one is already taken; three draws from 2^40 colliding means a broken
/// random source, not bad luck.
const TICKET_NUMBER_ATTEMPTS: usize = 3;

type ApiResult = Result<Response, ApiError>;

#[wasm_bindgen]
extern "C" {
    /// Web Crypto's CSPRNG, present in every Workers isolate.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn fill_random(bytes: &mut [u8]);
}

thread_local! {
    /// Parsed once per isolate and shared by every request it serves.
    static SEARCH_INDEX: RefCell<Option<Rc<SearchIndex>>> = const { RefCell::new(None) };
}

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: worker::Context) -> worker::Result<Response> {
    let origin = request.headers().get("Origin")?;
    let allowed_origins = env.var(ALLOWED_ORIGINS).map(|var| var.to_string()).unwrap_or_default();
    let own_origin = request.url()?.origin().ascii_serialization();
    let allowed_origin = origin.as_deref().and_then(|origin| cors::allow_origin(&allowed_origins, &own_origin, origin));

    let result = if origin.is_some() && allowed_origin.is_none() && request.method() != Method::Get {
        // A browser on a page we do not serve must not file tickets in our name, even where CORS
        // would only hide the answer from it after the fact.
        Err(ApiError::new(403, "origin_not_allowed", "This site is not allowed to use the support API."))
    } else if request.method() == Method::Options {
        preflight()
    } else {
        route(request, &env).await
    };

    let mut response = match result {
        Ok(response) => response,
        Err(error) => error_response(error)?,
    };
    if let Some(allowed_origin) = allowed_origin {
        let headers = response.headers_mut();
        headers.set("Access-Control-Allow-Origin", &allowed_origin)?;
        headers.set("Vary", "Origin")?;
    }
    Ok(response)
}

async fn route(request: Request, env: &Env) -> ApiResult {
    let path = request.path();
    match (request.method(), path.as_str()) {
        (Method::Get, "/api/health") => health(env).await,
        (Method::Get, "/api/search") => search(&request, env).await,
        (Method::Post, "/api/tickets") => create_ticket(request, env).await,
        (_, "/api/health" | "/api/search") => method_not_allowed("GET"),
        (_, "/api/tickets") => method_not_allowed("POST"),
        _ => Err(ApiError::not_found(&path)),
    }
}

async fn health(env: &Env) -> ApiResult {
    // A missing index is reported as 0 articles rather than as a failure: the worker itself is up.
    let articles = search_index(env).await.map_or(0, |index| index.len());
    json(200, &Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), articles })
}

async fn search(request: &Request, env: &Env) -> ApiResult {
    let url = request.url().map_err(internal)?;
    let param = |name: &str| url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned());
    let (text, locale, limit) = (param("q").unwrap_or_default(), param("locale"), param("limit"));
    let query = Query::from_params(&text, locale.as_deref(), limit.as_deref())?;
    let hits = search_index(env).await?.search(&query);
    let mut response = json(200, &SearchResponse { query: text.clone(), hits })?;
    // Results change only on deploy; a minute of caching absorbs keystroke bursts.
    set_header(&mut response, "Cache-Control", "public, max-age=60")?;
    Ok(response)
}

async fn create_ticket(mut request: Request, env: &Env) -> ApiResult {
    let content_type = request.headers().get("Content-Type").map_err(internal)?.unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::new(
            415,
            "unsupported_media_type",
            format!("Send the ticket as application/json, not {content_type:?}."),
        ));
    }
    // An honest Content-Length over the limit is refused before the body is read at all.
    let declared_length = request.headers().get("Content-Length").map_err(internal)?;
    if let Some(length) = declared_length.and_then(|length| length.parse::<usize>().ok()) {
        ticket::check_body_size(length)?;
    }
    let body = request.bytes().await.map_err(internal)?;
    let ticket = ticket::parse(&body)?;
    let user_agent = request.headers().get("User-Agent").map_err(internal)?;

    let database = env.d1(DATABASE).map_err(internal)?;
    for _ in 0..TICKET_NUMBER_ATTEMPTS {
        let mut random = [0u8; 5];
        fill_random(&mut random);
        let number = ticket::ticket_number(random);
        let inserted = database
            .prepare(
                "INSERT INTO tickets (number, name, email, subject, message, page_url, locale, user_agent) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (number) DO NOTHING",
            )
            .bind(&[
                number.as_str().into(),
                ticket.name.as_str().into(),
                ticket.email.as_str().into(),
                ticket.subject.as_str().into(),
                ticket.message.as_str().into(),
                nullable(ticket.page_url.as_deref()),
                nullable(ticket.locale.as_deref()),
                nullable(user_agent.as_deref()),
            ])
            .map_err(internal)?
            .run()
            .await
            .map_err(internal)?;
        let rows_written = inserted.meta().map_err(internal)?.and_then(|meta| meta.changes).unwrap_or(0);
        if rows_written == 1 {
            let message =
                format!("Thanks, {}! Your ticket number is {number}. We will reply to {}.", ticket.name, ticket.email);
            return json(202, &TicketAccepted { number, status: "received".into(), message });
        }
    }
    Err(internal("no free ticket number after several attempts"))
}

/// D1 stores SQL NULL only for JavaScript `null`; `undefined` (what `None` becomes) is refused.
fn nullable(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}

fn preflight() -> ApiResult {
    let headers = Headers::new();
    let set = |name: &str, value: &str| headers.set(name, value).map_err(internal);
    set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")?;
    set("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key")?;
    set("Access-Control-Max-Age", "86400")?;
    Ok(Response::empty().map_err(internal)?.with_status(204).with_headers(headers))
}

async fn search_index(env: &Env) -> Result<Rc<SearchIndex>, ApiError> {
    if let Some(index) = SEARCH_INDEX.with_borrow(Clone::clone) {
        return Ok(index);
    }
    let unavailable = |detail: String| {
        worker::console_error!("search index unavailable: {detail}");
        ApiError::new(503, "search_unavailable", "Search is not available right now; the knowledge base was not built.")
    };
    let mut response = env
        .assets(ASSETS)
        .map_err(|error| unavailable(error.to_string()))?
        .fetch(SEARCH_INDEX_ASSET, None)
        .await
        .map_err(|error| unavailable(error.to_string()))?;
    if response.status_code() != 200 {
        return Err(unavailable(format!("{SEARCH_INDEX_ASSET} answered {}", response.status_code())));
    }
    let json = response.text().await.map_err(|error| unavailable(error.to_string()))?;
    let index: Rc<SearchIndex> = Rc::new(serde_json::from_str(&json).map_err(|error| unavailable(error.to_string()))?);
    SEARCH_INDEX.set(Some(Rc::clone(&index)));
    Ok(index)
}

fn json(status: u16, body: &impl serde::Serialize) -> ApiResult {
    Ok(Response::from_json(body).map_err(internal)?.with_status(status))
}

fn set_header(response: &mut Response, name: &str, value: &str) -> Result<(), ApiError> {
    response.headers_mut().set(name, value).map_err(internal)
}

fn method_not_allowed(allowed: &str) -> ApiResult {
    let error = ApiError::new(405, "method_not_allowed", format!("Use {allowed} for this endpoint."));
    let mut response = error_response(error).map_err(internal)?;
    set_header(&mut response, "Allow", allowed)?;
    Ok(response)
}

/// Platform failures (D1 down, a binding missing) are logged in full for operators and reported to the
/// client as a retryable 503 that leaks nothing.
fn internal(error: impl std::fmt::Display) -> ApiError {
    worker::console_error!("internal error: {error}");
    ApiError::new(503, "unavailable", "The support service is temporarily unavailable; please try again.")
}

fn error_response(error: ApiError) -> worker::Result<Response> {
    let status = error.status;
    Ok(Response::from_json(&error.into_body())?.with_status(status))
}
